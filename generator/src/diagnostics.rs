//! Content problems: each names file, line (where known), field and the fix.
//! A run collects them all and reports them together.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Relative to the root, e.g. `content/mentors/sato.md`.
    pub file: PathBuf,
    pub line: Option<usize>,
    /// The front-matter field or setting concerned, if any.
    pub field: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    /// `content/mentors/sato.md:4: industry "IT" is not in content/taxonomy.yaml (did you mean "it"?)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem of a run, sorted by file and line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            writeln!(f, "{p}")?;
        }
        write!(f, "{} problem(s) found; nothing was written.", self.0.len())
    }
}

impl std::error::Error for Problems {}
