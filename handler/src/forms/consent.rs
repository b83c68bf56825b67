//! The consent stamp a submission is stored with (issue 15): the privacy policy version the
//! form showed (its hidden `consent_version`) and the hash of that version's text, from the
//! catalog. A page cached from before a change posts its older version, which is stored as
//! such; a version never published is refused with a Japanese message (reload the page).

use mikke_catalog::Catalog;
use serde::Serialize;

use super::fields::Checker;

/// What she agreed to: kept in the record beside her answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentStamp {
    pub version: u32,
    /// SHA-256 (hex) of that version's notice and policy text (content/privacy-versions.yaml).
    pub notice_sha256: String,
}

pub const STALE_MESSAGE: &str = "プライバシーポリシーが改定されています。ページを読み込み直し、内容をご確認のうえ、もう一度お送りください";

/// Reads `consent_version` (absent: the current version — API clients and old pages) and
/// resolves it against the catalog. `None` when the catalog predates consent versions.
pub fn stamp(c: &mut Checker<'_>, catalog: &Catalog) -> Option<ConsentStamp> {
    let posted = c.code("consent_version", "プライバシーポリシーの版", 1..=9);
    let consent = catalog.consent.as_ref()?;
    if c.has_error("consent_version") {
        return None;
    }
    let version = match posted {
        None => consent.version,
        Some(text) => match text.parse::<u32>() {
            Ok(v) => v,
            Err(_) => {
                c.fail("consent_version", STALE_MESSAGE);
                return None;
            }
        },
    };
    match consent.hash_of(version) {
        Some(hash) => Some(ConsentStamp {
            version,
            notice_sha256: hash.to_string(),
        }),
        None => {
            c.fail("consent", STALE_MESSAGE);
            None
        }
    }
}
