//! The staff console through `oneshot`: sign-in by mailed link (once, in time, bound to its
//! address), cookie flags, the origin and CSRF checks, contact views and assignments in the
//! audit log, sign-out. The browser test (tests/e2e) walks the same path in Chromium.

mod common;

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::{pinned_now, send, Answer};
use handler::store::{MailStatus, NewRecord, RecordKind, SqliteStore, Store};
use handler::tokens::SigningKey;
use handler::{app, sample, AppState, Config, Matcher, Mode};
use tempfile::TempDir;

const KEY: &str = "bWlra2UtY29uc29sZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nLWF0LWxlYXN0";
const HOST: &str = "127.0.0.1:8080";
const ORIGIN: &str = "http://127.0.0.1:8080";
const STAFF: &str = "staff@example.jp";

struct Console {
    app: Router,
    store: Store,
    _dir: TempDir,
}

fn console() -> Console {
    let dir = TempDir::new().unwrap();
    let store = Store::from(SqliteStore::open(dir.path()).unwrap());
    Console {
        app: app_on(store.clone(), pinned_now),
        store,
        _dir: dir,
    }
}

/// The console over `store`, its clock at `clock`.
fn app_on(store: Store, clock: fn() -> time::OffsetDateTime) -> Router {
    let env: HashMap<&str, &str> = HashMap::from([
        ("MIKKE_SITE_URL", "https://mikke.example.jp"),
        ("MIKKE_SIGNING_KEY", KEY),
    ]);
    let config = Config::from_vars(Mode::Local, |n| env.get(n).map(|v| v.to_string())).unwrap();
    let matcher = Matcher::new(sample::small_catalog()).unwrap();
    let mut state = AppState::new(store.clone(), matcher, config)
        .with_staff(&[STAFF.to_string(), "Second@Example.jp".to_string()]);
    state.clock = clock;
    app(state)
}

fn eleven_minutes_later() -> time::OffsetDateTime {
    pinned_now() + time::Duration::minutes(11)
}

fn form_post(path: &str, body: &str, origin: Option<&str>, cookie: Option<&str>) -> Request<Body> {
    let mut r = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(o) = origin {
        r = r.header(header::ORIGIN, o);
    }
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::from(body.to_string())).unwrap()
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut r = Request::get(path).header(header::HOST, HOST);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::empty()).unwrap()
}

fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The sign-in requests' ids waiting in the outbox.
async fn signin_ids(store: &Store) -> Vec<String> {
    store
        .list_mail(MailStatus::Pending, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.template == "staff_signin")
        .map(|m| m.refs["signin"].as_str().unwrap().to_string())
        .collect()
}

async fn request_link(c: &Console, email: &str) -> Answer {
    send(
        &c.app,
        form_post(
            "/staff/signin",
            &format!("email={}", enc(email)),
            Some(ORIGIN),
            None,
        ),
    )
    .await
}

/// Signs in `STAFF` and returns the cookie pair (`mikke_staff=…`) and the CSRF token.
async fn signed_in(c: &Console) -> (String, String) {
    request_link(c, STAFF).await;
    let id = signin_ids(&c.store)
        .await
        .pop()
        .expect("a link was asked for");
    let token = SigningKey::from_base64(KEY).unwrap().sign_signin(&id);
    let a = send(
        &c.app,
        form_post(
            "/staff/signin/confirm",
            &format!("t={token}"),
            Some(ORIGIN),
            None,
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let cookie = a.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    let pair = cookie.split(';').next().unwrap().to_string();
    let page = send(&c.app, get("/staff/", Some(&pair))).await;
    let csrf = page
        .text
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("pages carry the form token")
        .to_string();
    (pair, csrf)
}

async fn put_application(store: &Store, id: &str) {
    let rec = NewRecord {
        kind: RecordKind::Application,
        id: id.into(),
        created_at: pinned_now(),
        status: "received".into(),
        idempotency_key: id.into(),
        expires_at: pinned_now() + time::Duration::days(365),
        body: serde_json::json!({ "application": sample::application() }),
        mail: vec![],
    };
    store
        .put_once(rec, std::time::Duration::from_secs(60))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_staff_address_gets_one_link_and_any_other_the_same_answer_and_no_mail() {
    let c = console();
    let page = send(&c.app, get("/staff/", None)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<html lang=\"ja\">"), "{}", page.text);
    assert!(page.text.contains("<label for=\"email\">"));
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    let other = request_link(&c, "someone@example.jp").await;
    assert!(
        signin_ids(&c.store).await.is_empty(),
        "no mail for a stranger"
    );
    let staff = request_link(&c, "  SECOND@example.jp ").await;
    assert_eq!(other.status, staff.status);
    assert_eq!(other.text, staff.text, "no way to tell a staff address");
    assert_eq!(signin_ids(&c.store).await.len(), 1);
    let bad = request_link(&c, "not an address").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("メールアドレスの形式"));
    let foreign = send(
        &c.app,
        form_post(
            "/staff/signin",
            "email=staff%40example.jp",
            Some("https://evil.example"),
            None,
        ),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert_eq!(signin_ids(&c.store).await.len(), 1);
}

#[tokio::test]
async fn links_are_rate_limited_per_address_without_saying_so() {
    let c = console();
    for _ in 0..8 {
        assert_eq!(request_link(&c, STAFF).await.status, StatusCode::OK);
    }
    assert_eq!(signin_ids(&c.store).await.len(), 5);
}

#[tokio::test]
async fn the_link_signs_in_once_with_a_strict_http_only_cookie_and_replays_forgeries_and_late_uses_fail(
) {
    let c = console();
    request_link(&c, STAFF).await;
    let id = signin_ids(&c.store).await.pop().unwrap();
    let token = SigningKey::from_base64(KEY).unwrap().sign_signin(&id);
    // Opening the link (a mail scanner does) uses nothing.
    let confirm = send(&c.app, get(&format!("/staff/signin?t={token}"), None)).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.text.contains("ログインする"));
    assert_eq!(confirm.headers[header::REFERRER_POLICY], "same-origin");
    let forged = send(
        &c.app,
        form_post(
            "/staff/signin/confirm",
            &format!("t={id}.AAAA"),
            Some(ORIGIN),
            None,
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert!(forged.text.contains("このリンクは使えません"));
    let foreign = send(
        &c.app,
        form_post(
            "/staff/signin/confirm",
            &format!("t={token}"),
            Some("https://evil.example"),
            None,
        ),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    let used = send(
        &c.app,
        form_post(
            "/staff/signin/confirm",
            &format!("t={token}"),
            Some(ORIGIN),
            None,
        ),
    )
    .await;
    assert_eq!(used.status, StatusCode::SEE_OTHER);
    let cookie = used.headers[header::SET_COOKIE].to_str().unwrap();
    for flag in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/staff",
        "Max-Age=43200",
    ] {
        assert!(cookie.contains(flag), "{flag}: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on 127.0.0.1: {cookie}"
    );
    let again = send(
        &c.app,
        form_post(
            "/staff/signin/confirm",
            &format!("t={token}"),
            Some(ORIGIN),
            None,
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "single use");
    assert_eq!(
        send(&c.app, get(&format!("/staff/signin?t={token}"), None))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    // Ten minutes later, an unused link does nothing either.
    let before = signin_ids(&c.store).await;
    request_link(&c, STAFF).await;
    let id = signin_ids(&c.store)
        .await
        .into_iter()
        .find(|i| !before.contains(i))
        .unwrap();
    let token = SigningKey::from_base64(KEY).unwrap().sign_signin(&id);
    let late = app_on(c.store.clone(), eleven_minutes_later);
    let expired = send(
        &late,
        form_post(
            "/staff/signin/confirm",
            &format!("t={token}"),
            Some(ORIGIN),
            None,
        ),
    )
    .await;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        send(&late, get(&format!("/staff/signin?t={token}"), None))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let in_time = send(
        &c.app,
        form_post(
            "/staff/signin/confirm",
            &format!("t={token}"),
            Some(ORIGIN),
            None,
        ),
    )
    .await;
    assert_eq!(
        in_time.status,
        StatusCode::SEE_OTHER,
        "the late try used nothing"
    );
}

#[tokio::test]
async fn the_cookie_is_secure_off_loopback() {
    let c = console();
    request_link(&c, STAFF).await;
    let id = signin_ids(&c.store).await.pop().unwrap();
    let token = SigningKey::from_base64(KEY).unwrap().sign_signin(&id);
    let r = Request::post("/staff/signin/confirm")
        .header(header::HOST, "mikke.example.jp")
        .header(header::ORIGIN, "https://mikke.example.jp")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("t={token}")))
        .unwrap();
    let a = send(&c.app, r).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    assert!(a.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .ends_with("; Secure"));
}

#[tokio::test]
async fn state_changes_need_the_form_token_and_our_origin_and_contact_views_and_assigns_are_audited(
) {
    let c = console();
    put_application(&c.store, "20300317-app00001").await;
    let (cookie, csrf) = signed_in(&c).await;
    let today = send(&c.app, get("/staff/", Some(&cookie))).await;
    assert!(today.text.contains("今日の仕事"), "{}", today.text);
    assert!(today.text.contains("新しい申し込み（マッチング待ち）"));
    let page = send(
        &c.app,
        get("/staff/applications/20300317-app00001", Some(&cookie)),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text.contains("hanako@example.jp"),
        "contact only on a click"
    );
    assert_eq!(
        send(&c.app, get("/staff/applications/nope", Some(&cookie)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let path = "/staff/applications/20300317-app00001/contact";
    let no_token = send(&c.app, form_post(path, "", Some(ORIGIN), Some(&cookie))).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let foreign = send(
        &c.app,
        form_post(
            path,
            &format!("csrf={csrf}"),
            Some("https://evil.example"),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let no_origin = send(
        &c.app,
        form_post(path, &format!("csrf={csrf}"), None, Some(&cookie)),
    )
    .await;
    assert_eq!(no_origin.status, StatusCode::FORBIDDEN);
    let shown = send(
        &c.app,
        form_post(path, &format!("csrf={csrf}"), Some(ORIGIN), Some(&cookie)),
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.text.contains("hanako@example.jp"));

    let assign = format!("csrf={csrf}&application=20300317-app00001&mentor=aoki");
    let made = send(
        &c.app,
        form_post("/staff/assign", &assign, Some(ORIGIN), Some(&cookie)),
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    assert!(
        made.text.contains("マッチングを作成しました"),
        "{}",
        made.text
    );
    let twice = send(
        &c.app,
        form_post("/staff/assign", &assign, Some(ORIGIN), Some(&cookie)),
    )
    .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text);
    assert_eq!(
        c.store.active_matches().await.unwrap().len(),
        1,
        "one match"
    );
    let mails: Vec<String> = c
        .store
        .list_mail(MailStatus::Pending, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.template)
        .collect();
    assert!(
        mails.contains(&"match_mentee".to_string()) && mails.contains(&"match_mentor".to_string()),
        "{mails:?}"
    );

    let audit = c
        .store
        .list_audit(time::OffsetDateTime::UNIX_EPOCH, 100)
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("sign_in", STAFF),
            ("view_contact", STAFF),
            ("assign", STAFF)
        ]
    );
    assert_eq!(audit[1].ids, ["20300317-app00001"]);
    let text = format!("{audit:?}");
    assert!(!text.contains("hanako"), "ids only: {text}");

    // Sign out: the session is gone at once.
    let out = send(
        &c.app,
        form_post(
            "/staff/signout",
            &format!("csrf={csrf}"),
            Some(ORIGIN),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let after = send(&c.app, get("/staff/applications", Some(&cookie))).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    let post_after = send(
        &c.app,
        form_post(path, &format!("csrf={csrf}"), Some(ORIGIN), Some(&cookie)),
    )
    .await;
    assert_eq!(post_after.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_console_page_answers_a_signed_in_staff_member() {
    let c = console();
    put_application(&c.store, "20300317-app00002").await;
    let (cookie, _) = signed_in(&c).await;
    for path in [
        "/staff/",
        "/staff/applications",
        "/staff/applications?status=all&needs_call=1&since=2030-03-01",
        "/staff/propose",
        "/staff/inquiries",
        "/staff/matches",
        "/staff/sheets",
        "/staff/report",
        "/staff/mail",
        "/staff/assign?application=20300317-app00002&mentor=aoki",
    ] {
        let a = send(&c.app, get(path, Some(&cookie))).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
        assert!(a.text.contains("<html lang=\"ja\">"), "{path}");
    }
    let csv = send(
        &c.app,
        get(
            "/staff/report.csv?from=2030-03-01&to=2030-03-31",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(csv.text.starts_with("\u{feff}企業コード,"));
    assert_eq!(
        send(&c.app, get("/staff/nowhere", Some(&cookie)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&c.app, get("/staff/report", None)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn notes_are_saved_over_the_version_seen_and_inquiry_contacts_are_audited() {
    let c = console();
    put_application(&c.store, "20300317-app00003").await;
    let inquiry = NewRecord {
        kind: RecordKind::Inquiry,
        id: "20300317-inq00001".into(),
        created_at: pinned_now(),
        status: "received".into(),
        idempotency_key: "inq".into(),
        expires_at: pinned_now() + time::Duration::days(365),
        body: serde_json::json!({ "kind": "consultation", "name": "相談 花子", "email": "soudan@example.jp", "message": "転職の相談です" }),
        mail: vec![],
    };
    c.store
        .put_once(inquiry, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    let (cookie, csrf) = signed_in(&c).await;
    let path = "/staff/applications/20300317-app00003/note";
    let first = send(
        &c.app,
        form_post(
            path,
            &format!("csrf={csrf}&seen=&note={}", enc("平日夜に電話可")),
            Some(ORIGIN),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert!(first.text.contains("平日夜に電話可"));
    // A page opened before that save still says "no note": refused, the first note kept.
    let stale = send(
        &c.app,
        form_post(
            path,
            &format!("csrf={csrf}&seen=&note=other"),
            Some(ORIGIN),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.text.contains("ほかの人が先に更新しました"));
    let note = c
        .store
        .get_note(RecordKind::Application, "20300317-app00003")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(note.text, "平日夜に電話可");
    assert_eq!(note.updated_by, STAFF);

    let page = send(
        &c.app,
        get("/staff/inquiries/20300317-inq00001", Some(&cookie)),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("転職の相談です") && !page.text.contains("soudan@example.jp"));
    let shown = send(
        &c.app,
        form_post(
            "/staff/inquiries/20300317-inq00001/contact",
            &format!("csrf={csrf}"),
            Some(ORIGIN),
            Some(&cookie),
        ),
    )
    .await;
    assert!(shown.text.contains("soudan@example.jp"));
    let audit = c
        .store
        .list_audit(time::OffsetDateTime::UNIX_EPOCH, 100)
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["sign_in", "note", "view_contact"]);
    assert_eq!(
        send(&c.app, get("/staff/inquiries/nope", Some(&cookie)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
