//! `public/catalog.json`: the handler's only view of the mentors.
//!
//! Schema (version [`CATALOG_SCHEMA_VERSION`]; documented in ARCHITECTURE.md):
//! `{ "schema_version", "site": {title, base_url, api_url}, "taxonomy", "matching",
//!    "mentors": [CatalogMentor] }` — mentors sorted by slug, no bios.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Matching, Taxonomy};

/// Bump when a field changes meaning or disappears; the handler refuses other versions.
pub const CATALOG_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogMentor {
    pub slug: String,
    pub name: String,
    /// The name's reading in kana, when the profile gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<String>,
    pub title: String,
    pub industry: String,
    pub company_size: String,
    pub age_band: String,
    pub job_functions: Vec<String>,
    pub topics: Vec<String>,
    pub tags: Vec<String>,
    pub accepting: bool,
    pub capacity: u32,
    pub summary: String,
    /// Site-relative URL of the profile page, e.g. `/mentors/sato/`.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogSite {
    pub title: String,
    pub base_url: String,
    pub api_url: String,
    /// The online briefing sessions listed in content/site.yaml; the handler accepts a
    /// briefing sign-up only for one of these dates. Absent in catalogs built before them.
    #[serde(default)]
    pub briefings: Vec<CatalogBriefing>,
}

/// One online briefing session (オンライン説明会).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogBriefing {
    /// `YYYY-MM-DD`, the value the sign-up form sends.
    pub date: String,
    /// As written in site.yaml, e.g. `10:00〜11:00`.
    pub time: String,
    /// Most sign-ups the date takes (site.yaml `capacity`); `None`: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub schema_version: u32,
    pub site: CatalogSite,
    pub taxonomy: Taxonomy,
    pub matching: Matching,
    pub mentors: Vec<CatalogMentor>,
    /// The privacy policy a submission consents to (issue 15). Absent in catalogs built
    /// before it (then submissions are stored without a consent stamp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<CatalogConsent>,
}

/// The privacy policy's current version and every recorded one, with the hash of the text
/// each stands for (content/pages/privacy.md `version`, content/privacy-versions.yaml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogConsent {
    /// The version the forms show now.
    pub version: u32,
    /// Version → SHA-256 (hex) of that version's notice and policy text. A page cached from
    /// before a change posts its older version, which is stored with its own hash.
    pub versions: std::collections::BTreeMap<u32, String>,
}

impl CatalogConsent {
    /// The hash of `version`'s text, if that version was ever published.
    pub fn hash_of(&self, version: u32) -> Option<&str> {
        self.versions.get(&version).map(String::as_str)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read catalog {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("catalog {} is not valid: {message} (rebuild it with `generator build`)", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl Catalog {
    pub fn from_file(path: &Path) -> Result<Catalog, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Catalog::parse(&text).map_err(|message| CatalogError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses and checks what the handler relies on: the schema version, the rules,
    /// and that every mentor's ids exist in the taxonomy.
    pub fn parse(text: &str) -> Result<Catalog, String> {
        let catalog: Catalog = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if catalog.schema_version != CATALOG_SCHEMA_VERSION {
            return Err(format!(
                "schema_version {} but this program reads {}",
                catalog.schema_version, CATALOG_SCHEMA_VERSION
            ));
        }
        catalog.taxonomy.rules().map_err(|e| e.to_string())?;
        let t = &catalog.taxonomy;
        for m in &catalog.mentors {
            let known = t.industries.contains_key(&m.industry)
                && t.company_sizes.contains_key(&m.company_size)
                && t.age_bands.contains_key(&m.age_band)
                && m.job_functions
                    .iter()
                    .all(|id| t.job_functions.contains_key(id))
                && m.topics.iter().all(|id| t.topics.contains_key(id))
                && m.tags.iter().all(|id| t.mentor_tags.contains_key(id));
            if !known {
                return Err(format!(
                    "mentor \"{}\" uses an id missing from the taxonomy",
                    m.slug
                ));
            }
        }
        Ok(catalog)
    }

    pub fn mentor(&self, slug: &str) -> Option<&CatalogMentor> {
        self.mentors
            .binary_search_by(|m| m.slug.as_str().cmp(slug))
            .ok()
            .map(|i| &self.mentors[i])
    }
}
