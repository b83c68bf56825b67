//! The one-time import of the JSON-lines journal that was the local store before SQLite, so
//! nobody's local data is lost by the switch.
//!
//! At open, a `journal.jsonl` beside the database is replayed into it in one transaction,
//! then renamed `journal.jsonl.imported` (a backup; never read again). Every journal line
//! carries whole facts (a record, a marker, a counter's value, a match's state), so replaying
//! is an upsert and a crash between the commit and the rename only imports the same facts
//! again at the next open. A damaged line stops the import with its line number (nothing
//! imported, the journal left in place).

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, TransactionBehavior};
use time::OffsetDateTime;

use super::matches::{save_match, save_reply, save_sheet};
use super::records::{move_status, save_marker};
use super::sql_error;
use crate::journal::{self, Entry};
use crate::matches::{Sheet, MATCHED};
use crate::{RecordKind, StoreError};

pub(super) const JOURNAL: &str = "journal.jsonl";
/// What the journal is renamed to once imported.
pub(super) const IMPORTED: &str = "journal.jsonl.imported";
/// The old store's lock file, meaningless now.
const OLD_LOCK: &str = "lock";

/// Imports `dir/journal.jsonl` if there is one; the number of lines imported.
pub(super) fn import_journal(
    conn: &mut Connection,
    dir: &Path,
    db: &Path,
) -> Result<usize, StoreError> {
    let journal = dir.join(JOURNAL);
    if !journal.exists() {
        return Ok(0);
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| sql_error(db, "import", e))?;
    let mut failed = None;
    let lines = journal::replay(&journal, |entry| {
        if failed.is_none() {
            if let Err(e) = apply(&tx, entry) {
                failed = Some(e);
            }
        }
    })?;
    if let Some(e) = failed {
        return Err(sql_error(db, "import", e));
    }
    tx.commit().map_err(|e| sql_error(db, "import", e))?;
    let backup = free_name(dir);
    std::fs::rename(&journal, &backup).map_err(|source| StoreError::Io {
        path: journal.clone(),
        source,
    })?;
    let _ = std::fs::remove_file(dir.join(OLD_LOCK));
    tracing::info!(lines, backup = %backup.display(), "imported the old journal into the database");
    Ok(lines)
}

/// `journal.jsonl.imported`, or with a number when an earlier import left one already.
fn free_name(dir: &Path) -> PathBuf {
    let first = dir.join(IMPORTED);
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{IMPORTED}.{n}")))
        .find(|p| !p.exists())
        .expect("some number is free")
}

fn apply(conn: &Connection, entry: Entry<'static>) -> rusqlite::Result<()> {
    match entry {
        Entry::Put { record, idem } => {
            if let Some(idem) = idem {
                apply(conn, Entry::Idem(idem))?;
            }
            conn.prepare_cached(
                "INSERT OR REPLACE INTO records (kind, id, status, created_at, expires_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                record.kind.as_str(),
                record.id,
                record.status,
                record.created_at,
                record.expires_at,
                record.body.to_string()
            ])?;
        }
        Entry::Idem(i) => {
            save_marker(conn, i.kind, &i.key, &i.id, i.expires_at)?;
        }
        Entry::Status { kind, id, status } => move_status(conn, kind, &id, &status)?,
        Entry::Rate(r) => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO rate_counters (client_key, window_start, hits, expires_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![r.key, r.window_start, r.hits, r.expires_at])?;
        }
        Entry::Match {
            the_match,
            matched_application,
            capacity: _,
        } => {
            save_match(conn, &the_match)?;
            if let Some(app) = matched_application {
                move_status(conn, RecordKind::Application, &app, MATCHED)?;
            }
        }
        // Older journals kept a counter per mentor; capacity is counted from the matches.
        Entry::Capacity(_) => {}
        Entry::Sheet(line) => {
            let Some(created_at) = crate::schema::parse_timestamp(&line.created_at) else {
                return Err(super::records::bad_column(0, "sheet timestamp"));
            };
            save_sheet(
                conn,
                &Sheet {
                    match_id: line.match_id.into_owned(),
                    session: line.session,
                    submission_id: line.submission_id.into_owned(),
                    created_at,
                    expires_at: OffsetDateTime::from_unix_timestamp(line.expires_at)
                        .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    priority: line.priority,
                    content: line.content.into_owned(),
                    reply: line.reply.map(std::borrow::Cow::into_owned),
                },
            )?;
        }
        Entry::Reply {
            match_id,
            session,
            reply,
        } => {
            save_reply(conn, &match_id, session, &reply)?;
        }
    }
    Ok(())
}
