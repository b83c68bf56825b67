//! `content/taxonomy.yaml`: every vocabulary the site, forms, filters and scoring use.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::rule::{MatchRule, RuleError};

/// id → Japanese label, in the order staff wrote them (the order forms and filters show).
pub type Vocab = IndexMap<String, String>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preference {
    pub label: String,
    /// A rule such as `mentor.tags has stem`; see [`MatchRule`] for the grammar.
    #[serde(rename = "match")]
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub label: String,
    pub sessions: u32,
}

/// Read through [`RawTaxonomy`], so an entry may also be written `id: {label: …, aliases: […]}`
/// (its aliases join [`Taxonomy::aliases`] under its label); written back plain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawTaxonomy")]
pub struct Taxonomy {
    pub industries: Vocab,
    pub company_sizes: Vocab,
    pub job_functions: Vocab,
    pub age_bands: Vocab,
    pub mentor_tags: Vocab,
    pub topics: Vocab,
    pub situations: Vocab,
    pub preferences: IndexMap<String, Preference>,
    pub plans: IndexMap<String, Plan>,
    /// A word the labels use → other ways visitors write it (readings, synonyms, English):
    /// the directory search treats each as the word, so 「かんりしょく」 finds 管理職.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub aliases: IndexMap<String, Vec<String>>,
}

/// `taxonomy.yaml` as staff may write it: a vocabulary entry is a label, or a label with the
/// other words visitors search it by.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxonomy {
    industries: RawVocab,
    company_sizes: RawVocab,
    job_functions: RawVocab,
    age_bands: RawVocab,
    mentor_tags: RawVocab,
    topics: RawVocab,
    situations: RawVocab,
    preferences: IndexMap<String, Preference>,
    plans: IndexMap<String, Plan>,
    #[serde(default)]
    aliases: IndexMap<String, Vec<String>>,
}

type RawVocab = IndexMap<String, RawEntry>;

enum RawEntry {
    Label(String),
    WithAliases(EntryWithAliases),
}

/// By hand rather than `untagged`: a wrong value keeps serde's own message ("invalid type:
/// sequence, expected a string", with the key's path), which staff are shown with the line.
impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RawEntry, D::Error> {
        use serde::de::{self, MapAccess, Visitor};
        struct Entry;
        impl<'de> Visitor<'de> for Entry {
            type Value = RawEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawEntry, E> {
                Ok(RawEntry::Label(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawEntry, E> {
                Ok(RawEntry::Label(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawEntry, E> {
                Ok(RawEntry::Label(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawEntry, A::Error> {
                EntryWithAliases::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawEntry::WithAliases)
            }
        }
        d.deserialize_any(Entry)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryWithAliases {
    label: String,
    aliases: Vec<String>,
}

impl From<RawTaxonomy> for Taxonomy {
    fn from(raw: RawTaxonomy) -> Taxonomy {
        let mut aliases = raw.aliases;
        let mut plain = |vocab: RawVocab| -> Vocab {
            vocab
                .into_iter()
                .map(|(id, entry)| match entry {
                    RawEntry::Label(label) => (id, label),
                    RawEntry::WithAliases(e) => {
                        let group = aliases.entry(e.label.clone()).or_default();
                        for alias in e.aliases {
                            if !group.contains(&alias) {
                                group.push(alias);
                            }
                        }
                        (id, e.label)
                    }
                })
                .collect()
        };
        Taxonomy {
            industries: plain(raw.industries),
            company_sizes: plain(raw.company_sizes),
            job_functions: plain(raw.job_functions),
            age_bands: plain(raw.age_bands),
            mentor_tags: plain(raw.mentor_tags),
            topics: plain(raw.topics),
            situations: plain(raw.situations),
            preferences: raw.preferences,
            plans: raw.plans,
            aliases,
        }
    }
}

/// The plain id → label vocabularies, named as in the YAML file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VocabKind {
    Industries,
    CompanySizes,
    JobFunctions,
    AgeBands,
    MentorTags,
    Topics,
    Situations,
}

impl VocabKind {
    pub const ALL: [VocabKind; 7] = [
        VocabKind::Industries,
        VocabKind::CompanySizes,
        VocabKind::JobFunctions,
        VocabKind::AgeBands,
        VocabKind::MentorTags,
        VocabKind::Topics,
        VocabKind::Situations,
    ];

    /// The key of this vocabulary in `taxonomy.yaml`.
    pub fn key(self) -> &'static str {
        match self {
            VocabKind::Industries => "industries",
            VocabKind::CompanySizes => "company_sizes",
            VocabKind::JobFunctions => "job_functions",
            VocabKind::AgeBands => "age_bands",
            VocabKind::MentorTags => "mentor_tags",
            VocabKind::Topics => "topics",
            VocabKind::Situations => "situations",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TaxonomyError {
    #[error("{0}")]
    Yaml(String),
    #[error("{vocab}: id \"{id}\" must be lower-case ASCII letters, digits and '_' (it is used in URLs, forms and stored records)")]
    BadId { vocab: String, id: String },
    #[error("{vocab}: the list is empty; add at least one entry")]
    Empty { vocab: String },
    #[error("preferences.{id}.match: {source}")]
    Rule { id: String, source: RuleError },
    #[error("plans.{id}.sessions must be at least 1")]
    NoSessions { id: String },
    #[error("aliases.{word}: no label contains \"{word}\"; an alias entry starts from a word the labels use, e.g. 管理職: [かんりしょく, manager]")]
    AliasWordUnused { word: String },
    #[error("aliases.{word}: \"{alias}\" is not one word; write it without spaces or punctuation (the search compares whole words)")]
    AliasNotOneWord { word: String, alias: String },
    #[error("aliases.{word}: the list is empty; give the readings or synonyms visitors may type, e.g. {word}: [よみがな, synonym]")]
    AliasesEmpty { word: String },
}

impl Taxonomy {
    /// Parses and checks a taxonomy; every problem is returned, not just the first.
    pub fn parse(text: &str) -> Result<Taxonomy, Vec<TaxonomyError>> {
        let taxonomy: Taxonomy =
            serde_yaml::from_str(text).map_err(|e| vec![TaxonomyError::Yaml(e.to_string())])?;
        let errors = taxonomy.problems();
        if errors.is_empty() {
            Ok(taxonomy)
        } else {
            Err(errors)
        }
    }

    pub fn vocab(&self, kind: VocabKind) -> &Vocab {
        match kind {
            VocabKind::Industries => &self.industries,
            VocabKind::CompanySizes => &self.company_sizes,
            VocabKind::JobFunctions => &self.job_functions,
            VocabKind::AgeBands => &self.age_bands,
            VocabKind::MentorTags => &self.mentor_tags,
            VocabKind::Topics => &self.topics,
            VocabKind::Situations => &self.situations,
        }
    }

    /// Every label of the plain vocabularies (what the directory shows and searches).
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        VocabKind::ALL
            .into_iter()
            .flat_map(move |kind| self.vocab(kind).values().map(String::as_str))
    }

    /// Each preference's rule, parsed. Only fails on a taxonomy that [`Taxonomy::parse`] rejected.
    pub fn rules(&self) -> Result<IndexMap<String, MatchRule>, TaxonomyError> {
        self.preferences
            .iter()
            .map(|(id, p)| {
                MatchRule::parse(&p.rule)
                    .map(|r| (id.clone(), r))
                    .map_err(|source| TaxonomyError::Rule {
                        id: id.clone(),
                        source,
                    })
            })
            .collect()
    }

    fn problems(&self) -> Vec<TaxonomyError> {
        let mut errors = Vec::new();
        let mut check_ids = |vocab: &str, ids: &mut dyn Iterator<Item = &String>| {
            let mut any = false;
            for id in ids {
                any = true;
                if !is_valid_id(id) {
                    errors.push(TaxonomyError::BadId {
                        vocab: vocab.into(),
                        id: id.clone(),
                    });
                }
            }
            if !any {
                errors.push(TaxonomyError::Empty {
                    vocab: vocab.into(),
                });
            }
        };
        for kind in VocabKind::ALL {
            check_ids(kind.key(), &mut self.vocab(kind).keys());
        }
        check_ids("preferences", &mut self.preferences.keys());
        check_ids("plans", &mut self.plans.keys());
        for (id, p) in &self.preferences {
            if let Err(source) = MatchRule::parse(&p.rule) {
                errors.push(TaxonomyError::Rule {
                    id: id.clone(),
                    source,
                });
            }
        }
        for (id, plan) in &self.plans {
            if plan.sessions == 0 {
                errors.push(TaxonomyError::NoSessions { id: id.clone() });
            }
        }
        for (word, aliases) in &self.aliases {
            if !self.labels().any(|label| label.contains(word.as_str())) {
                errors.push(TaxonomyError::AliasWordUnused { word: word.clone() });
            }
            for alias in aliases {
                if !alias.is_empty() && !alias.chars().all(char::is_alphanumeric) {
                    errors.push(TaxonomyError::AliasNotOneWord {
                        word: word.clone(),
                        alias: alias.clone(),
                    });
                }
            }
            if aliases.iter().all(|a| a.trim().is_empty()) {
                errors.push(TaxonomyError::AliasesEmpty { word: word.clone() });
            }
        }
        errors
    }
}

/// Ids appear in URLs, form values and DynamoDB items, so they stay boring.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = include_str!("../../content/taxonomy.yaml");

    #[test]
    fn project_taxonomy_parses_with_every_rule() {
        let t = Taxonomy::parse(REFERENCE).expect("content/taxonomy.yaml is valid");
        assert_eq!(t.industries.get("it").map(String::as_str), Some("IT・通信"));
        assert_eq!(t.rules().unwrap().len(), t.preferences.len());
        assert_eq!(t.plans["standard"].sessions, 3);
        assert!(t.aliases["管理職"].contains(&"かんりしょく".to_string()));
    }

    #[test]
    fn an_entry_may_carry_its_own_aliases_and_is_written_back_plain() {
        let text = REFERENCE.replace(
            "  stem: 理系\n",
            "  stem: {label: 理系, aliases: [りけい, 理工系出身]}\n",
        );
        let t = Taxonomy::parse(&text).unwrap();
        assert_eq!(t.mentor_tags["stem"], "理系");
        // Joined with the file's own 理系 entry under `aliases:`.
        assert!(t.aliases["理系"].contains(&"理工系出身".to_string()));
        assert!(t.aliases["理系"].contains(&"STEM".to_string()));
        assert_eq!(
            t.aliases["理系"].iter().filter(|a| *a == "りけい").count(),
            1
        );
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains(r#""stem":"理系""#), "{json}");
        assert_eq!(serde_json::from_str::<Taxonomy>(&json).unwrap(), t);
    }

    #[test]
    fn an_alias_entry_must_start_from_a_label_word_and_list_something() {
        // The project's own aliases replaced by three bad entries.
        let without = REFERENCE.split("\naliases:").next().unwrap();
        let text = format!(
            "{without}\naliases:\n  管理職: [かんりしょく, role model]\n  宇宙: [うちゅう]\n  育休: []\n"
        );
        let errors = Taxonomy::parse(&text).unwrap_err();
        assert_eq!(
            errors,
            vec![
                TaxonomyError::AliasNotOneWord {
                    word: "管理職".into(),
                    alias: "role model".into()
                },
                TaxonomyError::AliasWordUnused {
                    word: "宇宙".into()
                },
                TaxonomyError::AliasesEmpty {
                    word: "育休".into()
                },
            ]
        );
    }

    #[test]
    fn bad_ids_and_rules_are_all_reported() {
        let text = REFERENCE
            .replace("  it: IT・通信", "  IT: IT・通信")
            .replace("mentor.tags has stem", "mentor.tags contains stem");
        let errors = Taxonomy::parse(&text).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].to_string().contains("industries: id \"IT\""));
        assert!(errors[1].to_string().starts_with("preferences.stem.match"));
    }
}
