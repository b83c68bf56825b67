//! Field checks shared by every form (applications now, inquiries later).
//! Each check records a natural Japanese message for its field and goes on, so
//! the applicant learns every problem at once.

use std::collections::BTreeSet;

// One rule for every address the service handles: the forms' and contacts.yaml's.
use mikke_catalog::mail::normalise_address as normalise_email;
use unicode_normalization::UnicodeNormalization;

use super::raw::{RawFields, RawValue};

/// Every bad field with its message, in the order the form asks for them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The field names (the answer lists them; tests).
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|(f, _)| f.as_str()).collect()
    }

    /// The field names for logs: a field the form does not have is only "unknown", because
    /// its name is whatever the client sent — it can be her message pasted in the wrong place
    /// (the log canary test found exactly that).
    pub fn names_for_log(&self) -> Vec<&str> {
        self.0
            .iter()
            .map(|(f, m)| {
                if m == UNKNOWN_FIELD {
                    "(unknown)"
                } else {
                    f.as_str()
                }
            })
            .collect()
    }
}

/// The message of a field the form does not have.
const UNKNOWN_FIELD: &str = "この項目は受け付けていません";

/// Longest field name echoed back for an unknown field.
const MAX_ECHOED_NAME: usize = 40;

/// Walks the fields of one submission; every check takes the field name and the
/// label the message uses (「お名前」, 「年代」…).
pub struct Checker<'a> {
    raw: &'a RawFields,
    errors: FieldErrors,
    known: BTreeSet<&'static str>,
}

impl<'a> Checker<'a> {
    pub fn new(raw: &'a RawFields) -> Checker<'a> {
        Checker {
            raw,
            errors: FieldErrors::default(),
            known: BTreeSet::new(),
        }
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        if self.errors.get(field).is_none() {
            self.errors.0.push((field.to_string(), message.into()));
        }
    }

    pub fn has_error(&self, field: &str) -> bool {
        self.errors.get(field).is_some()
    }

    /// Ends the walk: any field no check asked for is reported as not accepted.
    pub fn finish(mut self) -> FieldErrors {
        let unknown: Vec<String> = self
            .raw
            .names()
            .filter(|n| !self.known.contains(n))
            .map(|n| n.chars().take(MAX_ECHOED_NAME).collect())
            .collect();
        for name in unknown {
            self.fail(&name, UNKNOWN_FIELD);
        }
        self.errors
    }

    /// The field as one string: trimmed, NFC; `None` when absent or blank.
    fn one(&mut self, field: &'static str, label: &str) -> Option<String> {
        self.known.insert(field);
        let text = match self.raw.get(field)? {
            RawValue::Text(s) => s.as_str(),
            RawValue::List(v) if v.len() == 1 => v[0].as_str(),
            RawValue::Null => return None,
            _ => {
                self.fail(field, format!("{label}の形式が正しくありません"));
                return None;
            }
        };
        let text: String = text.nfc().collect();
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }

    /// A one-line text such as a name (no line breaks, controls or invisible format characters).
    pub fn text(
        &mut self,
        field: &'static str,
        label: &str,
        max: usize,
        required: bool,
    ) -> Option<String> {
        let value = self.one(field, label);
        let Some(value) = value else {
            if required && !self.has_error(field) {
                self.fail(field, format!("{label}を入力してください"));
            }
            return None;
        };
        if value.chars().count() > max {
            self.fail(field, format!("{label}は{max}文字以内で入力してください"));
        } else if value.chars().any(char::is_control) {
            self.fail(field, format!("{label}に改行や制御文字は使えません"));
        } else if value.chars().any(invisible) {
            // U+202E in a name can make one person's name read as another's in the staff's
            // lists and mails (issue 15).
            self.fail(
                field,
                format!("{label}に見えない文字（文字の向きを変える記号など）は使えません"),
            );
        } else {
            return Some(value);
        }
        None
    }

    /// A free text that may span lines; line ends are stored as `\n`.
    pub fn long_text(&mut self, field: &'static str, label: &str, max: usize) -> Option<String> {
        let value = self
            .one(field, label)?
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        if value.chars().count() > max {
            self.fail(field, format!("{label}は{max}文字以内で入力してください"));
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            self.fail(field, format!("{label}に使えない文字が含まれています"));
        } else {
            return Some(value);
        }
        None
    }

    pub fn email(&mut self, field: &'static str, label: &str) -> Option<String> {
        let Some(value) = self.one(field, label) else {
            if !self.has_error(field) {
                self.fail(field, format!("{label}を入力してください"));
            }
            return None;
        };
        // Full-width input (＠, ｍａｉｌ) is common on Japanese keyboards.
        let value: String = value.nfkc().collect();
        match normalise_email(&value) {
            Some(email) => Some(email),
            None => {
                self.fail(field, format!("{label}の形式が正しくありません"));
                None
            }
        }
    }

    pub fn phone(&mut self, field: &'static str, label: &str) -> Option<String> {
        let value: String = self.one(field, label)?.nfkc().collect();
        let allowed = value
            .chars()
            .all(|c| c.is_ascii_digit() || "-+() ".contains(c));
        let digits = value.chars().filter(char::is_ascii_digit).count();
        if allowed && (10..=15).contains(&digits) {
            Some(value)
        } else {
            self.fail(
                field,
                format!("{label}は数字とハイフンで入力してください（例：090-1234-5678）"),
            );
            None
        }
    }

    /// A short code of ASCII letters, digits, `-` and `_` (ids, keys).
    pub fn code(
        &mut self,
        field: &'static str,
        label: &str,
        len: std::ops::RangeInclusive<usize>,
    ) -> Option<String> {
        let value: String = self.one(field, label)?.nfkc().collect();
        let ok = len.contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Some(value)
        } else {
            self.fail(
                field,
                format!("{label}は英数字とハイフンで入力してください"),
            );
            None
        }
    }

    /// One value out of `valid`.
    pub fn choice(
        &mut self,
        field: &'static str,
        label: &str,
        required: bool,
        valid: impl Fn(&str) -> bool,
    ) -> Option<String> {
        match self.one(field, label) {
            Some(v) if valid(&v) => Some(v),
            Some(_) => {
                self.fail(field, format!("{label}の選択肢にない値です"));
                None
            }
            None => {
                if required && !self.has_error(field) {
                    self.fail(field, format!("{label}を選んでください"));
                }
                None
            }
        }
    }

    /// Several values out of `valid`, duplicates dropped, order kept; `unit` counts
    /// them in the message (「つ」, 「人」).
    pub fn choices(
        &mut self,
        field: &'static str,
        label: &str,
        count: std::ops::RangeInclusive<usize>,
        unit: &str,
        valid: impl Fn(&str) -> bool,
    ) -> Vec<String> {
        self.known.insert(field);
        let items: Vec<&String> = match self.raw.get(field) {
            None | Some(RawValue::Null) => Vec::new(),
            Some(RawValue::Text(s)) => vec![s],
            Some(RawValue::List(v)) => v.iter().collect(),
            Some(_) => {
                self.fail(field, format!("{label}の形式が正しくありません"));
                return Vec::new();
            }
        };
        let mut values: Vec<String> = Vec::new();
        for item in items {
            let item = item.trim();
            if item.is_empty() || values.iter().any(|v| v == item) {
                continue;
            }
            if !valid(item) {
                self.fail(field, format!("{label}の選択肢にない値が含まれています"));
                return Vec::new();
            }
            values.push(item.to_string());
        }
        if values.len() < *count.start() {
            self.fail(
                field,
                format!("{label}を{}{unit}以上選んでください", count.start()),
            );
        } else if values.len() > *count.end() {
            self.fail(field, format!("{label}は{}{unit}まで選べます", count.end()));
        }
        values
    }

    /// A checkbox or JSON boolean: `true`, or a form's `on` / `true` / `1` / `yes`.
    pub fn flag(&mut self, field: &'static str) -> bool {
        self.known.insert(field);
        match self.raw.get(field) {
            Some(RawValue::Bool(b)) => *b,
            Some(RawValue::Text(s)) => matches!(s.trim(), "on" | "true" | "1" | "yes"),
            Some(RawValue::List(v)) => v
                .iter()
                .any(|s| matches!(s.trim(), "on" | "true" | "1" | "yes")),
            _ => false,
        }
    }

    /// The honeypot: a field people never see. Anything in it means a bot.
    pub fn honeypot(&mut self, field: &'static str) -> bool {
        self.known.insert(field);
        match self.raw.get(field) {
            None | Some(RawValue::Null) | Some(RawValue::Bool(false)) => false,
            Some(RawValue::Text(s)) => !s.trim().is_empty(),
            Some(RawValue::List(v)) => v.iter().any(|s| !s.trim().is_empty()),
            Some(_) => true,
        }
    }
}

/// Whether the honeypot `field` of `raw` is filled, before any other check.
pub fn honeypot_filled(raw: &RawFields, field: &'static str) -> bool {
    Checker::new(raw).honeypot(field)
}

/// Invisible format characters that can disguise one-line text: the bidirectional embeddings,
/// overrides and isolates (U+202A–202E, U+2066–2069), the direction marks (U+200E, U+200F,
/// U+061C), zero-width characters and joiners (U+200B–200D, U+2060–2064, U+FEFF), the soft
/// hyphen, the Mongolian vowel separator and the interlinear annotation marks.
pub(crate) fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_people_type_are_accepted_and_normalised() {
        assert_eq!(
            normalise_email("Hanako.Sato+m@Example.CO.JP").as_deref(),
            Some("Hanako.Sato+m@example.co.jp")
        );
        for bad in [
            "hanako",
            "hanako@",
            "@example.jp",
            "a@b",
            "a b@example.jp",
            "a..b@example.jp",
            "a@-x.jp",
            "a@x.123",
            "a@@x.jp",
        ] {
            assert_eq!(normalise_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn full_width_email_and_phone_are_understood() {
        let raw = RawFields::from_json("{\"email\":\"ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ\",\"phone\":\"０９０－１２３４－５６７８\"}".as_bytes()).unwrap();
        let mut c = Checker::new(&raw);
        assert_eq!(
            c.email("email", "メールアドレス").as_deref(),
            Some("hanako@example.jp")
        );
        assert_eq!(
            c.phone("phone", "電話番号").as_deref(),
            Some("090-1234-5678")
        );
        assert!(c.finish().is_empty());
    }
}
