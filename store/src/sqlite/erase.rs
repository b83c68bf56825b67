//! Erasure on SQLite: one write transaction, then a WAL checkpoint that truncates the log, so
//! (with `secure_delete`, set at open) no byte of what was erased stays in any file of the
//! data directory.

use rusqlite::{params, Connection, OpenFlags};

use super::{sql_error, SqliteStore};
use crate::erase::{Erased, Erasure};
use crate::StoreError;

fn erase_in(conn: &Connection, what: &Erasure) -> rusqlite::Result<Erased> {
    let mut done = Erased::default();
    for (kind, id) in &what.records {
        done.records += conn
            .prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2")?
            .execute(params![kind.as_str(), id])?;
        conn.prepare_cached("DELETE FROM idempotency WHERE kind = ?1 AND record_id = ?2")?
            .execute(params![kind.as_str(), id])?;
        done.notes += conn
            .prepare_cached("DELETE FROM notes WHERE kind = ?1 AND id = ?2")?
            .execute(params![kind.as_str(), id])?;
    }
    for id in &what.matches {
        done.sheets += conn
            .prepare_cached("DELETE FROM sheets WHERE match_id = ?1")?
            .execute([id])?;
        conn.prepare_cached("DELETE FROM sheets_handled WHERE match_id = ?1")?
            .execute([id])?;
        done.matches += conn
            .prepare_cached("DELETE FROM matches WHERE id = ?1")?
            .execute([id])?;
    }
    let mail: Vec<(String, String)> = conn
        .prepare_cached("SELECT id, refs FROM outbox")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, refs) in mail {
        let refs: serde_json::Value = serde_json::from_str(&refs).unwrap_or_default();
        if what.names(&refs) {
            done.mails += conn
                .prepare_cached("DELETE FROM outbox WHERE id = ?1")?
                .execute([id])?;
        }
    }
    Ok(done)
}

impl SqliteStore {
    pub(crate) async fn erase(&self, what: &Erasure) -> Result<Erased, StoreError> {
        let what = what.clone();
        let done = self
            .write(move |conn, path| erase_in(conn, &what).map_err(|e| sql_error(path, "erase", e)))
            .await?;
        // Outside the writer's transaction: fold the log into the database and empty it, so
        // the old page images (her data) leave the -wal file too.
        let path = self.path().to_path_buf();
        tokio::task::spawn_blocking(move || -> rusqlite::Result<()> {
            let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        })
        .await
        .map_err(|_| StoreError::Invalid {
            what: "erase",
            reason: "the checkpoint task stopped".into(),
        })?
        .map_err(|e| sql_error(self.path(), "checkpoint after erase", e))?;
        Ok(done)
    }
}
