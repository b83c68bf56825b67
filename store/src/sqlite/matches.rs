//! Matches, sheets and replies on SQLite. Capacity is counted from the live active matches
//! (no counter to leak a slot when a match expires unclosed); an assignment's checks, the
//! match and the application's new status are one operation of the writer's transaction.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::outbox::write_mails;
use super::records::{epoch, json, move_status, timestamp};
use super::{now_secs, sql_error, SqliteStore};
use crate::matches::{
    check_sessions, match_id_taken, AssignOutcome, Diary, Match, MatchStatus, NewSheet, Reply,
    ReplyOutcome, Sheet, SheetOutcome, MATCHED, OPEN_APPLICATION_STATUSES,
};
use crate::outbox::NewMail;
use crate::schema::timestamp_text;
use crate::{RecordKind, StoreError};

const MATCH_COLUMNS: &str =
    "id, application_id, mentor, mentor_name, plan, sessions, status, created_at, expires_at, links_epoch";
const SHEET_COLUMNS: &str =
    "match_id, session, submission_id, created_at, expires_at, priority, content, reply, replied_at";

fn match_from_row(row: &Row<'_>) -> rusqlite::Result<Match> {
    let status: String = row.get(6)?;
    Ok(Match {
        id: row.get(0)?,
        application_id: row.get(1)?,
        mentor_slug: row.get(2)?,
        mentor_name: row.get(3)?,
        plan: row.get(4)?,
        sessions: row.get(5)?,
        status: MatchStatus::parse(&status)
            .ok_or_else(|| super::records::bad_column(6, "status"))?,
        created_at: timestamp(row, 7)?,
        expires_at: epoch(row, 8)?,
        links_epoch: row.get(9)?,
    })
}

fn sheet_from_row(row: &Row<'_>) -> rusqlite::Result<Sheet> {
    let reply: Option<String> = row.get(7)?;
    let reply = match reply {
        Some(text) => Some(Reply {
            text,
            created_at: timestamp(row, 8)?,
        }),
        None => None,
    };
    Ok(Sheet {
        match_id: row.get(0)?,
        session: row.get(1)?,
        submission_id: row.get(2)?,
        created_at: timestamp(row, 3)?,
        expires_at: epoch(row, 4)?,
        priority: row.get(5)?,
        content: json(row, 6)?,
        reply,
    })
}

fn live_match(conn: &Connection, id: &str, now: i64) -> rusqlite::Result<Option<Match>> {
    conn.prepare_cached(&format!(
        "SELECT {MATCH_COLUMNS} FROM matches WHERE id = ?1 AND expires_at > ?2"
    ))?
    .query_row(params![id, now], match_from_row)
    .optional()
}

fn live_sheet(
    conn: &Connection,
    match_id: &str,
    session: u32,
    now: i64,
) -> rusqlite::Result<Option<Sheet>> {
    conn.prepare_cached(&format!(
        "SELECT {SHEET_COLUMNS} FROM sheets WHERE match_id = ?1 AND session = ?2 AND expires_at > ?3"
    ))?
    .query_row(params![match_id, session, now], sheet_from_row)
    .optional()
}

/// Writes a match whole; the importer uses it too.
pub(super) fn save_match(conn: &Connection, m: &Match) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO matches (id, application_id, mentor, mentor_name, plan, sessions, status, created_at, expires_at, links_epoch) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        m.id,
        m.application_id,
        m.mentor_slug,
        m.mentor_name,
        m.plan,
        m.sessions,
        m.status.as_str(),
        timestamp_text(m.created_at),
        m.expires_at.unix_timestamp(),
        m.links_epoch
    ])?;
    Ok(())
}

/// Writes a sheet (and its reply, when it has one) whole; the importer uses it too.
pub(super) fn save_sheet(conn: &Connection, s: &Sheet) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO sheets (match_id, session, submission_id, created_at, expires_at, priority, content, reply, replied_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        s.match_id,
        s.session,
        s.submission_id,
        timestamp_text(s.created_at),
        s.expires_at.unix_timestamp(),
        s.priority,
        s.content.to_string(),
        s.reply.as_ref().map(|r| r.text.as_str()),
        s.reply.as_ref().map(|r| timestamp_text(r.created_at)),
    ])?;
    Ok(())
}

/// Sets a sheet's reply; `put_reply` and the importer use it.
pub(super) fn save_reply(
    conn: &Connection,
    match_id: &str,
    session: u32,
    reply: &Reply,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE sheets SET reply = ?1, replied_at = ?2 WHERE match_id = ?3 AND session = ?4",
    )?
    .execute(params![
        reply.text,
        timestamp_text(reply.created_at),
        match_id,
        session
    ])?;
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn create_match(
        &self,
        m: &Match,
        capacity: u32,
        mail: &[NewMail],
        provision: Option<&crate::Provision>,
    ) -> Result<AssignOutcome, StoreError> {
        let (m, mail, provision) = (m.clone(), mail.to_vec(), provision.cloned());
        self.write(move |conn, path| {
            let now = now_secs();
            let run = || -> rusqlite::Result<Result<AssignOutcome, StoreError>> {
                if conn
                    .prepare_cached("SELECT 1 FROM matches WHERE id = ?1")?
                    .exists([&m.id])?
                {
                    return Ok(Err(match_id_taken()));
                }
                let status: Option<String> = conn
                    .prepare_cached(
                        "SELECT status FROM records WHERE kind = 'application' AND id = ?1 AND expires_at > ?2",
                    )?
                    .query_row(params![m.application_id, now], |r| r.get(0))
                    .optional()?;
                if !status.is_some_and(|s| OPEN_APPLICATION_STATUSES.contains(&s.as_str())) {
                    return Ok(Ok(AssignOutcome::ApplicationNotOpen));
                }
                let active: u32 = conn
                    .prepare_cached(
                        "SELECT count(*) FROM matches WHERE status = 'active' AND mentor = ?1 AND expires_at > ?2",
                    )?
                    .query_row(params![m.mentor_slug, now], |r| r.get(0))?;
                if active >= capacity {
                    return Ok(Ok(AssignOutcome::MentorFull));
                }
                save_match(conn, &m)?;
                move_status(conn, RecordKind::Application, &m.application_id, MATCHED)?;
                if let Some(p) = &provision {
                    super::provision::save_provision(conn, p)?;
                }
                Ok(Ok(AssignOutcome::Created))
            };
            let outcome = run().map_err(|e| sql_error(path, "assign", e))??;
            if outcome == AssignOutcome::Created {
                write_mails(conn, path, &mail)?;
            }
            Ok(outcome)
        })
        .await
    }

    pub(crate) async fn get_match(&self, id: &str) -> Result<Option<Match>, StoreError> {
        let id = id.to_string();
        self.read(move |conn, path| {
            live_match(conn, &id, now_secs()).map_err(|e| sql_error(path, "get match", e))
        })
        .await
    }

    /// Applies `change` to the match if it is live and active, and saves it whole with `mail`.
    async fn change_match(
        &self,
        id: &str,
        operation: &'static str,
        mail: &[NewMail],
        change: impl FnOnce(&mut Match) -> Result<(), StoreError> + Send + 'static,
    ) -> Result<Option<Match>, StoreError> {
        let (id, mail) = (id.to_string(), mail.to_vec());
        self.write(move |conn, path| {
            let found =
                live_match(conn, &id, now_secs()).map_err(|e| sql_error(path, operation, e))?;
            let Some(mut m) = found.filter(|m| m.status == MatchStatus::Active) else {
                return Ok(None);
            };
            change(&mut m)?;
            save_match(conn, &m).map_err(|e| sql_error(path, operation, e))?;
            write_mails(conn, path, &mail)?;
            Ok(Some(m))
        })
        .await
    }

    pub(crate) async fn extend_match(
        &self,
        id: &str,
        more: u32,
        later: time::Duration,
        mail: &[NewMail],
    ) -> Result<Option<Match>, StoreError> {
        self.change_match(id, "extend match", mail, move |m| {
            m.sessions += more;
            check_sessions(m.sessions)?;
            // Capacity is derived from the matches' expiry, so this also holds the slot longer.
            m.expires_at += later;
            Ok(())
        })
        .await
    }

    pub(crate) async fn close_match(
        &self,
        id: &str,
        mail: &[NewMail],
    ) -> Result<Option<Match>, StoreError> {
        self.change_match(id, "close match", mail, |m| {
            m.status = MatchStatus::Closed;
            Ok(())
        })
        .await
    }

    pub(crate) async fn revoke_links(&self, id: &str) -> Result<Option<Match>, StoreError> {
        let id = id.to_string();
        self.write(move |conn, path| {
            let operation = "revoke links";
            let found =
                live_match(conn, &id, now_secs()).map_err(|e| sql_error(path, operation, e))?;
            let Some(mut m) = found else {
                return Ok(None);
            };
            m.links_epoch += 1;
            save_match(conn, &m).map_err(|e| sql_error(path, operation, e))?;
            Ok(Some(m))
        })
        .await
    }

    pub(crate) async fn active_counts(&self) -> Result<HashMap<String, u32>, StoreError> {
        self.read(|conn, path| {
            let run = || -> rusqlite::Result<HashMap<String, u32>> {
                let mut s = conn.prepare_cached(
                    "SELECT mentor, count(*) FROM matches WHERE status = 'active' AND expires_at > ?1 GROUP BY mentor",
                )?;
                let rows = s.query_map([now_secs()], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect()
            };
            run().map_err(|e| sql_error(path, "count matches", e))
        })
        .await
    }

    pub(crate) async fn active_matches(&self) -> Result<Vec<Match>, StoreError> {
        self.read(|conn, path| {
            let run = || -> rusqlite::Result<Vec<Match>> {
                let mut s = conn.prepare_cached(&format!(
                    "SELECT {MATCH_COLUMNS} FROM matches WHERE status = 'active' AND expires_at > ?1 ORDER BY created_at, id"
                ))?;
                let rows = s.query_map([now_secs()], match_from_row)?;
                rows.collect()
            };
            run().map_err(|e| sql_error(path, "list matches", e))
        })
        .await
    }

    pub(crate) async fn list_matches(
        &self,
        since: time::OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Match>, StoreError> {
        let since = timestamp_text(since);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |conn, path| {
            let run = || -> rusqlite::Result<Vec<Match>> {
                let mut s = conn.prepare_cached(&format!(
                    "SELECT {MATCH_COLUMNS} FROM matches WHERE created_at >= ?1 AND expires_at > ?2 ORDER BY created_at, id LIMIT ?3"
                ))?;
                let rows = s.query_map(
                    params![since, now_secs(), limit],
                    match_from_row,
                )?;
                rows.collect()
            };
            run().map_err(|e| sql_error(path, "list matches", e))
        })
        .await
    }

    pub(crate) async fn put_sheet(&self, sheet: &NewSheet) -> Result<SheetOutcome, StoreError> {
        let sheet = sheet.clone();
        self.write(move |conn, path| {
            let now = now_secs();
            let run = || -> rusqlite::Result<SheetOutcome> {
                // A retry wins over everything else, even a match closed since the first answer.
                if let Some(existing) = live_sheet(conn, &sheet.match_id, sheet.session, now)? {
                    return Ok(if existing.submission_id == sheet.submission_id {
                        SheetOutcome::Replayed
                    } else {
                        SheetOutcome::Conflict
                    });
                }
                let allowed = live_match(conn, &sheet.match_id, now)?.is_some_and(|m| {
                    m.status == MatchStatus::Active && sheet.session <= m.sessions
                });
                if !allowed {
                    return Ok(SheetOutcome::Refused);
                }
                save_sheet(
                    conn,
                    &Sheet {
                        match_id: sheet.match_id.clone(),
                        session: sheet.session,
                        submission_id: sheet.submission_id.clone(),
                        created_at: sheet.created_at,
                        expires_at: sheet.expires_at,
                        priority: sheet.priority,
                        content: sheet.content.clone(),
                        reply: None,
                    },
                )?;
                Ok(SheetOutcome::Created)
            };
            let outcome = run().map_err(|e| sql_error(path, "put sheet", e))?;
            if outcome == SheetOutcome::Created {
                write_mails(conn, path, &sheet.mail)?;
            }
            Ok(outcome)
        })
        .await
    }

    pub(crate) async fn put_reply(
        &self,
        match_id: &str,
        session: u32,
        reply: &Reply,
        mail: &[NewMail],
    ) -> Result<ReplyOutcome, StoreError> {
        let (match_id, reply, mail) = (match_id.to_string(), reply.clone(), mail.to_vec());
        self.write(move |conn, path| {
            let run = || -> rusqlite::Result<ReplyOutcome> {
                let Some(sheet) = live_sheet(conn, &match_id, session, now_secs())? else {
                    return Ok(ReplyOutcome::NoSheet);
                };
                if let Some(existing) = &sheet.reply {
                    return Ok(if existing.text == reply.text {
                        ReplyOutcome::Replayed
                    } else {
                        ReplyOutcome::Conflict
                    });
                }
                save_reply(conn, &match_id, session, &reply)?;
                Ok(ReplyOutcome::Created)
            };
            let outcome = run().map_err(|e| sql_error(path, "put reply", e))?;
            if outcome == ReplyOutcome::Created {
                write_mails(conn, path, &mail)?;
            }
            Ok(outcome)
        })
        .await
    }

    pub(crate) async fn diary(&self, match_id: &str) -> Result<Option<Diary>, StoreError> {
        let match_id = match_id.to_string();
        self.read(move |conn, path| {
            let run = || -> rusqlite::Result<Option<Diary>> {
                let now = now_secs();
                // One snapshot: the match and its sheets as of the same moment.
                let tx = conn.unchecked_transaction()?;
                let Some(the_match) = live_match(&tx, &match_id, now)? else {
                    return Ok(None);
                };
                let sheets = tx
                    .prepare_cached(&format!(
                        "SELECT {SHEET_COLUMNS} FROM sheets WHERE match_id = ?1 AND expires_at > ?2 ORDER BY session"
                    ))?
                    .query_map(params![match_id, now], sheet_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(Some(Diary { the_match, sheets }))
            };
            run().map_err(|e| sql_error(path, "diary", e))
        })
        .await
    }

    pub(crate) async fn list_followups(
        &self,
        min_priority: u32,
        limit: usize,
    ) -> Result<Vec<Sheet>, StoreError> {
        self.read(move |conn, path| {
            let run = || -> rusqlite::Result<Vec<Sheet>> {
                let mut s = conn.prepare_cached(&format!(
                    "SELECT {SHEET_COLUMNS} FROM sheets WHERE priority >= ?1 AND expires_at > ?2 \
                     ORDER BY priority DESC, created_at, match_id, session LIMIT ?3"
                ))?;
                let rows = s.query_map(
                    params![
                        min_priority.min(100),
                        now_secs(),
                        i64::try_from(limit).unwrap_or(i64::MAX)
                    ],
                    sheet_from_row,
                )?;
                rows.collect()
            };
            run().map_err(|e| sql_error(path, "list sheets", e))
        })
        .await
    }
}
