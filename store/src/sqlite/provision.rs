//! Provision records on SQLite: one row per match, the record as JSON.

use rusqlite::{params, Connection};

use super::{now_secs, sql_error, SqliteStore};
use crate::schema::timestamp_text;
use crate::{Provision, StoreError};

/// Written inside the assign transaction; the importer uses it too.
pub(super) fn save_provision(conn: &Connection, p: &Provision) -> rusqlite::Result<()> {
    let body = serde_json::to_string(p).expect("a provision serialises");
    conn.prepare_cached(
        "INSERT OR REPLACE INTO provisions (match_id, provided_at, body, expires_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        p.match_id,
        timestamp_text(p.provided_at),
        body,
        p.expires_at.unix_timestamp()
    ])?;
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn list_provisions(&self) -> Result<Vec<Provision>, StoreError> {
        self.read(|conn, path| {
            let run = || -> rusqlite::Result<Vec<String>> {
                let mut s = conn.prepare_cached(
                    "SELECT body FROM provisions WHERE expires_at > ?1 ORDER BY provided_at, match_id",
                )?;
                let rows = s.query_map([now_secs()], |r| r.get(0))?;
                rows.collect()
            };
            let bodies = run().map_err(|e| sql_error(path, "list provisions", e))?;
            bodies
                .iter()
                .map(|b| {
                    serde_json::from_str(b).map_err(|e| StoreError::Malformed {
                        table: path.display().to_string(),
                        key: "provisions".into(),
                        reason: e.to_string(),
                    })
                })
                .collect()
        })
        .await
    }
}
