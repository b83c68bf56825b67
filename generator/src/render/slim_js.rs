//! Served scripts without their comments: the directory's search scripts are read on every
//! visitor's first query, and their comments (written for the next engineer) are a third of
//! their gzip'd bytes (search.js + search-index.js + search-normalize.js: 15.4 → 10.6 KB).
//!
//! Deliberately not a minifier: only whole-line comments, blank lines and indentation go, so
//! every statement stays on its own line and no JavaScript grammar is needed. A file where
//! that could change meaning — a template literal or a string continued over lines — is
//! served as it is.

/// `source` without comment-only lines, blank lines and leading indentation; `None` when the
/// file has a multi-line string (a line with an odd number of backticks, or one ending in a
/// backslash), where indentation could be part of a string.
pub fn strip(source: &str) -> Option<String> {
    let multi_line_string = source
        .lines()
        .any(|l| l.matches('`').count() % 2 == 1 || l.trim_end().ends_with('\\'));
    if multi_line_string {
        return None;
    }
    let mut out = String::with_capacity(source.len());
    let mut in_block = false;
    for line in source.lines() {
        let mut code = line.trim();
        if in_block {
            match code.find("*/") {
                Some(end) => {
                    in_block = false;
                    code = code[end + 2..].trim_start();
                }
                None => continue,
            }
        } else if let Some(rest) = code.strip_prefix("/*") {
            match rest.find("*/") {
                Some(end) => code = rest[end + 2..].trim_start(),
                None => {
                    in_block = true;
                    continue;
                }
            }
        }
        if code.is_empty() || code.starts_with("//") {
            continue;
        }
        out.push_str(code);
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::strip;

    #[test]
    fn whole_line_comments_blank_lines_and_indentation_go() {
        let source = "/**\n * Doc.\n */\nexport function f(a) {\n  // why\n\n  return a; // kept: not a whole line\n}\n";
        assert_eq!(
            strip(source).unwrap(),
            "export function f(a) {\nreturn a; // kept: not a whole line\n}\n"
        );
    }

    #[test]
    fn code_after_a_block_comment_on_its_line_stays() {
        assert_eq!(
            strip("/* a */ x();\n/* b\n c */ y();\n").unwrap(),
            "x();\ny();\n"
        );
    }

    #[test]
    fn a_url_or_a_regex_is_not_a_comment() {
        let source = "const u = 'http://x/';\nconst r = /\\/\\*/;\n";
        assert_eq!(strip(source).unwrap(), source);
    }

    #[test]
    fn a_file_with_a_multi_line_string_is_left_alone() {
        assert_eq!(strip("const t = `a\n  // b\n`;\n"), None);
        assert_eq!(strip("const s = 'a\\\n  b';\n"), None);
    }
}
