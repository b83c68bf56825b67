//! Loading and validating `content/`: front matter, profiles, pages, taxonomy, site settings.
//!
//! [`load`] reads every file, checks everything and either returns the whole [`Content`]
//! or every problem found (never just the first): settings first (profiles are checked
//! against the taxonomy), then all profiles and pages in parallel, then what needs every
//! file at once (duplicate slugs, links between pages).
//!
//! Slugs: the slug is the file stem and files may sit in subfolders of `content/mentors/`
//! (staff may group them), so `a/sato.md` and `b/sato.md` are duplicates. Slugs are compared
//! case-insensitively, because `Sato.md` and `sato.md` cannot coexist on macOS or Windows
//! checkouts; every file sharing a slug is reported, naming the others.

pub mod consent;
mod fields;
mod front_matter;
pub mod mail;
mod model;
mod plain_yaml;
mod profile;
mod routes;
mod settings;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use mikke_catalog::Taxonomy;
use rayon::prelude::*;

use crate::diagnostics::{Problem, Problems};
use crate::markdown::Link;

pub use front_matter::{split, Split, SplitError, YamlLines};
pub use model::{
    Briefing, Content, Mentor, MentorFrontMatter, Page, PageFrontMatter, SiteConfig,
    DEFAULT_PAGE_SIZE,
};
pub use profile::{parse_mentor, parse_page, Parsed, MENTOR_FIELDS, PAGE_FIELDS};
pub use routes::{reserved_segments, Routes, FACET_ROUTES, FORM_ROUTES};
pub use settings::{is_base_url, parse_matching, parse_site, parse_taxonomy, BASE_URL_RULE};

pub const MENTORS_DIR: &str = "content/mentors";
pub const PAGES_DIR: &str = "content/pages";

/// Loads and validates everything under `root/content`, with `/static/` links checked
/// against `root/templates/static`.
pub fn load(root: &Path) -> Result<Content, Problems> {
    load_with_templates(root, &root.join("templates"))
}

/// As [`load`], for a root whose templates live elsewhere (test fixtures share the real ones).
pub fn load_with_templates(root: &Path, templates_dir: &Path) -> Result<Content, Problems> {
    if !root.join("content").is_dir() {
        // One clear line instead of a missing-file problem for every settings file.
        return Err(Problems::from_vec(vec![Problem::new(
            "content",
            None,
            format!(
                "no content folder in {}; run from the repository root or pass --root DIR",
                root.display()
            ),
        )]));
    }
    let mut problems = Vec::new();
    let site = keep(
        read(root, settings::SITE_FILE).and_then(|t| parse_site(&t)),
        &mut problems,
    );
    let taxonomy = keep(
        read(root, fields::TAXONOMY_FILE).and_then(|t| parse_taxonomy(&t)),
        &mut problems,
    );
    let matching = keep(
        read(root, settings::MATCHING_FILE).and_then(|t| parse_matching(&t, taxonomy.as_ref())),
        &mut problems,
    );

    let mentor_files = discover(root, MENTORS_DIR, &mut problems);
    let page_files = discover(root, PAGES_DIR, &mut problems);
    check_page_slugs(&page_files, &mut problems);

    let content_dir = root.join("content");
    let photo_exists = |p: &str| content_dir.join(p).is_file();
    let mentors: Vec<Parsed<Mentor>> = mentor_files
        .par_iter()
        .map(|f| match read(root, &f.source) {
            Ok(text) => parse_mentor(&text, &f.source, &f.slug, taxonomy.as_ref(), &photo_exists),
            Err(problems) => Parsed {
                item: None,
                links: Vec::new(),
                problems,
            },
        })
        .collect();
    let pages: Vec<Parsed<Page>> = page_files
        .par_iter()
        .map(|f| match read(root, &f.source) {
            Ok(text) => parse_page(&text, &f.source, &f.slug),
            Err(problems) => Parsed {
                item: None,
                links: Vec::new(),
                problems,
            },
        })
        .collect();

    // Links are checked against every file found, valid or not, so one broken profile
    // does not also turn every link to it into a second problem.
    let template_pages = template_pages(templates_dir);
    let routes = Routes::new(
        mentor_files.iter().map(|f| f.slug.as_str()),
        page_files
            .iter()
            .map(|f| f.slug.as_str())
            .chain(template_pages.iter().map(String::as_str)),
        taxonomy.as_ref(),
        templates_dir.join("static"),
        site.as_ref()
            .map(|s| s.base_url.trim_end_matches('/').to_string()),
    );
    let sources = mentor_files.iter().chain(&page_files).map(|f| &f.source);
    let all_links = mentors
        .iter()
        .map(|p| &p.links)
        .chain(pages.iter().map(|p| &p.links));
    for (source, links) in sources.zip(all_links) {
        problems.extend(check_links(&routes, source, links));
    }

    let mut mentors: Vec<Mentor> = mentors
        .into_iter()
        .filter_map(|p| {
            problems.extend(p.problems);
            p.item
        })
        .collect();
    let mut pages: Vec<Page> = pages
        .into_iter()
        .filter_map(|p| {
            problems.extend(p.problems);
            p.item
        })
        .collect();

    let mail = site
        .as_ref()
        .and_then(|s| load_mail(root, s, &mentor_files, &mentors, &mut problems));
    let consent = consent::check(root, &pages, &mut problems);

    match (site, taxonomy, matching) {
        (Some(site), Some(taxonomy), Some(matching)) if problems.is_empty() => {
            mentors.sort_by(|a, b| a.slug.cmp(&b.slug));
            pages.sort_by(|a, b| (a.order, &a.slug).cmp(&(b.order, &b.slug)));
            Ok(Content {
                root: root.to_path_buf(),
                site,
                taxonomy,
                matching,
                mentors,
                pages,
                mail,
                consent,
            })
        }
        _ => Err(Problems::from_vec(problems)),
    }
}

/// The mail part (templates, contacts, join details) when site.yaml turns mail on; when it
/// does not, mail files lying about are reported rather than silently unused.
fn load_mail(
    root: &Path,
    site: &SiteConfig,
    mentor_files: &[Found],
    mentors: &[Mentor],
    problems: &mut Vec<Problem>,
) -> Option<mail::MailContent> {
    let Some(settings) = &site.mail else {
        for dir in [mail::MAIL_DIR, "content/private"] {
            if root.join(dir).is_dir() {
                problems.push(Problem::new(
                    dir,
                    None,
                    format!("is not used because {} has no mail: section; add one (see the README) or remove the folder", settings::SITE_FILE),
                ));
            }
        }
        return None;
    };
    let templates = mail::load_templates(root, problems);
    // A map, not a search per file: at 100,000 mentors that search was quadratic.
    let accepting: HashMap<&str, bool> = mentors
        .iter()
        .map(|m| (m.slug.as_str(), m.front.accepting))
        .collect();
    let refs: Vec<mail::MentorRef<'_>> = mentor_files
        .iter()
        .map(|f| mail::MentorRef {
            slug: &f.slug,
            accepting: accepting.get(f.slug.as_str()).copied(),
        })
        .collect();
    let contacts = keep(
        read(root, mail::CONTACTS_FILE).and_then(|t| mail::parse_contacts(&t, &refs)),
        problems,
    );
    let dates: Vec<String> = site.briefings.iter().map(|b| b.date.clone()).collect();
    let briefings = if dates.is_empty() && !root.join(mail::BRIEFING_JOIN_FILE).exists() {
        Some(Default::default())
    } else {
        keep(
            read(root, mail::BRIEFING_JOIN_FILE)
                .and_then(|t| mail::parse_briefing_join(&t, &dates)),
            problems,
        )
    };
    Some(mail::MailContent {
        settings: settings.clone(),
        templates: templates?,
        contacts: contacts?,
        briefings: briefings?,
    })
}

/// `templates/pages/<path>.html` renders to `/<path>/` even without a content page.
fn template_pages(templates_dir: &Path) -> Vec<String> {
    let dir = templates_dir.join("pages");
    walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(&dir)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            rel.strip_suffix(".html").map(str::to_string)
        })
        .collect()
}

fn keep<T>(result: Result<T, Vec<Problem>>, problems: &mut Vec<Problem>) -> Option<T> {
    result.map_err(|p| problems.extend(p)).ok()
}

/// A Markdown file found under a content folder.
#[derive(Debug, Clone)]
struct Found {
    /// Relative to the root.
    source: PathBuf,
    slug: String,
}

/// Every `.md` file under `dir` (recursively, sorted), with bad and duplicate slugs reported
/// on every file concerned.
/// A missing folder simply holds no files.
fn discover(root: &Path, dir: &str, problems: &mut Vec<Problem>) -> Vec<Found> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                // A missing folder is fine; anything else (permissions) is worth saying.
                if e.depth() > 0 || root.join(dir).exists() {
                    let path = e.path().map_or_else(|| dir.into(), |p| relative(root, p));
                    problems.push(Problem::new(path, None, format!("cannot be read: {e}")));
                }
                continue;
            }
        };
        let path = relative(root, entry.path());
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if entry.file_type().is_file() && !hidden && is_markdown(&path, problems) {
            paths.push(path);
        }
    }
    paths.sort();

    let found: Vec<Found> = paths
        .into_iter()
        .map(|source| {
            let slug = source
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !is_valid_slug(&slug) {
                problems.push(bad_slug(&source, &slug));
            }
            Found { source, slug }
        })
        .collect();
    let mut by_slug: HashMap<String, Vec<&Path>> = HashMap::new();
    for f in &found {
        by_slug
            .entry(f.slug.to_lowercase())
            .or_default()
            .push(&f.source);
    }
    for f in &found {
        let others: Vec<String> = by_slug[&f.slug.to_lowercase()]
            .iter()
            .filter(|p| **p != f.source)
            .map(|p| crate::diagnostics::display_path(p))
            .collect();
        if !others.is_empty() {
            problems.push(Problem::new(
                &f.source,
                None,
                format!(
                    "slug \"{}\" is also used by {}; rename all but one of these files (the file name is the slug and the page's URL)",
                    f.slug,
                    others.join(", ")
                ),
            ));
        }
    }
    found
}

/// `.md` files are content. A file that looks meant to be one (`sato.markdown`, `sato.MD`,
/// `sato.txt`, `sato`) is reported rather than silently left out of the site; anything else
/// (say, images beside the profiles) is left alone.
fn is_markdown(path: &Path, problems: &mut Vec<Problem>) -> bool {
    let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase());
    if path.extension().is_some_and(|e| e == "md") {
        return true;
    }
    if ext
        .as_deref()
        .is_none_or(|e| ["md", "markdown", "txt", "text"].contains(&e))
    {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        problems.push(Problem::new(
            path,
            None,
            format!("is not read because only .md files are content; rename it to {stem}.md"),
        ));
    }
    false
}

/// Slugs become URLs (`/mentors/<slug>/`), so they stay boring: `[a-z0-9-]+`.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn bad_slug(source: &Path, slug: &str) -> Problem {
    let suggested: String = slug
        .to_lowercase()
        .chars()
        .map(|c| {
            if c == ' ' || c == '_' || c == '.' {
                '-'
            } else {
                c
            }
        })
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .collect();
    let suggested = suggested.trim_matches('-');
    let example = if suggested.is_empty() {
        "sato-hanako"
    } else {
        suggested
    };
    Problem::new(
        source,
        None,
        format!(
            "file name \"{slug}\" is not a valid slug: use only lower-case letters a-z, digits and \"-\" (it becomes the page's URL); rename the file, e.g. to {example}.md"
        ),
    )
}

/// Content pages live at `/<slug>/`, so they may not take a path the generator uses.
fn check_page_slugs(pages: &[Found], problems: &mut Vec<Problem>) {
    for page in pages {
        if reserved_segments().any(|r| r == page.slug) {
            problems.push(Problem::new(
                &page.source,
                None,
                format!(
                    "page slug \"{}\" is taken by the site itself (/{}/); rename the file",
                    page.slug, page.slug
                ),
            ));
        }
    }
}

fn check_links(routes: &Routes, source: &Path, links: &[Link]) -> Vec<Problem> {
    links
        .iter()
        .filter_map(|l| {
            routes
                .check(&l.url)
                .err()
                .map(|m| Problem::new(source, Some(l.line), m))
        })
        .collect()
}

fn read(root: &Path, file: impl AsRef<Path>) -> Result<String, Vec<Problem>> {
    let file = file.as_ref();
    std::fs::read_to_string(root.join(file)).map_err(|e| {
        let fix = match e.kind() {
            std::io::ErrorKind::NotFound => {
                "the file is missing; create it (see the README)".to_string()
            }
            std::io::ErrorKind::InvalidData => "is not UTF-8 text; save it as UTF-8".to_string(),
            _ => format!("cannot be read: {e}"),
        };
        vec![Problem::new(file, None, fix)]
    })
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// For callers that only need the vocabulary (e.g. the synthetic-profile generator).
pub fn load_taxonomy(root: &Path) -> Result<Taxonomy, Problems> {
    read(root, fields::TAXONOMY_FILE)
        .and_then(|t| parse_taxonomy(&t))
        .map_err(Problems::from_vec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_ascii_digits_and_hyphens() {
        assert!(is_valid_slug("sato-hanako2"));
        for bad in ["Sato", "sato_hanako", "佐藤", "", "sato hanako"] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn a_root_without_content_says_so_once() {
        let tmp = tempfile::tempdir().unwrap();
        let problems = load(tmp.path()).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(
            problems.lines()[0].starts_with("content: no content folder in "),
            "{problems}"
        );
    }

    #[test]
    fn bad_slug_suggests_a_name() {
        let p = bad_slug(Path::new("content/mentors/Sato Hanako.md"), "Sato Hanako");
        assert!(
            p.message
                .ends_with("rename the file, e.g. to sato-hanako.md"),
            "{}",
            p.message
        );
        let p = bad_slug(Path::new("content/mentors/佐藤.md"), "佐藤");
        assert!(p.message.ends_with("e.g. to sato-hanako.md"));
    }
}
