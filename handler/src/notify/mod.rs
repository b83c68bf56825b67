//! Notifications (issue 13): every hand-off reaches its person by mail.
//!
//! * [`events`] — which outbox entries each change writes (in the change's own transaction:
//!   the store takes them with the record, the assignment, the sheet, the reply).
//! * [`Notifier::render`] (`render.rs`) — an entry becomes a mail at send time: addresses
//!   looked up, the template filled, a fresh diary link for the recipient's own role.
//! * [`Notifier::deliver_due`] (`sender.rs`) — claims due entries, caps the 受付 mails, sends
//!   through the configured transport, records how each ended; [`Notifier::run`] is the local
//!   server's loop, `staff` delivers what its commands cause, the Lambda notifier what the
//!   DynamoDB stream announces (`lambda.rs`).
//! * [`Notifier::schedule`] (`schedule.rs`) — reminders, matches past their plan, the daily
//!   staff digest: entries written once each (their ids name the round).
//!
//! Logs carry entry ids, templates, outcomes and a hash of the recipient — never an address,
//! a link or a line of the mail.

pub mod events;
#[cfg(feature = "aws")]
pub mod lambda;
mod local;
mod render;
mod schedule;
mod sender;

use std::sync::Arc;

use mikke_catalog::mail::MailBundle;
use mikke_mail::Transport;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

pub use render::{Rendered, Skip};
pub use schedule::Scheduled;
pub use sender::{Delivery, BATCH, LEASE, MAX_FAILURES};

use crate::config::{Config, MailTransport};
use crate::scoring::Matcher;
use crate::store::Store;
use crate::tokens::SigningKey;

/// Everything a sender needs. Cheap to clone (shared parts behind `Arc`).
#[derive(Clone)]
pub struct Notifier {
    pub store: Store,
    pub matcher: Arc<Matcher>,
    pub bundle: Arc<MailBundle>,
    pub transport: Transport,
    pub key: Arc<SigningKey>,
    /// The site's address (`MIKKE_SITE_URL`): diary links and the signature point there.
    pub site_url: String,
    /// Most mails sent per second (`MIKKE_MAIL_RATE`); `None`: as fast as the transport takes.
    pub max_per_second: Option<u32>,
}

impl Notifier {
    /// The sender of a running handler or `staff`: the bundle read and checked, the transport
    /// the configuration names built (call on a Tokio runtime).
    pub async fn from_config(
        config: &Config,
        store: Store,
        matcher: Arc<Matcher>,
        key: Arc<SigningKey>,
    ) -> Result<Notifier, String> {
        let bundle = MailBundle::from_file(&config.mail_bundle).map_err(|e| e.to_string())?;
        Ok(Notifier {
            store,
            matcher,
            bundle: Arc::new(bundle),
            transport: transport(config).await?,
            key,
            site_url: config.site_url.clone(),
            max_per_second: config.mail_rate,
        })
    }
}

/// The transport `config` names: SMTP, files, or SES (a build with the `aws` feature).
pub async fn transport(config: &Config) -> Result<Transport, String> {
    match config.mail_transport {
        MailTransport::Smtp => {
            let url = config.smtp_url.as_deref().unwrap_or_default();
            Transport::smtp(url).map_err(|e| e.to_string())
        }
        MailTransport::Files => Ok(Transport::files(&config.mail_dir)),
        #[cfg(feature = "aws")]
        MailTransport::Ses => {
            let mut aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            if let Some(endpoint) = &config.ses_endpoint {
                aws = aws.into_builder().endpoint_url(endpoint).build();
            }
            Ok(Transport::ses(
                aws_sdk_sesv2::Client::new(&aws),
                config.ses_configuration_set.clone(),
            ))
        }
        #[cfg(not(feature = "aws"))]
        MailTransport::Ses => Err(
            "MIKKE_MAIL_TRANSPORT=ses needs a build with `--features aws` (scripts/package.sh does)"
                .into(),
        ),
    }
}

const JST: time::UtcOffset = match time::UtcOffset::from_hms(9, 0, 0) {
    Ok(o) => o,
    Err(_) => time::UtcOffset::UTC,
};

/// `2026年12月6日`, in Japan time.
pub fn jst_date(t: OffsetDateTime) -> String {
    let d = t.to_offset(JST).date();
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

/// The day in Japan, `YYYY-MM-DD` (digest ids) and its hour.
pub fn jst_day_and_hour(t: OffsetDateTime) -> (String, u8) {
    let t = t.to_offset(JST);
    let d = t.date();
    (
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
        t.hour(),
    )
}

/// `2026-12-05` → `2026年12月5日（土）`; other text as it is.
pub fn briefing_date_label(date: &str) -> String {
    let mut parts = date.splitn(3, '-').map(str::parse::<i32>);
    let parsed = match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) => u8::try_from(m)
            .ok()
            .and_then(|m| time::Month::try_from(m).ok())
            .and_then(|m| time::Date::from_calendar_date(y, m, u8::try_from(d).ok()?).ok()),
        _ => None,
    };
    match parsed {
        Some(d) => {
            let weekday = ["月", "火", "水", "木", "金", "土", "日"]
                [usize::from(d.weekday().number_days_from_monday())];
            format!(
                "{}年{}月{}日（{weekday}）",
                d.year(),
                u8::from(d.month()),
                d.day()
            )
        }
        None => date.to_string(),
    }
}

/// The Japanese name of an inquiry kind, as the site's pages call it.
pub fn inquiry_label(kind: &str) -> &'static str {
    match kind {
        "consultation" => "無料相談",
        "briefing" => "オンライン説明会",
        "corporate" => "法人向けプラン",
        _ => "お問い合わせ",
    }
}

/// What logs and cap keys say instead of an address: the first 12 hex digits of its SHA-256.
pub fn address_hash(address: &str) -> String {
    let digest = Sha256::digest(address.trim().to_lowercase().as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_the_japanese_way() {
        let t = OffsetDateTime::from_unix_timestamp(1_796_000_000).unwrap(); // 2026-11-29T…Z
        assert_eq!(jst_date(t), "2026年11月30日");
        assert_eq!(briefing_date_label("2026-12-05"), "2026年12月5日（土）");
        assert_eq!(briefing_date_label("いつか"), "いつか");
        let (day, hour) = jst_day_and_hour(t);
        assert_eq!(day, "2026-11-30");
        assert!(hour < 24);
    }

    #[test]
    fn address_hashes_are_short_stable_and_case_blind() {
        assert_eq!(address_hash("A@Example.jp"), address_hash("a@example.jp "));
        assert_eq!(address_hash("a@example.jp").len(), 12);
        assert_ne!(address_hash("a@example.jp"), address_hash("b@example.jp"));
    }
}
