//! Splitting a content file into YAML front matter and Markdown body, and finding
//! the line a field sits on (serde_yaml reports lines only for syntax errors, and
//! staff need the line for every problem).

/// A content file cut at its `---` fences.
#[derive(Debug, Clone, PartialEq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// File line (1-based) of the first YAML line, i.e. the line after the opening `---`.
    pub yaml_line: usize,
    pub body: &'a str,
    /// File line of the first body line.
    pub body_line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with a `---` line.
    Missing,
    /// No closing `---` line.
    Unterminated,
}

impl SplitError {
    pub fn message(&self) -> &'static str {
        match self {
            SplitError::Missing => {
                "no front matter: start the file with a line \"---\", then the fields (name: ..., title: ...), then another \"---\" line, then the text"
            }
            SplitError::Unterminated => {
                "front matter is not closed: add a line \"---\" after the last field, before the text"
            }
        }
    }
}

/// Cuts `text` at its front-matter fences. A UTF-8 BOM and CRLF line ends are accepted
/// because Windows editors produce them.
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = line_spans(text);
    let (_, first_end) = match lines.next() {
        Some((start, end)) if is_fence(&text[start..end]) => (start, end),
        _ => return Err(SplitError::Missing),
    };
    let yaml_start = next_line_start(text, first_end);
    for (number, (start, end)) in lines.enumerate() {
        if is_fence(&text[start..end]) {
            let body_start = next_line_start(text, end);
            return Ok(Split {
                yaml: &text[yaml_start..start],
                yaml_line: 2,
                body: &text[body_start..],
                body_line: number + 3,
            });
        }
    }
    Err(SplitError::Unterminated)
}

fn is_fence(line: &str) -> bool {
    line.trim_end() == "---"
}

/// (start, end) byte offsets of each line, without its line end.
fn line_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let span = (start, end);
        start = end + 1;
        Some(span)
    })
}

fn next_line_start(text: &str, line_end: usize) -> usize {
    (line_end + 1).min(text.len())
}

/// Where top-level keys and their values sit in a YAML text, by line.
#[derive(Debug, Clone)]
pub struct YamlLines<'a> {
    lines: Vec<&'a str>,
    /// File line of `lines[0]`.
    first_line: usize,
}

impl<'a> YamlLines<'a> {
    pub fn new(yaml: &'a str, first_line: usize) -> YamlLines<'a> {
        YamlLines {
            lines: yaml.lines().collect(),
            first_line,
        }
    }

    /// The file line of top-level `key:`.
    pub fn key(&self, key: &str) -> Option<usize> {
        self.key_index(key).map(|i| i + self.first_line)
    }

    /// The file line where `value` appears inside `key`'s entry (its own line for a block list,
    /// the key's line for a flow list `[a, b]`), falling back to the key's line.
    pub fn value(&self, key: &str, value: &str) -> Option<usize> {
        let start = self.key_index(key)?;
        let end = (start + 1..self.lines.len())
            .find(|&i| top_level_key(self.lines[i]).is_some())
            .unwrap_or(self.lines.len());
        (start..end)
            .find(|&i| contains_word(self.lines[i], value))
            .or(Some(start))
            .map(|i| i + self.first_line)
    }

    /// The file line of `key` nested anywhere under top-level `section` (for settings files
    /// such as `industries:\n  it: ...`).
    pub fn nested(&self, section: &str, key: &str) -> Option<usize> {
        let start = self.key_index(section)?;
        (start + 1..self.lines.len())
            .take_while(|&i| top_level_key(self.lines[i]).is_none())
            .find(|&i| {
                let trimmed = self.lines[i].trim_start().trim_start_matches("- ");
                trimmed
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with(':'))
                    || trimmed
                        .strip_prefix(&format!("\"{key}\""))
                        .is_some_and(|r| r.starts_with(':'))
            })
            .map(|i| i + self.first_line)
            .or(Some(start + self.first_line))
    }

    /// Every file line holding top-level `key:` (more than one only in a broken file).
    pub fn key_lines(&self, key: &str) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|&i| top_level_key(self.lines[i]) == Some(key))
            .map(|i| i + self.first_line)
            .collect()
    }

    fn key_index(&self, key: &str) -> Option<usize> {
        self.lines
            .iter()
            .position(|l| top_level_key(l) == Some(key))
    }
}

/// `name` for a line `name: ...` at column 0 (quoted keys included).
fn top_level_key(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t', '#', '-']) {
        return None;
    }
    let (key, _) = line.split_once(':')?;
    let key = key.trim_end();
    let key = key.trim_matches(|c| c == '"' || c == '\'');
    (!key.is_empty()).then_some(key)
}

/// Whether `word` appears in `line` not as part of a longer id (`it` is not in `items`).
fn contains_word(line: &str, word: &str) -> bool {
    let is_id_char = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    line.match_indices(word).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + word.len()..].chars().next();
        !before.is_some_and(is_id_char) && !after.is_some_and(is_id_char)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_finds_yaml_and_body_with_their_lines() {
        let s = split("---\nname: a\ntitle: b\n---\n# Bio\ntext\n").unwrap();
        assert_eq!(s.yaml, "name: a\ntitle: b\n");
        assert_eq!(s.yaml_line, 2);
        assert_eq!(s.body, "# Bio\ntext\n");
        assert_eq!(s.body_line, 5);
    }

    #[test]
    fn split_accepts_bom_and_crlf() {
        let s = split("\u{feff}---\r\nname: a\r\n---\r\nbody").unwrap();
        assert_eq!(s.yaml, "name: a\r\n");
        assert_eq!(s.body, "body");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn split_rejects_missing_and_unterminated_front_matter() {
        assert_eq!(split("# just markdown\n"), Err(SplitError::Missing));
        assert_eq!(split(""), Err(SplitError::Missing));
        assert_eq!(split("---\nname: a\n"), Err(SplitError::Unterminated));
    }

    #[test]
    fn closing_fence_at_end_of_file_gives_empty_body() {
        let s = split("---\nname: a\n---").unwrap();
        assert_eq!(s.body, "");
    }

    #[test]
    fn yaml_lines_locate_keys_and_list_items() {
        let yaml = "name: a\ntopics:\n  - confidence\n  - leadership\ntags: [stem, it]\n";
        let l = YamlLines::new(yaml, 2);
        assert_eq!(l.key("name"), Some(2));
        assert_eq!(l.key("missing"), None);
        assert_eq!(l.value("topics", "leadership"), Some(5));
        assert_eq!(l.value("tags", "it"), Some(6));
        assert_eq!(l.value("topics", "absent"), Some(3));
    }

    #[test]
    fn yaml_lines_locate_nested_settings() {
        let yaml = "industries:\n  it: IT\n  items: x\ntopics:\n  it: y\n";
        let l = YamlLines::new(yaml, 1);
        assert_eq!(l.nested("industries", "items"), Some(3));
        assert_eq!(l.nested("topics", "it"), Some(5));
    }
}
