use std::collections::BTreeMap;

use generator::MentorFrontMatter;

use super::*;
use crate::words::{GIVEN_NAMES, GIVEN_NAME_READINGS, SURNAMES, SURNAME_READINGS};

fn repo_taxonomy() -> Taxonomy {
    let text = fs::read_to_string(default_repo_root().join("content/taxonomy.yaml")).unwrap();
    Taxonomy::parse(&text).unwrap()
}

fn args(count: usize, out: &Path, seed: u64) -> Args {
    Args {
        count,
        out: out.to_path_buf(),
        seed,
        from: default_repo_root(),
        readings: false,
    }
}

/// Every file under `dir`, relative path → bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn split(file: &str) -> (MentorFrontMatter, &str) {
    let rest = file
        .strip_prefix("---\n")
        .expect("front matter opens the file");
    let end = rest.find("\n---\n").expect("front matter is closed");
    let front = serde_yaml::from_str(&rest[..end + 1])
        .unwrap_or_else(|e| panic!("front matter does not parse: {e}\n{file}"));
    (front, &rest[end + 5..])
}

#[test]
fn the_same_seed_writes_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    write_root(&args(50, &a, 7)).unwrap();
    write_root(&args(50, &b, 7)).unwrap();
    let first = snapshot(&a);
    assert!(first.contains_key(Path::new("content/mentors/m00050.md")));
    assert!(first.contains_key(Path::new("content/taxonomy.yaml")));
    assert_eq!(first, snapshot(&b));
}

#[test]
fn another_seed_writes_other_profiles() {
    let taxonomy = repo_taxonomy();
    let differing = (1..=20).filter(|i| {
        profile::profile(&taxonomy, 1, *i, false) != profile::profile(&taxonomy, 2, *i, false)
    });
    assert_eq!(differing.count(), 20);
}

#[test]
fn a_profile_does_not_depend_on_how_many_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let (small, large) = (dir.path().join("small"), dir.path().join("large"));
    write_root(&args(3, &small, 1)).unwrap();
    write_root(&args(30, &large, 1)).unwrap();
    let path = "content/mentors/m00003.md";
    assert_eq!(
        fs::read(small.join(path)).unwrap(),
        fs::read(large.join(path)).unwrap()
    );
}

#[test]
fn every_profile_uses_only_taxonomy_ids_within_the_issue_bounds() {
    let taxonomy = repo_taxonomy();
    let (mut not_accepting, mut with_summary) = (0, 0);
    let count = 2000;
    for index in 1..=count {
        let file = profile::profile(&taxonomy, 1, index, index % 2 == 0);
        let (front, bio) = split(&file);
        assert!(taxonomy.industries.contains_key(&front.industry), "{file}");
        assert!(
            taxonomy.company_sizes.contains_key(&front.company_size),
            "{file}"
        );
        assert!(taxonomy.age_bands.contains_key(&front.age_band), "{file}");
        assert!(front
            .job_functions
            .iter()
            .all(|id| taxonomy.job_functions.contains_key(id)));
        assert!(front
            .topics
            .iter()
            .all(|id| taxonomy.topics.contains_key(id)));
        assert!(front
            .tags
            .iter()
            .all(|id| taxonomy.mentor_tags.contains_key(id)));
        assert!((1..=3).contains(&front.job_functions.len()), "{file}");
        assert!((2..=5).contains(&front.topics.len()), "{file}");
        assert!(front.tags.len() <= 4, "{file}");
        assert!((1..=5).contains(&front.capacity), "{file}");
        let chars = bio.chars().count();
        assert!(
            (profile::BIO_MIN_CHARS..=profile::BIO_MAX_CHARS).contains(&chars),
            "bio of {chars} chars:\n{file}"
        );
        assert_eq!(bio.matches("## ").count(), 3, "{file}");
        assert!(!bio.contains('{'), "unfilled placeholder:\n{file}");
        not_accepting += usize::from(!front.accepting);
        with_summary += usize::from(front.summary.is_some());
    }
    assert!(
        (count / 20..count * 3 / 20).contains(&not_accepting),
        "{not_accepting}"
    );
    assert!(with_summary > count * 7 / 10, "{with_summary}");
}

#[test]
fn a_directory_synth_did_not_write_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let err = write_root(&args(1, dir.path(), 1)).unwrap_err();
    assert!(
        err.to_string().contains("was not written by synth"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_second_run_replaces_the_profiles_of_the_first() {
    let dir = tempfile::tempdir().unwrap();
    write_root(&args(5, dir.path(), 1)).unwrap();
    write_root(&args(2, dir.path(), 1)).unwrap();
    let mentors = fs::read_dir(dir.path().join("content/mentors"))
        .unwrap()
        .count();
    assert_eq!(mentors, 2);
}

#[test]
fn every_name_has_a_kana_reading_and_readings_change_nothing_else() {
    assert_eq!(SURNAMES.len(), SURNAME_READINGS.len());
    assert_eq!(GIVEN_NAMES.len(), GIVEN_NAME_READINGS.len());
    let kana = |s: &str| s.chars().all(|c| ('\u{3041}'..='\u{3096}').contains(&c));
    assert!(SURNAME_READINGS
        .iter()
        .chain(GIVEN_NAME_READINGS)
        .all(|r| kana(r)));
    let taxonomy = repo_taxonomy();
    for index in 1..50 {
        let plain = profile::profile(&taxonomy, 1, index, false);
        let read = profile::profile(&taxonomy, 1, index, true);
        let without: String = read
            .lines()
            .filter(|l| !l.starts_with("name_kana: "))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(without, plain);
        assert_eq!(
            read.lines()
                .filter(|l| l.starts_with("name_kana: "))
                .count(),
            1
        );
    }
}
