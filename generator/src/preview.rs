//! The preview's quick path (`generator serve`). A full build at 10,000 mentors takes seconds;
//! staff editing one profile want to see it at once. So the preview keeps the last good
//! content, and after an edit to profiles that leaves every facet value, the accepting flag
//! and the photo as they were (the usual edit: wording of the bio, title or summary), it
//! re-parses only those files and renders only the pages that show those mentors — their
//! profiles, the directory page and the facet value pages listing them
//! ([`render::Scope::Mentors`]) — writes them in place, and the browser reloads. The search
//! index, catalog.json and the private bundle follow ([`Preview::follow_up`]).
//!
//! Anything else — a new, removed or renamed file, a changed facet value, a bio with links
//! (checked against the whole site), settings, pages or templates — is a full build
//! ([`Preview::build`]), as is an edit before the first good build.

use std::path::{Path, PathBuf};

use crate::content::{self, Content, Mentor};
use crate::diagnostics::Problems;
use crate::output::{InPlace, Sink};
use crate::render;
use crate::site::{self, BuildError, BuildReport};

pub struct Preview {
    root: PathBuf,
    out: PathBuf,
    /// The content of the last good build.
    content: Option<Content>,
}

/// What the quick path did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Updated {
    pub mentors: usize,
    pub files: usize,
}

impl Preview {
    pub fn new(root: &Path, out: &Path) -> Preview {
        Preview {
            root: root.to_path_buf(),
            out: out.to_path_buf(),
            content: None,
        }
    }

    /// A full build (swapped in only on success); keeps its content for the quick path.
    pub fn build(&mut self) -> Result<BuildReport, BuildError> {
        let templates = self.root.join("templates");
        let (report, content) = site::build_keeping(
            &self.root,
            &templates,
            &self.out,
            &site::Overrides::default(),
        )?;
        self.content = Some(content);
        Ok(report)
    }

    /// The quick path for `changed` (absolute paths): `Ok(None)` when it does not apply and
    /// a full build is needed; `Err` (nothing written) when an edited profile has problems.
    pub fn update(&mut self, changed: &[PathBuf]) -> Result<Option<Updated>, BuildError> {
        let Some(content) = self.content.as_mut() else {
            return Ok(None);
        };
        let mut edits: Vec<(usize, Mentor)> = Vec::new();
        for path in changed {
            let Some(slug) = profile_slug(&self.root, path) else {
                return Ok(None);
            };
            let Some(index) = content.mentors.iter().position(|m| m.slug == slug) else {
                return Ok(None); // a new profile: the lists and counts change
            };
            let Ok(text) = std::fs::read_to_string(path) else {
                return Ok(None); // removed or renamed
            };
            let source = Path::new(content::MENTORS_DIR).join(format!("{slug}.md"));
            let photos = self.root.join("content");
            let parsed = content::parse_mentor(
                &text,
                &source,
                &slug,
                Some(&content.taxonomy),
                &|p: &str| photos.join(p).is_file(),
            );
            if !parsed.problems.is_empty() {
                return Err(BuildError::Problems(Problems::from_vec(parsed.problems)));
            }
            let Some(mentor) = parsed.item else {
                return Ok(None);
            };
            if !parsed.links.is_empty() || !same_listing(&content.mentors[index], &mentor) {
                return Ok(None);
            }
            if !edits.iter().any(|(i, _)| *i == index) {
                edits.push((index, mentor));
            }
        }
        if edits.is_empty() {
            return Ok(None);
        }
        let touched: Vec<usize> = edits.iter().map(|(i, _)| *i).collect();
        for (i, mentor) in edits {
            content.mentors[i] = mentor;
        }
        let sink = InPlace::new(&self.out);
        render::render_scoped(
            content,
            &self.root.join("templates"),
            &sink,
            render::Scope::Mentors(&touched),
        )?;
        Ok(Some(Updated {
            mentors: touched.len(),
            files: sink.count(),
        }))
    }

    /// After the quick path: the search index and catalog.json (meta.json last, so a browser
    /// never reads a new meta.json over old lists), and the private bundle.
    pub fn follow_up(&self) -> Result<(), BuildError> {
        let Some(content) = &self.content else {
            return Ok(());
        };
        let sink = InPlace::new(&self.out);
        let mut files = crate::search::build_index(content);
        files.push(crate::catalog::catalog_file(content));
        files.sort_by_key(|f| f.path == "search/meta.json");
        for file in files {
            sink.put(file)?;
        }
        crate::private::write_private(
            &self.root.join(crate::private::DEFAULT_PRIVATE_DIR),
            content,
        )?;
        Ok(())
    }
}

/// `<root>/content/mentors/<slug>.md` → slug.
fn profile_slug(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parent_ok = rel.parent()? == Path::new(content::MENTORS_DIR);
    let is_md = rel.extension().is_some_and(|e| e == "md");
    (parent_ok && is_md).then(|| rel.file_stem()?.to_str().map(str::to_string))?
}

/// Whether `new` sits in exactly the lists, counts and filters `old` did.
fn same_listing(old: &Mentor, new: &Mentor) -> bool {
    let (a, b) = (&old.front, &new.front);
    a.industry == b.industry
        && a.company_size == b.company_size
        && a.age_band == b.age_band
        && a.job_functions == b.job_functions
        && a.topics == b.topics
        && a.tags == b.tags
        && a.accepting == b.accepting
        && a.photo == b.photo
}
