//! The embedded store's on-disk format: one JSON object per line, appended, replayed at open.
//!
//! A line is one atomic change (`put` carries the record *and* its idempotency marker, so a
//! crash can never keep one without the other). A crash mid-append leaves at most a torn last
//! line without its newline; replay drops it. A failed append is truncated away at once, so a
//! torn line never sits in the middle.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::matches::{Match, Reply};
use super::{RecordKind, StoreError};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(super) enum Entry<'a> {
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
pub(super) struct CapacityLine<'a> {
    pub mentor: Cow<'a, str>,
    /// The count after the change (absolute).
    pub active: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct SheetLine<'a> {
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
pub(super) struct RecordLine<'a> {
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
pub(super) struct IdemLine<'a> {
    pub kind: RecordKind,
    pub key: Cow<'a, str>,
    pub id: Cow<'a, str>,
    pub expires_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct RateLine<'a> {
    pub key: Cow<'a, str>,
    pub window_start: i64,
    /// The count after this hit (absolute, so replay needs no arithmetic).
    pub hits: u32,
    pub expires_at: i64,
}

/// New journal files are readable by their owner only: they hold applicants' personal data.
fn private(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    options
}

/// Reads every entry, calling `apply` in file order. Returns the number of lines applied;
/// a torn final line is cut off the file so later appends start on a fresh line.
pub(super) fn replay(
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
    let mut good_bytes = 0u64;
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(io)?;
        if read == 0 {
            return Ok(number);
        }
        number += 1;
        if !line.ends_with('\n') {
            // A torn final append (crash mid-write; the newline ends every append): the
            // change never happened.
            let file = OpenOptions::new().write(true).open(path).map_err(io)?;
            file.set_len(good_bytes).map_err(io)?;
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
        good_bytes += read as u64;
    }
}

/// The append side of the journal.
pub(super) struct Writer {
    path: PathBuf,
    file: File,
    len: u64,
    buf: Vec<u8>,
    broken: bool,
}

impl Writer {
    pub fn open(path: &Path) -> Result<Writer, StoreError> {
        let io = |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = private(OpenOptions::new().create(true).append(true))
            .open(path)
            .map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        Ok(Writer {
            path: path.to_path_buf(),
            file,
            len,
            buf: Vec::with_capacity(4096),
            broken: false,
        })
    }

    /// Appends one entry with a single `write` to the OS (no fsync: survives a process crash,
    /// not a power cut). On failure the partial line is cut off again.
    pub fn append(&mut self, entry: &Entry<'_>) -> Result<(), StoreError> {
        if self.broken {
            return Err(StoreError::Broken {
                path: self.path.clone(),
            });
        }
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, entry).expect("entries serialize to JSON");
        self.buf.push(b'\n');
        match self.file.write_all(&self.buf) {
            Ok(()) => {
                self.len += self.buf.len() as u64;
                Ok(())
            }
            Err(source) => {
                if self.file.set_len(self.len).is_err() {
                    self.broken = true;
                }
                Err(StoreError::Io {
                    path: self.path.clone(),
                    source,
                })
            }
        }
    }
}

/// Writes `entries` to a fresh file beside `path`, syncs it and renames it over `path`, so a
/// crash during compaction leaves either the old journal or the new one, never half of one.
pub(super) fn rewrite<'a>(
    path: &Path,
    entries: impl Iterator<Item = Entry<'a>>,
) -> Result<(), StoreError> {
    let tmp = path.with_extension("jsonl.compacting");
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| StoreError::Io { path: p, source }
    };
    let file = private(OpenOptions::new().create(true).write(true).truncate(true))
        .open(&tmp)
        .map_err(io(&tmp))?;
    let mut out = std::io::BufWriter::new(file);
    for entry in entries {
        serde_json::to_writer(&mut out, &entry).expect("entries serialize to JSON");
        out.write_all(b"\n").map_err(io(&tmp))?;
    }
    let file = out.into_inner().map_err(|e| io(&tmp)(e.into_error()))?;
    file.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    if let Some(dir) = path.parent() {
        // Makes the rename itself durable; not possible on every platform, so best effort.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_is_cut_but_a_damaged_earlier_line_is_reported_without_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let good = r#"{"op":"status","kind":"application","id":"a1","status":"matched"}"#;
        std::fs::write(&path, format!("{good}\n{{\"op\":\"status\",\"id\":\"Hana")).unwrap();
        let mut seen = 0;
        assert_eq!(replay(&path, |_| seen += 1).unwrap(), 1);
        assert_eq!(seen, 1);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{good}\n"),
            "tail cut"
        );

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
