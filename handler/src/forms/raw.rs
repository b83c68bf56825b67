//! A submitted body, JSON or form-encoded, reduced to one shape so that one
//! set of checks serves both (and the inquiry forms too).

use std::collections::BTreeMap;

/// What the client sent for one field, before any check.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    Text(String),
    List(Vec<String>),
    Bool(bool),
    /// JSON `null`: treated as absent.
    Null,
    /// A number, an object or an array holding something other than strings.
    Other,
}

/// The fields of one submission, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawFields {
    pub(crate) fields: BTreeMap<String, RawValue>,
}

/// Why a body could not be read at all (answered with 400).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BodyError {
    #[error("the body is not valid JSON")]
    Json,
    #[error("the JSON body is not an object")]
    NotAnObject,
    #[error("the body is not valid UTF-8")]
    Utf8,
    #[error("the body has a malformed percent escape")]
    Escape,
    #[error("the body could not be read to its end")]
    Incomplete,
}

impl RawFields {
    pub fn get(&self, name: &str) -> Option<&RawValue> {
        self.fields.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    pub fn from_json(body: &[u8]) -> Result<RawFields, BodyError> {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| BodyError::Json)?;
        let serde_json::Value::Object(map) = value else {
            return Err(BodyError::NotAnObject);
        };
        let fields = map
            .into_iter()
            .map(|(k, v)| {
                let raw = match v {
                    serde_json::Value::String(s) => RawValue::Text(s),
                    serde_json::Value::Bool(b) => RawValue::Bool(b),
                    serde_json::Value::Null => RawValue::Null,
                    serde_json::Value::Array(items) => items
                        .into_iter()
                        .map(|i| match i {
                            serde_json::Value::String(s) => Some(s),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()
                        .map_or(RawValue::Other, RawValue::List),
                    _ => RawValue::Other,
                };
                (k, raw)
            })
            .collect();
        Ok(RawFields { fields })
    }

    /// `application/x-www-form-urlencoded`; a repeated key (`topics=a&topics=b`,
    /// as checkboxes send) becomes a list. `topics[]` is read as `topics`.
    pub fn from_urlencoded(body: &[u8]) -> Result<RawFields, BodyError> {
        let mut fields: BTreeMap<String, RawValue> = BTreeMap::new();
        for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (key, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            let key = decode(key)?;
            let key = key.strip_suffix("[]").map(str::to_string).unwrap_or(key);
            let value = decode(value)?;
            match fields.remove(&key) {
                None => fields.insert(key, RawValue::Text(value)),
                Some(RawValue::Text(first)) => {
                    fields.insert(key, RawValue::List(vec![first, value]))
                }
                Some(RawValue::List(mut list)) => {
                    list.push(value);
                    fields.insert(key, RawValue::List(list))
                }
                Some(other) => fields.insert(key, other),
            };
        }
        Ok(RawFields { fields })
    }
}

/// Percent-decoding that refuses what browsers never send (a bad escape, invalid
/// UTF-8) instead of guessing, so a garbled submission is a 400, not altered data.
fn decode(input: &[u8]) -> Result<String, BodyError> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' => {
                // from_str_radix alone would accept a sign ("%+1").
                let hex = input
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .ok_or(BodyError::Escape)?;
                let hex = std::str::from_utf8(hex).map_err(|_| BodyError::Escape)?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| BodyError::Escape)?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| BodyError::Utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_form_keys_become_a_list() {
        let raw = RawFields::from_urlencoded(
            b"topics=a&topics=b&topics[]=c&name=%E4%BD%90%E8%97%A4+%E8%8A%B1",
        )
        .unwrap();
        assert_eq!(
            raw.get("topics"),
            Some(&RawValue::List(vec!["a".into(), "b".into(), "c".into()]))
        );
        assert_eq!(raw.get("name"), Some(&RawValue::Text("佐藤 花".into())));
    }

    #[test]
    fn bad_escapes_and_invalid_utf8_are_refused() {
        assert_eq!(
            RawFields::from_urlencoded(b"name=%E4%BD"),
            Err(BodyError::Utf8)
        );
        assert_eq!(
            RawFields::from_urlencoded(b"name=%zz"),
            Err(BodyError::Escape)
        );
        assert_eq!(
            RawFields::from_urlencoded(b"name=%4"),
            Err(BodyError::Escape)
        );
        assert_eq!(
            RawFields::from_urlencoded(b"name=%+1"),
            Err(BodyError::Escape)
        );
    }

    #[test]
    fn json_values_keep_their_kind() {
        let raw = RawFields::from_json(br#"{"a":"x","b":["y"],"c":true,"d":null,"e":1,"f":[1]}"#)
            .unwrap();
        assert_eq!(raw.get("a"), Some(&RawValue::Text("x".into())));
        assert_eq!(raw.get("b"), Some(&RawValue::List(vec!["y".into()])));
        assert_eq!(raw.get("c"), Some(&RawValue::Bool(true)));
        assert_eq!(raw.get("d"), Some(&RawValue::Null));
        assert_eq!(raw.get("e"), Some(&RawValue::Other));
        assert_eq!(raw.get("f"), Some(&RawValue::Other));
        assert_eq!(RawFields::from_json(b"[1]"), Err(BodyError::NotAnObject));
        assert_eq!(RawFields::from_json(b"{"), Err(BodyError::Json));
    }
}
