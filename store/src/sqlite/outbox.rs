//! The outbox on SQLite: the `outbox` table (schema version 3) and the caps' `mail_markers`.
//! Entries caused by a write are inserted by that write's own operation ([`insert_mails`]),
//! so they commit or roll back with it.

use rusqlite::{params, Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use super::records::{epoch, json, timestamp};
use super::{now_secs, sql_error, SqliteStore};
use crate::outbox::{mail_id_taken, Mail, MailResult, MailStatus, NewMail};
use crate::schema::timestamp_text;
use crate::StoreError;

const MAIL_COLUMNS: &str = "id, template, recipient, refs, status, created_at, due_at, attempts, failures, last_error, sent_at, expires_at";

fn mail_from_row(row: &Row<'_>) -> rusqlite::Result<Mail> {
    let status: String = row.get(4)?;
    let sent_at: Option<String> = row.get(10)?;
    Ok(Mail {
        id: row.get(0)?,
        template: row.get(1)?,
        recipient: row.get(2)?,
        refs: json(row, 3)?,
        status: MailStatus::parse(&status)
            .ok_or_else(|| super::records::bad_column(4, "status"))?,
        created_at: timestamp(row, 5)?,
        due_at: epoch(row, 6)?,
        attempts: row.get(7)?,
        failures: row.get(8)?,
        last_error: row.get(9)?,
        sent_at: match sent_at {
            Some(text) => Some(
                crate::schema::parse_timestamp(&text)
                    .ok_or_else(|| super::records::bad_column(10, "timestamp"))?,
            ),
            None => None,
        },
        expires_at: epoch(row, 11)?,
    })
}

/// Inserts `mails` inside the caller's operation. `only_new`: skip ids already there (the
/// scheduler's reminders); otherwise an existing id fails the whole operation.
pub(super) fn insert_mails(
    conn: &Connection,
    mails: &[NewMail],
    only_new: bool,
) -> Result<Vec<String>, rusqlite::Error> {
    // Two spellings rather than one formatted at each call: this runs on the request path.
    let mut statement = conn.prepare_cached(if only_new {
        "INSERT OR IGNORE INTO outbox (id, template, recipient, refs, status, created_at, due_at, attempts, failures, expires_at) \
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, 0, 0, ?7)"
    } else {
        "INSERT INTO outbox (id, template, recipient, refs, status, created_at, due_at, attempts, failures, expires_at) \
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, 0, 0, ?7)"
    })?;
    let mut created = Vec::new();
    for m in mails {
        let changed = statement.execute(params![
            m.id,
            m.template,
            m.recipient,
            m.refs.to_string(),
            timestamp_text(m.created_at),
            m.due_at.unix_timestamp(),
            m.expires_at.unix_timestamp(),
        ])?;
        if changed == 1 {
            created.push(m.id.clone());
        }
    }
    Ok(created)
}

/// [`insert_mails`] for a write's own mails, with a taken id said as such.
pub(super) fn write_mails(
    conn: &Connection,
    path: &std::path::Path,
    mails: &[NewMail],
) -> Result<(), StoreError> {
    match insert_mails(conn, mails, false) {
        Ok(_) => Ok(()),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
            Err(mail_id_taken())
        }
        Err(e) => Err(sql_error(path, "write mail", e)),
    }
}

impl SqliteStore {
    pub(crate) async fn enqueue_mail(&self, mails: &[NewMail]) -> Result<Vec<String>, StoreError> {
        let mails = mails.to_vec();
        self.write(move |conn, path| {
            insert_mails(conn, &mails, true).map_err(|e| sql_error(path, "enqueue mail", e))
        })
        .await
    }

    pub(crate) async fn claim_mail(
        &self,
        id: Option<&str>,
        now: OffsetDateTime,
        lease: std::time::Duration,
        limit: usize,
    ) -> Result<Vec<Mail>, StoreError> {
        let id = id.map(str::to_string);
        let now = now.unix_timestamp();
        let lease_end = now.saturating_add(i64::try_from(lease.as_secs()).unwrap_or(i64::MAX));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.write(move |conn, path| {
            let run = || -> rusqlite::Result<Vec<Mail>> {
                // Each status's due entries in index order (no sort of the whole queue, which
                // can be long after a burst), the oldest `limit` of both; or the one entry.
                let sql = if id.is_some() {
                    format!(
                        "UPDATE outbox SET status = 'sending', due_at = ?1, attempts = attempts + 1 \
                         WHERE id = ?3 AND status IN ('pending', 'sending') AND due_at <= ?2 \
                         AND expires_at > ?2 AND ?4 > 0 RETURNING {MAIL_COLUMNS}"
                    )
                } else {
                    format!(
                        "UPDATE outbox SET status = 'sending', due_at = ?1, attempts = attempts + 1 \
                         WHERE id IN (SELECT id FROM (\
                           SELECT id, due_at FROM (SELECT id, due_at FROM outbox WHERE status = 'pending' \
                             AND due_at <= ?2 AND expires_at > ?2 ORDER BY due_at, id LIMIT ?4) \
                           UNION ALL \
                           SELECT id, due_at FROM (SELECT id, due_at FROM outbox WHERE status = 'sending' \
                             AND due_at <= ?2 AND expires_at > ?2 ORDER BY due_at, id LIMIT ?4)) \
                           WHERE ?3 IS NULL ORDER BY due_at, id LIMIT ?4) \
                         RETURNING {MAIL_COLUMNS}"
                    )
                };
                let mut s = conn.prepare_cached(&sql)?;
                let rows = s.query_map(params![lease_end, now, id, limit], mail_from_row)?;
                let mut claimed = rows.collect::<rusqlite::Result<Vec<Mail>>>()?;
                // RETURNING's order is SQLite's; callers get oldest first.
                claimed.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
                Ok(claimed)
            };
            run().map_err(|e| sql_error(path, "claim mail", e))
        })
        .await
    }

    pub(crate) async fn finish_mails(
        &self,
        finished: &[(Mail, MailResult)],
    ) -> Result<Vec<bool>, StoreError> {
        let finished = finished.to_vec();
        self.write(move |conn, path| {
            let run = || -> rusqlite::Result<Vec<bool>> {
                let mut s = conn.prepare_cached(
                    "UPDATE outbox SET status = ?1, due_at = ?2, failures = failures + ?3, last_error = ?4, \
                     sent_at = COALESCE(?5, sent_at) WHERE id = ?6 AND status = 'sending' AND attempts = ?7",
                )?;
                let mut done = Vec::with_capacity(finished.len());
                for (claimed, result) in &finished {
                    let leased = claimed.due_at.unix_timestamp();
                    let (due, failure, sent_at) = match result {
                        MailResult::Sent { at } => (leased, 0, Some(timestamp_text(*at))),
                        MailResult::Retry { due_at, counts, .. } => {
                            (due_at.unix_timestamp(), u32::from(*counts), None)
                        }
                        MailResult::Failed { .. } | MailResult::Rejected { .. } => (leased, 1, None),
                        MailResult::Suppressed { .. } => (leased, 0, None),
                    };
                    let changed = s.execute(params![
                        result.status().as_str(),
                        due,
                        failure,
                        result.error(),
                        sent_at,
                        claimed.id,
                        claimed.attempts
                    ])?;
                    done.push(changed == 1);
                }
                Ok(done)
            };
            run().map_err(|e| sql_error(path, "finish mail", e))
        })
        .await
    }

    pub(crate) async fn next_mail_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        self.read(|conn, path| {
            let run = || -> rusqlite::Result<Option<OffsetDateTime>> {
                // Each status's first due entry in index order: a scan stops at once, where
                // `min()` over both would visit the whole queue after a burst.
                let due: Option<i64> = conn
                    .prepare_cached(
                        "SELECT min(d) FROM (\
                           SELECT * FROM (SELECT due_at AS d FROM outbox WHERE status = 'pending' \
                             AND expires_at > ?1 ORDER BY due_at LIMIT 1) \
                           UNION ALL \
                           SELECT * FROM (SELECT due_at AS d FROM outbox WHERE status = 'sending' \
                             AND expires_at > ?1 ORDER BY due_at LIMIT 1))",
                    )?
                    .query_row([now_secs()], |r| r.get(0))?;
                Ok(due.and_then(|d| OffsetDateTime::from_unix_timestamp(d).ok()))
            };
            run().map_err(|e| sql_error(path, "next mail", e))
        })
        .await
    }

    pub(crate) async fn get_mail(&self, id: &str) -> Result<Option<Mail>, StoreError> {
        let id = id.to_string();
        self.read(move |conn, path| {
            conn.prepare_cached(&format!(
                "SELECT {MAIL_COLUMNS} FROM outbox WHERE id = ?1 AND expires_at > ?2"
            ))
            .and_then(|mut s| {
                s.query_row(params![id, now_secs()], mail_from_row)
                    .optional()
            })
            .map_err(|e| sql_error(path, "get mail", e))
        })
        .await
    }

    pub(crate) async fn list_mail(
        &self,
        status: MailStatus,
        limit: usize,
    ) -> Result<Vec<Mail>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |conn, path| {
            let run = || -> rusqlite::Result<Vec<Mail>> {
                let mut s = conn.prepare_cached(&format!(
                    "SELECT {MAIL_COLUMNS} FROM outbox WHERE status = ?1 AND expires_at > ?2 \
                     ORDER BY due_at, id LIMIT ?3"
                ))?;
                let rows =
                    s.query_map(params![status.as_str(), now_secs(), limit], mail_from_row)?;
                rows.collect()
            };
            run().map_err(|e| sql_error(path, "list mail", e))
        })
        .await
    }

    pub(crate) async fn resend_mail(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let id = id.to_string();
        let now = now.unix_timestamp();
        self.write(move |conn, path| {
            conn.prepare_cached(
                "UPDATE outbox SET status = 'pending', due_at = ?1, failures = 0 \
                 WHERE id = ?2 AND status IN ('failed', 'rejected', 'suppressed') AND expires_at > ?1",
            )
            .and_then(|mut s| s.execute(params![now, id]))
            .map(|changed| changed == 1)
            .map_err(|e| sql_error(path, "resend mail", e))
        })
        .await
    }

    pub(crate) async fn mark_once(
        &self,
        key: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let key = key.to_string();
        let (until, now) = (until.unix_timestamp(), now.unix_timestamp());
        // Answered before its commit, like the rate counters: a marker lost to a power cut
        // only lets one more 受付 mail through; a commit wait per mail would halve the sender.
        self.write_early(move |conn, path| {
            conn.prepare_cached(
                "INSERT INTO mail_markers (key, expires_at) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at \
                 WHERE mail_markers.expires_at <= ?3",
            )
            .and_then(|mut s| s.execute(params![key, until, now]))
            .map(|changed| changed == 1)
            .map_err(|e| sql_error(path, "mark", e))
        })
        .await
    }
}
