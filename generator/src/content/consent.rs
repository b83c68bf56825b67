//! The privacy policy a submission consents to (issue 15). `content/pages/privacy.md` carries
//! a `version` and the short `notice` the forms show above their consent box; every published
//! version is recorded in `content/privacy-versions.yaml` with the SHA-256 of its text (notice
//! and policy as written). Editing the text without raising the version is an error, so a
//! stored submission's version always names the words she was shown.

use std::collections::BTreeMap;
use std::path::Path;

use mikke_catalog::CatalogConsent;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::model::Page;
use crate::diagnostics::Problem;

/// The page whose version submissions record.
pub const PRIVACY_PAGE: &str = "privacy";
/// Every published version and its text's hash.
pub const VERSIONS_FILE: &str = "content/privacy-versions.yaml";

/// SHA-256 (hex) of the notice and the Markdown body, line ends and trailing blanks ignored
/// (a checkout on Windows or an editor's final newline is not a new policy).
pub fn notice_hash(notice: Option<&str>, body: &str) -> String {
    let tidy = |t: &str| t.replace("\r\n", "\n").trim_end().to_string();
    let mut hash = Sha256::new();
    hash.update(tidy(notice.unwrap_or_default()).as_bytes());
    hash.update(b"\n\0\n");
    hash.update(tidy(body).as_bytes());
    format!("{:x}", hash.finalize())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recorded {
    version: u32,
    sha256: String,
}

/// The consent the forms ask for, or problems naming the fix. `None` without problems when
/// the site has no versioned privacy page (fixtures, a site without forms).
pub fn check(root: &Path, pages: &[Page], problems: &mut Vec<Problem>) -> Option<CatalogConsent> {
    let page = pages.iter().find(|p| p.slug == PRIVACY_PAGE)?;
    let file_exists = root.join(VERSIONS_FILE).exists();
    let Some(version) = page.version else {
        if file_exists {
            problems.push(Problem::field(
                &page.source,
                None,
                "version",
                format!("the privacy page needs a `version:` (the newest in {VERSIONS_FILE}), so each submission records which text she agreed to"),
            ));
        }
        return None;
    };
    let line_of = |field: &str| {
        std::fs::read_to_string(root.join(&page.source))
            .ok()
            .and_then(|t| t.lines().position(|l| l.starts_with(&format!("{field}:"))))
            .map(|i| i + 1)
    };
    if page.notice.as_deref().is_none_or(|n| n.trim().is_empty()) {
        problems.push(Problem::field(
            &page.source,
            None,
            "notice",
            "the privacy page needs a `notice:` — the purposes of use and who receives her details, shown on every form above the consent box",
        ));
    }
    // One line (flow style is a valid entry of the block list), so the report stays one
    // line per problem.
    let entry = format!("- {{ version: {version}, sha256: {} }}", page.text_hash);
    let recorded: Vec<Recorded> = match std::fs::read_to_string(root.join(VERSIONS_FILE)) {
        Ok(text) => match serde_yaml::from_str::<Option<Vec<Recorded>>>(&text) {
            Ok(list) => list.unwrap_or_default(),
            Err(e) => {
                let line = e.location().map(|l| l.line());
                problems.push(Problem::new(
                    VERSIONS_FILE,
                    line,
                    format!("is not a list of `- version: N` / `sha256: …` entries ({e})"),
                ));
                return None;
            }
        },
        Err(_) => {
            problems.push(Problem::new(
                VERSIONS_FILE,
                None,
                format!("is missing: create it with the privacy page's version as its first line: {entry}"),
            ));
            return None;
        }
    };
    let mut versions = BTreeMap::new();
    for r in &recorded {
        if versions.insert(r.version, r.sha256.clone()).is_some() {
            problems.push(Problem::new(
                VERSIONS_FILE,
                None,
                format!("version {} is recorded twice: keep the first", r.version),
            ));
        }
    }
    match versions.get(&version) {
        Some(hash) if *hash == page.text_hash => {}
        Some(_) => problems.push(Problem::field(
            &page.source,
            line_of("version"),
            "version",
            format!(
                "the privacy text changed but its version is still {version}: set `version: {next}` and add the line `- {{ version: {next}, sha256: {hash} }}` to {VERSIONS_FILE}",
                next = version + 1,
                hash = page.text_hash
            ),
        )),
        None => problems.push(Problem::new(
            VERSIONS_FILE,
            None,
            format!("version {version} of the privacy page is not recorded: add the line `{entry}`"),
        )),
    }
    if let Some(newest) = versions.keys().next_back().filter(|&&v| v > version) {
        problems.push(Problem::field(
            &page.source,
            line_of("version"),
            "version",
            format!(
                "version {version} is older than {newest} in {VERSIONS_FILE}: versions only go up"
            ),
        ));
    }
    versions.insert(version, page.text_hash.clone());
    Some(CatalogConsent { version, versions })
}
