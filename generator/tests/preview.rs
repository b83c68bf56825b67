//! The preview's quick path (`generator serve` after a profile edit): only the pages showing
//! the edited mentor are rendered again, and once the index follows, the output is exactly
//! what a full build of the edited content writes.

use std::path::{Path, PathBuf};

mod common;

use common::{synthetic_root, tree};
use generator::preview::Preview;
use generator::site::{self, BuildError};

const COUNT: usize = 60;
const PAGE_SIZE: usize = 7;

fn profile(root: &Path, slug: &str) -> PathBuf {
    root.join(format!("content/mentors/{slug}.md"))
}

/// Rewrites the profile's file with `edit` applied to its text.
fn edit(root: &Path, slug: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let path = profile(root, slug);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&text)).unwrap();
    path
}

/// A synthetic root, its preview after a first full build, and that output's files.
fn built(tmp: &Path) -> (PathBuf, PathBuf, Preview) {
    let root = synthetic_root(tmp, COUNT, PAGE_SIZE);
    let out = root.join("public");
    let mut preview = Preview::new(&root, &out);
    preview.build().unwrap();
    (root, out, preview)
}

fn full_build(root: &Path, out: &Path) {
    let overrides = site::Overrides {
        private_dir: Some(out.with_extension("private")),
        ..site::Overrides::default()
    };
    site::build_with_overrides(root, &root.join("templates"), out, &overrides).unwrap();
}

#[test]
fn an_edited_bio_rerenders_only_its_pages_and_then_matches_a_full_build() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out, mut preview) = built(tmp.path());
    let before = tree(&out);

    let path = edit(&root, "m00020", |t| {
        format!("{t}\n追記：オンラインでの面談にも慣れています。\n")
            .replace("title: ", "title: 新任 ")
    });
    let updated = preview
        .update(&[path])
        .unwrap()
        .expect("the quick path applies");
    assert_eq!(updated.mentors, 1);
    // Her profile, her directory page, one page per facet value she carries, the content
    // pages (forms list mentors) — not the other mentors' pages.
    assert!(
        (3..=40).contains(&updated.files),
        "{} files rewritten",
        updated.files
    );
    let profile_page = std::fs::read_to_string(out.join("mentors/m00020/index.html")).unwrap();
    assert!(profile_page.contains("オンラインでの面談にも慣れています"));
    let directory_page = std::fs::read_to_string(out.join("mentors/page/3/index.html")).unwrap();
    assert!(
        directory_page.contains("新任 "),
        "her card on page 3 (mentors 15–21)"
    );

    preview.follow_up().unwrap();
    let after = tree(&out);
    let reference = tmp.path().join("reference");
    full_build(&root, &reference);
    let expected = tree(&reference);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    let differing: Vec<&String> = after.keys().filter(|k| after[*k] != expected[*k]).collect();
    assert!(
        differing.is_empty(),
        "differ from a full build: {differing:?}"
    );
    let changed = after.keys().filter(|k| after[*k] != before[*k]).count();
    assert!(
        changed < after.len() / 4,
        "{changed} of {} files changed",
        after.len()
    );
}

#[test]
fn a_changed_facet_value_or_a_new_profile_needs_a_full_build() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, _, mut preview) = built(tmp.path());
    let path = edit(&root, "m00003", |t| match t.contains("accepting: true") {
        true => t.replace("accepting: true", "accepting: false"),
        false => t.replace("accepting: false", "accepting: true"),
    });
    assert_eq!(preview.update(&[path]).unwrap(), None, "accepting flipped");
    let new = profile(&root, "zz-new");
    std::fs::copy(profile(&root, "m00001"), &new).unwrap();
    assert_eq!(preview.update(&[new]).unwrap(), None, "a new mentor");
    let settings = root.join("content/site.yaml");
    assert_eq!(preview.update(&[settings]).unwrap(), None, "settings");
}

#[test]
fn a_broken_edit_is_reported_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out, mut preview) = built(tmp.path());
    let before = tree(&out);
    let path = edit(&root, "m00005", |t| t.replacen("title: ", "titel: ", 1));
    match preview.update(&[path]) {
        Err(BuildError::Problems(p)) => {
            let report = p.to_string();
            assert!(report.contains("content/mentors/m00005.md"), "{report}");
            assert!(report.contains("titel"), "{report}");
        }
        other => panic!("expected problems, got {other:?}"),
    }
    assert!(tree(&out) == before, "the output is untouched");
}
