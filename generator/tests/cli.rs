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

#[test]
fn base_url_overrides_site_yaml_in_canonical_links_the_sitemap_and_the_catalog() {
    let root = fixture("valid");
    let site_yaml = std::fs::read_to_string(root.join("content/site.yaml")).unwrap();
    let local = site_yaml
        .lines()
        .find_map(|l| l.strip_prefix("base_url:"))
        .expect("the fixture's site.yaml has a base_url")
        .trim()
        .trim_end_matches('/')
        .to_string();
    let production = "https://d111111abcdef8.cloudfront.net";
    assert_ne!(local, production);
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("public");
    let templates = repo_root().join("templates");
    let build = |extra: &[&str]| {
        let mut args = vec![
            "build",
            "--root",
            root.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--templates",
            templates.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        generator(&args)
    };
    let read = |file: &str| std::fs::read_to_string(out_dir.join(file)).unwrap();

    let out = build(&["--base-url", production]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sitemap = read("sitemap.xml");
    assert!(
        sitemap.contains(&format!("<loc>{production}/</loc>")),
        "{sitemap}"
    );
    assert!(!sitemap.contains(&local), "{sitemap}");
    let index = read("index.html");
    assert!(
        index.contains(&format!(r#"<link rel="canonical" href="{production}/">"#)),
        "{index}"
    );
    assert!(index.contains(&format!(
        r#"<meta property="og:url" content="{production}/">"#
    )));
    assert!(!index.contains(&local));
    assert!(read("catalog.json").contains(production));
    assert!(read("robots.txt").contains(&format!("{production}/sitemap.xml")));

    // Without the option, site.yaml's address as before.
    let out = build(&[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(read("sitemap.xml").contains(&format!("<loc>{local}/</loc>")));
    assert!(!read("index.html").contains(production));

    // A bad address is a usage error: exit 2, and the site is left as it was.
    let before = read("index.html");
    let bad = build(&["--base-url", "mikke.example.jp"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("\"mikke.example.jp\" must start with https://"),
        "{}",
        text(&bad.stderr)
    );
    assert_eq!(read("index.html"), before);
}
