//! The local store: every record in memory, every change appended to `journal.jsonl` in the
//! store directory, the journal replayed (and compacted) at open.
//!
//! Durability trade-off: each change is one `write(2)` under the store's mutex before the call
//! returns, without fsync. A killed or crashed process loses nothing it acknowledged; a power
//! cut can lose the last seconds. That is the price of thousands of stored applications a
//! second on a laptop; production uses DynamoDB. A `lock` file (OS advisory lock) keeps a
//! second process from opening the same directory.

mod matches;
mod state;

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use time::OffsetDateTime;

use super::journal::{self, Entry, IdemLine, RateLine, RecordLine, Writer};
use super::schema::{self, MAX_KEY_BYTES, MAX_STATUS_BYTES};
use super::{NewRecord, PutOutcome, RecordKind, StoreError, StoredRecord};
use state::{Rec, State};

const JOURNAL: &str = "journal.jsonl";
const LOCK: &str = "lock";
/// Expired markers and counters are dropped from memory every this many writes.
const SWEEP_EVERY: u64 = 10_000;

/// File-backed store for local mode. Clones share one state.
#[derive(Clone)]
pub struct EmbeddedStore {
    inner: Arc<Mutex<Inner>>,
}

/// How long [`EmbeddedStore::open`] waits for a lock that may be on its way out: 50 × 20 ms.
const LOCK_ATTEMPTS: u32 = 50;
const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(20);

struct Inner {
    state: State,
    journal: Writer,
    writes: u64,
    _lock: File,
}

impl EmbeddedStore {
    /// Opens (creating if needed) the store in `dir`, replays its journal and compacts it
    /// when it holds superseded or expired entries.
    pub fn open(dir: &Path) -> Result<EmbeddedStore, StoreError> {
        let io = |path: PathBuf| move |source| StoreError::Io { path, source };
        std::fs::create_dir_all(dir).map_err(io(dir.to_path_buf()))?;
        let lock_path = dir.join(LOCK);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(lock_path.clone()))?;
        // A lock just released can still look held for a moment: a process starting a child
        // (any thread of it) lends the child its open files until the child's exec closes
        // them. So a short wait before saying another process has the store; one that really
        // runs (the local server) still gets the clear error, a second later.
        let mut attempts = 0;
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if attempts < LOCK_ATTEMPTS => {
                    attempts += 1;
                    std::thread::sleep(LOCK_RETRY);
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Locked {
                        path: dir.to_path_buf(),
                    })
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(lock_path)(e)),
            }
        }

        let path = dir.join(JOURNAL);
        let mut state = State::default();
        let lines = journal::replay(&path, |entry| state.apply(entry))?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        state.sweep(now, true);
        // Compaction pays once lines outnumber live facts (superseded counters and statuses,
        // expired entries); a journal of plain puts is already minimal.
        if lines > state.entry_count() {
            journal::rewrite(&path, state.entries())?;
        }
        Ok(EmbeddedStore {
            inner: Arc::new(Mutex::new(Inner {
                state,
                journal: Writer::open(&path)?,
                writes: 0,
                _lock: lock,
            })),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-applied change: memory is only
        // touched after the journal append succeeded.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) async fn put_once(
        &self,
        rec: NewRecord,
        window: Duration,
    ) -> Result<PutOutcome, StoreError> {
        schema::validate_record(&rec)?;
        let window = schema::window_secs(window, "idempotency window")?;
        let now = rec.created_at.unix_timestamp();
        let mut inner = self.lock();
        let idem_key = (rec.kind, rec.idempotency_key.clone());
        if let Some((id, expires)) = inner.state.idem.get(&idem_key) {
            if *expires > now {
                return Ok(PutOutcome::Replayed { id: id.clone() });
            }
        }
        let key = (rec.kind, rec.id.clone());
        if inner.state.records.contains_key(&key) {
            return Err(StoreError::IdTaken {
                kind: rec.kind,
                id: rec.id,
            });
        }
        let idem_expires = now + window;
        inner.journal.append(&Entry::Put {
            record: RecordLine {
                kind: rec.kind,
                id: (&rec.id).into(),
                created_at: schema::timestamp_text(rec.created_at),
                status: (&rec.status).into(),
                expires_at: rec.expires_at.unix_timestamp(),
                body: std::borrow::Cow::Borrowed(&rec.body),
            },
            idem: Some(IdemLine {
                kind: rec.kind,
                key: (&rec.idempotency_key).into(),
                id: (&rec.id).into(),
                expires_at: idem_expires,
            }),
        })?;
        inner
            .state
            .idem
            .insert(idem_key, (rec.id.clone(), idem_expires));
        let id = rec.id.clone();
        inner.state.insert(
            rec.kind,
            rec.id,
            Rec {
                created_at: rec.created_at.to_offset(time::UtcOffset::UTC),
                status: rec.status,
                expires_at: rec.expires_at.unix_timestamp(),
                body: rec.body,
            },
        );
        inner.after_write();
        Ok(PutOutcome::Created { id })
    }

    pub(super) async fn get(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<StoredRecord>, StoreError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let inner = self.lock();
        Ok(inner.state.live(kind, id, now))
    }

    pub(super) async fn list_by_status(
        &self,
        kind: RecordKind,
        status: &str,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let inner = self.lock();
        let Some(ids) = inner.state.by_status.get(&(kind, status.to_string())) else {
            return Ok(Vec::new());
        };
        Ok(ids
            .iter()
            .filter_map(|(_, id)| inner.state.live(kind, id, now))
            .take(limit)
            .collect())
    }

    pub(super) async fn list_by_kind(
        &self,
        kind: RecordKind,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let inner = self.lock();
        let Some(ids) = inner.state.by_kind.get(&kind) else {
            return Ok(Vec::new());
        };
        Ok(ids
            .range((since.unix_timestamp_nanos(), String::new())..)
            .filter_map(|(_, id)| inner.state.live(kind, id, now))
            .take(limit)
            .collect())
    }

    pub(super) async fn set_status(
        &self,
        kind: RecordKind,
        id: &str,
        from: &str,
        to: &str,
    ) -> Result<bool, StoreError> {
        schema::check_text("status", to, MAX_STATUS_BYTES, false)?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut inner = self.lock();
        match inner.state.records.get(&(kind, id.to_string())) {
            Some(r) if r.status == from && r.expires_at > now => {}
            _ => return Ok(false),
        }
        inner.journal.append(&Entry::Status {
            kind,
            id: id.into(),
            status: to.into(),
        })?;
        inner.state.set_status(kind, id, to);
        inner.after_write();
        Ok(true)
    }

    pub(super) async fn hit_rate_limit(
        &self,
        client_key: &str,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<u32, StoreError> {
        schema::check_text("client key", client_key, MAX_KEY_BYTES, true)?;
        let window = schema::window_secs(window, "rate-limit window")?;
        let start = schema::window_start(now, window);
        let expires_at = start + window;
        let mut inner = self.lock();
        let key = (client_key.to_string(), start);
        let hits = inner
            .state
            .rate
            .get(&key)
            .map_or(0, |(h, _)| *h)
            .saturating_add(1);
        inner.journal.append(&Entry::Rate(RateLine {
            key: client_key.into(),
            window_start: start,
            hits,
            expires_at,
        }))?;
        inner.state.rate.insert(key, (hits, expires_at));
        inner.after_write();
        Ok(hits)
    }
}

impl Inner {
    fn after_write(&mut self) {
        self.writes += 1;
        if self.writes.is_multiple_of(SWEEP_EVERY) {
            self.state
                .sweep(OffsetDateTime::now_utc().unix_timestamp(), false);
        }
    }
}
