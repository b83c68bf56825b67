//! Schema versions: `schema.sql` split at its `-- version: N` lines, applied in order.
//!
//! A database records its version in `PRAGMA user_version`. Opening one that is older applies
//! the missing sections and the new version number in one IMMEDIATE transaction (all or
//! nothing; another process opening at the same moment waits, then finds the work done).
//! One that is newer than this build knows is refused before anything is written.

use rusqlite::{Connection, TransactionBehavior};

/// The whole schema, every version (the one place it is spelled).
const SCHEMA: &str = include_str!("schema.sql");

/// Each version's SQL, version 1 first.
pub(crate) fn versions() -> Vec<&'static str> {
    let mut sections = Vec::new();
    let mut rest = SCHEMA;
    // Everything before the first marker is the file's header comment.
    while let Some(at) = rest.find("\n-- version: ") {
        let body = &rest[at + 1..];
        let line_end = body.find('\n').unwrap_or(body.len());
        let next = body[line_end..]
            .find("\n-- version: ")
            .map_or(body.len(), |n| line_end + n);
        sections.push(&body[..next]);
        rest = &body[next..];
    }
    sections
}

/// The newest version this build knows.
pub fn latest() -> u32 {
    versions().len() as u32
}

/// What opening found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Migrated {
    /// Already at the latest version.
    Current,
    /// Brought from this version (0: a new, empty database) to the latest.
    From(u32),
}

#[derive(Debug)]
pub(crate) enum MigrateError {
    Sqlite(rusqlite::Error),
    /// Written by a newer build: found this version.
    TooNew(u32),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sqlite(e)
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings the database to `target` (≤ [`latest`]); tests use an older target to write a
/// database as a previous release did.
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<Migrated, MigrateError> {
    let sections = versions();
    // Read outside a write transaction first: a current database (every open but the first)
    // needs no write lock at all.
    let found = user_version(conn)?;
    if found > latest() {
        return Err(MigrateError::TooNew(found));
    }
    if found >= target {
        return Ok(Migrated::Current);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have migrated between the read and the lock.
    let found = user_version(&tx)?;
    if found > latest() {
        return Err(MigrateError::TooNew(found));
    }
    for section in &sections[found as usize..target as usize] {
        tx.execute_batch(section)?;
    }
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
    Ok(if found >= target {
        Migrated::Current
    } else {
        Migrated::From(found)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_file_splits_into_numbered_sections_in_order() {
        let sections = versions();
        assert!(sections.len() >= 2);
        for (i, section) in sections.iter().enumerate() {
            assert!(
                section.starts_with(&format!("-- version: {}\n", i + 1)),
                "section {i} starts {:?}",
                &section[..section.len().min(30)]
            );
        }
        assert!(sections[0].contains("CREATE TABLE records"));
    }

    #[test]
    fn a_new_database_gets_every_version_and_a_second_run_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert!(matches!(
            migrate_to(&mut conn, latest()).unwrap(),
            Migrated::From(0)
        ));
        assert_eq!(user_version(&conn).unwrap(), latest());
        assert_eq!(migrate_to(&mut conn, latest()).unwrap(), Migrated::Current);
    }

    #[test]
    fn a_database_from_a_newer_build_is_refused_untouched() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", latest() + 1)
            .unwrap();
        assert!(matches!(
            migrate_to(&mut conn, latest()),
            Err(MigrateError::TooNew(v)) if v == latest() + 1
        ));
        let tables: u32 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }
}
