//! `staff backup PATH`: a consistent copy of the live database, taken while the server runs.
//!
//! SQLite's online backup API copies pages in steps, restarting if another connection writes
//! meanwhile, so the copy is one committed state including what is still in the `-wal` file
//! (a byte copy of the main file of a WAL database would miss recent writes). The copy is
//! written beside the destination, synced, checked (`PRAGMA quick_check`) and only then
//! renamed into place, readable by its owner only. To restore: stop the server, move the
//! data directory's `mikke.sqlite`, `-wal` and `-shm` aside, and copy the backup in as
//! `mikke.sqlite` (README, "Backup and restore").

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::{sql_error, SqliteStore};
use crate::StoreError;

/// Pages copied per step; between steps other connections may write.
const PAGES_PER_STEP: i32 = 1024;

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub records: u64,
    pub matches: u64,
    pub sheets: u64,
}

impl SqliteStore {
    /// Copies the database to `dest`, which must not exist yet.
    pub async fn backup(&self, dest: &Path) -> Result<BackupReport, StoreError> {
        let dest = dest.to_path_buf();
        self.read(move |source, path| backup_to(source, path, &dest))
            .await
    }
}

fn backup_to(source: &Connection, path: &Path, dest: &Path) -> Result<BackupReport, StoreError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| StoreError::Io { path: p, source }
    };
    if dest.exists() {
        return Err(StoreError::Invalid {
            what: "backup destination",
            reason: format!("{} already exists; name a new file", dest.display()),
        });
    }
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = dest.with_file_name(format!(".{}.partial", name.as_deref().unwrap_or("backup")));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(&tmp).map_err(io(&tmp))?;
    let result = copy(source, path, &tmp);
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    let (records, matches, sheets) = result?;
    std::fs::rename(&tmp, dest).map_err(io(dest))?;
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Makes the rename durable; best effort where directories cannot be synced.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(BackupReport {
        path: dest.to_path_buf(),
        bytes: std::fs::metadata(dest).map_err(io(dest))?.len(),
        records,
        matches,
        sheets,
    })
}

fn copy(source: &Connection, path: &Path, tmp: &Path) -> Result<(u64, u64, u64), StoreError> {
    let fail = |e| sql_error(path, "backup", e);
    let mut dest = Connection::open_with_flags(
        tmp,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(fail)?;
    {
        let backup = Backup::new(source, &mut dest).map_err(fail)?;
        loop {
            match backup.step(PAGES_PER_STEP).map_err(fail)? {
                StepResult::Done => break,
                StepResult::More => {}
                // A writer holds a lock for a moment: give it the time, then go on.
                StepResult::Busy | StepResult::Locked => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                _ => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
    // The copy keeps the source's WAL flag; fold it into one self-contained file.
    let mode: String = dest
        .pragma_update_and_check(None, "journal_mode", "DELETE", |row| row.get(0))
        .map_err(fail)?;
    debug_assert_eq!(mode.to_ascii_lowercase(), "delete");
    let check: String = dest
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(fail)?;
    if check != "ok" {
        return Err(StoreError::Unusable {
            path: tmp.to_path_buf(),
            reason: format!("the copy failed its check ({check}); nothing was kept"),
        });
    }
    let count = |table: &str| -> Result<u64, StoreError> {
        dest.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n.max(0) as u64)
        .map_err(fail)
    };
    let counts = (count("records")?, count("matches")?, count("sheets")?);
    // Closing syncs nothing by itself: make the copy durable before it is renamed into place.
    drop(dest);
    std::fs::File::open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(|source| StoreError::Io {
            path: tmp.to_path_buf(),
            source,
        })?;
    Ok(counts)
}
