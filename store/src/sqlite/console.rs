//! Sign-ins, staff sessions and the audit log in SQLite (tables of schema version 4).

use rusqlite::{params, OptionalExtension, Row};
use time::OffsetDateTime;

use super::outbox::write_mails;
use super::records::{epoch, timestamp};
use super::{now_secs, sql_error, SqliteStore};
use crate::console::{AuditEntry, Handled, Note, NoteOutcome, SignIn, StaffSession};
use crate::outbox::NewMail;
use crate::schema::{parse_timestamp, timestamp_text};
use crate::StoreError;

const SIGNIN_COLUMNS: &str = "id, address, created_at, expires_at, used_at";
const SESSION_COLUMNS: &str = "id_hash, address, csrf, created_at, expires_at";

fn signin_from_row(row: &Row<'_>) -> rusqlite::Result<SignIn> {
    let used: Option<String> = row.get(4)?;
    Ok(SignIn {
        id: row.get(0)?,
        address: row.get(1)?,
        created_at: timestamp(row, 2)?,
        expires_at: epoch(row, 3)?,
        used_at: used.as_deref().and_then(parse_timestamp),
    })
}

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<StaffSession> {
    Ok(StaffSession {
        id_hash: row.get(0)?,
        address: row.get(1)?,
        csrf: row.get(2)?,
        created_at: timestamp(row, 3)?,
        expires_at: epoch(row, 4)?,
    })
}

fn audit_from_row(row: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let ids: String = row.get(3)?;
    Ok(AuditEntry {
        id: row.get(0)?,
        actor: row.get(1)?,
        action: row.get(2)?,
        ids: serde_json::from_str(&ids).unwrap_or_default(),
        at: timestamp(row, 4)?,
        expires_at: epoch(row, 5)?,
    })
}

impl SqliteStore {
    pub(crate) async fn mark_handled(&self, h: &Handled) -> Result<bool, StoreError> {
        let h = h.clone();
        self.write(move |conn, path| {
            // A mark past its expiry is gone: replace it; a live one stays.
            conn.execute(
                "DELETE FROM sheets_handled WHERE match_id = ?1 AND session = ?2 AND expires_at <= ?3",
                params![h.match_id, h.session, now_secs()],
            )
            .and_then(|_| {
                conn.execute(
                    "INSERT OR IGNORE INTO sheets_handled (match_id, session, handled_by, handled_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        h.match_id,
                        h.session,
                        h.handled_by,
                        timestamp_text(h.handled_at),
                        h.expires_at.unix_timestamp()
                    ],
                )
            })
            .map(|n| n == 1)
            .map_err(|e| sql_error(path, "mark handled", e))
        })
        .await
    }

    pub(crate) async fn list_handled(&self) -> Result<Vec<Handled>, StoreError> {
        self.read(move |conn, path| {
            let run = || -> rusqlite::Result<Vec<Handled>> {
                let mut s = conn.prepare_cached(
                    "SELECT match_id, session, handled_by, handled_at, expires_at FROM sheets_handled WHERE expires_at > ?1 ORDER BY handled_at, match_id, session",
                )?;
                let rows = s.query_map([now_secs()], |row| {
                    Ok(Handled {
                        match_id: row.get(0)?,
                        session: row.get(1)?,
                        handled_by: row.get(2)?,
                        handled_at: timestamp(row, 3)?,
                        expires_at: epoch(row, 4)?,
                    })
                })?;
                rows.collect()
            };
            run().map_err(|e| sql_error(path, "list handled", e))
        })
        .await
    }

    pub(crate) async fn put_note(
        &self,
        note: &Note,
        seen: Option<OffsetDateTime>,
    ) -> Result<NoteOutcome, StoreError> {
        let (note, seen) = (note.clone(), seen.map(timestamp_text));
        self.write(move |conn, path| {
            let run = || -> rusqlite::Result<NoteOutcome> {
                let current: Option<String> = conn
                    .prepare_cached(
                        "SELECT updated_at FROM notes WHERE kind = ?1 AND id = ?2 AND expires_at > ?3",
                    )?
                    .query_row(params![note.kind.as_str(), note.id, now_secs()], |r| r.get(0))
                    .optional()?;
                if current != seen {
                    return Ok(NoteOutcome::Stale);
                }
                conn.prepare_cached(
                    "INSERT OR REPLACE INTO notes (kind, id, text, updated_by, updated_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    note.kind.as_str(),
                    note.id,
                    note.text,
                    note.updated_by,
                    timestamp_text(note.updated_at),
                    note.expires_at.unix_timestamp()
                ])?;
                Ok(NoteOutcome::Saved)
            };
            run().map_err(|e| sql_error(path, "put note", e))
        })
        .await
    }

    pub(crate) async fn get_note(
        &self,
        kind: crate::RecordKind,
        id: &str,
    ) -> Result<Option<Note>, StoreError> {
        let id = id.to_string();
        self.read(move |conn, path| {
            conn.prepare_cached(
                "SELECT id, text, updated_by, updated_at, expires_at FROM notes WHERE kind = ?1 AND id = ?2 AND expires_at > ?3",
            )
            .and_then(|mut s| {
                s.query_row(params![kind.as_str(), id, now_secs()], |row| {
                    Ok(Note {
                        kind,
                        id: row.get(0)?,
                        text: row.get(1)?,
                        updated_by: row.get(2)?,
                        updated_at: timestamp(row, 3)?,
                        expires_at: epoch(row, 4)?,
                    })
                })
                .optional()
            })
            .map_err(|e| sql_error(path, "get note", e))
        })
        .await
    }

    pub(crate) async fn put_signin(&self, s: &SignIn, mail: &[NewMail]) -> Result<(), StoreError> {
        let (s, mail) = (s.clone(), mail.to_vec());
        self.write(move |conn, path| {
            conn.execute(
                &format!("INSERT INTO signins ({SIGNIN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, NULL)"),
                params![
                    s.id,
                    s.address,
                    timestamp_text(s.created_at),
                    s.expires_at.unix_timestamp()
                ],
            )
            .map_err(|e| sql_error(path, "put sign-in", e))?;
            write_mails(conn, path, &mail)
        })
        .await
    }

    pub(crate) async fn get_signin(&self, id: &str) -> Result<Option<SignIn>, StoreError> {
        let id = id.to_string();
        self.read(move |conn, path| {
            conn.prepare_cached(&format!(
                "SELECT {SIGNIN_COLUMNS} FROM signins WHERE id = ?1 AND expires_at > ?2"
            ))
            .and_then(|mut s| {
                s.query_row(params![id, now_secs()], signin_from_row)
                    .optional()
            })
            .map_err(|e| sql_error(path, "get sign-in", e))
        })
        .await
    }

    pub(crate) async fn consume_signin(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<SignIn>, StoreError> {
        let id = id.to_string();
        self.write(move |conn, path| {
            // One statement: the check and the mark cannot be split by another writer.
            conn.prepare_cached(&format!(
                "UPDATE signins SET used_at = ?3 WHERE id = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING {SIGNIN_COLUMNS}"
            ))
            .and_then(|mut s| {
                s.query_row(
                    params![id, now.unix_timestamp().max(now_secs()), timestamp_text(now)],
                    signin_from_row,
                )
                .optional()
            })
            .map_err(|e| sql_error(path, "consume sign-in", e))
        })
        .await
    }

    pub(crate) async fn put_session(&self, s: &StaffSession) -> Result<(), StoreError> {
        let s = s.clone();
        self.write(move |conn, path| {
            conn.execute(
                &format!(
                    "INSERT INTO staff_sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"
                ),
                params![
                    s.id_hash,
                    s.address,
                    s.csrf,
                    timestamp_text(s.created_at),
                    s.expires_at.unix_timestamp()
                ],
            )
            .map(|_| ())
            .map_err(|e| sql_error(path, "put session", e))
        })
        .await
    }

    pub(crate) async fn get_session(
        &self,
        id_hash: &str,
    ) -> Result<Option<StaffSession>, StoreError> {
        let id_hash = id_hash.to_string();
        self.read(move |conn, path| {
            conn.prepare_cached(&format!(
                "SELECT {SESSION_COLUMNS} FROM staff_sessions WHERE id_hash = ?1 AND expires_at > ?2"
            ))
            .and_then(|mut s| {
                s.query_row(params![id_hash, now_secs()], session_from_row)
                    .optional()
            })
            .map_err(|e| sql_error(path, "get session", e))
        })
        .await
    }

    pub(crate) async fn end_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        let id_hash = id_hash.to_string();
        self.write(move |conn, path| {
            conn.execute(
                "DELETE FROM staff_sessions WHERE id_hash = ?1 AND expires_at > ?2",
                params![id_hash, now_secs()],
            )
            .map(|n| n > 0)
            .map_err(|e| sql_error(path, "end session", e))
        })
        .await
    }

    pub(crate) async fn end_all_sessions(&self) -> Result<usize, StoreError> {
        self.write(move |conn, path| {
            conn.execute(
                "DELETE FROM staff_sessions WHERE expires_at > ?1",
                [now_secs()],
            )
            .map_err(|e| sql_error(path, "end sessions", e))
        })
        .await
    }

    pub(crate) async fn list_sessions(&self) -> Result<Vec<StaffSession>, StoreError> {
        self.read(move |conn, path| {
            let run = || -> rusqlite::Result<Vec<StaffSession>> {
                let mut s = conn.prepare_cached(&format!(
                    "SELECT {SESSION_COLUMNS} FROM staff_sessions WHERE expires_at > ?1 ORDER BY created_at, id_hash"
                ))?;
                let rows = s.query_map([now_secs()], session_from_row)?;
                rows.collect()
            };
            run().map_err(|e| sql_error(path, "list sessions", e))
        })
        .await
    }

    pub(crate) async fn append_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        let e = e.clone();
        self.write(move |conn, path| {
            conn.execute(
                "INSERT INTO audit (id, actor, action, ids, at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    e.id,
                    e.actor,
                    e.action,
                    serde_json::Value::from(e.ids.clone()).to_string(),
                    timestamp_text(e.at),
                    e.expires_at.unix_timestamp()
                ],
            )
            .map(|_| ())
            .map_err(|err| sql_error(path, "append audit", err))
        })
        .await
    }

    pub(crate) async fn list_audit(
        &self,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let since = timestamp_text(since);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |conn, path| {
            let run = || -> rusqlite::Result<Vec<AuditEntry>> {
                let mut s = conn.prepare_cached(
                    "SELECT id, actor, action, ids, at, expires_at FROM audit WHERE id >= ?1 AND expires_at > ?2 ORDER BY id LIMIT ?3",
                )?;
                let rows = s.query_map(params![since, now_secs(), limit], audit_from_row)?;
                rows.collect()
            };
            run().map_err(|e| sql_error(path, "list audit", e))
        })
        .await
    }
}
