//! Reading a single-part mail back: unfolded headers, RFC 2047 words decoded, the body
//! decoded from base64 or quoted-printable. For the tests (of this crate, the handler, the
//! end-to-end flow) and for reading the local mail directory; not a general MIME parser.

use base64::Engine;

/// A mail as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadMail {
    /// Raw header lines as sent (folded), for checks of their length.
    pub raw_header_lines: Vec<String>,
    /// (name, decoded value), in order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl ReadMail {
    /// The first header of `name` (case-insensitive), decoded.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn subject(&self) -> &str {
        self.header("Subject").unwrap_or_default()
    }
}

/// Reads `raw`; `None` when it is not a mail this crate writes.
pub fn read(raw: &[u8]) -> Option<ReadMail> {
    let text = std::str::from_utf8(raw).ok()?.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n")?;
    let raw_header_lines: Vec<String> = head.lines().map(str::to_string).collect();
    let mut unfolded: Vec<String> = Vec::new();
    for line in head.lines() {
        match unfolded.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push('\n');
                last.push_str(line);
            }
            _ => unfolded.push(line.to_string()),
        }
    }
    let mut headers = Vec::new();
    for h in unfolded {
        let (name, value) = h.split_once(':')?;
        headers.push((name.trim().to_string(), decode_words(value.trim())));
    }
    let encoding = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Transfer-Encoding"))
        .map(|(_, v)| v.to_ascii_lowercase());
    let body = match encoding.as_deref() {
        Some("base64") => {
            let compact: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .ok()?,
            )
            .ok()?
        }
        Some("quoted-printable") => quoted_printable(body)?,
        _ => body.to_string(),
    };
    Some(ReadMail {
        raw_header_lines,
        headers,
        body: body.replace("\r\n", "\n"),
    })
}

/// `=?utf-8?b?…?=` words (base64 or Q), joined as RFC 2047 says: whitespace between two
/// encoded words is dropped, folded lines are joined.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut pending_space = String::new();
    let mut last_was_word = false;
    for token in value.split(['\n', ' ', '\t']).filter(|t| !t.is_empty()) {
        match decode_word(token) {
            Some(decoded) => {
                if !last_was_word {
                    out.push_str(&pending_space);
                }
                out.push_str(&decoded);
                last_was_word = true;
            }
            None => {
                out.push_str(&pending_space);
                out.push_str(token);
                last_was_word = false;
            }
        }
        pending_space = " ".into();
    }
    out
}

fn decode_word(token: &str) -> Option<String> {
    let inner = token.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut parts = inner.splitn(3, '?');
    let charset = parts.next()?;
    let encoding = parts.next()?;
    let text = parts.next()?;
    if !charset.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    let bytes = match encoding {
        "b" | "B" => base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()?,
        "q" | "Q" => quoted_printable(&text.replace('_', " "))?.into_bytes(),
        _ => return None,
    };
    String::from_utf8(bytes).ok()
}

fn quoted_printable(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let raw = text.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'=' if raw.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' if raw.get(i + 1) == Some(&b'\r') => i += 3,
            b'=' => {
                let hex = std::str::from_utf8(raw.get(i + 1..i + 3)?).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(bytes).ok()
}
