//! The front matter profiles are written in — one `field: value` per line, values plain words,
//! one-line quoted text or flow lists of words (`topics: [a, b]`) — read without a YAML parser.
//!
//! At 10,000 profiles serde_yaml was 6 % of a build's CPU, most of it machinery these lines
//! never need. [`parse`] accepts only a conservative subset and answers `None` for anything
//! else (comments, block lists, escapes, quotes inside quoted text, colons or brackets in a
//! plain value, a repeated field, …):
//! the caller then asks serde_yaml, which also words every error. So for every text it
//! accepts it must give the `Value` serde_yaml gives; the tests hold it to that.

use serde_yaml::{Mapping, Number, Sequence, Value};

/// The mapping serde_yaml would read from `yaml`, if `yaml` is in the subset.
pub fn parse(yaml: &str) -> Option<Value> {
    if yaml.chars().any(outside_subset) {
        return None;
    }
    let mut mapping = Mapping::new();
    for line in yaml.split('\n') {
        if line.trim_matches(' ').is_empty() {
            continue;
        }
        let (key, rest) = line.split_once(':')?;
        let key_ok = key.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && scalar(key) == Some(Value::String(key.to_string()));
        if !key_ok || !(rest.is_empty() || rest.starts_with(' ')) {
            return None;
        }
        let rest = rest.trim_matches(' ');
        let value = if rest.is_empty() {
            Value::Null
        } else if let Some(inner) = rest.strip_prefix('[') {
            list(inner.strip_suffix(']')?)?
        } else {
            scalar(rest)?
        };
        if mapping
            .insert(Value::String(key.to_string()), value)
            .is_some()
        {
            return None;
        }
    }
    (!mapping.is_empty()).then_some(Value::Mapping(mapping))
}

/// Characters YAML gives a meaning, or that it treats as line breaks or refuses, anywhere in
/// the text. Plain words and the spaces between them never need them.
fn outside_subset(c: char) -> bool {
    matches!(
        c,
        '#' | '\\' | '{' | '}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    ) || c == '\u{FEFF}'
        || (c.is_control() && c != '\n')
}

fn list(inner: &str) -> Option<Value> {
    if inner.trim_matches(' ').is_empty() {
        return Some(Value::Sequence(Sequence::new()));
    }
    inner
        .split(',')
        .map(|item| scalar(item.trim_matches(' ')))
        .collect::<Option<Sequence>>()
        .map(Value::Sequence)
}

/// A plain scalar resolved as serde_yaml resolves it: null, bool, integer, or else a string.
/// Anything that could be a float, a radix integer or a signed number is left to serde_yaml.
fn scalar(s: &str) -> Option<Value> {
    let first = s.chars().next()?;
    if first == '"' || first == '\'' {
        // Quoted text is a string as it stands when there is no quote (and, globally, no
        // backslash) inside to escape: 'it''s' and "\t" are serde_yaml's.
        let inner = s[1..].strip_suffix(first)?;
        return (!inner.contains(['"', '\''])).then(|| Value::String(inner.to_string()));
    }
    if first.is_ascii_punctuation() || s.contains([':', '[', ']', ',', '"', '\'']) {
        return None;
    }
    Some(match s {
        "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ if first.is_ascii_digit() => {
            if s.len() > 1 && s.starts_with('0') {
                // 0x…, 0o…, 0b… are integers; 007 is a string: serde_yaml's call.
                return None;
            }
            if s.bytes().all(|b| b.is_ascii_digit()) {
                Value::Number(Number::from(s.parse::<u64>().ok()?))
            } else if s.parse::<f64>().is_ok() {
                return None;
            } else {
                Value::String(s.to_string())
            }
        }
        _ => Value::String(s.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse` either declines or agrees with serde_yaml.
    fn agrees(yaml: &str) -> bool {
        let fast = parse(yaml);
        if let Some(fast) = &fast {
            let slow: Value = serde_yaml::from_str(yaml).expect("accepted text is YAML");
            assert_eq!(fast, &slow, "{yaml:?}");
            let keys = |v: &Value| {
                v.as_mapping()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
            };
            assert_eq!(keys(fast), keys(&slow), "field order of {yaml:?}");
        }
        fast.is_some()
    }

    #[test]
    fn a_profiles_front_matter_is_read_as_serde_yaml_reads_it() {
        let yaml = "name: 宮崎 麻美\ntitle: 法人営業部 グループリーダー\nindustry: retail\n\
                    age_band: 40s\njob_functions: [general_affairs, customer_support]\n\
                    tags: []\ntopics: [ a ,b ]\naccepting: true\ncapacity: 3\nphoto:\n\n";
        assert!(agrees(yaml));
    }

    #[test]
    fn scalars_resolve_to_null_bool_integer_or_string_like_serde_yaml() {
        for value in [
            "null",
            "Null",
            "NULL",
            "true",
            "True",
            "TRUE",
            "false",
            "FALSE",
            "yes",
            "no",
            "on",
            "off",
            "0",
            "7",
            "18446744073709551615",
            "40s",
            "12h",
            "1e3",
            "1.5",
            "1.",
            "inf",
            "nan",
            "infinity",
            "Infinity",
            "NaN",
            "e5",
            "x1",
            "0x1F",
            "0o7",
            "0b1",
            "007",
            "99999999999999999999",
            "1_000",
            "１２",
            "　全角",
            "a b  c",
            "a/b.c",
            "日本語 テキスト",
            "a-b",
            "a=b",
            "a?b",
            "a!b",
            "a&b",
            "a*b",
            "a%b",
            "a@b",
            "a|b",
            "a>b",
            "a`b",
        ] {
            agrees(&format!("k: {value}\n"));
            agrees(&format!("k: [{value}, x]\n"));
        }
        for value in [
            "null",
            "TRUE",
            "false",
            "7",
            "40s",
            "inf",
            "a b  c",
            "１２",
            "日本語",
            "\"7\"",
            "\"true\"",
            "' 前後に空白 '",
            "\"気軽に: どうぞ、[a]\"",
            "''",
            "\"\"",
        ] {
            assert!(agrees(&format!("k: {value}\n")), "{value} is read here");
            assert!(
                agrees(&format!("k: [x, {value}]\n")),
                "[x, {value}] is read here"
            );
        }
    }

    #[test]
    fn anything_outside_the_subset_is_left_to_serde_yaml() {
        for yaml in [
            "k: \"a\\\"b\"",
            "k: \"a\\tb\"",
            "k: 'it''s'",
            "k: \"a\" b",
            "k: a\"b",
            "k: \"a\nb\"",
            "k: \"open",
            "k: v # comment",
            "# comment\nk: v",
            "k:\n- a\n- b",
            "k:\n  - a",
            "k: a\n  continued",
            "k: -1",
            "k: +1",
            "k: .5",
            "k: ~",
            "k: a: b",
            "k: http://example.jp",
            "k: [a, [b]]",
            "k: [a,]",
            "k: [a, b] c",
            "k: {a: b}",
            "k: &anchor a",
            "k: *alias",
            "k: !tag a",
            "k: |\n  text",
            "k: >\n  text",
            "k: 1\nk: 2",
            "K: v",
            "1k: v",
            "true: v",
            "null: v",
            "k : v",
            "k:v",
            "\tk: v",
            "k: v\r\n",
            "k: a\u{2028}b",
            "---\nk: v",
            "...",
            "",
            "\n \n",
        ] {
            assert!(!agrees(yaml), "{yaml:?} should be left to serde_yaml");
        }
    }

    #[test]
    fn every_profile_in_the_repository_is_read_alike() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut read = 0;
        for dir in ["content", "generator/tests/fixtures"] {
            for entry in walkdir::WalkDir::new(root.join(dir)) {
                let entry = entry.expect("walk");
                if entry.path().extension().is_none_or(|e| e != "md") {
                    continue;
                }
                let text = std::fs::read_to_string(entry.path()).expect("read");
                if let Ok(parts) = super::super::front_matter::split(&text) {
                    read += agrees(parts.yaml) as usize;
                }
            }
        }
        assert!(read > 30, "most profiles are in the subset ({read})");
    }
}
