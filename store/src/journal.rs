//! The JSON-lines journal that was the local store before SQLite: one JSON object per line,
//! each one atomic change. Kept only so `sqlite::import` can bring an existing data
//! directory's `journal.jsonl` into the database once; nothing writes this format any more.
//!
//! A crash mid-append could leave a torn last line without its newline: the change never
//! happened, and reading skips it.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::matches::{Match, Reply};
use crate::{RecordKind, StoreError};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum Entry<'a> {
    Put {
        record: RecordLine<'a>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        idem: Option<IdemLine<'a>>,
    },
    Idem(IdemLine<'a>),
    Status {
        kind: RecordKind,
        id: Cow<'a, str>,
        status: Cow<'a, str>,
    },
    Rate(RateLine<'a>),
    /// A match's whole state after a change, with what changed alongside it atomically: the
    /// application moved to `matched` (assign). `capacity` and [`Entry::Capacity`] are read
    /// from older journals only (a per-mentor counter, now derived from the live matches).
    Match {
        #[serde(rename = "match")]
        the_match: Cow<'a, Match>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        matched_application: Option<Cow<'a, str>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        capacity: Option<CapacityLine<'a>>,
    },
    Capacity(CapacityLine<'a>),
    Sheet(SheetLine<'a>),
    Reply {
        match_id: Cow<'a, str>,
        session: u32,
        reply: Cow<'a, Reply>,
    },
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CapacityLine<'a> {
    pub mentor: Cow<'a, str>,
    /// The count after the change (absolute).
    pub active: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SheetLine<'a> {
    pub match_id: Cow<'a, str>,
    pub session: u32,
    pub submission_id: Cow<'a, str>,
    /// `schema::timestamp_text`.
    pub created_at: String,
    pub expires_at: i64,
    pub priority: u32,
    pub content: Cow<'a, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<Cow<'a, Reply>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RecordLine<'a> {
    pub kind: RecordKind,
    pub id: Cow<'a, str>,
    /// `schema::timestamp_text`.
    pub created_at: String,
    pub status: Cow<'a, str>,
    /// Epoch seconds.
    pub expires_at: i64,
    pub body: Cow<'a, serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct IdemLine<'a> {
    pub kind: RecordKind,
    pub key: Cow<'a, str>,
    pub id: Cow<'a, str>,
    pub expires_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RateLine<'a> {
    pub key: Cow<'a, str>,
    pub window_start: i64,
    /// The count after this hit (absolute, so replay needs no arithmetic).
    pub hits: u32,
    pub expires_at: i64,
}

/// Reads every entry, calling `apply` in file order. Returns the number of lines applied;
/// a torn final line (no newline) is skipped. The file is not changed.
pub(crate) fn replay(
    path: &Path,
    mut apply: impl FnMut(Entry<'static>),
) -> Result<usize, StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io(e)),
    };
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    let mut number = 0;
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(io)?;
        if read == 0 {
            return Ok(number);
        }
        number += 1;
        if !line.ends_with('\n') {
            // A torn final append (crash mid-write; the newline ended every append): the
            // change never happened.
            return Ok(number - 1);
        }
        match serde_json::from_str::<Entry<'static>>(line.trim_end()) {
            Ok(entry) => apply(entry),
            Err(e) => {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    line: number,
                    // Not `e`'s Display: it can quote the line, i.e. personal data.
                    reason: format!("{:?} error at column {}", e.classify(), e.column()),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_is_skipped_but_a_damaged_earlier_line_is_reported_without_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let good = r#"{"op":"status","kind":"application","id":"a1","status":"matched"}"#;
        std::fs::write(&path, format!("{good}\n{{\"op\":\"status\",\"id\":\"Hana")).unwrap();
        let mut seen = 0;
        assert_eq!(replay(&path, |_| seen += 1).unwrap(), 1);
        assert_eq!(seen, 1);

        std::fs::write(
            &path,
            format!("{{\"op\":\"put\",\"secret\":\"Hanako\"}}\n{good}\n"),
        )
        .unwrap();
        let err = replay(&path, |_| {}).unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
        assert!(!err.contains("Hanako"), "{err}");
    }
}
