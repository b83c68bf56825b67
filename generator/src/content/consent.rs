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

#[cfg(test)]
mod tests {
    use super::*;

    fn privacy(version: u32, text: &str) -> Page {
        Page {
            slug: PRIVACY_PAGE.into(),
            source: "content/pages/privacy.md".into(),
            title: "プライバシーポリシー".into(),
            order: 9,
            body_html: String::new(),
            description: String::new(),
            version: Some(version),
            notice: Some("お知らせ".into()),
            text_hash: notice_hash(Some("お知らせ"), text),
        }
    }

    fn run(page: &Page, versions: Option<&str>) -> (Option<CatalogConsent>, Vec<String>) {
        let root = tempfile::TempDir::new().unwrap();
        if let Some(v) = versions {
            std::fs::create_dir_all(root.path().join("content")).unwrap();
            std::fs::write(root.path().join(VERSIONS_FILE), v).unwrap();
        }
        let mut problems = Vec::new();
        let consent = check(root.path(), std::slice::from_ref(page), &mut problems);
        (
            consent,
            problems.iter().map(|p| p.message.clone()).collect(),
        )
    }

    #[test]
    fn line_ends_and_trailing_blanks_are_not_a_new_text() {
        assert_eq!(
            notice_hash(Some("a"), "本文\n"),
            notice_hash(Some("a\r\n"), "本文\r\n\r\n")
        );
        assert_ne!(
            notice_hash(Some("a"), "本文"),
            notice_hash(Some("b"), "本文")
        );
        assert_ne!(notice_hash(None, "本文"), notice_hash(None, "本文。"));
    }

    #[test]
    fn a_recorded_version_gives_the_catalog_every_version() {
        let page = privacy(2, "第2版");
        let file = format!(
            "- version: 1\n  sha256: {}\n- {{ version: 2, sha256: {} }}\n",
            "a".repeat(64),
            page.text_hash
        );
        let (consent, problems) = run(&page, Some(&file));
        assert_eq!(problems, Vec::<String>::new());
        let consent = consent.unwrap();
        assert_eq!(consent.version, 2);
        assert_eq!(consent.hash_of(1), Some("a".repeat(64).as_str()));
        assert_eq!(consent.hash_of(2), Some(page.text_hash.as_str()));
    }

    #[test]
    fn a_version_twice_or_going_down_is_refused() {
        let page = privacy(1, "第1版");
        let file = format!("- {{ version: 1, sha256: {h} }}\n- {{ version: 1, sha256: {h} }}\n- {{ version: 2, sha256: {h} }}\n", h = page.text_hash);
        let (_, problems) = run(&page, Some(&file));
        assert!(
            problems.iter().any(|p| p.contains("recorded twice")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("older than 2")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_versions_file_that_is_not_a_list_says_so() {
        let (_, problems) = run(&privacy(1, "x"), Some("version: 1\n"));
        assert!(problems[0].contains("is not a list"), "{problems:?}");
    }

    #[test]
    fn a_site_without_a_privacy_page_or_versions_asks_nothing() {
        let mut page = privacy(1, "x");
        page.version = None;
        assert_eq!(run(&page, None), (None, vec![]));
        let (_, problems) = run(&page, Some("[]"));
        assert!(problems[0].contains("needs a `version:`"), "{problems:?}");
    }
}
