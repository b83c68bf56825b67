//! The outbox (issue 13): mails waiting to be sent, written in the same transaction as the
//! change that causes them (a stored application, an assignment, a sheet, a reply), so a
//! stored submission and its mail can never diverge. An entry holds references (template,
//! recipient role, record ids), never rendered text, addresses or links: the sender looks
//! those up when it sends.
//!
//! Delivery is at least once: a sender *claims* due entries (status `sending`, a lease until
//! `due_at`, `attempts` + 1), sends, then *finishes* each with what happened. A sender that
//! dies mid-batch leaves its claims to expire; the next claim takes them again, so a mail
//! whose send succeeded just before the crash can go out twice (at most once more per crash,
//! per entry claimed). Finishing is conditional on the claim (`attempts`), so a slow sender
//! whose lease ran out cannot overwrite a newer sender's result.
//!
//! Both back ends, conformance cases `outbox_*`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::schema::{check_text, MAX_ID_BYTES};
use super::{dispatch, Store, StoreError};

/// A mail to write with its cause. The id is derived from the cause
/// (`<record id>.<template>`, `<match id>.sheet-2`), unique by construction.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMail {
    pub id: String,
    /// The template (`mikke_catalog::mail::TEMPLATES`).
    pub template: String,
    /// Who receives it: `sender`, `staff`, `mentee`, `mentor`.
    pub recipient: String,
    /// What the sender needs to render it (ids, a session number): no personal data.
    pub refs: serde_json::Value,
    pub created_at: OffsetDateTime,
    /// Not before (reminders are written when due: usually `created_at`).
    pub due_at: OffsetDateTime,
    /// Retention of the entry (what was sent, when) — the cause's.
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    /// Waiting for its `due_at`.
    Pending,
    /// Claimed by a sender until `due_at` (the lease).
    Sending,
    Sent,
    /// Given up after repeated failures; staff may resend.
    Failed,
    /// The recipient was refused for good (SMTP 5xx, SES `MessageRejected`).
    Rejected,
    /// Not sent on purpose (a cap, an address that no longer exists).
    Suppressed,
}

impl MailStatus {
    pub const ALL: [MailStatus; 6] = [
        MailStatus::Pending,
        MailStatus::Sending,
        MailStatus::Sent,
        MailStatus::Failed,
        MailStatus::Rejected,
        MailStatus::Suppressed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Pending => "pending",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
            MailStatus::Rejected => "rejected",
            MailStatus::Suppressed => "suppressed",
        }
    }

    pub fn parse(text: &str) -> Option<MailStatus> {
        MailStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// An outbox entry as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub id: String,
    pub template: String,
    pub recipient: String,
    pub refs: serde_json::Value,
    pub status: MailStatus,
    pub created_at: OffsetDateTime,
    /// Pending: not before. Sending: the lease's end.
    pub due_at: OffsetDateTime,
    /// Claims so far.
    pub attempts: u32,
    /// Failures that count towards giving up (not "the transport is down").
    pub failures: u32,
    /// The last failure, as a code or short reason (never an address or text).
    pub last_error: Option<String>,
    pub sent_at: Option<OffsetDateTime>,
    pub expires_at: OffsetDateTime,
}

/// How a claimed entry ended.
#[derive(Debug, Clone, PartialEq)]
pub enum MailResult {
    Sent {
        at: OffsetDateTime,
    },
    /// Back to pending until `due_at`; `counts`: a failure of this mail (towards giving up),
    /// not the transport being away.
    Retry {
        due_at: OffsetDateTime,
        error: String,
        counts: bool,
    },
    Failed {
        error: String,
    },
    Rejected {
        error: String,
    },
    Suppressed {
        reason: String,
    },
}

impl MailResult {
    /// The entry's status once this result is recorded.
    pub fn status(&self) -> MailStatus {
        match self {
            MailResult::Sent { .. } => MailStatus::Sent,
            MailResult::Retry { .. } => MailStatus::Pending,
            MailResult::Failed { .. } => MailStatus::Failed,
            MailResult::Rejected { .. } => MailStatus::Rejected,
            MailResult::Suppressed { .. } => MailStatus::Suppressed,
        }
    }

    pub(crate) fn error(&self) -> Option<&str> {
        match self {
            MailResult::Sent { .. } => None,
            MailResult::Retry { error, .. }
            | MailResult::Failed { error }
            | MailResult::Rejected { error } => Some(error),
            MailResult::Suppressed { reason } => Some(reason),
        }
    }
}

pub(crate) fn validate_mail(m: &NewMail) -> Result<(), StoreError> {
    check_text("mail id", &m.id, MAX_ID_BYTES, false)?;
    check_text("mail template", &m.template, MAX_ID_BYTES, false)?;
    check_text("mail recipient", &m.recipient, MAX_ID_BYTES, false)
}

pub(crate) fn validate_mails(mails: &[NewMail]) -> Result<(), StoreError> {
    if mails.len() > MAX_MAILS_PER_WRITE {
        return Err(StoreError::Invalid {
            what: "mails",
            reason: format!("at most {MAX_MAILS_PER_WRITE} per write"),
        });
    }
    mails.iter().try_for_each(validate_mail)
}

/// DynamoDB transactions hold 100 items; a cause writes two mails at most today.
pub const MAX_MAILS_PER_WRITE: usize = 10;

/// A mail id already in use inside a write: a bug in how ids are derived (they are unique
/// by construction), reported rather than overwriting the older entry.
pub(crate) fn mail_id_taken() -> StoreError {
    StoreError::Invalid {
        what: "mail id",
        reason: "already in the outbox".into(),
    }
}

impl Store {
    /// Writes entries not caused by a store write (reminders, digests): each unless its id is
    /// already there — so a scheduler run twice writes each reminder once. The ids created.
    pub async fn enqueue_mail(&self, mails: &[NewMail]) -> Result<Vec<String>, StoreError> {
        mails.iter().try_for_each(validate_mail)?;
        dispatch!(self, s => s.enqueue_mail(mails))
    }

    /// Claims up to `limit` due entries (pending with `due_at ≤ now`, or sending whose lease
    /// ended): each becomes `sending` until `now + lease`, `attempts` + 1. Oldest due first.
    pub async fn claim_mail(
        &self,
        now: OffsetDateTime,
        lease: std::time::Duration,
        limit: usize,
    ) -> Result<Vec<Mail>, StoreError> {
        dispatch!(self, s => s.claim_mail(None, now, lease, limit))
    }

    /// Claims one entry by id if it is due (the stream notifier: one record, one entry).
    pub async fn claim_mail_id(
        &self,
        id: &str,
        now: OffsetDateTime,
        lease: std::time::Duration,
    ) -> Result<Option<Mail>, StoreError> {
        check_text("mail id", id, MAX_ID_BYTES, false)?;
        let mut claimed = dispatch!(self, s => s.claim_mail(Some(id), now, lease, 1))?;
        Ok(claimed.pop())
    }

    /// Records how a claimed entry ended. `false` when the claim is no longer this sender's
    /// (its lease ran out and another claimed it): nothing changes then.
    pub async fn finish_mail(
        &self,
        claimed: &Mail,
        result: &MailResult,
    ) -> Result<bool, StoreError> {
        let done = self
            .finish_mails(&[(claimed.clone(), result.clone())])
            .await?;
        Ok(done[0])
    }

    /// [`Store::finish_mail`] for several entries in one write (one commit on SQLite).
    pub async fn finish_mails(
        &self,
        finished: &[(Mail, MailResult)],
    ) -> Result<Vec<bool>, StoreError> {
        dispatch!(self, s => s.finish_mails(finished))
    }

    /// When the earliest pending or leased entry falls due (`None`: nothing waits) — a read,
    /// so an idle sender polls without writing.
    pub async fn next_mail_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        dispatch!(self, s => s.next_mail_due())
    }

    /// The entry, or `None` (never written, or past retention).
    pub async fn get_mail(&self, id: &str) -> Result<Option<Mail>, StoreError> {
        dispatch!(self, s => s.get_mail(id))
    }

    /// Up to `limit` entries in `status`, oldest due first.
    pub async fn list_mail(
        &self,
        status: MailStatus,
        limit: usize,
    ) -> Result<Vec<Mail>, StoreError> {
        dispatch!(self, s => s.list_mail(status, limit))
    }

    /// A failed, rejected or suppressed entry back to pending, due now, its failures
    /// forgotten (`staff mail --resend`). `false` when it is in no such state.
    pub async fn resend_mail(&self, id: &str, now: OffsetDateTime) -> Result<bool, StoreError> {
        dispatch!(self, s => s.resend_mail(id, now))
    }

    /// Sets marker `key` until `until` unless it is already set and live at `now`: `true`
    /// when this call set it. For "at most one such mail per address per day" (keys are
    /// hashes, never addresses).
    pub async fn mark_once(
        &self,
        key: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        check_text("marker", key, super::schema::MAX_KEY_BYTES, true)?;
        dispatch!(self, s => s.mark_once(key, until, now))
    }
}
