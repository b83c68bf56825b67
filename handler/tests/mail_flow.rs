//! Mail end to end through a real SMTP server (aiosmtpd, `scripts/mail-catcher.py`): the
//! router writes the outbox with each cause, the sender delivers it, and what arrives is read
//! back as MIME. The sample content's real templates, contacts and catalog.
//!
//! Covered: the whole hand-off chain (receipt, staff, introductions with working links of the
//! right role, sheet and reply notices) with no submitted text echoed; a honeypot post and a
//! replay send nothing; the per-address and daily caps; SMTP down then back; a refused
//! recipient recorded once; a sender killed mid-batch (nothing lost, duplicates bounded);
//! reminders and the digest with a fake clock.

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use handler::notify::Notifier;
use handler::store::{MailStatus, SqliteStore, Store};
use handler::tokens::Role;
use handler::{app, AppState, Config, Matcher, Mode};
use mikke_catalog::mail::MailBundle;
use mikke_mail::Transport;
use serde_json::{json, Value};
use support::mail::{to, token_in, Catcher};
use tempfile::TempDir;
use time::OffsetDateTime;
use tower::ServiceExt;

const KEY: &str = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
const SITE: &str = "http://127.0.0.1:9";
const STAFF: [&str; 2] = ["jimukyoku@mikke.example.jp", "matching@mikke.example.jp"];
const WAIT: Duration = Duration::from_secs(10);

struct Stack {
    _dir: TempDir,
    catcher: Catcher,
    store: Store,
    state: AppState,
    notifier: Notifier,
    app: Router,
}

fn repo() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The sample content's catalog and bundle, the router over SQLite, a catcher, a sender.
async fn stack(reject: Option<&str>, tweak: impl FnOnce(&mut MailBundle)) -> Stack {
    let dir = TempDir::new().unwrap();
    let content = generator::content::load(&repo()).unwrap();
    let catalog = generator::catalog::catalog(&content);
    let mut bundle = generator::private::mail_bundle(&content).unwrap();
    tweak(&mut bundle);
    let catcher = Catcher::start(&dir.path().join("caught"), reject);
    let store = Store::from(SqliteStore::open(&dir.path().join("data")).unwrap());
    let vars = [
        ("MIKKE_SITE_URL", SITE.to_string()),
        ("MIKKE_RATE_LIMIT", "1000".into()),
        ("MIKKE_SIGNING_KEY", KEY.into()),
        ("MIKKE_SMTP_URL", catcher.url()),
    ];
    let config = Config::from_vars(Mode::Local, |n| {
        vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone())
    })
    .unwrap();
    let state = AppState::new(store.clone(), Matcher::new(catalog).unwrap(), config);
    let notifier = Notifier {
        store: store.clone(),
        matcher: Arc::clone(&state.matcher),
        bundle: Arc::new(bundle),
        transport: Transport::smtp(&catcher.url()).unwrap(),
        key: Arc::clone(&state.signing_key),
        site_url: SITE.into(),
        max_per_second: None,
    };
    Stack {
        app: app(state.clone()),
        _dir: dir,
        catcher,
        store,
        state,
        notifier,
    }
}

fn application(name: &str, email: &str) -> Value {
    json!({
        "name": name,
        "email": email,
        "age_band": "30s",
        "industry": "it",
        "company_size": "sme",
        "topics": ["promotion_decision", "work_life_balance"],
        "plan": "standard",
        "applicant_type": "individual",
        "message": "管理職への登用を打診されています。社外の先輩にお話を伺いたいです。",
        "consent": true,
    })
}

async fn post(app: &Router, path: &str, body: &Value, bearer: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

impl Stack {
    async fn deliver(&self) -> handler::notify::Delivery {
        self.notifier
            .deliver_all(OffsetDateTime::now_utc())
            .await
            .unwrap()
    }

    async fn assign(&self, application_id: &str, mentor: &str) -> String {
        handler::matching::assign(
            &self.store,
            self.state.matcher.catalog(),
            &self.state.signing_key,
            handler::matching::AssignRequest {
                application_id,
                mentor_slug: mentor,
                sessions: None,
                now: OffsetDateTime::now_utc(),
                retention_days: 365,
            },
        )
        .await
        .unwrap()
        .the_match
        .id
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hand_off_reaches_its_person_and_no_submitted_text_is_echoed() {
    let s = stack(None, |_| {}).await;
    let spam_name = "山田 https://spam.example/buy-now";
    let (status, answer) = post(
        &s.app,
        "/api/applications",
        &application(spam_name, "hanako@example.jp"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let app_id = answer["id"].as_str().unwrap().to_string();
    // A retry of the same post is a replay: no second receipt.
    let (status, _) = post(
        &s.app,
        "/api/applications",
        &application(spam_name, "hanako@example.jp"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let d = s.deliver().await;
    assert_eq!((d.sent, d.claimed), (2, 2), "{d:?}");
    let mails = s.catcher.wait_for(2, WAIT);

    let receipt = to(&mails, "hanako@example.jp");
    assert_eq!(receipt.len(), 1);
    assert!(
        receipt[0].subject().contains("お申し込みを受け付けました"),
        "{}",
        receipt[0].subject()
    );
    assert!(receipt[0].body.contains(&app_id), "the receipt number");
    let staff_mail = to(&mails, STAFF[0]);
    assert_eq!(staff_mail.len(), 1);
    assert!(
        staff_mail[0].header("To").unwrap().contains(STAFF[1]),
        "every staff address"
    );
    assert!(staff_mail[0].body.contains(&app_id));
    assert!(
        !staff_mail[0].body.contains("hanako@example.jp"),
        "no contact data to staff"
    );

    // Assign: both introductions, each with a link of its own role that the API accepts.
    let match_id = s.assign(&app_id, "aoki-haruka").await;
    s.deliver().await;
    let mails = s.catcher.wait_for(4, WAIT);
    let mentee = to(&mails, "hanako@example.jp");
    let mentor = to(&mails, "aoki-haruka@mentors.example.jp");
    assert_eq!((mentee.len(), mentor.len()), (2, 1));
    assert!(
        mentee[1].body.contains("青木 遥"),
        "her mentor's display name"
    );
    assert!(
        mentor[0].body.contains("hanako@example.jp"),
        "the mentor may write to her"
    );
    let key = &s.state.signing_key;
    let now = OffsetDateTime::now_utc();
    let mentee_token = token_in(mentee[1]).to_string();
    let mentor_token = token_in(mentor[0]).to_string();
    assert_eq!(key.verify(&mentee_token, now).unwrap().role, Role::Mentee);
    assert_eq!(key.verify(&mentor_token, now).unwrap().role, Role::Mentor);
    assert_eq!(key.verify(&mentee_token, now).unwrap().match_id, match_id);

    // Sheet 1 → the mentor hears of it; her reply → the mentee hears of it. No text in either.
    let sheet_text = "職場では話せない迷いを整理できました";
    let sheet = json!({"session": 1, "reflections": sheet_text, "satisfaction": 4});
    let (status, _) = post(&s.app, "/api/sheets", &sheet, Some(&mentee_token)).await;
    assert_eq!(status, StatusCode::CREATED);
    s.deliver().await;
    let reply_text = "あなたの強みは周りをよく見ていることです";
    let reply = json!({"session": 1, "reply": reply_text});
    let (status, _) = post(&s.app, "/api/sheets/reply", &reply, Some(&mentor_token)).await;
    assert_eq!(status, StatusCode::CREATED);
    s.deliver().await;
    let mails = s.catcher.wait_for(6, WAIT);
    assert_eq!(mails.len(), 6);
    let to_mentor = to(&mails, "aoki-haruka@mentors.example.jp");
    assert!(to_mentor[1]
        .subject()
        .contains("第1回のメンタリングシートが届きました"));
    assert_eq!(
        key.verify(token_in(to_mentor[1]), now).unwrap().role,
        Role::Mentor
    );
    let to_mentee = to(&mails, "hanako@example.jp");
    assert!(to_mentee[2]
        .subject()
        .contains("メンターから返信が届きました"));
    assert_eq!(
        key.verify(token_in(to_mentee[2]), now).unwrap().role,
        Role::Mentee
    );

    for m in &mails {
        for echoed in [
            spam_name,
            "spam.example",
            sheet_text,
            reply_text,
            "管理職への登用",
        ] {
            assert!(
                !m.body.contains(echoed) && !m.subject().contains(echoed),
                "{echoed} in {}",
                m.subject()
            );
        }
        for line in &m.raw_header_lines {
            assert!(line.chars().count() <= 78, "{line}");
        }
        assert_eq!(m.header("Auto-Submitted"), Some("auto-generated"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_honeypot_post_and_a_refused_one_write_no_mail() {
    let s = stack(None, |_| {}).await;
    let mut bot = application("bot", "bot@example.jp");
    bot["website"] = json!("https://spam.example");
    assert_eq!(
        post(&s.app, "/api/applications", &bot, None).await.0,
        StatusCode::CREATED
    );
    let mut bad = application("x", "not-an-address");
    bad["topics"] = json!([]);
    assert_eq!(
        post(&s.app, "/api/applications", &bad, None).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        s.store.next_mail_due().await.unwrap(),
        None,
        "nothing in the outbox"
    );
    assert_eq!(s.deliver().await.claimed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_receipt_per_address_per_kind_per_day_and_a_daily_cap() {
    let s = stack(None, |b| b.settings.receipt_daily_cap = 2).await;
    // One at a time, each delivered before the next: the caps count in arrival order.
    for (name, email) in [
        ("一", "same@example.jp"),
        ("二", "same@example.jp"),
        ("三", "b@example.jp"),
        ("四", "c@example.jp"),
    ] {
        let mut a = application(name, email);
        a["message"] = json!(format!(
            "{name}番目の申し込みです。社外の先輩にお話を伺いたいと考えています。"
        ));
        assert_eq!(
            post(&s.app, "/api/applications", &a, None).await.0,
            StatusCode::CREATED
        );
        s.deliver().await;
    }
    // A consultation from the same address is another kind: its own receipt, if the day's
    // cap allowed one.
    let inquiry = json!({"kind": "consultation", "name": "一", "email": "same@example.jp", "preferred_times": "平日夜", "consent": true});
    assert_eq!(
        post(&s.app, "/api/inquiries", &inquiry, None).await.0,
        StatusCode::CREATED
    );
    let d = s.deliver().await;
    let mails = s.catcher.wait_for(1, WAIT);
    let receipts: Vec<_> = mails
        .iter()
        .filter(|m| !m.header("To").unwrap().contains("mikke.example.jp"))
        .collect();
    // same@ (application) once, b@, then the cap of 2 is reached: c@ and the consultation wait
    // for tomorrow — suppressed, recorded.
    assert_eq!(receipts.len(), 2, "{d:?}");
    assert_eq!(to(&mails, "same@example.jp").len(), 1);
    let suppressed = s
        .store
        .list_mail(MailStatus::Suppressed, 100)
        .await
        .unwrap();
    let reasons: Vec<&str> = suppressed
        .iter()
        .filter_map(|m| m.last_error.as_deref())
        .collect();
    assert!(
        reasons.contains(&"cap: one per address per day"),
        "{reasons:?}"
    );
    assert!(reasons.contains(&"cap: daily limit"), "{reasons:?}");
    // Staff notices have their own daily cap (2 here): the rest is in the digest.
    assert_eq!(to(&mails, STAFF[0]).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_waits_while_smtp_is_down_and_goes_out_once_it_is_back() {
    let mut s = stack(None, |_| {}).await;
    s.catcher.stop();
    let (status, _) = post(
        &s.app,
        "/api/applications",
        &application("花子", "hanako@example.jp"),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "answered and stored while mail cannot leave"
    );
    let now = OffsetDateTime::now_utc();
    let d = s.notifier.deliver_all(now).await.unwrap();
    assert!(d.transport_down && d.retried == 2 && d.sent == 0, "{d:?}");
    let waiting = s.store.list_mail(MailStatus::Pending, 10).await.unwrap();
    assert_eq!(waiting.len(), 2);
    assert!(
        waiting.iter().all(|m| m.failures == 0),
        "the transport's absence is no failure"
    );
    // Back again: due within the capped backoff, sent then.
    s.catcher.restart();
    let due = s.store.next_mail_due().await.unwrap().unwrap();
    assert!(
        due - now <= time::Duration::seconds(60),
        "retried within a minute"
    );
    let d = s.notifier.deliver_all(due).await.unwrap();
    assert_eq!(d.sent, 2, "{d:?}");
    assert_eq!(s.catcher.wait_for(2, WAIT).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_is_paced_to_the_configured_rate() {
    let mut s = stack(None, |b| b.settings.receipt_daily_cap = 10_000).await;
    s.notifier.max_per_second = Some(20);
    for i in 0..10 {
        let a = application(&format!("申込者{i}"), &format!("p{i}@example.jp"));
        assert_eq!(
            post(&s.app, "/api/applications", &a, None).await.0,
            StatusCode::CREATED
        );
    }
    let started = std::time::Instant::now();
    let d = s.deliver().await;
    assert_eq!(d.sent, 20);
    // 20 mails at 20/s: the last chunk of four starts at 16/20 s.
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_recipient_is_recorded_once_and_not_retried() {
    let s = stack(Some("rejected.example.jp"), |_| {}).await;
    let (status, _) = post(
        &s.app,
        "/api/applications",
        &application("花子", "nobody@rejected.example.jp"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let d = s.deliver().await;
    assert_eq!((d.rejected, d.sent), (1, 1), "{d:?}");
    let rejected = s.store.list_mail(MailStatus::Rejected, 10).await.unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].last_error.as_deref(), Some("smtp 550"));
    assert_eq!(rejected[0].attempts, 1);
    let later = OffsetDateTime::now_utc() + time::Duration::days(1);
    assert_eq!(
        s.notifier.deliver_all(later).await.unwrap().claimed,
        0,
        "never again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_killed_mid_batch_loses_nothing_and_repeats_at_most_its_batch() {
    let s = stack(None, |b| b.settings.receipt_daily_cap = 10_000).await;
    const N: usize = 60;
    for i in 0..N {
        let a = application(&format!("申込者{i}"), &format!("a{i}@example.jp"));
        assert_eq!(
            post(&s.app, "/api/applications", &a, None).await.0,
            StatusCode::CREATED
        );
    }
    let entries = 2 * N;
    // Killed while sending: the task is dropped mid-batch, its claims left leased.
    let sender = s.notifier.clone();
    let run = tokio::spawn(async move { sender.deliver_all(OffsetDateTime::now_utc()).await });
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while s.catcher.messages().len() < 20 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    run.abort();
    let _ = run.await;
    // A new sender once the leases have run out.
    let later = OffsetDateTime::now_utc() + time::Duration::seconds(301);
    s.notifier.deliver_all(later).await.unwrap();
    // Every send has been answered by now; the wait only covers a slow machine's files.
    let mails = s.catcher.wait_for(entries, Duration::from_secs(60));
    let mut ids: Vec<String> = mails
        .iter()
        .map(|m| m.header("Message-ID").unwrap().to_string())
        .collect();
    ids.sort();
    let total = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), entries, "every mail arrived");
    let duplicates = total - entries;
    assert!(
        duplicates <= handler::notify::BATCH,
        "{duplicates} duplicates"
    );
    println!("killed mid-batch: {entries} mails, {duplicates} sent twice");
    for status in [MailStatus::Pending, MailStatus::Sending] {
        assert!(s.store.list_mail(status, 10).await.unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_follow_their_periods_and_the_digest_comes_once_a_day() {
    let s = stack(None, |_| {}).await;
    let (_, answer) = post(
        &s.app,
        "/api/applications",
        &application("花子", "hanako@example.jp"),
        None,
    )
    .await;
    let app_id = answer["id"].as_str().unwrap().to_string();
    let match_id = s.assign(&app_id, "aoki-haruka").await;
    s.deliver().await;
    let start = OffsetDateTime::now_utc();
    let day = time::Duration::days(1);
    let sent = |d: &handler::notify::Scheduled| (d.reply_reminders, d.sheet_reminders);
    // No sheet for 21 days: the mentee, once per round, at most twice.
    assert_eq!(
        sent(&s.notifier.schedule(start + day * 20).await.unwrap()),
        (0, 0)
    );
    assert_eq!(
        sent(&s.notifier.schedule(start + day * 21).await.unwrap()),
        (0, 1)
    );
    s.notifier.schedule(start + day * 22).await.unwrap();
    s.notifier.schedule(start + day * 43).await.unwrap();
    s.notifier.schedule(start + day * 80).await.unwrap();
    let reminders: Vec<String> = {
        let mut ids = Vec::new();
        for status in [MailStatus::Pending] {
            ids.extend(
                s.store
                    .list_mail(status, 100)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|m| m.id),
            );
        }
        ids
    };
    let sheet_reminders: Vec<&String> = reminders
        .iter()
        .filter(|id| id.contains("remind-sheet"))
        .collect();
    assert_eq!(sheet_reminders.len(), 2, "{reminders:?}");
    // A sheet without a reply: the mentor after 7 days, again after 14, never a third time.
    let the_match = s.state.store.get_match(&match_id).await.unwrap().unwrap();
    let token =
        handler::matching::Links::issue(&s.state.signing_key, &the_match, start + day * 365).mentee;
    let sheet = json!({"session": 1, "reflections": "気づき", "satisfaction": 5});
    assert_eq!(
        post(&s.app, "/api/sheets", &sheet, Some(token.expose()))
            .await
            .0,
        StatusCode::CREATED
    );
    let posted = OffsetDateTime::now_utc();
    assert_eq!(
        sent(&s.notifier.schedule(posted + day * 6).await.unwrap()).0,
        0
    );
    assert_eq!(
        sent(&s.notifier.schedule(posted + day * 7).await.unwrap()).0,
        1
    );
    s.notifier.schedule(posted + day * 8).await.unwrap();
    s.notifier.schedule(posted + day * 15).await.unwrap();
    s.notifier.schedule(posted + day * 40).await.unwrap();
    let all = s.store.list_mail(MailStatus::Pending, 100).await.unwrap();
    let reply_reminders = all.iter().filter(|m| m.id.contains("remind-reply")).count();
    assert_eq!(reply_reminders, 2);
    // Delivered with the mentor's link and the days waited.
    s.notifier.deliver_all(posted + day * 40).await.unwrap();
    let mails = s.catcher.wait_for(8, WAIT);
    let reminder = mails
        .iter()
        .find(|m| m.subject().contains("お返事をお待ちしています"))
        .expect("reply reminder");
    assert_eq!(
        s.state
            .signing_key
            .verify(token_in(reminder), posted)
            .unwrap()
            .role,
        Role::Mentor
    );
    // The digest: at most one per Japanese day, only when something waits (the match past
    // its plan does by day 200), from the configured hour.
    // 10:00 in Japan, 200 days on.
    let late = (start + day * 200_i32).replace_time(time::Time::from_hms(1, 0, 0).unwrap());
    let first = s.notifier.schedule(late).await.unwrap();
    let again = s
        .notifier
        .schedule(late + time::Duration::minutes(30))
        .await
        .unwrap();
    let digests: Vec<_> = s
        .store
        .list_mail(MailStatus::Pending, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.template == "staff_digest")
        .collect();
    assert_eq!((first.digests, digests.len()), (1, 1), "{again:?}");
    assert!(first.overdue >= 1, "the match is past its plan");
    let early = (late + day).replace_time(time::Time::from_hms(23, 0, 0).unwrap()) - day;
    assert_eq!(
        s.notifier.schedule(early).await.unwrap().digests,
        0,
        "not before 9:00 in Japan (23:00 UTC is 8:00 there)"
    );
}

#[tokio::test]
async fn a_signin_link_goes_to_the_asking_staff_address_alone_and_opens_the_console() {
    let s = stack(None, |_| {}).await;
    let console = app(s.state.clone().with_staff(&STAFF.map(String::from)));
    let ask = |email: &str| {
        Request::post("/staff/signin")
            .header(header::HOST, "127.0.0.1:9")
            .header(header::ORIGIN, SITE)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("email={}", email.replace('@', "%40"))))
            .unwrap()
    };
    for email in [STAFF[1], "stranger@example.jp"] {
        let r = console.clone().oneshot(ask(email)).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let d = s.deliver().await;
    assert_eq!(d.sent, 1, "{d:?}");
    let mails = s.catcher.wait_for(1, WAIT);
    let mine = to(&mails, STAFF[1]);
    assert_eq!(mine.len(), 1);
    assert_eq!(
        mine[0].header("To").unwrap(),
        STAFF[1],
        "the asking address only"
    );
    assert!(
        mine[0].subject().contains("事務局コンソールへのログイン"),
        "{}",
        mine[0].subject()
    );
    let link = mine[0]
        .body
        .lines()
        .find(|l| l.starts_with(&format!("{SITE}/staff/signin?t=")))
        .expect("the link");
    assert!(mine[0].body.contains("10分間"), "{}", mine[0].body);
    let token = link.split("t=").nth(1).unwrap();
    let confirm = Request::post("/staff/signin/confirm")
        .header(header::HOST, "127.0.0.1:9")
        .header(header::ORIGIN, SITE)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("t={token}")))
        .unwrap();
    let r = console.clone().oneshot(confirm).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers().contains_key(header::SET_COOKIE));
}

/// Issue 15, logs: every log line this test binary writes at debug level — the form API, the
/// diary, assign, the sender — gathered while a whole flow runs with canaries planted in every
/// personal field (name, address, phone, message, company code, sheet, reply) and bad input
/// that echoes them; then none of the canaries nor any link token is in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_canary_reaches_any_log_line_of_a_whole_flow() {
    use std::io::Write;
    use std::sync::Mutex;
    static LINES: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    struct Collect;
    impl Write for Collect {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            LINES.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(|| Collect)
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber here");

    const NAME: &str = "カナリア花子";
    const EMAIL: &str = "canary-7731@example.jp";
    const PHONE: &str = "090-7731-7731";
    const MESSAGE: &str = "カナリア本文七七三一：上司に言えない不妊治療の悩み";
    const COMPANY: &str = "CANARY7731";
    const SHEET: &str = "カナリアシート七七三一";
    const REPLY: &str = "カナリア返信七七三一";
    let s = stack(None, |_| {}).await;
    let mut form = application(NAME, EMAIL);
    form["phone"] = json!(PHONE);
    form["message"] = json!(MESSAGE);
    form["applicant_type"] = json!("corporate");
    form["company_code"] = json!(COMPANY);
    let (status, answer) = post(&s.app, "/api/applications", &form, None).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let app_id = answer["id"].as_str().unwrap().to_string();
    // Refused input that carries the canaries too (a bad address, an unknown field).
    let mut bad = form.clone();
    bad["email"] = json!(format!("{NAME}@@{EMAIL}"));
    bad[MESSAGE] = json!(NAME);
    let (status, _) = post(&s.app, "/api/applications", &bad, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let inquiry = json!({"kind": "consultation", "name": NAME, "email": EMAIL, "phone": PHONE,
        "message": MESSAGE, "preferred_times": MESSAGE, "consent": true});
    let (status, answer) = post(&s.app, "/api/inquiries", &inquiry, None).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    s.deliver().await;
    let match_id = s.assign(&app_id, "aoki-haruka").await;
    s.deliver().await;
    let mails = s.catcher.wait_for(5, WAIT);
    let mentee_token = token_in(to(&mails, EMAIL).last().unwrap()).to_string();
    let mentor_token = token_in(to(&mails, "aoki-haruka@mentors.example.jp")[0]).to_string();
    let sheet =
        json!({"session": 1, "reflections": SHEET, "satisfaction": 2, "want_staff_contact": true});
    let (status, _) = post(&s.app, "/api/sheets", &sheet, Some(&mentee_token)).await;
    assert_eq!(status, StatusCode::CREATED);
    let reply = json!({"session": 1, "reply": REPLY});
    let (status, _) = post(&s.app, "/api/sheets/reply", &reply, Some(&mentor_token)).await;
    assert_eq!(status, StatusCode::CREATED);
    // Links taken back: the old token is refused (and logged as refused, without itself).
    s.store.revoke_links(&match_id).await.unwrap().unwrap();
    let (status, _) = post(&s.app, "/api/sheets", &sheet, Some(&mentee_token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    s.deliver().await;

    let log = String::from_utf8_lossy(&LINES.lock().unwrap()).to_string();
    assert!(
        log.contains("application accepted"),
        "the log was gathered: {log:.400}"
    );
    for canary in [
        NAME,
        EMAIL,
        PHONE,
        MESSAGE,
        COMPANY,
        SHEET,
        REPLY,
        &mentee_token,
        &mentor_token,
    ] {
        let line = log.lines().find(|l| l.contains(canary));
        assert!(line.is_none(), "{canary:.12}… is in a log line: {line:?}");
    }
    // Parts of them too: the local part of the address, the digits of the phone.
    for part in ["canary-7731", "7731-7731", "カナリア"] {
        assert!(!log.contains(part), "{part} is in a log line");
    }
}
