//! Brief lists: records with only a few paths of their body, for screens that show or count
//! thousands of records (the console's lists, reports) without decoding every whole body.
//! SQLite extracts the paths in the query (`body -> '$.path'`); DynamoDB cannot look inside
//! the body attribute, so it reads whole items and keeps the same paths — one result either way.

use serde_json::Value;
use time::OffsetDateTime;

use super::{dispatch, RecordKind, Store, StoreError, StoredRecord};

/// A path into a body: `$.completeness.needs_call`, `$.match.suggestions[0]`.
pub(crate) fn check_path(path: &str) -> Result<(), StoreError> {
    let ok = path.starts_with("$.")
        && path.len() <= 128
        && path[2..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._[]".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            what: "body path",
            reason: "must look like $.name.name[0]".into(),
        })
    }
}

enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.trim_start_matches("$.").split('.') {
        let (key, rest) = part.split_once('[').unwrap_or((part, ""));
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        for index in rest.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Step::Index(i));
            }
        }
    }
    out
}

/// The value at `path` in `body`, if any.
#[cfg_attr(not(feature = "dynamo"), allow(dead_code))]
pub(crate) fn get<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    steps(path).iter().try_fold(body, |v, step| match step {
        Step::Key(k) => v.get(*k),
        Step::Index(i) => v.get(*i),
    })
}

/// Puts `value` at `path` in `out`, making the objects and arrays on the way.
pub(crate) fn insert(out: &mut Value, path: &str, value: Value) {
    let mut at = out;
    for step in steps(path) {
        at = match step {
            Step::Key(k) => {
                if !at.is_object() {
                    *at = Value::Object(Default::default());
                }
                at.as_object_mut()
                    .expect("an object")
                    .entry(k)
                    .or_insert(Value::Null)
            }
            Step::Index(i) => {
                if !at.is_array() {
                    *at = Value::Array(Vec::new());
                }
                let items = at.as_array_mut().expect("an array");
                if items.len() <= i {
                    items.resize(i + 1, Value::Null);
                }
                &mut items[i]
            }
        };
    }
    *at = value;
}

/// `body` reduced to `fields` (what DynamoDB does after reading whole items).
#[cfg_attr(not(feature = "dynamo"), allow(dead_code))]
pub(crate) fn project(body: &Value, fields: &[&str]) -> Value {
    let mut out = Value::Object(Default::default());
    for f in fields {
        if let Some(v) = get(body, f) {
            insert(&mut out, f, v.clone());
        }
    }
    out
}

impl Store {
    /// [`Store::list_by_status`] with each body reduced to `fields` (paths such as
    /// `$.completeness.needs_call`): the same records, in the same order.
    pub async fn list_brief_by_status(
        &self,
        kind: RecordKind,
        status: &str,
        limit: usize,
        fields: &[&str],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        fields.iter().try_for_each(|f| check_path(f))?;
        dispatch!(self, s => s.list_brief_by_status(kind, status, limit, fields))
    }

    /// How many live records of `kind` are in `status` (the console's counts, without reading
    /// any body on SQLite).
    pub async fn count_by_status(
        &self,
        kind: RecordKind,
        status: &str,
    ) -> Result<usize, StoreError> {
        dispatch!(self, s => s.count_by_status(kind, status))
    }

    /// [`Store::list_by_kind`] with each body reduced to `fields`.
    pub async fn list_brief_by_kind(
        &self,
        kind: RecordKind,
        since: OffsetDateTime,
        limit: usize,
        fields: &[&str],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        fields.iter().try_for_each(|f| check_path(f))?;
        dispatch!(self, s => s.list_brief_by_kind(kind, since, limit, fields))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_projection_keeps_only_the_paths_asked_for_in_their_places() {
        let body =
            json!({"a": {"b": 1, "c": 2}, "list": [{"x": "y", "z": 0}, {"x": "w"}], "big": "…"});
        let brief = project(&body, &["$.a.b", "$.list[0].x", "$.missing.path"]);
        assert_eq!(brief, json!({"a": {"b": 1}, "list": [{"x": "y"}]}));
        assert!(check_path("$.a[0].b_c").is_ok());
        assert!(check_path("a.b").is_err());
        assert!(check_path("$.a' OR 1").is_err());
    }
}
