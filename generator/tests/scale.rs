//! The directory at size (issue 16), on a few hundred synthetic profiles (the synth binary) with
//! a small page size: every mentor reachable without JavaScript exactly once, through the
//! directory's pages and through each facet value's pages; identical input, identical bytes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

mod common;

use common::tree;
use generator::content;
use generator::render::{FACETS, LINES_PER_CARD};
use generator::site;

const COUNT: usize = 300;
const PAGE_SIZE: usize = 7;

/// A synthetic root of [`COUNT`] profiles whose site.yaml asks for [`PAGE_SIZE`] per page.
fn synthetic_root(tmp: &Path) -> PathBuf {
    common::synthetic_root(tmp, COUNT, PAGE_SIZE)
}

fn build(root: &Path, out: &Path) {
    let overrides = site::Overrides {
        private_dir: Some(out.with_extension("private")),
        ..site::Overrides::default()
    };
    site::build_with_overrides(root, &root.join("templates"), out, &overrides)
        .unwrap_or_else(|e| panic!("{e}"));
}

fn read(out: &Path, url: &str) -> String {
    let path = out.join(format!("{}index.html", &url[1..]));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The value of `<link rel="next" href="…">` in the head, if any.
fn rel(html: &str, which: &str) -> Option<String> {
    let tag = format!("<link rel=\"{which}\" href=\"");
    let start = html.find(&tag)? + tag.len();
    Some(html[start..start + html[start..].find('"')?].to_string())
}

/// Slugs of the mentors a page lists, in order: the profile links of its cards or facet lines
/// (a card links its mentor once; pager links, `/mentors/page/N/`, are not profiles).
fn listed(html: &str) -> Vec<String> {
    html.split("href=\"/mentors/")
        .skip(1)
        .filter_map(|rest| rest.split_once("/\"").map(|(slug, _)| slug))
        .filter(|slug| !slug.contains('/'))
        .map(str::to_string)
        .collect()
}

/// Follows rel=next from `first`, checking rel=prev points back and that no page lists more
/// than `per_page` mentors; returns the slugs in order and the number of pages.
fn walk(out: &Path, first: &str, per_page: usize) -> (Vec<String>, usize) {
    let (mut url, mut prev) = (first.to_string(), None::<String>);
    let (mut slugs, mut pages) = (Vec::new(), 0);
    loop {
        let html = read(out, &url);
        assert_eq!(rel(&html, "prev"), prev, "{url}: rel=prev");
        let on_page = listed(&html);
        assert!(
            on_page.len() <= per_page,
            "{url}: {} mentors",
            on_page.len()
        );
        slugs.extend(on_page);
        pages += 1;
        match rel(&html, "next") {
            Some(next) => {
                assert!(
                    html.contains(&format!("href=\"{next}\" rel=\"next\"")),
                    "{url}: a visible next link"
                );
                prev = Some(url);
                url = next;
            }
            None => return (slugs, pages),
        }
    }
}

#[test]
fn the_paginated_directory_and_facet_pages_list_every_mentor_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = synthetic_root(tmp.path());
    let out = tmp.path().join("public");
    build(&root, &out);
    let content = content::load(&root).unwrap_or_else(|p| panic!("{p}"));
    let all: Vec<String> = content.mentors.iter().map(|m| m.slug.clone()).collect();
    assert_eq!(all.len(), COUNT);

    let (slugs, pages) = walk(&out, "/", PAGE_SIZE);
    assert_eq!(
        slugs, all,
        "the directory's pages: every mentor once, in catalogue order"
    );
    assert_eq!(pages, COUNT.div_ceil(PAGE_SIZE));
    let home = read(&out, "/");
    assert_eq!(
        listed(&home).len(),
        PAGE_SIZE,
        "the home page holds the first page only"
    );
    assert!(
        home.contains(&format!("href=\"/mentors/page/{pages}/\"")),
        "a link to the last page"
    );

    // Facet values long enough to need more than one page of lines.
    let mut paged_values = 0;
    for facet in FACETS {
        for id in content.taxonomy.vocab(facet.kind).keys() {
            let expected: BTreeSet<&str> = content
                .mentors
                .iter()
                .filter(|m| facet.values(m).contains(id))
                .map(|m| m.slug.as_str())
                .collect();
            let lines = PAGE_SIZE * LINES_PER_CARD;
            let (slugs, pages) = walk(&out, &facet.value_url(id), lines);
            assert_eq!(
                pages,
                expected.len().div_ceil(lines).max(1),
                "{id}: full pages"
            );
            paged_values += usize::from(pages > 1);
            let unique: BTreeSet<&str> = slugs.iter().map(String::as_str).collect();
            assert_eq!(unique.len(), slugs.len(), "{}{id}: nobody twice", facet.dir);
            assert_eq!(
                unique, expected,
                "/{}/{id}/ pages list exactly her mentors",
                facet.dir
            );
        }
    }
    assert!(
        paged_values > 5,
        "{paged_values} facet values span several pages"
    );
}

#[test]
fn identical_input_builds_byte_identical_output() {
    let tmp = tempfile::tempdir().unwrap();
    let root = synthetic_root(tmp.path());
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    build(&root, &a);
    build(&root, &b);
    let (a, b) = (tree(&a), tree(&b));
    assert!(a.len() > COUNT, "{} files", a.len());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let differing: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert!(
        differing.is_empty(),
        "differ between two builds: {differing:?}"
    );
}

#[test]
fn a_large_directory_asks_for_mentor_ids_which_every_open_profile_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let root = synthetic_root(tmp.path());
    let out = tmp.path().join("public");
    build(&root, &out);
    let content = content::load(&root).unwrap_or_else(|p| panic!("{p}"));
    let accepting: Vec<&content::Mentor> = content
        .mentors
        .iter()
        .filter(|m| m.front.accepting)
        .collect();
    assert!(
        accepting.len() > generator::render::MENTOR_LIST_LIMIT,
        "{} accepting: raise COUNT",
        accepting.len()
    );
    let apply = read(&out, "/apply/");
    assert_eq!(
        apply
            .matches("type=\"text\" id=\"f-preferred_mentors-")
            .count(),
        3,
        "three ID boxes"
    );
    assert!(!apply.contains("<option value=\"m0"), "no list of mentors");
    for m in accepting.iter().take(5) {
        let profile = read(&out, &format!("/mentors/{}/", m.slug));
        assert!(
            profile.contains(&format!("<span class=\"mentor-id\">{}</span>", m.slug)),
            "{} shows her ID",
            m.slug
        );
    }
}
