//! Sending what the outbox holds, at least once.
//!
//! A batch: claim the due entries (each leased for [`LEASE`]), render and send them a few at a
//! time, record how each ended. The transport being away (connection refused, timeout,
//! throttling) is not a mail's fault: the batch stops sending, every entry goes back to
//! pending without a failure counted, due again after a backoff that doubles from 5 s and
//! never exceeds 60 s — so once the transport is back, everything waiting goes out within
//! about a minute. A failure of one mail (SMTP 4xx) counts; at [`MAX_FAILURES`] the entry is
//! `failed` (staff see it in the digest and `staff mail --failed`, and may resend it). A
//! refusal for good (SMTP 5xx, SES `MessageRejected`) is recorded once as `rejected`.
//!
//! Duplicates: a sender killed after a send and before its finish leaves the entry leased;
//! when the lease ends the next sender sends it again. A batch's results are recorded in one
//! write at its end (one commit per 32 mails, not one per mail), so each crash can repeat at
//! most the batch it had claimed ([`BATCH`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mikke_catalog::mail::Recipient;
use mikke_mail::SendErrorKind;
use time::OffsetDateTime;

use super::render::Skip;
use super::{address_hash, Notifier};
use crate::store::{Mail, MailResult, MailStatus, StoreError};

/// How long a claim is a sender's own; longer than any send (SMTP times out at 10 s).
pub const LEASE: Duration = Duration::from_secs(300);
/// Entries claimed at once (their lease must outlast sending them at the slowest pace).
pub const BATCH: usize = 32;
/// Sends in flight at once (the SMTP pool holds as many connections).
const PARALLEL: usize = 8;
/// Failures of one mail before it is given up.
pub const MAX_FAILURES: u32 = 5;
/// The longest wait for a transport that is away.
const MAX_UNAVAILABLE_WAIT: i64 = 60;
/// How long the receipt cap remembers an address (per template).
const RECEIPT_CAP: time::Duration = time::Duration::days(1);
/// The window of the daily caps.
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// What a delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub rejected: usize,
    pub suppressed: usize,
    /// The transport was away: what was left goes out once it is back.
    pub transport_down: bool,
}

impl Delivery {
    fn count(&mut self, result: &MailResult) {
        match result {
            MailResult::Sent { .. } => self.sent += 1,
            MailResult::Retry { .. } => self.retried += 1,
            MailResult::Failed { .. } => self.failed += 1,
            MailResult::Rejected { .. } => self.rejected += 1,
            MailResult::Suppressed { .. } => self.suppressed += 1,
        }
    }

    fn add(&mut self, other: &Delivery) {
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.retried += other.retried;
        self.failed += other.failed;
        self.rejected += other.rejected;
        self.suppressed += other.suppressed;
        self.transport_down |= other.transport_down;
    }
}

/// When an entry whose transport was away is due again.
fn unavailable_retry(mail: &Mail, now: OffsetDateTime) -> OffsetDateTime {
    let doubling = 5_i64 << mail.attempts.saturating_sub(1).min(8);
    now + time::Duration::seconds(doubling.min(MAX_UNAVAILABLE_WAIT))
}

/// When an entry that failed itself is due again: a minute, doubling, at most an hour.
fn failure_retry(mail: &Mail, now: OffsetDateTime) -> OffsetDateTime {
    let doubling = 60_i64 << mail.failures.min(6);
    now + time::Duration::seconds(doubling.min(3600))
}

impl Notifier {
    /// One batch of due entries. `Err` only when the store cannot be reached.
    pub async fn deliver_due(&self, now: OffsetDateTime) -> Result<Delivery, StoreError> {
        let claimed = self.store.claim_mail(now, LEASE, BATCH).await?;
        self.deliver_claimed(claimed, now).await
    }

    /// Batches until nothing is due or the transport is away (`staff` after a command).
    pub async fn deliver_all(&self, now: OffsetDateTime) -> Result<Delivery, StoreError> {
        self.deliver_within(now, None).await
    }

    /// As [`Notifier::deliver_all`], starting no batch once `budget` is spent: a Lambda run
    /// must end before its timeout rather than be cut off holding a leased batch.
    pub async fn deliver_within(
        &self,
        now: OffsetDateTime,
        budget: Option<Duration>,
    ) -> Result<Delivery, StoreError> {
        let started = tokio::time::Instant::now();
        let mut total = Delivery::default();
        loop {
            let batch = self.deliver_due(now).await?;
            total.add(&batch);
            let spent = budget.is_some_and(|b| started.elapsed() >= b);
            if batch.claimed < BATCH || batch.transport_down || spent {
                return Ok(total);
            }
        }
    }

    /// The one entry `id` if it is due (the stream notifier): its status afterwards, or
    /// `None` when it was not due or another sender holds it.
    pub async fn deliver_id(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<MailStatus>, StoreError> {
        let Some(mail) = self.store.claim_mail_id(id, now, LEASE).await? else {
            return Ok(None);
        };
        let down = AtomicBool::new(false);
        let result = self.attempt(&mail, now, &down).await;
        self.finish(&mail, &result).await?;
        Ok(Some(result.status()))
    }

    async fn deliver_claimed(
        &self,
        claimed: Vec<Mail>,
        now: OffsetDateTime,
    ) -> Result<Delivery, StoreError> {
        let mut report = Delivery {
            claimed: claimed.len(),
            ..Delivery::default()
        };
        let down = Arc::new(AtomicBool::new(false));
        let in_flight = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
        let started = tokio::time::Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for (n, mail) in claimed.into_iter().enumerate() {
            // Paced to the sending quota: never ahead of `max_per_second`.
            if let Some(rate) = self.max_per_second {
                let due = started + Duration::from_secs_f64(n as f64 / f64::from(rate));
                tokio::time::sleep_until(due).await;
            }
            let permit = Arc::clone(&in_flight)
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let (sender, down) = (self.clone(), Arc::clone(&down));
            tasks.spawn(async move {
                let result = sender.attempt(&mail, now, &down).await;
                drop(permit);
                (mail, result)
            });
        }
        let mut finished = Vec::with_capacity(report.claimed);
        while let Some(joined) = tasks.join_next().await {
            let (mail, result) = joined.expect("a send task does not panic");
            report.count(&result);
            finished.push((mail, result));
        }
        // One write for the batch: a sender killed before it sends the batch again once the
        // lease runs out (the bound on duplicates, module doc).
        let recorded = self.store.finish_mails(&finished).await?;
        for ((mail, _), ours) in finished.iter().zip(recorded) {
            if !ours {
                tracing::warn!(mail = %mail.id, "mail finished by another sender (lease ran out)");
            }
        }
        report.transport_down = down.load(Ordering::Relaxed);
        Ok(report)
    }

    async fn finish(&self, mail: &Mail, result: &MailResult) -> Result<(), StoreError> {
        if !self.store.finish_mail(mail, result).await? {
            tracing::warn!(mail = %mail.id, "mail finished by another sender (lease ran out)");
        }
        Ok(())
    }

    /// Renders, caps and sends one claimed entry; never fails (every outcome is a result).
    async fn attempt(&self, mail: &Mail, now: OffsetDateTime, down: &AtomicBool) -> MailResult {
        let retry_later = |error: &str| MailResult::Retry {
            due_at: unavailable_retry(mail, now),
            error: error.to_string(),
            counts: false,
        };
        if down.load(Ordering::Relaxed) {
            return retry_later("transport away");
        }
        let rendered = match self.render(mail, now).await {
            Ok(r) => r,
            Err(skip) => {
                let result = match skip {
                    Skip::Suppress(reason) => MailResult::Suppressed { reason },
                    Skip::Fail(error) => MailResult::Failed { error },
                    Skip::Store(e) => retry_later(&format!("store: {e}")),
                };
                log(mail, None, &result);
                return result;
            }
        };
        let to = rendered.mail.to.first().map(|a| address_hash(a));
        match self.capped(mail, &rendered, now).await {
            Ok(Some(reason)) => {
                let result = MailResult::Suppressed { reason };
                log(mail, to.as_deref(), &result);
                return result;
            }
            Ok(None) => {}
            Err(e) => return retry_later(&format!("store: {e}")),
        }
        let result = match self.transport.send(&rendered.mail).await {
            Ok(()) => MailResult::Sent { at: now },
            Err(e) => match e.kind {
                SendErrorKind::Unavailable => {
                    down.store(true, Ordering::Relaxed);
                    retry_later(&e.detail)
                }
                SendErrorKind::Temporary if mail.failures + 1 >= MAX_FAILURES => {
                    MailResult::Failed { error: e.detail }
                }
                SendErrorKind::Temporary => MailResult::Retry {
                    due_at: failure_retry(mail, now),
                    error: e.detail,
                    counts: true,
                },
                SendErrorKind::Rejected => MailResult::Rejected { error: e.detail },
            },
        };
        log(mail, to.as_deref(), &result);
        result
    }

    /// Why `mail` must not go out (a cap), decided at its first attempt only: a retry of a
    /// mail already counted is not a second mail.
    async fn capped(
        &self,
        mail: &Mail,
        rendered: &super::Rendered,
        now: OffsetDateTime,
    ) -> Result<Option<String>, StoreError> {
        if mail.attempts > 1 {
            return Ok(None);
        }
        // Which day's counter the mail counts against, after its own checks.
        let counter = match rendered.recipient {
            // Addresses nobody confirmed: one 受付 per address per kind per day, and a cap
            // on all of them together (a form is not a way to mail anyone, repeatedly).
            Recipient::Sender => {
                let address = rendered.mail.to.first().map_or("", String::as_str);
                let key = format!("receipt#{}#{}", mail.template, address_hash(address));
                if !self.store.mark_once(&key, now + RECEIPT_CAP, now).await? {
                    return Ok(Some("cap: one per address per day".into()));
                }
                "sender"
            }
            // A flood of submissions must not become a flood to staff: past the cap they
            // read the queue and the digest.
            Recipient::Staff if mail.template.starts_with("staff_new_") => "staff",
            _ => return Ok(None),
        };
        let sent_today = self
            .store
            .hit_rate_limit(&format!("mail#day#{counter}"), DAY, now)
            .await?;
        if sent_today > self.bundle.settings.receipt_daily_cap {
            return Ok(Some("cap: daily limit".into()));
        }
        Ok(None)
    }
}

/// One line per outcome: the entry, its template, a hash of the recipient, what happened.
fn log(mail: &Mail, to: Option<&str>, result: &MailResult) {
    let (outcome, detail) = match result {
        MailResult::Sent { .. } => ("sent", None),
        MailResult::Retry { error, .. } => ("retry", Some(error.as_str())),
        MailResult::Failed { error } => ("failed", Some(error.as_str())),
        MailResult::Rejected { error } => ("rejected", Some(error.as_str())),
        MailResult::Suppressed { reason } => ("suppressed", Some(reason.as_str())),
    };
    tracing::info!(
        mail = %mail.id,
        template = %mail.template,
        to,
        attempt = mail.attempts,
        outcome,
        detail,
        "mail"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(attempts: u32, failures: u32) -> Mail {
        let t = OffsetDateTime::from_unix_timestamp(1_796_000_000).unwrap();
        Mail {
            id: "x".into(),
            template: "t".into(),
            recipient: "sender".into(),
            refs: serde_json::json!({}),
            status: MailStatus::Sending,
            created_at: t,
            due_at: t,
            attempts,
            failures,
            last_error: None,
            sent_at: None,
            expires_at: t,
        }
    }

    #[test]
    fn a_transport_that_is_away_is_retried_within_a_minute_at_most() {
        let now = OffsetDateTime::from_unix_timestamp(1_796_000_000).unwrap();
        let waits: Vec<i64> = (1..=12)
            .map(|a| (unavailable_retry(&mail(a, 0), now) - now).whole_seconds())
            .collect();
        assert_eq!(&waits[..5], [5, 10, 20, 40, 60]);
        assert!(waits.iter().all(|w| *w <= 60));
    }

    #[test]
    fn a_failing_mail_waits_longer_each_time_up_to_an_hour() {
        let now = OffsetDateTime::from_unix_timestamp(1_796_000_000).unwrap();
        let waits: Vec<i64> = (0..8)
            .map(|f| (failure_retry(&mail(1, f), now) - now).whole_seconds())
            .collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
