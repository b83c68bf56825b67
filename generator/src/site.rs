//! Orchestration: load → (render, search index, catalog) → write into a fresh sibling
//! directory → swap it in.
//!
//! The swap is why a failed build never leaves a broken site: every file is written, as soon
//! as it is rendered ([`Staging`]), to `<out>.tmp-<pid>` next to `out` (same filesystem, so
//! renames are atomic); only when every file is written is the old `out` renamed away, the
//! new one renamed in, and the old one removed. Any error before that removes the temp dir
//! and leaves `out` exactly as it was.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::content::{self, Content};
use crate::diagnostics::{Problem, Problems};
use crate::output::{Collect, Ledger, OutputFile, Sink, Staging, WriteError};
use crate::{catalog, render, search};

#[derive(Debug, Clone, PartialEq)]
pub struct BuildReport {
    pub mentors: usize,
    pub pages: usize,
    /// Files written into the output directory.
    pub files: usize,
    /// The private bundle written beside the site (`None`: the site sends no mail).
    pub private: Option<PathBuf>,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    pub mentors: usize,
    pub pages: usize,
    /// Files a build would write.
    pub files: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Content problems: staff fix these.
    #[error("{0}")]
    Problems(Problems),
    #[error("templates: {0}")]
    Render(render::RenderError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A programming error between stages, caught before the output is swapped in.
    #[error("output file \"{path}\" {reason}")]
    Output { path: String, reason: &'static str },
}

impl From<WriteError> for BuildError {
    fn from(e: WriteError) -> BuildError {
        match e {
            WriteError::Io { path, source } => BuildError::Io { path, source },
            WriteError::Output { path, reason } => BuildError::Output { path, reason },
        }
    }
}

impl From<render::RenderError> for BuildError {
    fn from(e: render::RenderError) -> BuildError {
        match e {
            render::RenderError::Write(w) => w.into(),
            other => BuildError::Render(other),
        }
    }
}

impl BuildError {
    /// As content problems, for `check` (which reports everything as problems to fix).
    pub fn into_problems(self) -> Problems {
        match self {
            BuildError::Problems(p) => p,
            BuildError::Render(e) => {
                Problems::from_vec(vec![Problem::new("templates", None, e.to_string())])
            }
            BuildError::Io { path, source } => Problems::from_vec(vec![Problem::new(
                path,
                None,
                format!("cannot be read: {source}"),
            )]),
            other => Problems::from_vec(vec![Problem::new("generator", None, other.to_string())]),
        }
    }
}

/// Builds `root` (content in `root/content`, templates in `root/templates`) into `out`.
pub fn build(root: &Path, out: &Path) -> Result<BuildReport, BuildError> {
    build_with_templates(root, &root.join("templates"), out)
}

pub fn build_with_templates(
    root: &Path,
    templates_dir: &Path,
    out: &Path,
) -> Result<BuildReport, BuildError> {
    build_with_overrides(root, templates_dir, out, &Overrides::default())
}

/// What a build may take from its caller instead of `content/site.yaml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// The site's address for a production build (`generator build --base-url`), in place
    /// of site.yaml's `base_url` (the local one): canonical links, og tags, the sitemap,
    /// catalog.json. Checked by the caller with [`content::is_base_url`].
    pub base_url: Option<String>,
    /// Where the private bundle (`mail.json`) goes instead of `<root>/private`
    /// (`generator build --private-out`): never inside the site.
    pub private_dir: Option<PathBuf>,
}

pub fn build_with_overrides(
    root: &Path,
    templates_dir: &Path,
    out: &Path,
    overrides: &Overrides,
) -> Result<BuildReport, BuildError> {
    build_keeping(root, templates_dir, out, overrides).map(|(report, _)| report)
}

/// [`build_with_overrides`], handing back the content it built (the preview keeps it).
pub fn build_keeping(
    root: &Path,
    templates_dir: &Path,
    out: &Path,
    overrides: &Overrides,
) -> Result<(BuildReport, Content), BuildError> {
    let started = Instant::now();
    let (content, files) = stage_and_swap(out, |staging| {
        let content = generate_into(root, templates_dir, overrides, staging)?;
        Ok((content, staging.count()))
    })?;
    let private_dir = overrides
        .private_dir
        .clone()
        .unwrap_or_else(|| root.join(crate::private::DEFAULT_PRIVATE_DIR));
    let private = crate::private::write_private(&private_dir, &content)?;
    let report = BuildReport {
        mentors: content.mentors.len(),
        pages: content.pages.len(),
        files,
        private,
        elapsed: started.elapsed(),
    };
    Ok((report, content))
}

/// Everything a build checks (content, templates, output paths, files to copy), writing nothing.
pub fn check(root: &Path) -> Result<CheckReport, Problems> {
    check_with_templates(root, &root.join("templates"))
}

pub fn check_with_templates(root: &Path, templates_dir: &Path) -> Result<CheckReport, Problems> {
    let ledger = Ledger::default();
    let content = generate_into(root, templates_dir, &Overrides::default(), &ledger)
        .map_err(BuildError::into_problems)?;
    Ok(CheckReport {
        mentors: content.mentors.len(),
        pages: content.pages.len(),
        files: ledger.count(),
    })
}

/// The whole site in memory: the content and every file to write, in path order (tests).
pub fn generate(
    root: &Path,
    templates_dir: &Path,
) -> Result<(Content, Vec<OutputFile>), BuildError> {
    let sink = Collect::verifying();
    let content = generate_into(root, templates_dir, &Overrides::default(), &sink)?;
    Ok((content, sink.into_files()))
}

/// Loads the content (with `overrides` applied) and puts every file of the site into `sink`.
pub fn generate_into(
    root: &Path,
    templates_dir: &Path,
    overrides: &Overrides,
    sink: &dyn Sink,
) -> Result<Content, BuildError> {
    let mut content =
        content::load_with_templates(root, templates_dir).map_err(BuildError::Problems)?;
    if let Some(base_url) = &overrides.base_url {
        content.site.base_url = base_url.clone();
    }
    // One after the other, each spread over every core: beside each other the index's lists
    // and the pages in flight added up (1.1 GB at 100,000 mentors); one after the other the
    // peak is the larger of the two, for no more time.
    for file in search::build_index(&content)
        .into_iter()
        .chain([catalog::catalog_file(&content)])
    {
        sink.put(file)?;
    }
    render::render_into(&content, templates_dir, sink)?;
    Ok(content)
}

/// Runs `produce` with a [`Staging`] sink over a fresh `<out>.tmp-<pid>` and swaps that in for
/// `out` when it succeeds; on any error removes it and leaves `out` as it was.
pub fn stage_and_swap<T>(
    out: &Path,
    produce: impl FnOnce(&Staging) -> Result<T, BuildError>,
) -> Result<T, BuildError> {
    let name = out.file_name().ok_or_else(|| BuildError::Io {
        path: out.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "output must name a directory",
        ),
    })?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let pid = std::process::id();
    let sibling = |kind: &str| {
        let mut n = name.to_os_string();
        n.push(format!(".{kind}-{pid}"));
        parent.join(n)
    };
    let (temp, old) = (sibling("tmp"), sibling("old"));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Io { path, source }
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    if temp.exists() {
        // Left by an earlier run that died with the same pid.
        std::fs::remove_dir_all(&temp).map_err(io(&temp))?;
    }
    std::fs::create_dir(&temp).map_err(io(&temp))?;
    let result = produce(&Staging::new(temp.clone()))
        .and_then(|value| swap(&temp, out, &old).map(|()| value));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    result
}

/// Writes `files` into a fresh `<out>.tmp-<pid>` and swaps it in for `out`.
pub fn write_atomically(out: &Path, files: &[OutputFile]) -> Result<(), BuildError> {
    stage_and_swap(out, |staging| {
        files
            .par_iter()
            .try_for_each(|f| staging.put(f.clone()))
            .map_err(BuildError::from)
    })
}

fn swap(new: &Path, out: &Path, old: &Path) -> Result<(), BuildError> {
    let io = |path: &Path, source| BuildError::Io {
        path: path.to_path_buf(),
        source,
    };
    if std::fs::symlink_metadata(out).is_err() {
        return std::fs::rename(new, out).map_err(|e| io(out, e));
    }
    if old.exists() {
        std::fs::remove_dir_all(old).map_err(|e| io(old, e))?;
    }
    std::fs::rename(out, old).map_err(|e| io(out, e))?;
    if let Err(e) = std::fs::rename(new, out) {
        // Put the previous site back before reporting.
        let _ = std::fs::rename(old, out);
        return Err(io(out, e));
    }
    // The new site is in place; a leftover old copy is untidy, not an error.
    let _ = std::fs::remove_dir_all(old);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn swap_replaces_previous_output_and_leaves_no_siblings() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        write_atomically(
            &out,
            &[
                OutputFile::bytes("a/index.html", "old"),
                OutputFile::bytes("stale.txt", "x"),
            ],
        )
        .unwrap();
        write_atomically(&out, &[OutputFile::bytes("a/index.html", "new")]).unwrap();
        assert_eq!(tree(&out), [("a/index.html".to_string(), b"new".to_vec())]);
        let names: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["public"]);
    }

    #[test]
    fn failed_write_leaves_previous_output_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        write_atomically(&out, &[OutputFile::bytes("index.html", "old")]).unwrap();
        let before = tree(&out);
        let missing = tmp.path().join("no-such-photo.jpg");
        let err = write_atomically(
            &out,
            &[
                OutputFile::bytes("index.html", "new"),
                OutputFile::copy("photo.jpg", missing),
            ],
        );
        assert!(matches!(err, Err(BuildError::Io { .. })));
        assert_eq!(tree(&out), before);
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "temp dir removed"
        );
    }
}
