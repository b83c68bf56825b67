//! The scheduled mails: reminders, matches past their plan, the daily staff digest. Run
//! hourly (the local server's loop; an EventBridge schedule on AWS) or by `staff mail
//! --remind`. Each run looks at what is waiting and writes the entries that are due; an
//! entry's id names its round (`<match>.remind-reply-2-1`: session 2, first reminder), so a
//! run repeated — or two at once — writes each mail once. Periods: `content/site.yaml`
//! `mail.reminders`.

use mikke_catalog::mail::Recipient;
use serde_json::json;
use time::OffsetDateTime;

use super::{events, jst_day_and_hour, Notifier};
use crate::matching::link_expiry;
use crate::store::{MailStatus, NewMail, RecordKind, StoreError, OPEN_APPLICATION_STATUSES};

/// What one run wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scheduled {
    pub reply_reminders: usize,
    pub sheet_reminders: usize,
    pub overdue: usize,
    pub digests: usize,
}

/// Whole periods of `days` between `from` and `now`, at most `max`.
fn rounds(from: OffsetDateTime, now: OffsetDateTime, days: u32, max: u32) -> u32 {
    let elapsed = (now - from).whole_days();
    u32::try_from(elapsed / i64::from(days.max(1)))
        .unwrap_or(0)
        .min(max)
}

/// How long a digest entry is kept.
const DIGEST_KEPT: time::Duration = time::Duration::days(90);

impl Notifier {
    /// Writes every scheduled mail due at `now`.
    pub async fn schedule(&self, now: OffsetDateTime) -> Result<Scheduled, StoreError> {
        let r = &self.bundle.settings.reminders;
        let mut done = Scheduled::default();
        let mut mails: Vec<NewMail> = Vec::new();
        let mut replies_pending = 0usize;
        let mut overdue = 0usize;
        for m in self.store.active_matches().await? {
            let Some(diary) = self.store.diary(&m.id).await? else {
                continue;
            };
            // A sheet waiting for its reply: the mentor, every `reply_pending_days`, at most
            // `reply_reminders` times. Only the latest round is written: a scheduler that
            // was down for two periods sends one reminder, not two at once.
            for sheet in diary.sheets.iter().filter(|s| s.reply.is_none()) {
                replies_pending += 1;
                let round = rounds(
                    sheet.created_at,
                    now,
                    r.reply_pending_days,
                    r.reply_reminders,
                );
                if round == 0 {
                    continue;
                }
                let days = (now - sheet.created_at).whole_days();
                mails.push(events::scheduled(
                    format!("{}.remind-reply-{}-{round}", m.id, sheet.session),
                    "reminder_reply",
                    Recipient::Mentor,
                    json!({"match": m.id, "session": sheet.session, "days": days}),
                    now,
                    m.expires_at,
                ));
                done.reply_reminders += 1;
            }
            // Sessions remain and no sheet for a while: the mentee, per session.
            let next = (1..=m.sessions).find(|n| !diary.sheets.iter().any(|s| s.session == *n));
            if let Some(next) = next {
                let last = diary
                    .sheets
                    .iter()
                    .map(|s| s.created_at)
                    .max()
                    .unwrap_or(m.created_at)
                    .max(m.created_at);
                let round = rounds(last, now, r.sheet_due_days, r.sheet_reminders);
                if round > 0 {
                    mails.push(events::scheduled(
                        format!("{}.remind-sheet-{next}-{round}", m.id),
                        "reminder_sheet",
                        Recipient::Mentee,
                        json!({"match": m.id, "session": next, "days": (now - last).whole_days()}),
                        now,
                        m.expires_at,
                    ));
                    done.sheet_reminders += 1;
                }
            }
            // Past its plan and still holding the mentor's slot: staff, once.
            if link_expiry(m.created_at, m.sessions) <= now {
                overdue += 1;
                mails.push(events::scheduled(
                    format!("{}.overdue-{}", m.id, m.sessions),
                    "staff_match_overdue",
                    Recipient::Staff,
                    json!({"match": m.id}),
                    now,
                    m.expires_at,
                ));
                done.overdue += 1;
            }
        }
        if let Some(digest) = self.digest(now, replies_pending, overdue).await? {
            mails.push(digest);
            done.digests += 1;
        }
        let written = self.store.enqueue_mail(&mails).await?;
        tracing::info!(
            considered = mails.len(),
            written = written.len(),
            "scheduled mail"
        );
        Ok(done)
    }

    /// The day's digest when anything waits and its hour has come (Japan time).
    async fn digest(
        &self,
        now: OffsetDateTime,
        replies_pending: usize,
        overdue: usize,
    ) -> Result<Option<NewMail>, StoreError> {
        let (day, hour) = jst_day_and_hour(now);
        if u32::from(hour) < self.bundle.settings.reminders.digest_hour {
            return Ok(None);
        }
        const MANY: usize = 10_000;
        let mut new_applications = 0;
        let mut needs_call = 0;
        for status in OPEN_APPLICATION_STATUSES {
            for app in self
                .store
                .list_by_status(RecordKind::Application, status, MANY)
                .await?
            {
                new_applications += 1;
                if crate::staff::needs_call(&app) {
                    needs_call += 1;
                }
            }
        }
        let inquiries = self
            .store
            .list_by_status(RecordKind::Inquiry, "received", MANY)
            .await?
            .len();
        let flag_at = self.matcher.catalog().matching.followup.flag_at;
        let flagged = self.store.list_followups(flag_at, MANY).await?.len();
        let mut failed_mails = 0;
        for status in [MailStatus::Failed, MailStatus::Rejected] {
            failed_mails += self.store.list_mail(status, MANY).await?.len();
        }
        let counts = [
            new_applications,
            inquiries,
            flagged,
            replies_pending,
            overdue,
            failed_mails,
        ];
        if counts.iter().all(|c| *c == 0) {
            return Ok(None);
        }
        Ok(Some(events::scheduled(
            format!("digest-{day}"),
            "staff_digest",
            Recipient::Staff,
            json!({
                "date": day,
                "new_applications": new_applications,
                "needs_call": needs_call,
                "inquiries": inquiries,
                "flagged_sheets": flagged,
                "replies_pending": replies_pending,
                "overdue_matches": overdue,
                "failed_mails": failed_mails,
            }),
            now,
            now + DIGEST_KEPT,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::rounds;
    use time::OffsetDateTime;

    #[test]
    fn rounds_count_whole_periods_up_to_the_most() {
        let t = OffsetDateTime::from_unix_timestamp(1_796_000_000).unwrap();
        let day = time::Duration::days(1);
        assert_eq!(rounds(t, t + day * 6, 7, 2), 0);
        assert_eq!(rounds(t, t + day * 7, 7, 2), 1);
        assert_eq!(rounds(t, t + day * 14, 7, 2), 2);
        assert_eq!(rounds(t, t + day * 60, 7, 2), 2, "at most two");
        assert_eq!(rounds(t, t - day, 7, 2), 0, "a clock behind");
    }
}
