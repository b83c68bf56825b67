//! Facet definitions for meta.json and the per-mentor facet bitsets.
//!
//! The browser needs every mentor's values of a facet to count "how many would each value
//! leave" for any query, so a facet's column (a bitset per mentor; about 4 bytes per mentor
//! for all seven after gzip at 10,000 mentors) is loaded whole when its counts are shown or
//! it filters. Which labels a shown card carries comes with its record ([`super::docs`]).

use mikke_catalog::Taxonomy;
use serde::Serialize;

use crate::content::Mentor;
use crate::render::FACETS;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacetMeta {
    /// URL parameter (`?industry=it`), the front matter field name.
    pub key: String,
    /// The fieldset legend.
    pub label: String,
    /// Whether a mentor can carry several values (shown as such to the visitor).
    pub multi: bool,
    /// Static listing page per value (`/industries/<id>/`), for links.
    pub dir: String,
    pub values: Vec<FacetValueMeta>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacetValueMeta {
    pub id: String,
    pub label: String,
    /// Mentors carrying this value with no query and no filter.
    pub count: usize,
}

/// The accepting-now toggle is stored as a facet with one value.
pub const ACCEPTING_KEY: &str = "accepting";

/// Each mentor's values per facet as value indexes, facets in [`definitions`] order.
pub fn mentor_values(mentor: &Mentor, taxonomy: &Taxonomy) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = FACETS
        .iter()
        .map(|facet| {
            let vocab = taxonomy.vocab(facet.kind);
            facet
                .values(mentor)
                .iter()
                .filter_map(|id| vocab.get_index_of(id))
                .collect()
        })
        .collect();
    out.push(if mentor.front.accepting {
        vec![0]
    } else {
        Vec::new()
    });
    out
}

/// Facet definitions with unfiltered counts, from the taxonomy (the one home of labels).
pub fn definitions(taxonomy: &Taxonomy, values: &[Vec<Vec<usize>>]) -> Vec<FacetMeta> {
    let mut defs: Vec<FacetMeta> = FACETS
        .iter()
        .map(|facet| FacetMeta {
            key: facet.field.to_string(),
            label: facet.heading.to_string(),
            multi: matches!(facet.field, "job_functions" | "tags" | "topics"),
            dir: facet.dir.to_string(),
            values: taxonomy
                .vocab(facet.kind)
                .iter()
                .map(|(id, label)| FacetValueMeta {
                    id: id.clone(),
                    label: label.clone(),
                    count: 0,
                })
                .collect(),
        })
        .collect();
    defs.push(FacetMeta {
        key: ACCEPTING_KEY.to_string(),
        label: "受付状況".to_string(),
        multi: false,
        dir: String::new(),
        values: vec![FacetValueMeta {
            id: "1".to_string(),
            label: "今すぐ申し込めるメンターだけ".to_string(),
            count: 0,
        }],
    });
    for mentor in values {
        for (facet, ids) in defs.iter_mut().zip(mentor) {
            for &i in ids {
                facet.values[i].count += 1;
            }
        }
    }
    defs
}

/// Bytes per mentor for a facet's bitset.
pub fn width(value_count: usize) -> usize {
    value_count.div_ceil(8).max(1)
}

/// Bytes of a facet's column for `mentors` mentors (see [`encode_one`]).
pub fn column_len(value_count: usize, mentors: usize) -> usize {
    if value_count == 1 {
        mentors.div_ceil(8)
    } else {
        width(value_count) * mentors
    }
}

/// One facet's column (`f/{f}.bin` of a sharded index): for each mentor in order, a
/// little-endian bitset of `width(values)` bytes; a facet of one value (the accepting toggle)
/// is instead one bit per mentor (bit `d % 8` of byte `d / 8`), since its column is read on
/// every first query (at 100,000 mentors: 9.2 → 6.7 KB). The browser fetches any other
/// column only when it filters by it or shows its counts, so a first query does not pay for
/// all seven.
pub fn encode_one(def: &FacetMeta, f: usize, values: &[Vec<Vec<usize>>]) -> Vec<u8> {
    let mut out = vec![0u8; column_len(def.values.len(), values.len())];
    if def.values.len() == 1 {
        for (d, mentor) in values.iter().enumerate() {
            if !mentor[f].is_empty() {
                out[d / 8] |= 1 << (d % 8);
            }
        }
        return out;
    }
    let w = width(def.values.len());
    for (d, mentor) in values.iter().enumerate() {
        for &i in &mentor[f] {
            out[d * w + i / 8] |= 1 << (i % 8);
        }
    }
    out
}

/// The single-file layout's facets: each facet's column ([`encode_one`]) in order.
pub fn encode(defs: &[FacetMeta], values: &[Vec<Vec<usize>>]) -> Vec<u8> {
    defs.iter()
        .enumerate()
        .flat_map(|(f, def)| encode_one(def, f, values))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs_with(counts: &[usize]) -> Vec<FacetMeta> {
        counts
            .iter()
            .enumerate()
            .map(|(i, &n)| FacetMeta {
                key: format!("f{i}"),
                label: String::new(),
                multi: true,
                dir: String::new(),
                values: (0..n)
                    .map(|v| FacetValueMeta {
                        id: v.to_string(),
                        label: String::new(),
                        count: 0,
                    })
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn a_facet_of_one_value_is_one_bit_per_mentor() {
        let defs = defs_with(&[1]);
        let values: Vec<Vec<Vec<usize>>> = (0..10)
            .map(|d| vec![if d % 3 == 0 { vec![0] } else { vec![] }])
            .collect();
        // mentors 0, 3, 6, 9
        assert_eq!(encode(&defs, &values), vec![0b0100_1001, 0b10]);
        assert_eq!(column_len(1, 10), 2);
    }

    #[test]
    fn bitsets_are_facet_major_and_widen_past_eight_values() {
        let defs = defs_with(&[3, 10]);
        let values = vec![vec![vec![2], vec![0, 9]], vec![vec![], vec![8]]];
        assert_eq!(encode(&defs, &values), vec![0b100, 0, 0b1, 0b10, 0, 0b1]);
    }
}
