//! What the index knows about one mentor: her searchable fields (normalised) and facet values.

use mikke_catalog::Taxonomy;

use super::normalize::{normalize, short_reading};
use crate::content::Mentor;
use crate::render::FACETS;

/// A searchable field: its bit in a posting's field mask (1 << its index) and its ranking weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub bit: u8,
    pub weight: u32,
}

/// Name, title and vocabulary labels are what a visitor scans a card for, so they outrank the
/// summary, which outranks the long bio. The browser reads the weights from meta.json.
pub const FIELDS: [Field; 5] = [
    Field {
        name: "name",
        bit: 1,
        weight: 10,
    },
    Field {
        name: "title",
        bit: 2,
        weight: 6,
    },
    Field {
        name: "labels",
        bit: 4,
        weight: 6,
    },
    Field {
        name: "summary",
        bit: 8,
        weight: 3,
    },
    Field {
        name: "bio",
        bit: 16,
        weight: 1,
    },
];

/// One mentor's searchable texts, in [`FIELDS`] order, not yet normalised.
pub fn field_texts(mentor: &Mentor, taxonomy: &Taxonomy) -> [String; FIELDS.len()] {
    let front = &mentor.front;
    [
        name_and_reading(&front.name, front.name_kana.as_deref()),
        front.title.clone(),
        labels(mentor, taxonomy),
        mentor.summary.clone(),
        mentor.bio_text.clone(),
    ]
}

/// The name, then on lines of their own her reading and its short form ([`short_reading`]),
/// so 「たかはし」 and, typed in romaji, "takahashi" or "yuko" (ゆうこ) find her.
fn name_and_reading(name: &str, reading: Option<&str>) -> String {
    let Some(reading) = reading else {
        return name.to_string();
    };
    let folded = normalize(reading);
    let short = short_reading(&folded);
    if short == folded {
        format!("{name}\n{reading}")
    } else {
        format!("{name}\n{reading}\n{short}")
    }
}

/// Every vocabulary label the mentor carries, one per line, so searching 理系 finds a mentor
/// tagged `stem` whose bio never says it. Lines keep labels from forming bigrams across them.
fn labels(mentor: &Mentor, taxonomy: &Taxonomy) -> String {
    let mut out = Vec::new();
    for facet in FACETS {
        let vocab = taxonomy.vocab(facet.kind);
        for id in facet.values(mentor) {
            if let Some(label) = vocab.get(id) {
                out.push(label.as_str());
            }
        }
    }
    out.join("\n")
}
