//! Loading the Tera templates once per build. Everything under `templates/` except `static/`
//! is a template, named by its path relative to `templates/` (`partials/mentor_card.html`).

use std::path::Path;

use tera::Tera;
use walkdir::WalkDir;

use super::RenderError;

/// Files under this directory of `templates/` are copied as they are, never parsed.
pub const STATIC_DIR: &str = "static";

pub fn load(templates_dir: &Path) -> Result<Tera, RenderError> {
    // (name, text) of every template, in path order.
    let mut texts: Vec<(String, String)> = Vec::new();
    let walker = WalkDir::new(templates_dir).sort_by_file_name().into_iter();
    for entry in walker.filter_entry(|e| !(e.depth() == 1 && e.file_name() == STATIC_DIR)) {
        let entry = entry.map_err(|e| RenderError::Io {
            path: e.path().unwrap_or(templates_dir).to_path_buf(),
            message: e.to_string(),
        })?;
        if !entry.file_type().is_file() || is_hidden(entry.path()) {
            continue;
        }
        let name = template_name(templates_dir, entry.path());
        let text = std::fs::read_to_string(entry.path()).map_err(|e| RenderError::Io {
            path: entry.path().to_path_buf(),
            message: e.to_string(),
        })?;
        // HTML only: a blank line may mean something elsewhere (robots.txt groups).
        let text = if name.ends_with(".html") {
            without_indentation(&text).into_owned()
        } else {
            text
        };
        texts.push((name, text));
    }
    if texts.is_empty() {
        return Err(RenderError::Io {
            path: templates_dir.to_path_buf(),
            message: "no templates found (is this the templates/ directory?)".into(),
        });
    }

    let mut tera = Tera::new();
    // Tera's default list, stated here so no one has to wonder: every page template is
    // escaped; `| safe` is used only for sanitised bios/pages and pre-rendered cards.
    tera.autoescape_on(vec![".html", ".htm", ".xml"]);
    tera.set_escape_fn(escape_html);
    // All at once: a page may use a component another file defines, or extend a parent that
    // sorts after it. A syntax error still names its own file (and line), from Tera's report.
    tera.add_raw_templates(texts.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map_err(|e| RenderError::Template {
            template: error_file(&e)
                .map_or_else(|| templates_dir.to_path_buf(), |f| templates_dir.join(f)),
            message: chain(&e),
        })?;
    Ok(tera)
}

/// The template file a Tera error points into, when it points into one.
fn error_file(e: &tera::Error) -> Option<&str> {
    match e.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report)
            if !report.filename().is_empty() =>
        {
            Some(report.filename())
        }
        _ => None,
    }
}

/// The template's text with each line's leading spaces and tabs and its blank lines removed.
/// Indentation keeps templates readable but was ~8 % of every page's bytes, repeated on
/// 10,000s of pages; between tags it renders as nothing and inside text as the one space the
/// line break already makes. A template holding `<pre` or `<textarea>…` text (where spaces
/// show) is kept as written; bios and pages come in as values and keep theirs.
pub fn without_indentation(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("<pre") || text.contains("<textarea>") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start_matches([' ', '\t']);
        if trimmed != "\n" && trimmed != "\r\n" {
            out.push_str(trimmed);
        }
    }
    out.into()
}

/// `&`, `<`, `>`, `"` and `'`: what HTML text and quoted attributes need (`/` stays as it is,
/// so URLs in attributes stay readable; Tera 1 escaped it). The same five as Tera 2's own
/// escaping, which writes byte by byte.
pub fn escape_html(input: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    // Byte by byte, copying the runs between the five: they are ASCII, so never inside a
    // multi-byte character, and most text (Japanese, 3 bytes a character) has none of them.
    let bytes = input.as_bytes();
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        let entity: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            _ => continue,
        };
        out.write_all(&bytes[start..i])?;
        out.write_all(entity)?;
        start = i + 1;
    }
    out.write_all(&bytes[start..])
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') || n.ends_with('~'))
}

pub fn template_name(templates_dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(templates_dir).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Tera puts the useful part (line, column, variable) in the error's sources.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escape(input: &str) -> String {
        let mut out = Vec::new();
        escape_html(input, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escaping_replaces_the_five_and_keeps_everything_else_byte_for_byte() {
        assert_eq!(
            escape("<a href=\"/x/?a=1&b='2'\">育休＆復帰</a>"),
            "&lt;a href=&quot;/x/?a=1&amp;b=&#39;2&#39;&quot;&gt;育休＆復帰&lt;/a&gt;"
        );
        assert_eq!(escape("宮崎 麻美"), "宮崎 麻美");
        assert_eq!(escape(""), "");
        assert_eq!(escape("&"), "&amp;");
    }

    #[test]
    fn indentation_and_blank_lines_are_dropped_as_templates_load() {
        let text = "<ul>\n  <li>a</li>\n\n\t<li>{{ b }}</li>\n</ul>\n";
        assert_eq!(
            without_indentation(text),
            "<ul>\n<li>a</li>\n<li>{{ b }}</li>\n</ul>\n"
        );
    }

    #[test]
    fn a_template_with_preformatted_text_keeps_its_spaces() {
        let text = "<pre>\n  code\n</pre>\n";
        assert_eq!(without_indentation(text), text);
    }
}
