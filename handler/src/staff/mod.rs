//! What the `staff` command does, as functions that return the text to print (so tests call
//! them directly and the binary stays a thin clap front). Errors are Japanese sentences for
//! staff, carrying the id they typed; nothing changes when one is returned.
//!
//! The commands live one group per file, each in its own `impl Staff`; this file holds what
//! they share.

mod applications;
mod backup;
mod inquiries;
mod mail;
mod matching;
mod privacy;
mod propose;
mod queue;
mod report;
mod sessions;
mod sheets;

pub use applications::{application_status_label, Contact, APPLICATION_STATUSES, MOVES};
pub use inquiries::{status_label as inquiry_status_label, text as inquiry_text, INQUIRY_STATUSES};
pub use propose::{Proposal, ProposalRow};
pub use queue::{answer_rows, needs_call};
pub use report::Days;

use mikke_catalog::Catalog;
use time::OffsetDateTime;

use crate::forms::Application;
use crate::matching::at_capacity;
use crate::scoring::Matcher;
use crate::store::{Store, StoredRecord};
use crate::tokens::SigningKey;

/// What every command works with.
pub struct Staff {
    pub store: Store,
    pub matcher: std::sync::Arc<Matcher>,
    pub key: Option<SigningKey>,
    pub site_url: String,
    pub retention_days: u32,
    pub now: OffsetDateTime,
    /// Sends the mail commands cause (`None`: no mail bundle; the mail waits in the outbox).
    pub notifier: Option<crate::notify::Notifier>,
    /// Wakes the server's own sender instead (the console, which runs inside the server).
    pub wake: Option<std::sync::Arc<tokio::sync::Notify>>,
    /// Who acts, for the audit log: the signed-in address, or `cli:<user>` on a shell.
    pub actor: String,
}

/// How long audit entries are kept.
pub const AUDIT_RETENTION_DAYS: i64 = 3 * 365;

pub type Outcome = Result<String, String>;

pub const JST: time::UtcOffset = match time::UtcOffset::from_hms(9, 0, 0) {
    Ok(o) => o,
    Err(_) => time::UtcOffset::UTC,
};

pub fn jst(t: OffsetDateTime) -> String {
    let t = t.to_offset(JST);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

fn store_err(e: impl std::fmt::Display) -> String {
    format!("保存先にアクセスできませんでした: {e}")
}

pub(crate) fn application_of(rec: &StoredRecord) -> Result<Application, String> {
    serde_json::from_value(rec.body["application"].clone())
        .map_err(|_| format!("申し込み {} の記録を読み取れませんでした", rec.id))
}

fn label<'a>(vocab: &'a mikke_catalog::Vocab, id: &'a str) -> &'a str {
    vocab.get(id).map_or(id, String::as_str)
}

impl Staff {
    fn catalog(&self) -> &Catalog {
        self.matcher.catalog()
    }

    async fn full_mentors(&self) -> Result<std::collections::HashSet<String>, String> {
        let counts = self.store.active_counts().await.map_err(store_err)?;
        Ok(at_capacity(self.catalog(), &counts))
    }

    /// Appends what was done to the audit log: who, what, which ids — never values. A store
    /// failure here is reported, not swallowed: an unaudited contact view must not look fine.
    pub async fn audit(&self, action: &str, ids: &[&str]) -> Result<(), String> {
        let suffix: u32 = rand::random();
        // The wall clock, not `self.now` (which tests pin): the log's order is real time.
        let at = OffsetDateTime::now_utc();
        let entry = crate::store::AuditEntry {
            id: format!("{}-{suffix:08x}", crate::store::schema::timestamp_text(at)),
            at,
            actor: self.actor.clone(),
            action: action.into(),
            ids: ids.iter().map(|i| i.to_string()).collect(),
            expires_at: at + time::Duration::days(AUDIT_RETENTION_DAYS),
        };
        self.store.append_audit(&entry).await.map_err(store_err)
    }

    /// [`Staff::audit`] after the fact: the action happened, so a failed entry is logged
    /// (without values) rather than reported as if the action had failed.
    pub async fn audit_done(&self, action: &str, ids: &[&str]) {
        if let Err(e) = self.audit(action, ids).await {
            tracing::error!(action, error = %e, "audit entry not written");
        }
    }

    fn key(&self) -> Result<&SigningKey, String> {
        self.key.as_ref().ok_or_else(|| {
            "リンクの署名鍵がありません: MIKKE_SIGNING_KEY か MIKKE_SIGNING_KEY_PARAMETER を本番と同じ値で設定してください".to_string()
        })
    }
}

/// A store with one application and one match, shared by the command groups' tests.
#[cfg(test)]
mod fixtures {
    use time::OffsetDateTime;

    use super::Staff;
    use crate::scoring::Matcher;
    use crate::store::{Match, MatchStatus, NewRecord, RecordKind, SqliteStore, Store};

    /// A staff view `days` from now of a store with one active, never-closed 1-session match
    /// (kept for a year).
    pub(super) async fn staff_after(dir: &std::path::Path, days: i64) -> Staff {
        staff_with_match(dir, days, time::Duration::days(365)).await
    }

    /// As [`staff_after`], the match kept for `kept` from now.
    pub(super) async fn staff_with_match(
        dir: &std::path::Path,
        days: i64,
        kept: time::Duration,
    ) -> Staff {
        let store = Store::from(SqliteStore::open(dir).unwrap());
        let now = OffsetDateTime::now_utc();
        let year = now + time::Duration::days(365);
        let app = NewRecord {
            kind: RecordKind::Application,
            id: "20261124-app00001".into(),
            created_at: now,
            status: "received".into(),
            idempotency_key: "k1".into(),
            expires_at: year,
            body: serde_json::json!({ "application": crate::sample::application() }),
            mail: vec![],
        };
        store
            .put_once(app, std::time::Duration::from_secs(60))
            .await
            .unwrap();
        let m = Match {
            id: "m-20261124-old00001".into(),
            application_id: "20261124-app00001".into(),
            mentor_slug: "aoki".into(),
            mentor_name: "青木".into(),
            links_epoch: 0,
            plan: "single".into(),
            sessions: 1,
            status: MatchStatus::Active,
            created_at: now,
            expires_at: now + kept,
        };
        store.create_match(&m, 3, &[]).await.unwrap();
        Staff {
            store,
            matcher: std::sync::Arc::new(Matcher::new(crate::sample::small_catalog()).unwrap()),
            key: None,
            site_url: "https://mikke.example.jp".into(),
            retention_days: 365,
            now: now + time::Duration::days(days),
            notifier: None,
            wake: None,
            actor: "test".into(),
        }
    }
}
