//! The local store: one SQLite file, `mikke.sqlite` in the data directory.
//!
//! * **Several processes at once.** WAL mode: readers never wait for the writer; one writer at
//!   a time by SQLite's own lock, waited for up to the busy timeout. The local server, `staff`
//!   and any worker open the same file; nobody caches, so a change is seen at once.
//! * **Durable.** `synchronous=FULL`: a write is answered only after its transaction is on disk.
//!   Throughput comes from group commit (`writer.rs`): concurrent writes share one transaction.
//! * **Schema** in `schema.sql`, versioned by `PRAGMA user_version` (`migrate.rs`).
//! * **Bad files** (not SQLite, damaged, read-only, from a newer version) are refused at open
//!   with the path and what to do ([`StoreError::Unusable`]), before anything is written.
//! * An old `journal.jsonl` in the directory is imported once at open (`import.rs`).
//! * The file and its `-wal`/`-shm` companions are readable by their owner only (0600, in a
//!   0700 directory): they hold applicants' personal data. Deleted rows are overwritten
//!   (`secure_delete`), and expired rows are deleted at open and every minute.

mod backup;
mod console;
mod erase;
mod import;
mod matches;
pub mod migrate;
mod outbox;
mod provision;
mod records;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use time::OffsetDateTime;

pub use backup::BackupReport;
use writer::Writer;

use crate::StoreError;

/// The database's file name in the data directory.
pub const DB_FILE: &str = "mikke.sqlite";

/// How the store is opened. `Default` is what the server and `staff` use.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Most writes committed in one transaction (1 = a transaction per write).
    pub max_batch: usize,
    /// How long a write waits for another process's write lock before failing (503).
    pub busy_timeout: Duration,
    /// Caps the database at this many pages (4 KiB each). A write that needs more fails
    /// exactly as on a full disk; the cap can be lifted while open ([`SqliteStore::set_max_pages`]).
    pub max_pages: Option<u32>,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            max_batch: 256,
            busy_timeout: Duration::from_secs(5),
            max_pages: None,
        }
    }
}

/// The SQLite store. Clones share the writer thread and the reader connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Writer,
    readers: Mutex<Vec<Connection>>,
    busy_timeout: Duration,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir` with the default options.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(dir, SqliteOptions::default())
    }

    pub fn open_with(dir: &Path, options: SqliteOptions) -> Result<SqliteStore, StoreError> {
        let path = dir.join(DB_FILE);
        create_private(dir, &path)?;
        let mut conn = connect(&path, options.busy_timeout).map_err(|e| unusable(&path, e))?;
        if conn
            .is_readonly(rusqlite::MAIN_DB)
            .map_err(|e| unusable(&path, e))?
        {
            return Err(StoreError::Unusable {
                path,
                reason: "the file is read-only for this process: check its owner and permissions \
                         (and those of its directory), or the disk's mount"
                    .into(),
            });
        }
        setup(&conn, &options).map_err(|e| unusable(&path, e))?;
        match migrate::migrate_to(&mut conn, migrate::latest()) {
            Ok(_) => {}
            Err(migrate::MigrateError::TooNew(found)) => {
                return Err(StoreError::Unusable {
                    path,
                    reason: format!(
                        "written by a newer mikke (schema version {found}; this build knows up to \
                         {}): update mikke, or open a backup made by this version",
                        migrate::latest()
                    ),
                })
            }
            Err(migrate::MigrateError::Sqlite(e)) => return Err(unusable(&path, e)),
        }
        import::import_journal(&mut conn, dir, &path)?;
        sweep(&conn).map_err(|e| sql_error(&path, "sweep", e))?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                writer: Writer::start(conn, &path, options.max_batch),
                path,
                readers: Mutex::new(Vec::new()),
                busy_timeout: options.busy_timeout,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Changes (or with `None` lifts) the page cap of [`SqliteOptions::max_pages`].
    pub async fn set_max_pages(&self, pages: Option<u32>) -> Result<(), StoreError> {
        let path = self.inner.path.clone();
        self.inner
            .writer
            .write(move |conn| {
                limit_pages(conn, pages).map_err(|e| sql_error(&path, "max_page_count", e))
            })
            .await
    }

    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Path) -> Result<T, StoreError> + Send + 'static,
    {
        let path = self.inner.path.clone();
        self.inner.writer.write(move |conn| work(conn, &path)).await
    }

    /// A write answered before its commit ([`writer::Writer::write_early`]): rate counters only.
    async fn write_early<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Path) -> Result<T, StoreError> + Send + 'static,
    {
        let path = self.inner.path.clone();
        self.inner
            .writer
            .write_early(move |conn| work(conn, &path))
            .await
    }

    /// Runs `work` on a reader connection, off the async threads. Each call sees the latest
    /// committed state (of any process); `work` opens a transaction when it needs one snapshot.
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Path) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let pooled = inner
                .readers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => connect(&inner.path, inner.busy_timeout)
                    .and_then(|c| c.pragma_update(None, "query_only", true).map(|()| c))
                    .map_err(|e| sql_error(&inner.path, "open", e))?,
            };
            let result = work(&conn, &inner.path);
            inner
                .readers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(conn);
            result
        })
        .await
        .map_err(|_| StoreError::Sqlite {
            path: self.inner.path.clone(),
            operation: "read",
            code: None,
            message: "the read was cancelled".into(),
        })?
    }
}

/// Creates the directory (0700) and an empty database file (0600) unless they exist: SQLite
/// gives its `-wal` and `-shm` files the database file's permissions.
fn create_private(dir: &Path, path: &Path) -> Result<(), StoreError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io(dir))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io(path)(e)),
    }
}

fn connect(path: &Path, busy_timeout: Duration) -> rusqlite::Result<Connection> {
    // No CREATE: the file was made (0600) by `create_private`, and a reader must never make
    // an empty database where one went missing.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(busy_timeout)?;
    Ok(conn)
}

/// Per-connection settings of the write connection; outside any transaction (WAL needs that).
fn setup(conn: &Connection, options: &SqliteOptions) -> rusqlite::Result<()> {
    // Returns the mode now in force (a row, so not `pragma_update`).
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some(format!("journal mode {mode} instead of WAL")),
        ));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Deleted rows (expired, erased) are overwritten, not left readable in free pages.
    conn.pragma_update(None, "secure_delete", true)?;
    limit_pages(conn, options.max_pages)
}

fn limit_pages(conn: &Connection, pages: Option<u32>) -> rusqlite::Result<()> {
    // SQLite's own ceiling when lifted.
    let pages = pages.map_or(4_294_967_294_i64, i64::from);
    let _: i64 = conn.pragma_update_and_check(None, "max_page_count", pages, |row| row.get(0))?;
    Ok(())
}

/// Deletes every row past its retention, in one transaction.
fn sweep(conn: &Connection) -> rusqlite::Result<()> {
    let now = now_secs();
    // IMMEDIATE: a deferred transaction that reads before it writes cannot wait for the lock.
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    for table in [
        "idempotency",
        "rate_counters",
        "records",
        "matches",
        "sheets",
        "outbox",
        "mail_markers",
        "signins",
        "staff_sessions",
        "audit",
        "notes",
        "sheets_handled",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE expires_at <= ?1"),
            [now],
        )?;
    }
    tx.commit()
}

fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// An SQLite failure during normal work, with the operation it stopped.
pub(crate) fn sql_error(path: &Path, operation: &'static str, e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_path_buf(),
        operation,
        code: e.sqlite_error_code(),
        message: e.to_string(),
    }
}

/// A failure while opening: what it means for the file, and what to do.
fn unusable(path: &Path, e: rusqlite::Error) -> StoreError {
    let reason = match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            "not an SQLite database (nothing was changed): move it aside to start empty, or set \
             MIKKE_DATA_DIR to the right directory"
                .to_string()
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            "the database is damaged (nothing was changed): restore the latest backup \
             (`staff backup`, see the README), or move it aside to start empty"
                .to_string()
        }
        Some(ErrorCode::ReadOnly)
        | Some(ErrorCode::CannotOpen)
        | Some(ErrorCode::PermissionDenied) => {
            format!("cannot open it for writing ({e}): check its owner and permissions, and those of its directory")
        }
        _ => format!("cannot open it: {e}"),
    };
    StoreError::Unusable {
        path: path.to_path_buf(),
        reason,
    }
}
