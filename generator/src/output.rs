//! What each build stage hands to `site`: files to write, relative to the output root, put
//! into a [`Sink`] as soon as they are made.
//!
//! Streaming is what keeps memory flat at any size: a profile page is rendered and written by
//! the same parallel task and then dropped, so a build holds the content and the search index,
//! never the whole site ([`Staging`]); the preview rewrites a few pages over the live output
//! ([`InPlace`]). Tests and `check` use [`Collect`] and [`Ledger`] alone.

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq)]
pub enum OutputBody {
    Bytes(Vec<u8>),
    /// Copy this source file as is (static assets, photos).
    Copy(PathBuf),
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    /// Relative to the output directory, `/`-separated, e.g. `mentors/sato/index.html`.
    pub path: String,
    pub body: OutputBody,
}

impl OutputFile {
    pub fn bytes(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> OutputFile {
        OutputFile {
            path: path.into(),
            body: OutputBody::Bytes(bytes.into()),
        }
    }

    pub fn copy(path: impl Into<String>, source: impl Into<PathBuf>) -> OutputFile {
        OutputFile {
            path: path.into(),
            body: OutputBody::Copy(source.into()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A programming error between stages (two stages making one file, a path leaving the
    /// output directory), caught before the output is swapped in.
    #[error("output file \"{path}\" {reason}")]
    Output { path: String, reason: &'static str },
}

/// Where rendered files go. Called from many threads at once.
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> Result<(), WriteError>;
    /// Every HTML page put so far (`…index.html`), sorted, with whether it asked search engines
    /// not to index it: the sitemap and robots.txt are made from this at the end.
    fn pages(&self) -> Vec<(String, bool)>;
    /// Files put so far.
    fn count(&self) -> usize;
}

/// What a page's template writes to keep it out of search engines (`/diary/`: a private
/// link's page). The template is the one place that says so; the sitemap and robots.txt follow.
pub const NOINDEX_META: &str = r#"<meta name="robots" content="noindex"#;

/// The bookkeeping every sink shares: paths are plain, relative and unique; sources to copy
/// exist; HTML pages are remembered for the sitemap.
#[derive(Default)]
pub struct Ledger {
    paths: Mutex<HashSet<String>>,
    pages: Mutex<BTreeMap<String, bool>>,
}

impl Ledger {
    pub fn record(&self, file: &OutputFile) -> Result<(), WriteError> {
        self.record_with(file, true)
    }

    /// `verify_copies`: whether a source to copy must exist now ([`Collect`] holds files as
    /// values and copies nothing, so its tests may name photos that are not there).
    fn record_with(&self, file: &OutputFile, verify_copies: bool) -> Result<(), WriteError> {
        let bad = |reason| {
            Err(WriteError::Output {
                path: file.path.clone(),
                reason,
            })
        };
        let path = Path::new(&file.path);
        if file.path.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_))) {
            return bad("is not a plain relative path");
        }
        if !self.paths.lock().unwrap().insert(file.path.clone()) {
            return bad("is produced twice");
        }
        match &file.body {
            OutputBody::Copy(source) if verify_copies && !source.is_file() => {
                return Err(WriteError::Io {
                    path: source.clone(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "file to copy is missing",
                    ),
                })
            }
            OutputBody::Bytes(bytes) if file.path.ends_with("index.html") => {
                let noindex = memchr::memmem::find(bytes, NOINDEX_META.as_bytes()).is_some();
                self.pages
                    .lock()
                    .unwrap()
                    .insert(file.path.clone(), noindex);
            }
            _ => {}
        }
        Ok(())
    }

    pub fn pages(&self) -> Vec<(String, bool)> {
        let pages = self.pages.lock().unwrap();
        pages.iter().map(|(p, n)| (p.clone(), *n)).collect()
    }

    pub fn count(&self) -> usize {
        self.paths.lock().unwrap().len()
    }
}

impl Sink for Ledger {
    fn put(&self, file: OutputFile) -> Result<(), WriteError> {
        self.record(&file)
    }
    fn pages(&self) -> Vec<(String, bool)> {
        Ledger::pages(self)
    }
    fn count(&self) -> usize {
        Ledger::count(self)
    }
}

/// Keeps every file in memory (tests, and callers that want the whole site as values).
#[derive(Default)]
pub struct Collect {
    ledger: Ledger,
    files: Mutex<Vec<OutputFile>>,
    /// Check that sources to copy exist, as a build would.
    verify_copies: bool,
}

impl Collect {
    /// A collector that refuses a missing source to copy, as a build does.
    pub fn verifying() -> Collect {
        Collect {
            verify_copies: true,
            ..Collect::default()
        }
    }

    /// The files in path order (threads put them in any order).
    pub fn into_files(self) -> Vec<OutputFile> {
        let mut files = self.files.into_inner().unwrap();
        files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

impl Sink for Collect {
    fn put(&self, file: OutputFile) -> Result<(), WriteError> {
        self.ledger.record_with(&file, self.verify_copies)?;
        self.files.lock().unwrap().push(file);
        Ok(())
    }
    fn pages(&self) -> Vec<(String, bool)> {
        self.ledger.pages()
    }
    fn count(&self) -> usize {
        self.ledger.count()
    }
}

/// Writes each file into a staging directory the moment it is put.
pub struct Staging {
    dir: PathBuf,
    ledger: Ledger,
    /// Directories already made: most pages have their own (`mentors/<slug>/`), and
    /// `create_dir_all` on a known one is a wasted syscall per component.
    made: Mutex<HashSet<PathBuf>>,
}

impl Staging {
    /// `dir` must exist and be empty.
    pub fn new(dir: PathBuf) -> Staging {
        Staging {
            dir,
            ledger: Ledger::default(),
            made: Mutex::new(HashSet::new()),
        }
    }
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) -> Result<(), WriteError> {
        self.ledger.record(&file)?;
        let target = self.dir.join(&file.path);
        if let Some(parent) = target.parent() {
            if !self.made.lock().unwrap().contains(parent) {
                std::fs::create_dir_all(parent).map_err(io_error(parent))?;
                self.made.lock().unwrap().insert(parent.to_path_buf());
            }
        }
        write_body(&target, &file.body)
    }
    fn pages(&self) -> Vec<(String, bool)> {
        self.ledger.pages()
    }
    fn count(&self) -> usize {
        self.ledger.count()
    }
}

/// Writes each file over a live output directory (the preview's quick path), through a
/// temporary name and a rename, so the preview server never serves half a file.
pub struct InPlace {
    dir: PathBuf,
    ledger: Ledger,
    seq: AtomicUsize,
}

impl InPlace {
    pub fn new(dir: &Path) -> InPlace {
        InPlace {
            dir: dir.to_path_buf(),
            ledger: Ledger::default(),
            seq: AtomicUsize::new(0),
        }
    }
}

impl Sink for InPlace {
    fn put(&self, file: OutputFile) -> Result<(), WriteError> {
        self.ledger.record(&file)?;
        let target = self.dir.join(&file.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let tmp = target.with_extension(format!("preview-{}-{n}", std::process::id()));
        write_body(&tmp, &file.body)?;
        std::fs::rename(&tmp, &target).map_err(io_error(&target))
    }
    fn pages(&self) -> Vec<(String, bool)> {
        self.ledger.pages()
    }
    fn count(&self) -> usize {
        self.ledger.count()
    }
}

/// The file's bytes, or a copy of its source, at `target`.
fn write_body(target: &Path, body: &OutputBody) -> Result<(), WriteError> {
    match body {
        OutputBody::Bytes(bytes) => std::fs::write(target, bytes),
        OutputBody::Copy(source) => std::fs::copy(source, target).map(|_| ()),
    }
    .map_err(io_error(target))
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError {
    let path = path.to_path_buf();
    move |source| WriteError::Io { path, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_be_unique_and_relative() {
        let ledger = Ledger::default();
        ledger.put(OutputFile::bytes("a.html", "")).unwrap();
        assert!(matches!(
            ledger.put(OutputFile::bytes("a.html", "")),
            Err(WriteError::Output {
                reason: "is produced twice",
                ..
            })
        ));
        for bad in ["../x", "/etc/x", ""] {
            assert!(ledger.put(OutputFile::bytes(bad, "")).is_err(), "{bad}");
        }
    }

    #[test]
    fn pages_are_listed_sorted_with_their_noindex_flag() {
        let ledger = Ledger::default();
        ledger
            .put(OutputFile::bytes("z/index.html", "<p>"))
            .unwrap();
        ledger
            .put(OutputFile::bytes(
                "diary/index.html",
                format!("{NOINDEX_META}\">"),
            ))
            .unwrap();
        ledger.put(OutputFile::bytes("style.css", "")).unwrap();
        assert_eq!(
            ledger.pages(),
            [
                ("diary/index.html".to_string(), true),
                ("z/index.html".to_string(), false)
            ]
        );
        assert_eq!(ledger.count(), 3);
    }

    #[test]
    fn a_missing_source_to_copy_is_refused_by_name() {
        let ledger = Ledger::default();
        let err = ledger
            .put(OutputFile::copy("p.jpg", "/no/such/photo.jpg"))
            .unwrap_err();
        assert!(err.to_string().starts_with("/no/such/photo.jpg"), "{err}");
    }
}
