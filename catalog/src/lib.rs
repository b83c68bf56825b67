//! The facts the generator and the handler must agree on, in one place:
//! the vocabulary (`content/taxonomy.yaml`), the matching weights
//! (`content/matching.yaml`), the preference rules, the `catalog.json` schema and the mail
//! contract (templates and their placeholders, the private `mail.json` bundle: [`mail`]).
//!
//! The generator loads and validates these and writes `catalog.json`; the handler
//! reads `catalog.json` only. Both use the types below, so a change of schema is a
//! compile error on both sides, not a runtime surprise.

pub mod assets;
mod catalog;
pub mod mail;
mod matching;
mod rule;
mod taxonomy;

pub use catalog::{
    Catalog, CatalogBriefing, CatalogConsent, CatalogError, CatalogMentor, CatalogSite,
    CATALOG_SCHEMA_VERSION,
};
pub use matching::{Followup, Matching, Weights};
pub use rule::{ApplicantFacts, MatchRule, RuleError};
pub use taxonomy::{Plan, Preference, Taxonomy, TaxonomyError, Vocab, VocabKind};
