//! The catalog, prepared once at start for fast scoring.
//!
//! Scoring one application against 10,000 mentors must take under 2 ms, so the
//! per-mentor loop works on small integers and bit sets instead of strings. The
//! truth of every preference rule still comes from [`MatchRule::is_met`] (the
//! one definition of the rule language): it is evaluated here, at start, for
//! each mentor and each value the applicant side of the rule could take.

use mikke_catalog::{ApplicantFacts, Catalog, CatalogMentor, MatchRule, Vocab};

/// A set of vocabulary positions. One bit is kept for "the applicant left it empty".
pub type Bits = u128;

/// Largest vocabulary the bit sets can hold (the last bit stands for "empty").
pub const MAX_VOCAB: usize = 127;

/// The position of "left empty" in a per-value truth table.
pub(crate) const EMPTY_BIT: u32 = 127;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IndexError {
    #[error("taxonomy vocabulary \"{vocab}\" has {len} entries; the handler supports at most {MAX_VOCAB}")]
    VocabTooLarge { vocab: &'static str, len: usize },
    #[error("taxonomy preference \"{id}\": {message}")]
    Rule { id: String, message: String },
}

/// Which applicant field a preference rule reads, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApplicantField {
    Industry,
    CompanySize,
    AgeBand,
    JobFunction,
}

impl ApplicantField {
    fn parse(name: &str) -> ApplicantField {
        match name {
            "industry" => ApplicantField::Industry,
            "company_size" => ApplicantField::CompanySize,
            "age_band" => ApplicantField::AgeBand,
            _ => ApplicantField::JobFunction,
        }
    }

    pub(crate) fn vocab(self, catalog: &Catalog) -> &Vocab {
        let t = &catalog.taxonomy;
        match self {
            ApplicantField::Industry => &t.industries,
            ApplicantField::CompanySize => &t.company_sizes,
            ApplicantField::AgeBand => &t.age_bands,
            ApplicantField::JobFunction => &t.job_functions,
        }
    }

    pub(crate) fn facts(self, value: Option<&str>) -> ApplicantFacts<'_> {
        let mut facts = ApplicantFacts::default();
        match self {
            ApplicantField::Industry => facts.industry = value,
            ApplicantField::CompanySize => facts.company_size = value,
            ApplicantField::AgeBand => facts.age_band = value,
            ApplicantField::JobFunction => facts.job_function = value,
        }
        facts
    }
}

/// One preference of the taxonomy with its parsed rule.
#[derive(Debug, Clone)]
pub(crate) struct Wish {
    pub id: String,
    pub label: String,
    pub rule: MatchRule,
    /// `None` when the rule only looks at the mentor.
    pub reads: Option<ApplicantField>,
}

/// A mentor reduced to positions in the taxonomy.
#[derive(Debug, Clone)]
pub(crate) struct MentorBits {
    pub industry: u16,
    pub age_band: u16,
    pub job_functions: Bits,
    pub topics: Bits,
    pub tags: Bits,
}

/// The catalog with everything scoring needs precomputed. Built once at start.
#[derive(Debug)]
pub struct Matcher {
    pub(crate) catalog: Catalog,
    pub(crate) wishes: Vec<Wish>,
    pub(crate) mentors: Vec<MentorBits>,
    /// `truth[m * wishes.len() + w]`: for which applicant values wish `w` is met by mentor `m`
    /// (bit 0 alone for rules that ignore the applicant; [`EMPTY_BIT`] for "left empty").
    pub(crate) truth: Vec<Bits>,
    /// Per situation position: the mentor tags that speak to it (from `matching.situation_tags`).
    pub(crate) situation_tags: Vec<Bits>,
}

impl Matcher {
    pub fn new(mut catalog: Catalog) -> Result<Matcher, IndexError> {
        let t = &catalog.taxonomy;
        for (vocab, len) in [
            ("industries", t.industries.len()),
            ("company_sizes", t.company_sizes.len()),
            ("job_functions", t.job_functions.len()),
            ("age_bands", t.age_bands.len()),
            ("mentor_tags", t.mentor_tags.len()),
            ("topics", t.topics.len()),
            ("situations", t.situations.len()),
        ] {
            if len > MAX_VOCAB {
                return Err(IndexError::VocabTooLarge { vocab, len });
            }
        }
        // Ties are broken by slug; keeping mentors in slug order makes that the index order.
        catalog.mentors.sort_by(|a, b| a.slug.cmp(&b.slug));

        let wishes = catalog
            .taxonomy
            .preferences
            .iter()
            .map(|(id, p)| {
                let rule = MatchRule::parse(&p.rule).map_err(|e| IndexError::Rule {
                    id: id.clone(),
                    message: e.to_string(),
                })?;
                let reads = match &rule {
                    MatchRule::SameAsApplicant { applicant, .. }
                    | MatchRule::ApplicantIn { applicant, .. } => {
                        Some(ApplicantField::parse(applicant))
                    }
                    _ => None,
                };
                Ok(Wish {
                    id: id.clone(),
                    label: p.label.clone(),
                    rule,
                    reads,
                })
            })
            .collect::<Result<Vec<_>, IndexError>>()?;

        let mut mentors = Vec::with_capacity(catalog.mentors.len());
        let mut truth = Vec::with_capacity(catalog.mentors.len() * wishes.len());
        for m in &catalog.mentors {
            mentors.push(mentor_bits(&catalog, m));
            for wish in &wishes {
                truth.push(truth_table(&catalog, wish, m));
            }
        }
        let situation_tags = catalog
            .taxonomy
            .situations
            .keys()
            .map(|s| match catalog.matching.situation_tags.get(s) {
                Some(tags) => bits(&catalog.taxonomy.mentor_tags, tags),
                None => 0,
            })
            .collect();
        Ok(Matcher {
            catalog,
            wishes,
            mentors,
            truth,
            situation_tags,
        })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }
}

fn truth_table(catalog: &Catalog, wish: &Wish, mentor: &CatalogMentor) -> Bits {
    match wish.reads {
        None => Bits::from(wish.rule.is_met(mentor, &ApplicantFacts::default())),
        Some(field) => {
            let mut table: Bits = 0;
            for (i, value) in field.vocab(catalog).keys().enumerate() {
                if wish.rule.is_met(mentor, &field.facts(Some(value))) {
                    table |= 1 << i;
                }
            }
            if wish.rule.is_met(mentor, &field.facts(None)) {
                table |= 1 << EMPTY_BIT;
            }
            table
        }
    }
}

fn mentor_bits(catalog: &Catalog, m: &CatalogMentor) -> MentorBits {
    let t = &catalog.taxonomy;
    MentorBits {
        industry: position(&t.industries, &m.industry),
        age_band: position(&t.age_bands, &m.age_band),
        job_functions: bits(&t.job_functions, &m.job_functions),
        topics: bits(&t.topics, &m.topics),
        tags: bits(&t.mentor_tags, &m.tags),
    }
}

/// Position of `id` in `vocab`; `u16::MAX` for an id the vocabulary lacks
/// (`Catalog::parse` rejects those, so it only guards hand-built catalogs).
pub(crate) fn position(vocab: &Vocab, id: &str) -> u16 {
    vocab.get_index_of(id).map_or(u16::MAX, |i| i as u16)
}

pub(crate) fn bits(vocab: &Vocab, ids: &[String]) -> Bits {
    ids.iter()
        .filter_map(|id| vocab.get_index_of(id.as_str()))
        .fold(0, |acc, i| acc | (1 << i))
}
