//! The browsable facets: which vocabulary each one uses, where its pages live, what it is called,
//! and which mentors carry each value. Labels always come from the taxonomy; only the facet
//! headings (業種, 年代, …) live here, because taxonomy.yaml names values, not vocabularies.

use indexmap::IndexMap;
use mikke_catalog::{Taxonomy, VocabKind};

use crate::content::Mentor;

use super::RenderError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facet {
    pub kind: VocabKind,
    /// URL segment: `/<dir>/` lists the values, `/<dir>/<id>/` the mentors with one value.
    pub dir: &'static str,
    /// The facet's heading on the site.
    pub heading: &'static str,
    /// The front matter field it reads (for error messages).
    pub field: &'static str,
}

/// In the order the site shows them.
pub const FACETS: [Facet; 6] = [
    Facet {
        kind: VocabKind::Industries,
        dir: "industries",
        heading: "業種",
        field: "industry",
    },
    Facet {
        kind: VocabKind::CompanySizes,
        dir: "company-sizes",
        heading: "企業規模",
        field: "company_size",
    },
    Facet {
        kind: VocabKind::JobFunctions,
        dir: "job-functions",
        heading: "職種",
        field: "job_functions",
    },
    Facet {
        kind: VocabKind::AgeBands,
        dir: "age-bands",
        heading: "年代",
        field: "age_band",
    },
    Facet {
        kind: VocabKind::MentorTags,
        dir: "tags",
        heading: "メンターの経験",
        field: "tags",
    },
    Facet {
        kind: VocabKind::Topics,
        dir: "topics",
        heading: "相談できるテーマ",
        field: "topics",
    },
];

impl Facet {
    pub fn of(kind: VocabKind) -> Facet {
        FACETS
            .into_iter()
            .find(|f| f.kind == kind)
            .expect("every browsable vocabulary has a facet")
    }

    /// The ids a mentor carries in this facet (one for single-valued fields).
    pub fn values<'m>(&self, mentor: &'m Mentor) -> &'m [String] {
        let front = &mentor.front;
        match self.kind {
            VocabKind::Industries => std::slice::from_ref(&front.industry),
            VocabKind::CompanySizes => std::slice::from_ref(&front.company_size),
            VocabKind::AgeBands => std::slice::from_ref(&front.age_band),
            VocabKind::JobFunctions => &front.job_functions,
            VocabKind::MentorTags => &front.tags,
            VocabKind::Topics => &front.topics,
            VocabKind::Situations => &[],
        }
    }

    pub fn index_url(&self) -> String {
        format!("/{}/", self.dir)
    }

    pub fn value_url(&self, id: &str) -> String {
        format!("/{}/{}/", self.dir, id)
    }

    /// The label of `id`, or an error naming the mentor file that used an unknown id.
    /// Content is validated before rendering, so this only fires if validation missed a case.
    pub fn label<'t>(
        &self,
        taxonomy: &'t Taxonomy,
        mentor: &Mentor,
        id: &str,
    ) -> Result<&'t str, RenderError> {
        taxonomy
            .vocab(self.kind)
            .get(id)
            .map(String::as_str)
            .ok_or_else(|| RenderError::UnknownId {
                source_path: mentor.source.clone(),
                field: self.field,
                id: id.to_string(),
                vocab: self.kind.key(),
            })
    }
}

/// Every value of the facet's vocabulary, in taxonomy order, with the indexes (into `mentors`)
/// of the mentors carrying it. Values nobody carries are kept: their page says so.
pub fn group<'t>(
    facet: Facet,
    taxonomy: &'t Taxonomy,
    mentors: &[Mentor],
) -> IndexMap<&'t str, Vec<usize>> {
    let vocab = taxonomy.vocab(facet.kind);
    let mut groups: IndexMap<&str, Vec<usize>> =
        vocab.keys().map(|id| (id.as_str(), Vec::new())).collect();
    for (i, mentor) in mentors.iter().enumerate() {
        for id in facet.values(mentor) {
            // A mentor listing the same id twice appears once.
            if let Some(list) = groups.get_mut(id.as_str()) {
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_support::{mentor, taxonomy};

    #[test]
    fn grouping_lists_exactly_the_mentors_with_each_value_in_taxonomy_order() {
        let t = taxonomy();
        let mentors = vec![
            mentor("aoki", "it", &["parenting", "stem"]),
            mentor("baba", "finance", &["stem"]),
            mentor("chiba", "it", &[]),
        ];
        let industries = group(Facet::of(VocabKind::Industries), &t, &mentors);
        assert_eq!(
            industries.keys().copied().collect::<Vec<_>>(),
            ["it", "finance", "retail"]
        );
        assert_eq!(industries["it"], [0, 2]);
        assert_eq!(industries["finance"], [1]);
        assert!(
            industries["retail"].is_empty(),
            "values nobody carries keep a page"
        );

        let tags = group(Facet::of(VocabKind::MentorTags), &t, &mentors);
        assert_eq!(tags["stem"], [0, 1]);
        assert_eq!(tags["parenting"], [0]);
    }

    #[test]
    fn a_value_listed_twice_counts_the_mentor_once() {
        let t = taxonomy();
        let mentors = vec![mentor("aoki", "it", &["stem", "stem"])];
        let tags = group(Facet::of(VocabKind::MentorTags), &t, &mentors);
        assert_eq!(tags["stem"], [0]);
    }

    #[test]
    fn labels_come_from_the_taxonomy_and_unknown_ids_name_the_file() {
        let t = taxonomy();
        let m = mentor("aoki", "it", &[]);
        let facet = Facet::of(VocabKind::Industries);
        assert_eq!(facet.label(&t, &m, "it").unwrap(), "IT・通信");
        let err = facet.label(&t, &m, "IT").unwrap_err().to_string();
        assert_eq!(
            err,
            "content/mentors/aoki.md: industry \"IT\" is not in content/taxonomy.yaml (industries)"
        );
    }

    #[test]
    fn facet_urls_use_the_directory_segment() {
        let f = Facet::of(VocabKind::CompanySizes);
        assert_eq!(f.index_url(), "/company-sizes/");
        assert_eq!(f.value_url("sme"), "/company-sizes/sme/");
    }
}
