//! What the staff console keeps (issue 14): one-time sign-in requests, staff sessions and the
//! audit log. Both back ends, conformance cases `console_*`.
//!
//! * A **sign-in** is a request for a link, bound to one staff address, written with the mail
//!   that carries its link (the link itself is minted by the sender from the id and the
//!   signing key, so no link is ever stored). It is consumed once, atomically, before expiry.
//! * A **session** is keyed by a hash of the cookie's secret (a stolen store gives no cookie);
//!   it holds the address and the CSRF token; ending one, or all, takes effect at once.
//! * The **audit log** is append-only: who, what, which ids, when — never values.

use time::OffsetDateTime;

use super::outbox::{validate_mails, NewMail};
use super::schema::{check_text, MAX_ID_BYTES, MAX_KEY_BYTES};
use super::{dispatch, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// Random, unique (no `#`).
    pub id: String,
    /// The staff address the link signs in (normalised by the caller).
    pub address: String,
    pub created_at: OffsetDateTime,
    /// The link works before this instant only.
    pub expires_at: OffsetDateTime,
    /// When it was used; `None` while unused.
    pub used_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    /// A hash of the cookie's secret (hex), never the secret.
    pub id_hash: String,
    pub address: String,
    /// Echoed in every form; checked on every state-changing request.
    pub csrf: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Time-ordered and unique: the timestamp text, `#`-free random suffix appended.
    pub id: String,
    pub at: OffsetDateTime,
    /// Who: the staff address (or `cli` for the command line on a shell).
    pub actor: String,
    /// What: `sign_in`, `view_contact`, `assign`, `status`, `report`, …
    pub action: String,
    /// Which records (ids only).
    pub ids: Vec<String>,
    pub expires_at: OffsetDateTime,
}

/// Staff's note on an application or inquiry (what the phone call found out). Private like
/// the record it is about, and kept as long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub kind: super::RecordKind,
    pub id: String,
    pub text: String,
    /// Who wrote this version (a staff address).
    pub updated_by: String,
    pub updated_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// What [`Store::put_note`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteOutcome {
    Saved,
    /// Someone saved another version since the one the writer saw: nothing written.
    Stale,
}

/// A flagged sheet staff have followed up (called her, written to her mentor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    pub match_id: String,
    pub session: u32,
    pub handled_by: String,
    pub handled_at: OffsetDateTime,
    /// The sheet's own retention.
    pub expires_at: OffsetDateTime,
}

/// Longest note kept, in bytes.
pub const MAX_NOTE_BYTES: usize = 8 * 1024;

fn check_signin(s: &SignIn) -> Result<(), StoreError> {
    check_text("sign-in id", &s.id, MAX_ID_BYTES, false)?;
    check_text("sign-in address", &s.address, MAX_KEY_BYTES, true)
}

fn check_session(s: &StaffSession) -> Result<(), StoreError> {
    check_text("session", &s.id_hash, MAX_ID_BYTES, false)?;
    check_text("session address", &s.address, MAX_KEY_BYTES, true)?;
    check_text("csrf token", &s.csrf, MAX_ID_BYTES, true)
}

fn check_audit(e: &AuditEntry) -> Result<(), StoreError> {
    check_text("audit id", &e.id, MAX_ID_BYTES, false)?;
    check_text("audit actor", &e.actor, MAX_KEY_BYTES, true)?;
    check_text("audit action", &e.action, MAX_ID_BYTES, true)?;
    for id in &e.ids {
        check_text("audit ids", id, MAX_ID_BYTES, true)?;
    }
    Ok(())
}

impl Store {
    /// Saves `note` if the stored version is still `seen` (`None`: there was none): a stale
    /// page cannot overwrite a colleague's newer note.
    pub async fn put_note(
        &self,
        note: &Note,
        seen: Option<OffsetDateTime>,
    ) -> Result<NoteOutcome, StoreError> {
        check_text("note id", &note.id, MAX_ID_BYTES, false)?;
        check_text("note author", &note.updated_by, MAX_KEY_BYTES, true)?;
        if note.text.len() > MAX_NOTE_BYTES {
            return Err(StoreError::Invalid {
                what: "note",
                reason: format!("longer than {MAX_NOTE_BYTES} bytes"),
            });
        }
        dispatch!(self, st => st.put_note(note, seen))
    }

    /// Records that sheet (`h.match_id`, `h.session`) was followed up; `false` when it
    /// already was (the first mark stays).
    pub async fn mark_handled(&self, h: &Handled) -> Result<bool, StoreError> {
        check_text("match id", &h.match_id, MAX_ID_BYTES, false)?;
        check_text("handled by", &h.handled_by, MAX_KEY_BYTES, true)?;
        dispatch!(self, st => st.mark_handled(h))
    }

    /// Every live mark, oldest first.
    pub async fn list_handled(&self) -> Result<Vec<Handled>, StoreError> {
        dispatch!(self, st => st.list_handled())
    }

    pub async fn get_note(
        &self,
        kind: super::RecordKind,
        id: &str,
    ) -> Result<Option<Note>, StoreError> {
        dispatch!(self, st => st.get_note(kind, id))
    }

    /// Stores a sign-in request with `mail` (the link's mail), both or neither.
    pub async fn put_signin(&self, s: &SignIn, mail: &[NewMail]) -> Result<(), StoreError> {
        check_signin(s)?;
        validate_mails(mail)?;
        dispatch!(self, st => st.put_signin(s, mail))
    }

    /// The request, used or not, while it lives (the sender reads its address).
    pub async fn get_signin(&self, id: &str) -> Result<Option<SignIn>, StoreError> {
        dispatch!(self, st => st.get_signin(id))
    }

    /// Marks the request used if it is unused and `now` is before its expiry, atomically:
    /// of two racing calls one gets the request, the other `None`.
    pub async fn consume_signin(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<SignIn>, StoreError> {
        dispatch!(self, st => st.consume_signin(id, now))
    }

    pub async fn put_session(&self, s: &StaffSession) -> Result<(), StoreError> {
        check_session(s)?;
        dispatch!(self, st => st.put_session(s))
    }

    /// The session while it lives (not ended, not expired).
    pub async fn get_session(&self, id_hash: &str) -> Result<Option<StaffSession>, StoreError> {
        dispatch!(self, st => st.get_session(id_hash))
    }

    /// Ends one session now; `false` when there was none.
    pub async fn end_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        dispatch!(self, st => st.end_session(id_hash))
    }

    /// Ends every live session now (sign out everyone); how many there were.
    pub async fn end_all_sessions(&self) -> Result<usize, StoreError> {
        dispatch!(self, st => st.end_all_sessions())
    }

    /// Live sessions, oldest first (who is signed in).
    pub async fn list_sessions(&self) -> Result<Vec<StaffSession>, StoreError> {
        dispatch!(self, st => st.list_sessions())
    }

    pub async fn append_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        check_audit(e)?;
        dispatch!(self, st => st.append_audit(e))
    }

    /// Up to `limit` entries at or after `since`, oldest first.
    pub async fn list_audit(
        &self,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self, st => st.list_audit(since, limit))
    }
}
