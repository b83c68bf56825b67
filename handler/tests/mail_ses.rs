//! Mail on AWS, with moto_server standing in for DynamoDB, its stream and SES v2: the outbox
//! entry is written in the application's own transaction; a stream pump (`get_records`, as
//! Lambda's event source mapping reads the stream) feeds the notifier's event handler; SES's
//! sent raw messages are read back from `/moto-api/data.json` and decoded — Japanese subject,
//! the right recipient, nothing echoed, a diary link that verifies for the recipient's role.
//! Also: an unverified sender is `MessageRejected` → recorded once; SES unreachable → the
//! stream record is reported failed (Lambda retries it) and the entry waits; the hourly
//! schedule event writes and sends the scheduled mail.

mod support;

use std::process::Command;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use handler::notify::{lambda, Notifier};
use handler::store::{DynamoStore, MailStatus, Store};
use handler::tokens::Role;
use handler::{app, AppState, Config, Matcher, Mode};
use mikke_mail::read::{read, ReadMail};
use mikke_mail::Transport;
use serde_json::{json, Value};
use support::moto::MotoServer;
use time::OffsetDateTime;
use tower::ServiceExt;

const KEY: &str = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
const SITE: &str = "https://mikke.example.jp";

fn ses_client(endpoint: &str) -> aws_sdk_sesv2::Client {
    use aws_sdk_sesv2::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("ap-northeast-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_sesv2::Client::from_conf(config)
}

struct Aws {
    moto: Arc<MotoServer>,
    table: String,
    state: AppState,
    notifier: Notifier,
}

async fn aws(case: &str) -> Aws {
    let moto = MotoServer::shared();
    let table = format!("mikke-mail-{case}");
    let store = DynamoStore::new(moto.dynamodb_client(), table.clone());
    store.create_table_if_missing().await.unwrap();
    let ses = ses_client(&moto.endpoint);
    // The identity DEPLOY.md has staff verify (the domain of site.yaml's mail.from).
    ses.create_email_identity()
        .email_identity("mikke.example.jp")
        .send()
        .await
        .unwrap();
    let catalog = handler::sample::small_catalog();
    let vars = [
        ("MIKKE_SITE_URL", SITE.to_string()),
        ("MIKKE_RATE_LIMIT", "1000".into()),
        ("MIKKE_SIGNING_KEY", KEY.into()),
    ];
    let config = Config::from_vars(Mode::Local, |n| {
        vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone())
    })
    .unwrap();
    let state = AppState::new(
        Store::from(store.clone()),
        Matcher::new(catalog.clone()).unwrap(),
        config,
    );
    let notifier = Notifier {
        store: Store::from(store),
        matcher: Arc::clone(&state.matcher),
        bundle: Arc::new(support::mail::bundle_for(&catalog)),
        transport: Transport::ses(ses, Some("mikke-mail".into())),
        key: Arc::clone(&state.signing_key),
        site_url: SITE.into(),
        max_per_second: None,
    };
    Aws {
        moto,
        table,
        state,
        notifier,
    }
}

impl Aws {
    /// Every record of the table's stream so far, as the Lambda event the notifier gets.
    fn stream_event(&self) -> Value {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/stream_pump.py");
        let out = Command::new("python3")
            .args([script, &self.moto.endpoint, &self.table])
            .output()
            .expect("python3 runs the stream pump");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    async fn pump(&self) -> Value {
        let event = self.stream_event();
        lambda::handle(&self.notifier, event, OffsetDateTime::now_utc())
            .await
            .unwrap()
    }

    /// The raw messages SES (moto) accepted for `address`, decoded.
    fn sent_to(&self, address: &str) -> Vec<ReadMail> {
        let port: u16 = self
            .moto
            .endpoint
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let (status, body) =
            support::http::request(port, "GET", "/moto-api/data.json", &[], "").unwrap();
        assert_eq!(status, 200);
        let data: Value = serde_json::from_str(&body).unwrap();
        data["ses"]["RawMessage"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|m| {
                m["destinations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d == address)
            })
            .map(|m| read(m["raw_data"].as_str().unwrap().as_bytes()).expect("MIME we wrote"))
            .collect()
    }

    async fn apply(&self, name: &str, email: &str) -> String {
        let body = json!({
            "name": name, "email": email, "age_band": "30s", "industry": "it",
            "company_size": "sme", "topics": ["leadership"], "plan": "standard",
            "applicant_type": "individual", "consent": true,
        });
        let response = app(self.state.clone())
            .oneshot(
                Request::post("/api/applications")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        serde_json::from_slice::<Value>(&bytes).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_drives_ses_and_each_mail_says_only_what_it_should() {
    let a = aws("flow").await;
    let email = "flow-hanako@example.jp";
    let spam = "山田 https://spam.example/x";
    let id = a.apply(spam, email).await;
    // Written with the application, in its transaction: both entries are there at once.
    let pending = a
        .notifier
        .store
        .list_mail(MailStatus::Pending, 100)
        .await
        .unwrap();
    for suffix in ["received", "staff"] {
        assert!(
            pending
                .iter()
                .any(|m| m.id.ends_with(&format!("-{id}.{suffix}"))),
            "{suffix}"
        );
    }
    let answer = a.pump().await;
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let receipts = a.sent_to(email);
    assert_eq!(receipts.len(), 1);
    let receipt = &receipts[0];
    assert!(
        receipt.subject().contains("お申し込みを受け付けました"),
        "{}",
        receipt.subject()
    );
    assert!(receipt.body.contains(&id));
    assert!(!receipt.body.contains("spam.example") && !receipt.body.contains("山田"));
    let staff = a.sent_to("jimukyoku@mikke.example.jp");
    assert!(staff.iter().any(|m| m.body.contains(&id)));
    assert!(
        staff.iter().all(|m| !m.body.contains(email)),
        "no contact data to staff"
    );
    // The same records again (Lambda retrying a batch): nothing sent twice.
    assert_eq!(a.pump().await, json!({"batchItemFailures": []}));
    assert_eq!(a.sent_to(email).len(), 1);

    // An assignment: both introductions through the stream, each link for its own role.
    let assigned = handler::matching::assign(
        &a.notifier.store,
        a.state.matcher.catalog(),
        &a.state.signing_key,
        handler::matching::AssignRequest {
            application_id: &id,
            mentor_slug: "aoki",
            sessions: None,
            now: OffsetDateTime::now_utc(),
            retention_days: 365,
        },
    )
    .await
    .unwrap();
    a.pump().await;
    let now = OffsetDateTime::now_utc();
    let verify = |mail: &ReadMail| {
        let claims = a
            .state
            .signing_key
            .verify(support::mail::token_in(mail), now)
            .unwrap();
        assert_eq!(claims.match_id, assigned.the_match.id);
        claims.role
    };
    let mentee = a.sent_to(email);
    assert_eq!(mentee.len(), 2);
    assert_eq!(verify(&mentee[1]), Role::Mentee);
    let mentor = a.sent_to("aoki@mentors.example.jp");
    assert_eq!(mentor.len(), 1);
    assert_eq!(verify(&mentor[0]), Role::Mentor);
    assert!(
        !mentor[0].body.contains("spam.example"),
        "a name carrying a link is not mailed on"
    );
    for m in mentee.iter().chain(&mentor).chain(&staff) {
        for line in &m.raw_header_lines {
            assert!(line.chars().count() <= 78, "{line}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_sender_is_recorded_once_and_ses_away_is_retried_by_lambda() {
    let mut a = aws("faults").await;
    // From a domain SES has not verified: MessageRejected, for good.
    let mut bundle = (*a.notifier.bundle).clone();
    bundle.settings.from = "mikke <noreply@unverified.example.jp>".into();
    a.notifier.bundle = Arc::new(bundle);
    let id = a.apply("花子", "faults-a@example.jp").await;
    assert_eq!(
        a.pump().await,
        json!({"batchItemFailures": []}),
        "a rejection is final"
    );
    let rejected = a
        .notifier
        .store
        .list_mail(MailStatus::Rejected, 100)
        .await
        .unwrap();
    let entry = rejected
        .into_iter()
        .find(|m| m.id.ends_with(&format!("-{id}.received")))
        .expect("the receipt is rejected");
    assert_eq!(entry.status, MailStatus::Rejected);
    assert_eq!(entry.last_error.as_deref(), Some("ses MessageRejected"));
    assert_eq!(entry.attempts, 1);

    // SES unreachable: the first record that could not be sent is reported, and waits.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    a.notifier.transport = Transport::ses(ses_client(&format!("http://{closed}")), None);
    let id = a.apply("桜", "faults-b@example.jp").await;
    let event = a.stream_event();
    let answer = lambda::handle(&a.notifier, event.clone(), OffsetDateTime::now_utc())
        .await
        .unwrap();
    let failed = answer["batchItemFailures"][0]["itemIdentifier"]
        .as_str()
        .unwrap()
        .to_string();
    let record = event["Records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dynamodb"]["SequenceNumber"] == failed.as_str())
        .expect("the failure names a record of the batch");
    let pk = record["dynamodb"]["Keys"]["pk"]["S"].as_str().unwrap();
    assert!(
        pk.starts_with("MAIL#") && pk.contains(&format!("-{id}.")),
        "{pk}"
    );
    let waiting = a
        .notifier
        .store
        .get_mail(&pk["MAIL#".len()..])
        .await
        .unwrap()
        .unwrap();
    assert_eq!((waiting.status, waiting.failures), (MailStatus::Pending, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hourly_schedule_event_writes_and_sends_what_is_due() {
    let a = aws("schedule").await;
    a.apply("花子", "schedule@example.jp").await;
    // No stream this time (a lost batch): the hourly run is the sweeper.
    let event = json!({
        "version": "0", "id": "x", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": "2026-12-06T01:00:00Z", "region": "ap-northeast-1",
        "resources": [], "detail": {}
    });
    let answer = lambda::handle(&a.notifier, event, OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert!(answer["sent"].as_u64().unwrap() >= 2, "{answer}");
    assert_eq!(a.sent_to("schedule@example.jp").len(), 1);
    let unknown = lambda::handle(&a.notifier, json!({"hello": 1}), OffsetDateTime::now_utc()).await;
    assert!(unknown.is_err());
}
