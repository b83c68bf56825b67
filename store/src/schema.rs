//! The one place the table layout is spelled: attribute names, index names, key formats,
//! and the rules both back ends share (validation, windows, sortable timestamps).
//! The CloudFormation template (issue 7) is checked against these constants.

use std::time::Duration;

use time::OffsetDateTime;

use super::{NewRecord, RecordKind, StoreError};

/// Table name used when the configuration does not give one.
pub const DEFAULT_TABLE_NAME: &str = "mikke";
/// Partition key attribute (S).
pub const PK: &str = "pk";
/// Sort key attribute (S).
pub const SK: &str = "sk";
/// TTL attribute (N, epoch seconds) on every item; the table's TimeToLiveSpecification.
pub const TTL_ATTR: &str = "expires_at";
/// GSI for "records of a kind in a status, oldest first" (staff queue).
pub const GSI_STATUS: &str = "gsi1";
pub const GSI_STATUS_PK: &str = "gsi1pk";
pub const GSI_STATUS_SK: &str = "gsi1sk";
/// GSI for "records of a kind by date".
pub const GSI_KIND: &str = "gsi2";
pub const GSI_KIND_PK: &str = "gsi2pk";
pub const GSI_KIND_SK: &str = "gsi2sk";
/// Every key attribute (table and GSIs) with its type; all are strings.
pub const KEY_ATTRIBUTES: [(&str, &str); 6] = [
    (PK, "S"),
    (SK, "S"),
    (GSI_STATUS_PK, "S"),
    (GSI_STATUS_SK, "S"),
    (GSI_KIND_PK, "S"),
    (GSI_KIND_SK, "S"),
];
/// Record attributes besides the keys.
pub const ATTR_KIND: &str = "kind";
pub const ATTR_ID: &str = "id";
pub const ATTR_STATUS: &str = "status";
pub const ATTR_CREATED_AT: &str = "created_at";
/// The body, as JSON text (S): opaque, ≤ 64 KiB, so a map buys nothing and costs conversions.
pub const ATTR_BODY: &str = "body";
/// On idempotency markers: the id of the record the first put stored.
pub const ATTR_RECORD_ID: &str = "record_id";
/// On rate counters: hits in the window (N).
pub const ATTR_HITS: &str = "hits";
/// Sort-key values of the item types.
pub const SK_RECORD: &str = "RECORD";
pub const SK_IDEM: &str = "IDEM";
pub const SK_RATE: &str = "RATE";

/// Matches (issue 6): `MATCH#<id>` / `RECORD`, with its sheets `MATCH#<id>` / `SHEET#<nnn>`.
pub const MATCH_PREFIX: &str = "MATCH";
/// On a match: the application it was made from, the mentor, the plan and the sessions (N).
pub const ATTR_APPLICATION_ID: &str = "application_id";
pub const ATTR_MENTOR: &str = "mentor";
pub const ATTR_MENTOR_NAME: &str = "mentor_name";
/// A match's diary-link epoch (absent = 0: matches from before issue 15).
pub const ATTR_LINKS_EPOCH: &str = "links_epoch";
pub const ATTR_PLAN: &str = "plan";
pub const ATTR_SESSIONS: &str = "sessions";
/// On a sheet: its session (N), idempotency key, follow-up priority (N), the checked sheet
/// as JSON text in [`ATTR_BODY`], and once answered the reply and its time.
pub const ATTR_SESSION: &str = "session";
pub const ATTR_SUBMISSION_ID: &str = "submission_id";
pub const ATTR_PRIORITY: &str = "priority";
pub const ATTR_REPLY: &str = "reply";
pub const ATTR_REPLIED_AT: &str = "replied_at";
/// A mentor's active matches: `MENTOR#<slug>` / `CAPACITY`, `open` (M: match id → the
/// match's `expires_at`, N), so a match that expires unclosed stops counting (dynamo/capacity.rs).
pub const SK_CAPACITY: &str = "CAPACITY";
pub const ATTR_OPEN: &str = "open";
/// Sheets carry `gsi1pk` = this and `gsi1sk` = [`followup_sort_key`]: the staff's follow-up
/// list is one Query of `gsi1`, highest priority first.
pub const FOLLOWUP_GSI_PK: &str = "FOLLOWUP#SHEET";
/// Capacity counters carry `gsi2pk` = this and `gsi2sk` = the slug: all counters in one Query.
pub const CAPACITY_GSI_PK: &str = "MENTOR#CAPACITY";

/// Outbox entries (issue 13): `MAIL#<id>` / `MAIL`, in `gsi1` under `MAIL#<status>` sorted by
/// `<due_at, 12 digits>#<id>` (what is due first), so a sender claims with one Query per status.
pub const MAIL_PREFIX: &str = "MAIL";
pub const SK_MAIL: &str = "MAIL";
pub const ATTR_TEMPLATE: &str = "template";
pub const ATTR_RECIPIENT: &str = "recipient";
/// The entry's references (JSON text: ids, a session), never personal data.
pub const ATTR_REFS: &str = "refs";
pub const ATTR_DUE_AT: &str = "due_at";
pub const ATTR_ATTEMPTS: &str = "attempts";
pub const ATTR_FAILURES: &str = "failures";
pub const ATTR_LAST_ERROR: &str = "last_error";
pub const ATTR_SENT_AT: &str = "sent_at";
/// The table's stream shows keys only (the notifier reads the entry itself; no personal data
/// travels in the stream). The template's `StreamSpecification` must say the same.
pub const STREAM_VIEW_TYPE: &str = "KEYS_ONLY";
/// Caps' markers: `MARK#<key>` / `MARK` until `expires_at`.
pub const SK_MARK: &str = "MARK";

/// The staff console (issue 14): `SIGNIN#<id>` / `SIGNIN`, `SESSION#<hash>` / `SESSION` and
/// `AUDIT#<id>` / `AUDIT`; sessions and audit entries are also in `gsi2` under `SESSION` and
/// `AUDIT` (sorted by `<created_at>#<hash>` and by the time-ordered audit id). An ended
/// session is not deleted but expired (`expires_at` = 0): no `DeleteItem` permission needed.
pub const SIGNIN_PREFIX: &str = "SIGNIN";
pub const SESSION_PREFIX: &str = "SESSION";
pub const AUDIT_PREFIX: &str = "AUDIT";
pub const ATTR_ADDRESS: &str = "address";
pub const ATTR_USED_AT: &str = "used_at";
pub const ATTR_CSRF: &str = "csrf";
pub const ATTR_ACTOR: &str = "actor";
pub const ATTR_ACTION: &str = "action";
pub const ATTR_IDS: &str = "ids";
pub const ATTR_AT: &str = "at";
/// Followed-up sheets: `HANDLED#<match>#<nnn>` / `HANDLED`, in gsi2 under `HANDLED`.
pub const HANDLED_PREFIX: &str = "HANDLED";
pub const ATTR_HANDLED_BY: &str = "handled_by";
/// Notes: `NOTE#<KIND>#<id>` / `NOTE`, `text`, `updated_by`, `updated_at`.
pub const NOTE_PREFIX: &str = "NOTE";
pub const ATTR_TEXT: &str = "text";
pub const ATTR_UPDATED_BY: &str = "updated_by";
pub const ATTR_UPDATED_AT: &str = "updated_at";

/// The IAM actions the store's runtime calls need, on the table and `table/index/*`
/// (`TransactWriteItems` is authorised per element: its Puts need `PutItem`).
/// `create_table_if_missing` (local runs, tests) needs more; production never calls it.
/// `put_sheet` checks the match with a `ConditionCheck` element (`ConditionCheckItem`); the
/// diary's sheets are one `TransactGetItems` (authorised per element as `GetItem`).
pub const IAM_ACTIONS: [&str; 5] = [
    "dynamodb:ConditionCheckItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
];

pub(crate) const MAX_ID_BYTES: usize = 256;
pub(crate) const MAX_STATUS_BYTES: usize = 64;
pub(crate) const MAX_KEY_BYTES: usize = 1024;

/// `APP#<id>`.
pub fn record_pk(kind: RecordKind, id: &str) -> String {
    format!("{}#{id}", kind.key_prefix())
}

/// `IDEM#APP#<key>`.
pub fn idem_pk(kind: RecordKind, key: &str) -> String {
    format!("IDEM#{}#{key}", kind.key_prefix())
}

/// `RATE#<client_key>#<window_start>`.
pub fn rate_pk(client_key: &str, window_start: i64) -> String {
    format!("RATE#{client_key}#{window_start}")
}

/// `MATCH#<id>`.
pub fn match_pk(id: &str) -> String {
    format!("{MATCH_PREFIX}#{id}")
}

/// `SHEET#007`: zero-padded so sort-key order is session order.
pub fn sheet_sk(session: u32) -> String {
    format!("SHEET#{session:03}")
}

/// `MAIL#<id>`.
pub fn mail_pk(id: &str) -> String {
    format!("{MAIL_PREFIX}#{id}")
}

/// `MAIL#<status>`: the entries of a status in `gsi1`.
pub fn mail_gsi_pk(status: &str) -> String {
    format!("{MAIL_PREFIX}#{status}")
}

/// `<due_at, 12 digits>#<id>`: due first, then id.
pub fn mail_sort_key(due_at: i64, id: &str) -> String {
    format!("{:012}#{id}", due_at.max(0))
}

/// `MARK#<key>`.
pub fn mark_pk(key: &str) -> String {
    format!("MARK#{key}")
}

/// `MENTOR#<slug>`.
pub fn mentor_pk(slug: &str) -> String {
    format!("MENTOR#{slug}")
}

/// `<100 - priority, 3 digits>#<created_at>#<match id>#<session, 3 digits>`: ascending order
/// is highest priority first, then oldest.
pub fn followup_sort_key(
    priority: u32,
    created_at: OffsetDateTime,
    match_id: &str,
    session: u32,
) -> String {
    format!(
        "{:03}#{}#{match_id}#{session:03}",
        100 - priority.min(100),
        timestamp_text(created_at)
    )
}

/// `APP#STATUS#<status>`.
pub fn status_gsi_pk(kind: RecordKind, status: &str) -> String {
    format!("{}#STATUS#{status}", kind.key_prefix())
}

/// `<created_at>#<id>`: sorts by time, then id.
pub fn time_sort_key(created_at: OffsetDateTime, id: &str) -> String {
    format!("{}#{id}", timestamp_text(created_at))
}

/// RFC 3339 in UTC with exactly nine fraction digits, so text order is time order
/// (for years 0..=9999, which `put_once` enforces).
pub fn timestamp_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond()
    )
}

/// Parses what [`timestamp_text`] wrote (any RFC 3339 is accepted).
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// A window in whole seconds (rounded up), refusing zero.
pub(crate) fn window_secs(window: Duration, what: &'static str) -> Result<i64, StoreError> {
    let secs = window.as_secs() + u64::from(window.subsec_nanos() > 0);
    if secs == 0 {
        return Err(StoreError::Invalid {
            what,
            reason: "must be at least one second".into(),
        });
    }
    i64::try_from(secs).map_err(|_| StoreError::Invalid {
        what,
        reason: "too long".into(),
    })
}

/// The start (epoch seconds) of the fixed window containing `now`.
pub(crate) fn window_start(now: OffsetDateTime, window_secs: i64) -> i64 {
    now.unix_timestamp().div_euclid(window_secs) * window_secs
}

/// Checks what both back ends need of a new record. Messages name fields, never values.
pub(crate) fn validate_record(rec: &NewRecord) -> Result<(), StoreError> {
    crate::outbox::validate_mails(&rec.mail)?;
    check_text("record id", &rec.id, MAX_ID_BYTES, false)?;
    check_text("status", &rec.status, MAX_STATUS_BYTES, false)?;
    check_text("idempotency key", &rec.idempotency_key, MAX_KEY_BYTES, true)?;
    if !(0..=9999).contains(&rec.created_at.to_offset(time::UtcOffset::UTC).year()) {
        return Err(StoreError::Invalid {
            what: "created_at",
            reason: "year out of range".into(),
        });
    }
    Ok(())
}

/// `allow_hash`: keys that only ever end a DynamoDB key may contain the separator.
pub(crate) fn check_text(
    what: &'static str,
    text: &str,
    max: usize,
    allow_hash: bool,
) -> Result<(), StoreError> {
    let reason = if text.is_empty() {
        "must not be empty".to_string()
    } else if text.len() > max {
        format!("longer than {max} bytes")
    } else if !allow_hash && text.contains('#') {
        "must not contain `#` (the key separator)".to_string()
    } else {
        return Ok(());
    };
    Err(StoreError::Invalid { what, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(unix_nanos: i128) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(unix_nanos).unwrap()
    }

    #[test]
    fn timestamp_text_sorts_like_time_across_offsets_and_fractions() {
        let base = 1_767_312_000_i128 * 1_000_000_000; // 2026-01-02T00:00:00Z
        let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap();
        let a = at(base + 500_000_000).to_offset(jst);
        let b = at(base + 750_000_000);
        let c = at(base + 1_000_000_000);
        assert_eq!(timestamp_text(a), "2026-01-02T00:00:00.500000000Z");
        assert!(timestamp_text(a) < timestamp_text(b) && timestamp_text(b) < timestamp_text(c));
        assert_eq!(parse_timestamp(&timestamp_text(a)), Some(a));
    }

    #[test]
    fn window_start_is_a_multiple_of_the_window() {
        let now = at(1_767_225_719_i128 * 1_000_000_000); // 2026-01-01T00:01:59Z
        assert_eq!(window_start(now, 60) % 60, 0);
        assert_eq!(now.unix_timestamp() - window_start(now, 60), 59);
    }

    #[test]
    fn zero_windows_are_refused_and_fractions_round_up() {
        assert!(window_secs(Duration::ZERO, "window").is_err());
        assert_eq!(
            window_secs(Duration::from_millis(1500), "window").unwrap(),
            2
        );
    }

    #[test]
    fn ids_with_the_key_separator_are_refused_without_echoing_them() {
        let err = check_text("record id", "a#secret", 10, false).unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }
}
