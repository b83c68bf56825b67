//! Why a store operation failed. `Display` carries no personal data: kinds, ids, paths and
//! back-end error codes only, never bodies, keys or values (SQLite's own messages name
//! tables, columns and constraints, not values).

use std::path::PathBuf;

use crate::RecordKind;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line of an old JSON journal being imported could not be read.
    #[error("store journal {path}, line {line}: {reason}; move the file aside to start without it, or fix the line")]
    Corrupt {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    /// The database cannot be used as it is (not SQLite, damaged, read-only, written by a
    /// newer version); `reason` says what is wrong and what to do. Found at open, before
    /// anything is written.
    #[error("database {path}: {reason}")]
    Unusable { path: PathBuf, reason: String },
    /// SQLite refused or failed an operation.
    #[error("database {path}: {operation} failed: {message}")]
    Sqlite {
        path: PathBuf,
        operation: &'static str,
        /// `None` when the failure was not SQLite's own (e.g. a value that would not convert).
        code: Option<rusqlite::ErrorCode>,
        message: String,
    },
    #[error("a {kind} with id {id} already exists")]
    IdTaken { kind: RecordKind, id: String },
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },
    #[error("DynamoDB {operation} on table {table} failed: {message}")]
    Dynamo {
        operation: &'static str,
        table: String,
        message: String,
    },
    #[error("DynamoDB item {key} in table {table} is malformed: {reason}")]
    Malformed {
        table: String,
        key: String,
        reason: String,
    },
}

impl StoreError {
    /// A fault that may pass on its own (disk full, I/O error, the database busy for too
    /// long, the service unreachable): the request should be answered "try again later"
    /// (503) — nothing was half-written, and a retry is safe because writes are idempotent.
    pub fn is_transient(&self) -> bool {
        use rusqlite::ErrorCode as C;
        match self {
            StoreError::Io { .. } | StoreError::Dynamo { .. } => true,
            StoreError::Sqlite { code, .. } => matches!(
                code,
                Some(
                    C::DiskFull
                        | C::SystemIoFailure
                        | C::DatabaseBusy
                        | C::DatabaseLocked
                        | C::ReadOnly
                        | C::CannotOpen
                        | C::OutOfMemory
                )
            ),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_full_and_busy_are_transient_but_a_constraint_is_not() {
        let sqlite = |code| StoreError::Sqlite {
            path: "x".into(),
            operation: "commit",
            code: Some(code),
            message: String::new(),
        };
        assert!(sqlite(rusqlite::ErrorCode::DiskFull).is_transient());
        assert!(sqlite(rusqlite::ErrorCode::DatabaseBusy).is_transient());
        assert!(!sqlite(rusqlite::ErrorCode::ConstraintViolation).is_transient());
        assert!(!StoreError::Invalid {
            what: "id",
            reason: String::new()
        }
        .is_transient());
    }
}
