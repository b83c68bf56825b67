-- The local store's schema, one section per version. `PRAGMA user_version` says which
-- sections a database has; opening it applies the missing ones in order, in one transaction
-- (sqlite/migrate.rs). Sections are append-only: never edit or reorder one that has shipped,
-- add a new `-- version: N` section instead.
--
-- Conventions: times the store sorts by are TEXT in `schema::timestamp_text` form
-- (RFC 3339 UTC, nine fraction digits: text order is time order); retention deadlines are
-- INTEGER epoch seconds (`expires_at`), and a row at or past its deadline is invisible to
-- every read and deleted by the next sweep. Bodies are JSON text, opaque to the store.

-- version: 1
-- Applications and inquiries (issue 4), their idempotency markers and the rate counters.

CREATE TABLE records (
    kind TEXT NOT NULL CHECK (kind IN ('application', 'inquiry')),
    id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) STRICT;
-- The staff queue: a kind in a status, oldest first.
CREATE INDEX records_by_status ON records (kind, status, created_at, id);
-- Records of a kind by date, any status.
CREATE INDEX records_by_date ON records (kind, created_at, id);
CREATE INDEX records_by_expiry ON records (expires_at);

-- `put_once`: a key seen within its window replays the first record's id.
CREATE TABLE idempotency (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    record_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) STRICT, WITHOUT ROWID;

-- Hits per client (a hash, never an address) per fixed window.
CREATE TABLE rate_counters (
    client_key TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_key, window_start)
) STRICT, WITHOUT ROWID;

-- version: 2
-- Matches, mentoring sheets and replies (issue 6).

CREATE TABLE matches (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL,
    mentor TEXT NOT NULL,
    mentor_name TEXT NOT NULL,
    plan TEXT NOT NULL,
    sessions INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'closed')),
    created_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
-- Capacity: the live active matches of each mentor.
CREATE INDEX matches_open ON matches (status, mentor, expires_at);
CREATE INDEX matches_by_expiry ON matches (expires_at);

CREATE TABLE sheets (
    match_id TEXT NOT NULL,
    session INTEGER NOT NULL,
    submission_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    -- Follow-up priority 0–100: the staff list is highest first, then oldest.
    priority INTEGER NOT NULL,
    content TEXT NOT NULL,
    reply TEXT,
    replied_at TEXT,
    PRIMARY KEY (match_id, session)
) STRICT;
CREATE INDEX sheets_followup ON sheets (priority DESC, created_at, match_id, session);
CREATE INDEX sheets_by_expiry ON sheets (expires_at);

-- version: 3
-- The mail outbox (issue 13): one row per mail to send, inserted in the same transaction as
-- the change that causes it; references only (template, recipient role, ids as JSON), never
-- an address or rendered text. `due_at` is "not before" while pending and the lease's end
-- while a sender holds it; `attempts` counts claims (a finish must match the claim's).

CREATE TABLE outbox (
    id TEXT NOT NULL,
    template TEXT NOT NULL,
    recipient TEXT NOT NULL,
    refs TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'rejected', 'suppressed')),
    created_at TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    last_error TEXT,
    sent_at TEXT,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (id)
) STRICT, WITHOUT ROWID;
-- Senders claim the due entries; staff list failed ones. No index on expires_at: every
-- application writes two entries on the request path, and each index costs it (measured in
-- BENCHMARKS.md); the minute's sweep scans the table instead.
CREATE INDEX outbox_due ON outbox (status, due_at, id);

-- "At most one such mail per address per day": a key (a hash, never an address) set until
-- its expiry.
CREATE TABLE mail_markers (
    key TEXT PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- version: 4
-- The staff console (issue 14). Sign-in requests: one link each, bound to a staff address,
-- used once (`used_at`). Sessions: keyed by a hash of the cookie's secret. The audit log:
-- append-only, ids only, in time order by `id`.

CREATE TABLE signins (
    id TEXT PRIMARY KEY NOT NULL,
    address TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at TEXT
) STRICT, WITHOUT ROWID;

CREATE TABLE staff_sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    address TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE audit (
    id TEXT PRIMARY KEY NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    ids TEXT NOT NULL,
    at TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- version: 5
-- Staff's notes on applications and inquiries (issue 14): one per record, replaced whole,
-- only over the version the writer saw (`updated_at`).

CREATE TABLE notes (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) STRICT, WITHOUT ROWID;

-- version: 6
-- Flagged sheets staff have followed up (issue 14): the first mark stays.

CREATE TABLE sheets_handled (
    match_id TEXT NOT NULL,
    session INTEGER NOT NULL,
    handled_by TEXT NOT NULL,
    handled_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (match_id, session)
) STRICT, WITHOUT ROWID;

-- version: 7
-- Diary links can be taken back (issue 15): a link works only under its match's epoch.

ALTER TABLE matches ADD COLUMN links_epoch INTEGER NOT NULL DEFAULT 0;

-- version: 8
-- Provision records (issue 15): what went to which mentor, when, under which consent; one per
-- match, written with it, kept 3 years even when her other data is erased.

CREATE TABLE provisions (
    match_id TEXT PRIMARY KEY,
    provided_at TEXT NOT NULL,
    body TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
