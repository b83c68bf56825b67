//! End to end: the real sample content and the fixture roots, built with the real templates.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

mod common;

use common::{copy_dir, repo_root, tree};
use generator::content;
use generator::render::FACETS;
use generator::site::{self, BuildError};
use mikke_catalog::Catalog;

fn templates() -> PathBuf {
    repo_root().join("templates")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn invalid_fixtures() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixture("invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 17, "one fixture per error message");
    dirs
}

/// Builds the sample content into `tmp/public`, its private bundle into `tmp/private` (never
/// the repository's own `private/`).
fn build_sample(tmp: &Path) -> site::BuildReport {
    let root = repo_root();
    let overrides = site::Overrides {
        private_dir: Some(tmp.join("private")),
        ..site::Overrides::default()
    };
    site::build_with_overrides(&root, &templates(), &tmp.join("public"), &overrides)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The mentor slugs a listing page links to inside its `mentor-list` (cards) or
/// `mentor-lines` (facet pages), read loosely: every `/mentors/<slug>/` link between the
/// list's start and the end of `<main>`.
fn listed_slugs(html: &str) -> BTreeSet<String> {
    let Some(start) = html
        .find("class=\"mentor-list\"")
        .or_else(|| html.find("class=\"mentor-lines\""))
    else {
        return BTreeSet::new();
    };
    let end = html[start..]
        .find("</main>")
        .map_or(html.len(), |i| start + i);
    html[start..end]
        .split("href=\"/mentors/")
        .skip(1)
        .filter_map(|rest| rest.split_once("/\"").map(|(slug, _)| slug.to_string()))
        .collect()
}

#[test]
fn sample_content_builds_a_page_per_mentor_and_exact_facet_lists() {
    let root = repo_root();
    let content = content::load(&root).unwrap_or_else(|p| panic!("sample content is valid:\n{p}"));
    assert!(content.mentors.len() >= 25, "about 30 sample mentors");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let report = build_sample(tmp.path());
    assert_eq!(report.mentors, content.mentors.len());
    assert_eq!(report.pages, content.pages.len());
    assert_eq!(report.files, tree(&out).len());

    for m in &content.mentors {
        let page = read(&out.join(format!("mentors/{}/index.html", m.slug)));
        assert!(page.contains(&m.front.name), "{} page names her", m.slug);
    }
    for p in &content.pages {
        assert!(
            out.join(format!("{}/index.html", p.slug)).is_file(),
            "page {}",
            p.slug
        );
    }
    let home = read(&out.join("index.html"));
    let all: BTreeSet<String> = content.mentors.iter().map(|m| m.slug.clone()).collect();
    assert_eq!(listed_slugs(&home), all, "the directory lists every mentor");

    for facet in FACETS {
        let (prefix, kind) = (facet.dir, facet.kind);
        for id in content.taxonomy.vocab(kind).keys() {
            let expected: BTreeSet<String> = content
                .mentors
                .iter()
                .filter(|m| facet_values(m, kind).contains(id))
                .map(|m| m.slug.clone())
                .collect();
            let html = read(&out.join(format!("{prefix}/{id}/index.html")));
            assert_eq!(
                listed_slugs(&html),
                expected,
                "/{prefix}/{id}/ lists exactly her mentors"
            );
        }
    }
    for file in ["404.html", "sitemap.xml", "robots.txt", "catalog.json"] {
        assert!(out.join(file).is_file(), "{file}");
    }
}

#[test]
fn private_addresses_and_join_details_reach_the_bundle_and_never_the_site() {
    let tmp = tempfile::tempdir().unwrap();
    let report = build_sample(tmp.path());
    let bundle_path = tmp.path().join("private/mail.json");
    assert_eq!(report.private.as_deref(), Some(bundle_path.as_path()));
    let bundle = mikke_catalog::mail::MailBundle::from_file(&bundle_path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&bundle_path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }
    let contacts: serde_yaml::Value =
        serde_yaml::from_str(&read(&repo_root().join("content/private/contacts.yaml"))).unwrap();
    let mut secrets: Vec<String> = contacts["mentors"]
        .as_mapping()
        .unwrap()
        .values()
        .chain(contacts["staff"].as_sequence().unwrap())
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(secrets.len() >= 30, "every sample mentor and the staff");
    for address in &secrets {
        assert!(
            bundle.contacts.mentors.values().any(|a| a == address)
                || bundle.contacts.staff.contains(address),
            "{address} is in the bundle"
        );
    }
    // The join details are mailed to those who sign up, never shown.
    secrets.extend(
        bundle
            .briefings
            .values()
            .flat_map(|j| j.lines().map(|l| l.trim().to_string())),
    );
    for (file, bytes) in tree(&tmp.path().join("public")) {
        let text = String::from_utf8_lossy(&bytes);
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{file} holds {secret}");
        }
    }
}

fn facet_values(m: &generator::Mentor, kind: mikke_catalog::VocabKind) -> Vec<String> {
    use mikke_catalog::VocabKind::*;
    let f = &m.front;
    match kind {
        Industries => vec![f.industry.clone()],
        CompanySizes => vec![f.company_size.clone()],
        AgeBands => vec![f.age_band.clone()],
        JobFunctions => f.job_functions.clone(),
        Topics => f.topics.clone(),
        MentorTags => f.tags.clone(),
        Situations => vec![],
    }
}

#[test]
fn catalog_json_parses_and_matches_the_profiles() {
    let root = repo_root();
    let content = content::load(&root).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_sample(tmp.path());
    let catalog = Catalog::parse(&read(&out.join("catalog.json"))).unwrap();
    assert_eq!(catalog.taxonomy, content.taxonomy);
    assert_eq!(catalog.matching, content.matching);
    assert_eq!(catalog.site.base_url, content.site.base_url);
    assert_eq!(catalog.mentors.len(), content.mentors.len());
    let slugs: Vec<&str> = catalog.mentors.iter().map(|m| m.slug.as_str()).collect();
    let mut sorted = slugs.clone();
    sorted.sort();
    assert_eq!(
        slugs, sorted,
        "sorted by slug for the handler's binary search"
    );
    for m in &content.mentors {
        let c = catalog.mentor(&m.slug).unwrap();
        assert_eq!(
            (&c.name, &c.title, &c.industry, &c.company_size, &c.age_band),
            (
                &m.front.name,
                &m.front.title,
                &m.front.industry,
                &m.front.company_size,
                &m.front.age_band
            )
        );
        assert_eq!(
            (&c.job_functions, &c.topics, &c.tags),
            (&m.front.job_functions, &m.front.topics, &m.front.tags)
        );
        assert_eq!(
            (c.accepting, c.capacity),
            (m.front.accepting, m.front.capacity)
        );
        assert_eq!(c.summary, m.summary);
        assert_eq!(c.url, format!("/mentors/{}/", m.slug));
    }
    let text = read(&out.join("catalog.json"));
    for m in &content.mentors {
        // A bio line longer than any summary must not appear: the catalog carries no bios.
        if let Some(line) = m.bio_text.lines().find(|l| l.chars().count() > 90) {
            assert!(!text.contains(line), "{}'s bio is in the catalog", m.slug);
        }
    }
}

#[test]
fn catalog_is_the_same_bytes_on_every_build() {
    let content = content::load(&repo_root()).unwrap();
    let a = generator::catalog::catalog_file(&content);
    let b = generator::catalog::catalog_file(&content::load(&repo_root()).unwrap());
    assert_eq!(a, b);
}

#[test]
fn valid_fixture_builds_with_photo_subfolders_and_sanitised_bios() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let report = site::build_with_templates(&fixture("valid"), &templates(), &out).unwrap();
    assert_eq!((report.mentors, report.pages), (3, 2));
    let suzuki = read(&out.join("mentors/suzuki/index.html"));
    assert!(
        !suzuki.contains("<script>alert"),
        "raw HTML scripts are removed"
    );
    assert!(suzuki.contains("女性初の課長"));
    let sato = read(&out.join("mentors/sato/index.html"));
    assert!(sato.contains("<h2>経歴</h2>"), "bio headings start at h2");
    assert!(out.join("photos/sato.png").is_file(), "photo copied");
    assert_eq!(
        listed_slugs(&read(&out.join("tags/stem/index.html"))),
        BTreeSet::from(["tanaka".to_string()])
    );
    let catalog = Catalog::parse(&read(&out.join("catalog.json"))).unwrap();
    assert_eq!(
        catalog.mentor("tanaka").unwrap().summary,
        "理系の研究職から見たキャリアのお話をします。"
    );
    assert_eq!(
        catalog.mentor("suzuki").unwrap().summary,
        "保険会社で営業一筋。"
    );
    assert!(!catalog.mentor("tanaka").unwrap().accepting);
}

#[test]
fn check_fails_on_each_invalid_fixture_with_its_exact_messages() {
    let mut failures = Vec::new();
    for dir in invalid_fixtures() {
        let expected = read(&dir.join("expected.txt"));
        let expected: Vec<&str> = expected.lines().filter(|l| !l.is_empty()).collect();
        match site::check_with_templates(&dir, &templates()) {
            Ok(_) => failures.push(format!("{}: check passed", dir.display())),
            Err(problems) => {
                let got = problems.lines();
                if got != expected {
                    failures.push(format!(
                        "{}:\n  expected {expected:#?}\n  got {got:#?}",
                        dir.file_name().unwrap().to_string_lossy()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn several_problems_in_several_files_are_all_reported_sorted() {
    let problems =
        site::check_with_templates(&fixture("invalid/several-problems"), &templates()).unwrap_err();
    let files: Vec<String> = problems
        .0
        .iter()
        .map(|p| p.file.to_string_lossy().into_owned())
        .collect();
    let distinct: BTreeSet<&String> = files.iter().collect();
    assert!(distinct.len() >= 4, "{files:?}");
    let mut sorted = problems.0.clone();
    sorted.sort();
    assert_eq!(problems.0, sorted);
}

#[test]
fn a_failed_build_leaves_the_previous_output_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    site::build_with_templates(&fixture("valid"), &templates(), &out).unwrap();
    let before = tree(&out);
    assert!(before.contains_key("index.html"));
    for dir in invalid_fixtures() {
        let result = site::build_with_templates(&dir, &templates(), &out);
        assert!(
            matches!(result, Err(BuildError::Problems(_))),
            "{}",
            dir.display()
        );
        assert_eq!(tree(&out), before, "{} changed the output", dir.display());
    }
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["public"], "no temp dirs left behind");
}

#[test]
fn a_broken_template_fails_the_build_and_check_without_touching_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    site::build_with_templates(&fixture("valid"), &templates(), &out).unwrap();
    let before = tree(&out);
    let broken = tmp.path().join("templates");
    copy_dir(&templates(), &broken);
    std::fs::write(broken.join("mentor.html"), "{% extends \"base.html\" %}{% block main %}{{ mentor.name | nosuchfilter }}{% endblock main %}").unwrap();
    assert!(matches!(
        site::build_with_templates(&fixture("valid"), &broken, &out),
        Err(BuildError::Render(_))
    ));
    assert_eq!(tree(&out), before);
    let problems = site::check_with_templates(&fixture("valid"), &broken).unwrap_err();
    assert!(problems.lines()[0].starts_with("templates: "), "{problems}");
}

#[test]
fn check_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    copy_dir(&fixture("valid"), &root);
    let before = tree(tmp.path());
    let report = site::check_with_templates(&root, &templates()).unwrap();
    assert_eq!((report.mentors, report.pages), (3, 2));
    assert!(report.files > 3);
    assert_eq!(tree(tmp.path()), before);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn a_successful_build_replaces_stale_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    std::fs::create_dir_all(out.join("mentors/gone")).unwrap();
    std::fs::write(out.join("mentors/gone/index.html"), "old").unwrap();
    site::build_with_templates(&fixture("valid"), &templates(), &out).unwrap();
    assert!(!out.join("mentors/gone").exists());
    assert!(out.join("mentors/tanaka/index.html").is_file());
}

#[test]
fn every_page_type_describes_itself_for_search_engines() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_sample(tmp.path());
    let description = |html: &str| {
        let tag = "<meta name=\"description\" content=\"";
        let start = html.find(tag).expect("a description") + tag.len();
        html[start..start + html[start..].find('"').unwrap()].to_string()
    };
    let pages: Vec<(String, String)> = tree(&out)
        .into_iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| (path, description(&String::from_utf8(bytes).unwrap())))
        .collect();
    let home = description(&read(&out.join("index.html")));
    // The tagline stays only where nothing better exists: the home page, thanks pages, the
    // 404, the private diary page.
    let generic: Vec<&str> = pages
        .iter()
        .filter(|(_, d)| *d == home)
        .map(|(p, _)| p.as_str())
        .filter(|p| {
            !(*p == "index.html"
                || p.contains("thanks/")
                || *p == "404.html"
                || p.starts_with("diary/"))
        })
        .collect();
    assert!(
        generic.is_empty(),
        "pages with the site's tagline: {generic:?}"
    );
    let facet = description(&read(&out.join("industries/it/index.html")));
    assert!(
        facet.contains("IT・通信") && facet.contains('人'),
        "{facet}"
    );
    assert!(!description(&read(&out.join("faq/index.html"))).is_empty());
}
