//! Helpers the integration tests share.

#![allow(dead_code)] // each test binary uses some of these

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A root of `count` synthetic profiles (the synth binary, seed 7) whose site.yaml asks for
/// `page_size` mentors per page.
pub fn synthetic_root(tmp: &Path, count: usize, page_size: usize) -> PathBuf {
    let root = tmp.join("root");
    let status = Command::new(env!("CARGO_BIN_EXE_synth"))
        .args(["--count", &count.to_string(), "--seed", "7", "--out"])
        .arg(&root)
        .arg("--from")
        .arg(repo_root())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let site_yaml = root.join("content/site.yaml");
    let mut text = std::fs::read_to_string(&site_yaml).unwrap();
    text.push_str(&format!("\npage_size: {page_size}\n"));
    std::fs::write(&site_yaml, text).unwrap();
    root
}

pub fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes, for byte-for-byte comparisons.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}
