//! The `generator` command line: exit codes, what it prints, and that it writes nothing on failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn generator(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_generator"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["build", "check", "serve"] {
        let out = generator(&[sub, "--help"]);
        assert!(out.status.success(), "{sub}");
        assert!(
            text(&out.stdout).contains("--root"),
            "{sub} --help names --root"
        );
    }
    assert!(text(&generator(&["--help"]).stdout).contains("check"));
}

#[test]
fn check_passes_on_the_sample_content_and_writes_nothing() {
    let root = repo_root();
    let out = generator(&["check", "--root", root.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("ok: "),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn check_prints_every_problem_and_exits_1() {
    let root = fixture("invalid/several-problems");
    let templates = repo_root().join("templates");
    let out = generator(&[
        "check",
        "--root",
        root.to_str().unwrap(),
        "--templates",
        templates.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let expected = std::fs::read_to_string(root.join("expected.txt")).unwrap();
    for line in expected.lines().filter(|l| !l.is_empty()) {
        assert!(stderr.contains(line), "missing {line:?} in\n{stderr}");
    }
    let count = expected.lines().filter(|l| !l.is_empty()).count();
    assert!(
        stderr.contains(&format!("{count} problem(s) found; nothing was written.")),
        "{stderr}"
    );
}

#[test]
fn build_prints_a_summary_and_a_failed_build_exits_1_leaving_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("public");
    let templates = repo_root().join("templates");
    let args = |root: &Path| {
        vec![
            "build".to_string(),
            "--root".into(),
            root.to_string_lossy().into_owned(),
            "--out".into(),
            out_dir.to_string_lossy().into_owned(),
            "--templates".into(),
            templates.to_string_lossy().into_owned(),
        ]
    };
    let run = |root: &Path| {
        Command::new(env!("CARGO_BIN_EXE_generator"))
            .args(args(root))
            .output()
            .unwrap()
    };
    let ok = run(&fixture("valid"));
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let summary = text(&ok.stdout);
    assert!(
        summary.starts_with("built 3 mentors, 2 pages, "),
        "{summary}"
    );
    assert!(summary.trim_end().ends_with(" ms"), "{summary}");
    let index = std::fs::read(out_dir.join("index.html")).unwrap();

    let failed = run(&fixture("invalid/dead-link"));
    assert_eq!(failed.status.code(), Some(1));
    assert!(text(&failed.stderr).contains("was left as it was"));
    assert_eq!(std::fs::read(out_dir.join("index.html")).unwrap(), index);
}
