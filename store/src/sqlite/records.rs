//! Applications and inquiries, their idempotency markers and the rate counters on SQLite.
//! Each write is one operation of the writer's transaction, so its checks and its changes
//! are atomic with respect to every other writer, in this process or another.

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use super::{now_secs, sql_error, SqliteStore};
use crate::schema::{self, MAX_KEY_BYTES, MAX_STATUS_BYTES};
use crate::{NewRecord, PutOutcome, RecordKind, StoreError, StoredRecord};

/// The columns [`record_from_row`] reads, in its order.
const RECORD_COLUMNS: &str = "id, status, created_at, expires_at, body";

/// A `FromSql`-style failure for a column that holds what the store did not write.
pub(super) fn bad_column(index: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        index,
        rusqlite::types::Type::Text,
        format!("malformed {what}").into(),
    )
}

pub(super) fn timestamp(row: &Row<'_>, index: usize) -> rusqlite::Result<OffsetDateTime> {
    let text: String = row.get(index)?;
    schema::parse_timestamp(&text).ok_or_else(|| bad_column(index, "timestamp"))
}

pub(super) fn epoch(row: &Row<'_>, index: usize) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(row.get(index)?).map_err(|_| bad_column(index, "expiry"))
}

pub(super) fn json(row: &Row<'_>, index: usize) -> rusqlite::Result<serde_json::Value> {
    let text: String = row.get(index)?;
    // Not serde's message: it can quote the text.
    serde_json::from_str(&text).map_err(|_| bad_column(index, "JSON"))
}

fn record_from_row(kind: RecordKind, row: &Row<'_>) -> rusqlite::Result<StoredRecord> {
    Ok(StoredRecord {
        kind,
        id: row.get(0)?,
        status: row.get(1)?,
        created_at: timestamp(row, 2)?,
        expires_at: epoch(row, 3)?,
        body: json(row, 4)?,
    })
}

fn list(
    conn: &Connection,
    path: &Path,
    sql: &str,
    kind: RecordKind,
    params: impl rusqlite::Params,
) -> Result<Vec<StoredRecord>, StoreError> {
    let run = || -> rusqlite::Result<Vec<StoredRecord>> {
        let mut statement = conn.prepare_cached(sql)?;
        let rows = statement.query_map(params, |row| record_from_row(kind, row))?;
        rows.collect()
    };
    run().map_err(|e| sql_error(path, "list records", e))
}

fn owned(fields: &[&str]) -> Vec<String> {
    fields.iter().map(|f| f.to_string()).collect()
}

/// The paths' values as one column of JSON text: `body -> '$.a'` for one path, and for more
/// `json_extract(body, '$.a', '$.b')` — a JSON array, the body parsed once for all of them.
/// (Paths are checked by `brief::check_path`: no quote can reach the SQL.)
fn extracts(fields: &[String]) -> String {
    match fields {
        [] => ", NULL".into(),
        [one] => format!(", body -> '{one}'"),
        many => format!(
            ", json_extract(body, {})",
            many.iter()
                .map(|f| format!("'{f}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn list_brief(
    conn: &Connection,
    path: &Path,
    sql: &str,
    kind: RecordKind,
    fields: &[String],
    params: impl rusqlite::Params,
) -> Result<Vec<StoredRecord>, StoreError> {
    let run = || -> rusqlite::Result<Vec<StoredRecord>> {
        let mut statement = conn.prepare_cached(sql)?;
        let rows = statement.query_map(params, |row| {
            let mut body = serde_json::Value::Object(Default::default());
            let text: Option<String> = row.get(4)?;
            let values = match (
                fields.len(),
                text.and_then(|t| serde_json::from_str(&t).ok()),
            ) {
                (1, Some(v)) => vec![v],
                (_, Some(serde_json::Value::Array(vs))) => vs,
                _ => Vec::new(),
            };
            for (f, v) in fields.iter().zip(values) {
                if !v.is_null() {
                    crate::brief::insert(&mut body, f, v);
                }
            }
            Ok(StoredRecord {
                kind,
                id: row.get(0)?,
                status: row.get(1)?,
                created_at: timestamp(row, 2)?,
                expires_at: epoch(row, 3)?,
                body,
            })
        })?;
        rows.collect()
    };
    run().map_err(|e| sql_error(path, "list records", e))
}

/// Writes (or replaces) an idempotency marker; `put_once` and the importer use it.
pub(super) fn save_marker(
    conn: &Connection,
    kind: RecordKind,
    key: &str,
    record_id: &str,
    expires_at: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO idempotency (kind, key, record_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![kind.as_str(), key, record_id, expires_at])?;
    Ok(())
}

/// Moves a record to `to` whatever its status (the caller has checked): assign, the importer.
pub(super) fn move_status(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
    to: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE records SET status = ?1 WHERE kind = ?2 AND id = ?3")?
        .execute(params![to, kind.as_str(), id])?;
    Ok(())
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl SqliteStore {
    pub(crate) async fn put_once(
        &self,
        rec: NewRecord,
        window: Duration,
    ) -> Result<PutOutcome, StoreError> {
        schema::validate_record(&rec)?;
        let window = schema::window_secs(window, "idempotency window")?;
        let body = rec.body.to_string();
        self.write(move |conn, path| {
            let now = rec.created_at.unix_timestamp();
            let run = || -> rusqlite::Result<Result<PutOutcome, StoreError>> {
                let replay: Option<String> = conn
                    .prepare_cached(
                        "SELECT record_id FROM idempotency WHERE kind = ?1 AND key = ?2 AND expires_at > ?3",
                    )?
                    .query_row(params![rec.kind.as_str(), rec.idempotency_key, now], |r| r.get(0))
                    .optional()?;
                if let Some(id) = replay {
                    return Ok(Ok(PutOutcome::Replayed { id }));
                }
                let taken = conn
                    .prepare_cached("SELECT 1 FROM records WHERE kind = ?1 AND id = ?2")?
                    .exists(params![rec.kind.as_str(), rec.id])?;
                if taken {
                    return Ok(Err(StoreError::IdTaken {
                        kind: rec.kind,
                        id: rec.id.clone(),
                    }));
                }
                conn.prepare_cached(
                    "INSERT INTO records (kind, id, status, created_at, expires_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    rec.kind.as_str(),
                    rec.id,
                    rec.status,
                    schema::timestamp_text(rec.created_at),
                    rec.expires_at.unix_timestamp(),
                    body
                ])?;
                save_marker(conn, rec.kind, &rec.idempotency_key, &rec.id, now + window)?;
                Ok(Ok(PutOutcome::Created { id: rec.id.clone() }))
            };
            let outcome = run().map_err(|e| sql_error(path, "put", e))??;
            if let PutOutcome::Created { .. } = outcome {
                super::outbox::write_mails(conn, path, &rec.mail)?;
            }
            Ok(outcome)
        })
        .await
    }

    pub(crate) async fn get(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<StoredRecord>, StoreError> {
        let id = id.to_string();
        self.read(move |conn, path| {
            conn.prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS} FROM records WHERE kind = ?1 AND id = ?2 AND expires_at > ?3"
            ))
            .and_then(|mut s| {
                s.query_row(params![kind.as_str(), id, now_secs()], |row| {
                    record_from_row(kind, row)
                })
                .optional()
            })
            .map_err(|e| sql_error(path, "get", e))
        })
        .await
    }

    pub(crate) async fn list_by_status(
        &self,
        kind: RecordKind,
        status: &str,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let status = status.to_string();
        self.read(move |conn, path| {
            list(
                conn,
                path,
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM records WHERE kind = ?1 AND status = ?2 AND expires_at > ?3 \
                     ORDER BY created_at, id LIMIT ?4"
                ),
                kind,
                params![kind.as_str(), status, now_secs(), limit_param(limit)],
            )
        })
        .await
    }

    pub(crate) async fn list_brief_by_status(
        &self,
        kind: RecordKind,
        status: &str,
        limit: usize,
        fields: &[&str],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let (status, fields) = (status.to_string(), owned(fields));
        self.read(move |conn, path| {
            let sql = format!(
                "SELECT id, status, created_at, expires_at{} FROM records WHERE kind = ?1 AND status = ?2 AND expires_at > ?3 \
                 ORDER BY created_at, id LIMIT ?4",
                extracts(&fields)
            );
            list_brief(conn, path, &sql, kind, &fields, params![kind.as_str(), status, now_secs(), limit_param(limit)])
        })
        .await
    }

    pub(crate) async fn count_by_status(
        &self,
        kind: RecordKind,
        status: &str,
    ) -> Result<usize, StoreError> {
        let status = status.to_string();
        self.read(move |conn, path| {
            conn.prepare_cached(
                "SELECT count(*) FROM records WHERE kind = ?1 AND status = ?2 AND expires_at > ?3",
            )
            .and_then(|mut s| {
                s.query_row(params![kind.as_str(), status, now_secs()], |row| {
                    row.get::<_, i64>(0)
                })
            })
            .map(|n| n as usize)
            .map_err(|e| sql_error(path, "count records", e))
        })
        .await
    }

    pub(crate) async fn list_brief_by_kind(
        &self,
        kind: RecordKind,
        since: OffsetDateTime,
        limit: usize,
        fields: &[&str],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let (since, fields) = (schema::timestamp_text(since), owned(fields));
        self.read(move |conn, path| {
            let sql = format!(
                "SELECT id, status, created_at, expires_at{} FROM records WHERE kind = ?1 AND created_at >= ?2 AND expires_at > ?3 \
                 ORDER BY created_at, id LIMIT ?4",
                extracts(&fields)
            );
            list_brief(conn, path, &sql, kind, &fields, params![kind.as_str(), since, now_secs(), limit_param(limit)])
        })
        .await
    }

    pub(crate) async fn list_by_kind(
        &self,
        kind: RecordKind,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let since = schema::timestamp_text(since);
        self.read(move |conn, path| {
            list(
                conn,
                path,
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM records WHERE kind = ?1 AND created_at >= ?2 AND expires_at > ?3 \
                     ORDER BY created_at, id LIMIT ?4"
                ),
                kind,
                params![kind.as_str(), since, now_secs(), limit_param(limit)],
            )
        })
        .await
    }

    pub(crate) async fn set_status(
        &self,
        kind: RecordKind,
        id: &str,
        from: &str,
        to: &str,
    ) -> Result<bool, StoreError> {
        schema::check_text("status", to, MAX_STATUS_BYTES, false)?;
        let (id, from, to) = (id.to_string(), from.to_string(), to.to_string());
        self.write(move |conn, path| {
            conn.prepare_cached(
                "UPDATE records SET status = ?1 WHERE kind = ?2 AND id = ?3 AND status = ?4 AND expires_at > ?5",
            )
            .and_then(|mut s| s.execute(params![to, kind.as_str(), id, from, now_secs()]))
            .map(|changed| changed == 1)
            .map_err(|e| sql_error(path, "set status", e))
        })
        .await
    }

    pub(crate) async fn hit_rate_limit(
        &self,
        client_key: &str,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<u32, StoreError> {
        schema::check_text("client key", client_key, MAX_KEY_BYTES, true)?;
        let window = schema::window_secs(window, "rate-limit window")?;
        let start = schema::window_start(now, window);
        let client_key = client_key.to_string();
        // Not worth a commit wait of its own: see `write_early`.
        self.write_early(move |conn, path| {
            conn.prepare_cached(
                "INSERT INTO rate_counters (client_key, window_start, hits, expires_at) VALUES (?1, ?2, 1, ?3) \
                 ON CONFLICT (client_key, window_start) DO UPDATE SET hits = hits + 1 RETURNING hits",
            )
            .and_then(|mut s| s.query_row(params![client_key, start, start + window], |r| r.get(0)))
            .map_err(|e| sql_error(path, "rate limit", e))
        })
        .await
    }
}
