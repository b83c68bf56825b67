//! The local server's sender loop: delivers whatever falls due, wakes at once when a request
//! wrote mail (and within a second for another process's — `staff` — or a retry's due time),
//! and runs the scheduler hourly. Reads while idle; writes only to claim due entries.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::Notify;

use super::sender::BATCH;
use super::Notifier;

/// Longest sleep between two looks at the outbox.
const POLL: Duration = Duration::from_secs(1);
/// How often reminders and the digest are considered.
const SCHEDULE_EVERY: Duration = Duration::from_secs(60 * 60);
/// The first scheduler run, a minute after start (not competing with a start-up burst).
const FIRST_SCHEDULE: Duration = Duration::from_secs(60);

impl Notifier {
    /// Runs until the process ends. `wake` is notified by every request that wrote mail.
    pub async fn run(self, wake: Arc<Notify>) {
        tracing::info!(transport = %self.transport.describe(), "mail sender started");
        let mut next_schedule = tokio::time::Instant::now() + FIRST_SCHEDULE;
        loop {
            let now = OffsetDateTime::now_utc();
            if tokio::time::Instant::now() >= next_schedule {
                if let Err(e) = self.schedule(now).await {
                    tracing::warn!(error = %e, "scheduled mail not written; next run in an hour");
                }
                next_schedule += SCHEDULE_EVERY;
            }
            let wait = match self.store.next_mail_due().await {
                Ok(Some(due)) if due <= now => match self.deliver_due(now).await {
                    // A full batch: more may be waiting.
                    Ok(d) if d.claimed == BATCH && !d.transport_down => continue,
                    Ok(_) => POLL,
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox not readable; trying again");
                        POLL
                    }
                },
                Ok(Some(due)) => Duration::try_from(due - now).unwrap_or(POLL).min(POLL),
                Ok(None) => POLL,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox not readable; trying again");
                    POLL
                }
            };
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}
