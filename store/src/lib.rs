//! mikke's store: where applications, inquiries, matches, sheets, replies, rate counters and
//! the mail outbox live. One API ([`Store`]) over two back ends with identical semantics:
//!
//! * [`SqliteStore`] — local mode: one SQLite file in the data directory (WAL, `synchronous=FULL`,
//!   group commit; several processes at once — the local server, `staff`, workers). See `sqlite/`.
//! * `DynamoStore` (feature `dynamo`) — Lambda mode: one DynamoDB table (single-table design).
//!
//! Both are exercised by one conformance suite (`store/tests/conformance.rs`), the DynamoDB one
//! against `moto_server`.
//!
//! # Semantics every back end keeps
//! * **Exactly once** — [`Store::put_once`] writes the record and an idempotency marker
//!   atomically. A second put with the same `(kind, idempotency_key)` while the marker is
//!   live returns [`PutOutcome::Replayed`] with the *first* id and writes nothing. The marker
//!   lives for `idempotency_window` measured from `rec.created_at` (so the caller's clock is
//!   the only clock; pass "now" as `created_at`), at one-second granularity: it is live while
//!   `created_at_secs < marker.expires_at`.
//! * **Durability** — a call that returned `Ok` is on disk (SQLite: committed with
//!   `synchronous=FULL`; DynamoDB: acknowledged by the service).
//! * **Retention** — `NewRecord::expires_at` is the record's TTL. Reads ([`Store::get`],
//!   [`Store::list_by_status`], [`Store::list_by_kind`], [`Store::set_status`]) treat a record
//!   whose `expires_at` (epoch seconds) is at or before the wall clock as gone, because
//!   DynamoDB deletes expired items lazily (up to days later). Reads use the real clock, so a
//!   test with a fake clock must still set `expires_at` in the real future to read records back.
//! * **Time** — stored timestamps are UTC; [`StoredRecord::created_at`] comes back in UTC with
//!   nanosecond precision. Lists are oldest first, ties broken by id.
//! * **Errors** — [`StoreError`]'s `Display` never contains bodies, idempotency keys or
//!   client keys: only kinds, ids, paths and back-end error codes.
//!
//! # DynamoDB key schema (single table; names are the `pub const`s in [`schema`])
//! | item | `pk` | `sk` | other attributes |
//! |---|---|---|---|
//! | record | `APP#<id>` / `INQ#<id>` | `RECORD` | `kind`, `id`, `status`, `created_at` (RFC 3339, UTC, 9 fraction digits), `body` (S: the JSON text), `expires_at` (N), `gsi1pk`, `gsi1sk`, `gsi2pk`, `gsi2sk` |
//! | idempotency marker | `IDEM#<KIND>#<key>` | `IDEM` | `record_id`, `expires_at` (N) |
//! | rate counter | `RATE#<client_key>#<window_start_epoch_secs>` | `RATE` | `hits` (N), `expires_at` (N) |
//! | match | `MATCH#<id>` | `RECORD` | `kind`=`match`, `id`, `status` (`active`/`closed`), `created_at`, `expires_at`, `application_id`, `mentor`, `mentor_name`, `plan`, `sessions` (N), `gsi2pk`=`MATCH`, `gsi2sk`=`<created_at>#<id>` |
//! | sheet | `MATCH#<id>` | `SHEET#<nnn>` | `id` (match), `session` (N), `submission_id`, `created_at`, `expires_at`, `priority` (N), `body` (S: JSON), `reply`, `replied_at`, `gsi1pk`=`FOLLOWUP#SHEET`, `gsi1sk`=`<100-priority:03>#<created_at>#<match>#<nnn>` |
//! | mentor counter | `MENTOR#<slug>` | `CAPACITY` | `open` (M: match id → its `expires_at`), `gsi2pk`=`MENTOR#CAPACITY`, `gsi2sk`=`<slug>` |
//!
//! * GSI `gsi1` (staff queue, "by status and date"): `gsi1pk` = `<KIND>#STATUS#<status>`,
//!   `gsi1sk` = `<created_at>#<id>`; projection ALL. `set_status` rewrites `gsi1pk`.
//! * GSI `gsi2` ("by kind and date"): `gsi2pk` = `<KIND>`, `gsi2sk` = `<created_at>#<id>`;
//!   projection ALL. Volume is a few hundred submissions a day, far below one partition's limit.
//! * TTL attribute `expires_at` (epoch seconds) on every item. Billing PAY_PER_REQUEST.
//! * `<KIND>` is [`RecordKind::key_prefix`]: `APP`, `INQ`. Matches, sheets and counters
//!   (issue 6, `matches.rs`) are not records: they have their own calls. The follow-up list is
//!   one Query of `gsi1` (`FOLLOWUP#SHEET`, highest priority first: the sort key starts with
//!   `100 - priority`); the counters are one Query of `gsi2` (`MENTOR#CAPACITY`). Assign and
//!   close are `TransactWriteItems` over match, application and counter; a sheet is a
//!   `ConditionCheck` of its match plus a conditional Put; the diary is a consistent GetItem of
//!   the match and one `TransactGetItems` of its sheets (so no Query on the base table).
//! * Writes: `put_once` is one `TransactWriteItems` of the record (`attribute_not_exists(pk)`)
//!   and the marker (`attribute_not_exists(pk) OR expires_at <= :now`); `set_status` is a
//!   conditional `UpdateItem`; `hit_rate_limit` is `UpdateItem ADD hits :1`. A cancelled
//!   transaction whose marker check failed is a replay (the marker comes back with the
//!   cancellation); `TransactionConflict` is retried. IAM: [`schema::IAM_ACTIONS`].

mod brief;
mod console;
#[cfg(feature = "dynamo")]
mod dynamo;
mod erase;
mod error;
mod journal;
mod matches;
mod outbox;
mod provision;
pub mod schema;
pub mod sqlite;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use console::{AuditEntry, Handled, Note, NoteOutcome, SignIn, StaffSession, MAX_NOTE_BYTES};
#[cfg(feature = "dynamo")]
pub use dynamo::DynamoStore;
pub use erase::{Erased, Erasure};
pub use error::StoreError;
pub use matches::{
    AssignOutcome, Diary, Match, MatchStatus, NewSheet, Reply, ReplyOutcome, Sheet, SheetOutcome,
    MATCHED, MAX_SESSIONS, OPEN_APPLICATION_STATUSES,
};
pub use outbox::{Mail, MailResult, MailStatus, NewMail, MAX_MAILS_PER_WRITE};
pub use provision::{Provision, PROVISION_RETENTION_DAYS};
pub use sqlite::{BackupReport, SqliteOptions, SqliteStore};

/// What a record is. Each kind has its own id space, status queue and idempotency keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A mentee's application (issue 4).
    Application,
    /// A general inquiry from the contact form (issue 5).
    Inquiry,
}

impl RecordKind {
    /// Every kind, for tools that walk the whole store.
    pub const ALL: [RecordKind; 2] = [RecordKind::Application, RecordKind::Inquiry];

    /// The prefix of this kind's keys in DynamoDB (`APP`, `INQ`).
    pub fn key_prefix(self) -> &'static str {
        match self {
            RecordKind::Application => "APP",
            RecordKind::Inquiry => "INQ",
        }
    }

    /// The kind's name as stored in the `kind` attribute and column.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Application => "application",
            RecordKind::Inquiry => "inquiry",
        }
    }

    #[cfg(feature = "dynamo")]
    pub(crate) fn from_str_opt(text: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record to store once.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    pub kind: RecordKind,
    /// Caller-generated, unique within the kind (non-empty, ≤ 256 bytes, no `#`).
    pub id: String,
    /// When it was received; also "now" for the idempotency window.
    pub created_at: OffsetDateTime,
    /// Initial status, e.g. `received` or `needs_call` (non-empty, ≤ 64 bytes).
    pub status: String,
    /// Same key within the window ⇒ replay (non-empty, ≤ 1024 bytes; hash long payloads).
    pub idempotency_key: String,
    /// Retention: after this instant the record is treated as deleted.
    pub expires_at: OffsetDateTime,
    /// The validated, scored submission. Opaque to the store.
    pub body: serde_json::Value,
    /// Mails the record causes (受付, the staff's notice), written with it; none on a replay.
    pub mail: Vec<NewMail>,
}

/// What [`Store::put_once`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// The record was written under this id.
    Created { id: String },
    /// The idempotency key was seen within its window: nothing was written; this is the id
    /// the first put stored (not the id of the rejected `NewRecord`).
    Replayed { id: String },
}

impl PutOutcome {
    /// The id the client should be told, whichever way it went.
    pub fn id(&self) -> &str {
        match self {
            PutOutcome::Created { id } | PutOutcome::Replayed { id } => id,
        }
    }
}

/// A record as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub kind: RecordKind,
    pub id: String,
    /// UTC.
    pub created_at: OffsetDateTime,
    pub status: String,
    /// Retention deadline, whole seconds, UTC.
    pub expires_at: OffsetDateTime,
    pub body: serde_json::Value,
}

/// The store the handler was configured with. Cheap to clone (shared state inside).
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    #[cfg(feature = "dynamo")]
    Dynamo(DynamoStore),
}

/// Calls the same method on whichever back end this is.
macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Store::Sqlite($s) => $call.await,
            #[cfg(feature = "dynamo")]
            Store::Dynamo($s) => $call.await,
        }
    };
}
pub(crate) use dispatch;

impl Store {
    /// Stores `rec` unless its idempotency key was used for this kind within
    /// `idempotency_window` before `rec.created_at` (≥ 1 s; rounded up to whole seconds).
    /// Safe under concurrent calls: of N racing puts with one key exactly one is `Created`.
    /// An existing record with the same id and no live marker is [`StoreError::IdTaken`].
    pub async fn put_once(
        &self,
        rec: NewRecord,
        idempotency_window: Duration,
    ) -> Result<PutOutcome, StoreError> {
        dispatch!(self, s => s.put_once(rec, idempotency_window))
    }

    /// The record, or `None` if it never existed or its retention has passed.
    pub async fn get(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<StoredRecord>, StoreError> {
        dispatch!(self, s => s.get(kind, id))
    }

    /// Up to `limit` records of `kind` in `status`, oldest first (staff queue).
    /// On DynamoDB this reads a GSI, so a write may take a moment to appear.
    pub async fn list_by_status(
        &self,
        kind: RecordKind,
        status: &str,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        dispatch!(self, s => s.list_by_status(kind, status, limit))
    }

    /// Up to `limit` records of `kind` created at or after `since`, oldest first, any status.
    pub async fn list_by_kind(
        &self,
        kind: RecordKind,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        dispatch!(self, s => s.list_by_kind(kind, since, limit))
    }

    /// Moves a record from status `from` to `to` atomically. `Ok(false)` (nothing changed)
    /// if the record is missing, expired, or not in `from`.
    pub async fn set_status(
        &self,
        kind: RecordKind,
        id: &str,
        from: &str,
        to: &str,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.set_status(kind, id, from, to))
    }

    /// Counts one hit for `client_key` in the fixed window containing `now` (windows start at
    /// multiples of `window` since the Unix epoch; `window` ≥ 1 s, whole seconds) and returns
    /// the hits in that window including this one. Counters expire with their window.
    /// `client_key` should not be personal data in clear (pass e.g. a hash of the address).
    pub async fn hit_rate_limit(
        &self,
        client_key: &str,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<u32, StoreError> {
        dispatch!(self, s => s.hit_rate_limit(client_key, window, now))
    }
}

impl Store {
    /// The SQLite store, when that is the back end (backups, page limits).
    pub fn as_sqlite(&self) -> Option<&SqliteStore> {
        match self {
            Store::Sqlite(s) => Some(s),
            #[cfg(feature = "dynamo")]
            Store::Dynamo(_) => None,
        }
    }
}

impl From<SqliteStore> for Store {
    fn from(s: SqliteStore) -> Self {
        Store::Sqlite(s)
    }
}

#[cfg(feature = "dynamo")]
impl From<DynamoStore> for Store {
    fn from(s: DynamoStore) -> Self {
        Store::Dynamo(s)
    }
}
