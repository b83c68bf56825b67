//! The loaded, validated content every later stage reads. Nothing here does I/O.

use std::path::PathBuf;

use mikke_catalog::mail::MailSettings;
use mikke_catalog::{Matching, Taxonomy};

use super::mail::MailContent;
use serde::{Deserialize, Serialize};

/// A mentor profile's front matter, exactly as staff write it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentorFrontMatter {
    pub name: String,
    /// The name's reading in kana (e.g. たかはし まい): search finds her by it, in kana or romaji.
    #[serde(default)]
    pub name_kana: Option<String>,
    pub title: String,
    pub industry: String,
    pub company_size: String,
    pub age_band: String,
    pub job_functions: Vec<String>,
    pub topics: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default = "default_accepting")]
    pub accepting: bool,
    #[serde(default = "default_capacity")]
    pub capacity: u32,
    #[serde(default)]
    pub summary: Option<String>,
    /// Path under `content/`, e.g. `photos/sato.jpg`.
    #[serde(default)]
    pub photo: Option<String>,
}

fn default_accepting() -> bool {
    true
}

fn default_capacity() -> u32 {
    3
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mentor {
    /// File stem of `content/mentors/<slug>.md`.
    pub slug: String,
    /// Relative to the root, e.g. `content/mentors/sato.md` (for messages).
    pub source: PathBuf,
    #[serde(flatten)]
    pub front: MentorFrontMatter,
    /// `front.summary`, or the bio's first sentence when staff gave none.
    pub summary: String,
    /// Sanitised HTML of the bio.
    pub bio_html: String,
    /// The bio as plain text (search index, snippets).
    pub bio_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageFrontMatter {
    pub title: String,
    #[serde(default)]
    pub order: i32,
    #[serde(default)]
    pub version: Option<u32>,
    #[serde(default)]
    pub notice: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// File stem of `content/pages/<slug>.md`; served at `/<slug>/`.
    pub slug: String,
    pub source: PathBuf,
    pub title: String,
    pub order: i32,
    pub body_html: String,
    /// The first sentence of the body (≤ 80 chars): the page's meta description.
    pub description: String,
    /// The privacy page's version and form notice (other pages have neither).
    pub version: Option<u32>,
    pub notice: Option<String>,
    /// SHA-256 (hex) of the notice and the Markdown as written: what a version stands for.
    pub text_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Briefing {
    pub date: String,
    pub time: String,
    #[serde(default)]
    pub note: String,
    /// Most sign-ups the date takes; none: no limit.
    #[serde(default)]
    pub capacity: Option<u32>,
}

/// `content/site.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    #[serde(default)]
    pub tagline: String,
    pub base_url: String,
    pub api_url: String,
    pub contact_email: String,
    #[serde(default)]
    pub briefings: Vec<Briefing>,
    /// How the service sends mail (issue 13); without it the site sends none.
    #[serde(default)]
    pub mail: Option<MailSettings>,
    /// Cards per page of the directory (`/`, `/mentors/page/N/`); a facet value's page lists
    /// `render::LINES_PER_CARD` times as many one-line entries. What keeps every page light
    /// at any number of mentors. Default [`DEFAULT_PAGE_SIZE`].
    #[serde(default = "default_page_size")]
    pub page_size: usize,
}

/// 50 cards: a phone scrolls them in a minute; the home page stays ~40 KB gzip.
pub const DEFAULT_PAGE_SIZE: usize = 50;

fn default_page_size() -> usize {
    DEFAULT_PAGE_SIZE
}

#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    /// The repository root the content was loaded from.
    pub root: PathBuf,
    pub site: SiteConfig,
    pub taxonomy: Taxonomy,
    pub matching: Matching,
    /// Sorted by slug.
    pub mentors: Vec<Mentor>,
    /// Sorted by (order, slug).
    pub pages: Vec<Page>,
    /// Templates, contacts and join details when site.yaml has `mail:` (private: never in
    /// `public/`, only in the bundle `mail.json`).
    pub mail: Option<MailContent>,
    /// The privacy policy's version and notice the forms show (content::consent).
    pub consent: Option<mikke_catalog::CatalogConsent>,
}
