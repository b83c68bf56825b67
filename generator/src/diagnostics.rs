//! Content problems: each names file, line (where known), field and the fix.
//! A run collects them all and reports them together.

use std::fmt;
use std::path::{Path, PathBuf};

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

impl Problem {
    pub fn new(
        file: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            file: file.into(),
            line,
            field: None,
            message: message.into(),
        }
    }

    /// A problem with one front-matter field or setting.
    pub fn field(
        file: impl Into<PathBuf>,
        line: Option<usize>,
        field: &str,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            file: file.into(),
            line,
            field: Some(field.to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    /// `content/mentors/sato.md:4: industry "IT" is not in content/taxonomy.yaml (did you mean "it"?)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Always `/`-separated so messages read the same on every machine.
        write!(f, "{}", display_path(&self.file))?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem of a run, sorted by file and line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Sorted by (file, line, field, message) and without repeats, so the report is stable
    /// however the parallel loaders happened to finish.
    pub fn from_vec(mut problems: Vec<Problem>) -> Problems {
        problems.sort();
        problems.dedup();
        Problems(problems)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The report lines only, one per problem (what tests compare).
    pub fn lines(&self) -> Vec<String> {
        self.0.iter().map(Problem::to_string).collect()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            writeln!(f, "{p}")?;
        }
        write!(f, "{} problem(s) found; nothing was written.", self.0.len())
    }
}

impl std::error::Error for Problems {}

pub fn display_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The known word staff most likely meant: a case-insensitive match first (`IT` → `it`),
/// else the nearest by edit distance when it is close enough to be a typo rather than
/// a different word.
pub fn did_you_mean<'a>(
    given: &str,
    known: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<&'a str> {
    let lower = given.to_lowercase().replace('-', "_");
    if let Some(k) = known
        .clone()
        .into_iter()
        .find(|k| k.to_lowercase() == lower)
    {
        return Some(k);
    }
    let limit = (given.chars().count() / 3).max(1);
    known
        .into_iter()
        .map(|k| (edit_distance(&lower, &k.to_lowercase()), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// ` (did you mean "x"?)` or nothing.
pub fn suggestion<'a>(given: &str, known: impl IntoIterator<Item = &'a str> + Clone) -> String {
    did_you_mean(given, known)
        .map(|k| format!(" (did you mean \"{k}\"?)"))
        .unwrap_or_default()
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_reads_file_line_message() {
        let p = Problem::field(
            "content/mentors/sato.md",
            Some(4),
            "industry",
            "industry \"IT\" is not in content/taxonomy.yaml (did you mean \"it\"?)",
        );
        assert_eq!(
            p.to_string(),
            "content/mentors/sato.md:4: industry \"IT\" is not in content/taxonomy.yaml (did you mean \"it\"?)"
        );
        assert_eq!(
            Problem::new("content/site.yaml", None, "x").to_string(),
            "content/site.yaml: x"
        );
    }

    #[test]
    fn problems_sort_by_file_then_line() {
        let ps = Problems::from_vec(vec![
            Problem::new("b.md", Some(1), "x"),
            Problem::new("a.md", Some(10), "y"),
            Problem::new("a.md", Some(2), "z"),
            Problem::new("a.md", Some(2), "z"),
        ]);
        assert_eq!(ps.lines(), ["a.md:2: z", "a.md:10: y", "b.md:1: x"]);
    }

    #[test]
    fn suggestions_prefer_case_then_typos_and_ignore_strangers() {
        let known = ["it", "manufacturing", "finance"];
        assert_eq!(did_you_mean("IT", known), Some("it"));
        assert_eq!(did_you_mean("manufactoring", known), Some("manufacturing"));
        assert_eq!(did_you_mean("bakery", known), None);
        assert_eq!(did_you_mean("work-life", ["work_life"]), Some("work_life"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
