//! Matches, mentoring sheets and replies (issue 6): the exchange diary and the mentors'
//! capacity, with the same semantics on both back ends (conformance suite: `matches_*`).
//!
//! * **Assign** ([`Store::create_match`]) is all-or-nothing: the match is written, the
//!   application moves from an open status (`received` / `needs_call`) to `matched`, and the
//!   match counts against the mentor — only if the application is still open *and* she has
//!   fewer live active matches than her capacity. Otherwise nothing changes and the outcome says why.
//! * **Extend** adds sessions to an active match and moves its expiry forward — the match and
//!   its capacity entry together; **close** ends it and frees the capacity, once.
//! * **Sheets**: one per (match, session), session within the match's sessions, match active.
//!   A retry with the same `submission_id` is [`SheetOutcome::Replayed`]; a different sheet
//!   for a taken session is [`SheetOutcome::Conflict`].
//! * **Replies**: one per sheet; the same text again is a replay, other text a conflict.
//! * **Follow-up list**: sheets by follow-up priority (highest first, then oldest), optionally
//!   only those at or above a priority — a GSI query on DynamoDB, an ordered set locally.
//! * Retention as for records: an item whose `expires_at` has passed is invisible. That
//!   includes capacity: an active match past its `expires_at` stops counting against its
//!   mentor (a counter would leak the slot once TTL deletes a match nobody closed).
//! * **Mail**: every change that tells someone something (assign, extend, close, a new sheet,
//!   a new reply) takes the outbox entries it causes and writes them in the same transaction;
//!   a replay or a refused change writes none (`outbox.rs`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::outbox::{validate_mails, NewMail};
use super::{dispatch, Store, StoreError};

/// Application statuses from which a match may be made (`phoned`: staff called a thin
/// applicant and completed the picture; issue 14).
pub const OPEN_APPLICATION_STATUSES: [&str; 3] = ["received", "needs_call", "phoned"];
/// The status an application moves to when matched.
pub const MATCHED: &str = "matched";
/// Longest sheet session number (a sanity bound; plans have 1 or 3, extensions add a few).
pub const MAX_SESSIONS: u32 = 99;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    Active,
    Closed,
}

impl MatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchStatus::Active => "active",
            MatchStatus::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<MatchStatus> {
        match text {
            "active" => Some(MatchStatus::Active),
            "closed" => Some(MatchStatus::Closed),
            _ => None,
        }
    }
}

/// A match as stored. Holds no personal data of the mentee (her application stays with the
/// application record; the diary shows the mentor's public display name only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Match {
    /// Unique, no `#`, ≤ 256 bytes.
    pub id: String,
    pub application_id: String,
    pub mentor_slug: String,
    /// The mentor's public display name (from the catalog at assignment time).
    pub mentor_name: String,
    /// The diary links' generation: a link carries the epoch it was made under and works only
    /// while it is the match's (issue 15). [`Store::revoke_links`] moves it on, so every link
    /// sent so far stops working at once; fresh links are made under the new one.
    #[serde(default)]
    pub links_epoch: u32,
    /// The plan id (`single`, `standard`).
    pub plan: String,
    pub sessions: u32,
    pub status: MatchStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// What [`Store::create_match`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignOutcome {
    Created,
    /// The application is missing, expired, or no longer open (already matched).
    ApplicationNotOpen,
    /// The mentor already has `capacity` active matches.
    MentorFull,
}

/// A mentoring sheet to store. `content` is the checked sheet (opaque to the store).
#[derive(Debug, Clone, PartialEq)]
pub struct NewSheet {
    pub match_id: String,
    /// 1..=the match's sessions.
    pub session: u32,
    /// The client's idempotency key (≤ 1024 bytes).
    pub submission_id: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// Follow-up priority 0–100 (the ordering of the staff list).
    pub priority: u32,
    pub content: serde_json::Value,
    /// Mails the sheet causes (its mentor's notice), written with it or not at all.
    pub mail: Vec<NewMail>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A sheet as read back, with its reply when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub match_id: String,
    pub session: u32,
    pub submission_id: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub priority: u32,
    pub content: serde_json::Value,
    pub reply: Option<Reply>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SheetOutcome {
    Created,
    /// This session already holds a sheet with the same `submission_id`: nothing written.
    Replayed,
    /// This session already holds a different sheet.
    Conflict,
    /// No such match, it is closed or expired, or the session is past its sessions.
    Refused,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReplyOutcome {
    Created,
    /// The sheet already has this very reply.
    Replayed,
    /// The sheet already has a different reply.
    Conflict,
    /// No such sheet (or it expired).
    NoSheet,
}

/// A match with its sheets in session order.
#[derive(Debug, Clone, PartialEq)]
pub struct Diary {
    pub the_match: Match,
    pub sheets: Vec<Sheet>,
}

/// Checks shared by both back ends. Messages name fields, never values.
pub(crate) fn validate_match(m: &Match) -> Result<(), StoreError> {
    use super::schema::{check_text, MAX_ID_BYTES, MAX_KEY_BYTES};
    check_text("match id", &m.id, MAX_ID_BYTES, false)?;
    check_text("application id", &m.application_id, MAX_ID_BYTES, false)?;
    check_text("mentor slug", &m.mentor_slug, MAX_ID_BYTES, false)?;
    check_text("mentor name", &m.mentor_name, MAX_KEY_BYTES, true)?;
    check_text("plan", &m.plan, MAX_ID_BYTES, true)?;
    check_sessions(m.sessions)
}

/// A new match's id is in use (ids are random, so the caller draws another).
pub(crate) fn match_id_taken() -> StoreError {
    StoreError::Invalid {
        what: "match id",
        reason: "already taken".into(),
    }
}

pub(crate) fn check_sessions(sessions: u32) -> Result<(), StoreError> {
    if !(1..=MAX_SESSIONS).contains(&sessions) {
        return Err(StoreError::Invalid {
            what: "sessions",
            reason: format!("must be 1 to {MAX_SESSIONS}"),
        });
    }
    Ok(())
}

pub(crate) fn validate_sheet(s: &NewSheet) -> Result<(), StoreError> {
    use super::schema::{check_text, MAX_ID_BYTES, MAX_KEY_BYTES};
    check_text("match id", &s.match_id, MAX_ID_BYTES, false)?;
    check_text("submission id", &s.submission_id, MAX_KEY_BYTES, true)?;
    check_sessions(s.session)?;
    if s.priority > 100 {
        return Err(StoreError::Invalid {
            what: "priority",
            reason: "must be 0 to 100".into(),
        });
    }
    validate_mails(&s.mail)
}

impl Store {
    /// Creates `m` (status must be active), moves its application from an open status to
    /// `matched` and counts it against the mentor's `capacity` — atomically, with `mail`
    /// (the introductions) in the outbox.
    pub async fn create_match(
        &self,
        m: &Match,
        capacity: u32,
        mail: &[NewMail],
    ) -> Result<AssignOutcome, StoreError> {
        validate_match(m)?;
        validate_mails(mail)?;
        if m.status != MatchStatus::Active {
            return Err(StoreError::Invalid {
                what: "match status",
                reason: "a new match must be active".into(),
            });
        }
        dispatch!(self, s => s.create_match(m, capacity, mail, None))
    }

    /// The match, or `None` if missing or past retention.
    pub async fn get_match(&self, id: &str) -> Result<Option<Match>, StoreError> {
        dispatch!(self, s => s.get_match(id))
    }

    /// Adds `more` sessions to an active match and moves its `expires_at` (and with it the
    /// time it holds its mentor's slot) `later` forward, in one change; the match after the
    /// change, or `None` when it is missing, expired or closed (nothing changed). The caller
    /// decides `later` (`matching::session_share`): the store knows no plan lengths. `mail`
    /// is written with the change (ids unique per extension: they name the new sessions).
    pub async fn extend_match(
        &self,
        id: &str,
        more: u32,
        later: time::Duration,
        mail: &[NewMail],
    ) -> Result<Option<Match>, StoreError> {
        check_sessions(more)?;
        validate_mails(mail)?;
        if later.is_negative() {
            return Err(StoreError::Invalid {
                what: "match extension",
                reason: "an extension cannot move the expiry backwards".into(),
            });
        }
        dispatch!(self, s => s.extend_match(id, more, later, mail))
    }

    /// Closes an active match and frees its mentor's capacity, with `mail` (the closing
    /// thanks). `None` when it is missing, expired or already closed (nothing changed).
    pub async fn close_match(
        &self,
        id: &str,
        mail: &[NewMail],
    ) -> Result<Option<Match>, StoreError> {
        validate_mails(mail)?;
        dispatch!(self, s => s.close_match(id, mail))
    }

    /// Moves the match's link epoch on (any status, while it is live): every diary link issued
    /// before stops working at once. The match as changed; `None` when it is missing or expired.
    pub async fn revoke_links(&self, id: &str) -> Result<Option<Match>, StoreError> {
        dispatch!(self, s => s.revoke_links(id))
    }

    /// Active matches per mentor slug (mentors with none are absent). A match past its
    /// `expires_at` no longer counts, closed or not: its links are dead and its item is
    /// deleted, so it must not hold the mentor's slot for ever. On DynamoDB this reads the
    /// counters through a GSI, so a change may take a moment to show.
    pub async fn active_counts(&self) -> Result<HashMap<String, u32>, StoreError> {
        dispatch!(self, s => s.active_counts())
    }

    /// Every active match not past its `expires_at`, oldest first — what `staff` checks for
    /// matches past their plan that still hold a slot.
    pub async fn active_matches(&self) -> Result<Vec<Match>, StoreError> {
        dispatch!(self, s => s.active_matches())
    }

    /// Up to `limit` matches created at or after `since`, active or closed, oldest first
    /// (reports). A match past its `expires_at` is gone, as everywhere.
    pub async fn list_matches(
        &self,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Match>, StoreError> {
        dispatch!(self, s => s.list_matches(since, limit))
    }

    /// Stores a sheet once per (match, session); see [`SheetOutcome`].
    pub async fn put_sheet(&self, sheet: &NewSheet) -> Result<SheetOutcome, StoreError> {
        validate_sheet(sheet)?;
        dispatch!(self, s => s.put_sheet(sheet))
    }

    /// Stores the reply to a sheet, once, with `mail` (the mentee's notice) when it is new.
    pub async fn put_reply(
        &self,
        match_id: &str,
        session: u32,
        reply: &Reply,
        mail: &[NewMail],
    ) -> Result<ReplyOutcome, StoreError> {
        super::schema::check_text("match id", match_id, super::schema::MAX_ID_BYTES, false)?;
        check_sessions(session)?;
        validate_mails(mail)?;
        dispatch!(self, s => s.put_reply(match_id, session, reply, mail))
    }

    /// The match with every sheet (and reply) in session order; `None` if the match is
    /// missing or expired. One consistent read on DynamoDB.
    pub async fn diary(&self, match_id: &str) -> Result<Option<Diary>, StoreError> {
        dispatch!(self, s => s.diary(match_id))
    }

    /// Up to `limit` sheets with priority ≥ `min_priority`, highest priority first, then
    /// oldest, then by match and session.
    pub async fn list_followups(
        &self,
        min_priority: u32,
        limit: usize,
    ) -> Result<Vec<Sheet>, StoreError> {
        dispatch!(self, s => s.list_followups(min_priority, limit))
    }
}
