//! Every answer of the router, through `oneshot`, with the SQLite store.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::{harness, harness_with, pinned_now, post_to, send, Answer, Harness};
use handler::store::RecordKind;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;

fn post(content_type: &str, body: impl Into<Body>) -> Request<Body> {
    post_to("/api/applications", content_type, body)
}

fn post_json(body: &Value) -> Request<Body> {
    post("application/json", body.to_string())
}

fn valid() -> Value {
    json!({
        "name": "山田 花子",
        "email": "hanako@example.jp",
        "phone": "090-1234-5678",
        "age_band": "30s",
        "industry": "it",
        "company_size": "sme",
        "job_function": "engineering",
        "situations": ["raising_children", "new_leader"],
        "topics": ["promotion_decision", "work_life_balance", "leadership"],
        "preferences": ["same_industry", "sme"],
        "preferred_mentors": [],
        "plan": "standard",
        "applicant_type": "individual",
        "message": "管理職への登用を打診されています。子育てと両立できるか不安です。",
        "consent": true,
        "website": "",
    })
}

const VALID_FORM: &str =
    "name=%E5%B1%B1%E7%94%B0&email=hanako%40example.jp&age_band=30s&industry=it\
    &company_size=sme&topics=leadership&topics=confidence&plan=single&applicant_type=individual\
    &consent=on&website=";

async fn stored(h: &Harness) -> Vec<handler::store::StoredRecord> {
    h.store
        .list_by_status(RecordKind::Application, "received", 100)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_json_application_is_stored_once_with_its_scores() {
    let h = harness();
    let a = send(&h.app, post_json(&valid())).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let id = a.json()["id"].as_str().unwrap().to_string();
    assert_eq!(a.json(), json!({"id": id, "status": "received"}));
    assert!(id.starts_with("20300317-"), "{id}");

    let record = h
        .store
        .get(RecordKind::Application, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.status, "received");
    let body = record.body;
    assert_eq!(body["application"]["email"], "hanako@example.jp");
    assert_eq!(body["match"]["suggestions"][0]["slug"], "aoki");
    assert_eq!(body["match"]["suggestions"][0]["score"], 92);
    assert_eq!(
        body["match"]["suggestions"][0]["reasons"][0],
        "同じ業種（IT・通信）"
    );
    // The message is under 80 characters: "short", 15 points off.
    assert_eq!(body["completeness"]["score"], 85);
    assert_eq!(body["completeness"]["missing"][0]["item"], "short_message");
    assert_eq!(body["completeness"]["needs_call"], false);
    assert_eq!(
        record.expires_at.unix_timestamp(),
        pinned_now().unix_timestamp() + 730 * 86_400
    );
}

/// Each stored submission keeps the privacy policy version its form showed and that
/// version's hash (issue 15): the current one by default, an older one from a page cached
/// before a change; a version never published is a 422 on `consent` and nothing is stored.
#[tokio::test]
async fn a_submission_keeps_the_privacy_version_it_was_shown() {
    let h = harness();
    let mut cases = Vec::new();
    for (posted, submission) in [(None, "sub-consent-now"), (Some("1"), "sub-consent-old")] {
        let mut body = valid();
        body["submission_id"] = json!(submission);
        if let Some(v) = posted {
            body["consent_version"] = json!(v);
        }
        let a = send(&h.app, post_json(&body)).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        let id = a.json()["id"].as_str().unwrap().to_string();
        let record = h
            .store
            .get(RecordKind::Application, &id)
            .await
            .unwrap()
            .unwrap();
        cases.push(record.body["consent"].clone());
    }
    assert_eq!(
        cases,
        [
            json!({"version": 2, "notice_sha256": "2".repeat(64)}),
            json!({"version": 1, "notice_sha256": "1".repeat(64)}),
        ]
    );
    for bad in ["7", "x"] {
        let mut body = valid();
        body["submission_id"] = json!(format!("sub-consent-{bad}"));
        body["consent_version"] = json!(bad);
        let a = send(&h.app, post_json(&body)).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
        assert!(
            a.text.contains("プライバシーポリシーが改定されています"),
            "{}",
            a.text
        );
    }
    assert_eq!(stored(&h).await.len(), 2);
    // The plain form post (no JavaScript) carries it as a hidden field.
    let a = send(
        &h.app,
        post(
            "application/x-www-form-urlencoded",
            format!("{VALID_FORM}&consent_version=2&submission_id=sub-consent-form"),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    assert_eq!(stored(&h).await.len(), 3);
}

#[tokio::test]
async fn a_retry_with_the_same_submission_id_gets_the_same_answer_and_stores_nothing_new() {
    let h = harness();
    let mut body = valid();
    body["submission_id"] = json!("9f1c2b7e-aaaa-4bbb-8ccc-123456789abc");
    let first = send(&h.app, post_json(&body)).await;
    body["message"] = json!("二度目の送信で内容が少し変わっても同じ申し込みです。");
    let second = send(&h.app, post_json(&body)).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!((second.status, second.json()), (first.status, first.json()));
    assert_eq!(stored(&h).await.len(), 1);
}

#[tokio::test]
async fn the_same_payload_without_an_id_is_a_replay_and_a_different_one_is_not() {
    let h = harness();
    let first = send(&h.app, post_json(&valid())).await;
    let mut reordered = valid();
    reordered["topics"] = json!(["leadership", "work_life_balance", "promotion_decision"]);
    let second = send(&h.app, post_json(&reordered)).await;
    assert_eq!(first.json(), second.json());
    let mut other = valid();
    other["plan"] = json!("single");
    let third = send(&h.app, post_json(&other)).await;
    assert_eq!(third.status, StatusCode::CREATED);
    assert_ne!(third.json()["id"], first.json()["id"]);
    assert_eq!(stored(&h).await.len(), 2);
}

#[tokio::test]
async fn concurrent_double_posts_store_one_application() {
    let h = harness();
    let answers = futures_join(&h.app, 8).await;
    let ids: std::collections::HashSet<String> = answers
        .iter()
        .map(|a| a.json()["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(stored(&h).await.len(), 1);
}

async fn futures_join(app: &Router, n: usize) -> Vec<Answer> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { send(&app, post_json(&valid())).await })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    answers
}

/// One case per field message: the change to a valid application, the field, the message.
#[tokio::test]
async fn each_bad_field_gets_its_japanese_message() {
    let long_name = "あ".repeat(101);
    let long_message = "あ".repeat(4_001);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("name", json!(""), "お名前を入力してください"),
        (
            "name",
            json!(long_name),
            "お名前は100文字以内で入力してください",
        ),
        (
            "name",
            json!("山田\n花子"),
            "お名前に改行や制御文字は使えません",
        ),
        ("name", json!(42), "お名前の形式が正しくありません"),
        ("email", json!(null), "メールアドレスを入力してください"),
        (
            "email",
            json!("hanako@example"),
            "メールアドレスの形式が正しくありません",
        ),
        (
            "phone",
            json!("abc"),
            "電話番号は数字とハイフンで入力してください（例：090-1234-5678）",
        ),
        ("age_band", json!(""), "年代を選んでください"),
        ("age_band", json!("70s"), "年代の選択肢にない値です"),
        ("industry", json!("space"), "業種の選択肢にない値です"),
        ("company_size", json!(null), "企業規模を選んでください"),
        ("job_function", json!("chef"), "職種の選択肢にない値です"),
        (
            "situations",
            json!(["retired"]),
            "現在の状況の選択肢にない値が含まれています",
        ),
        (
            "topics",
            json!([]),
            "相談したいテーマを1つ以上選んでください",
        ),
        (
            "topics",
            json!({"a": 1}),
            "相談したいテーマの形式が正しくありません",
        ),
        (
            "preferences",
            json!(["rich"]),
            "メンターへの希望の選択肢にない値が含まれています",
        ),
        (
            "preferred_mentors",
            json!(["aoki", "ito", "kato", "sato"]),
            "希望するメンターは3人まで選べます",
        ),
        (
            "preferred_mentors",
            json!(["nobody"]),
            "希望するメンターの選択肢にない値が含まれています",
        ),
        ("plan", json!("gold"), "プランの選択肢にない値です"),
        (
            "applicant_type",
            json!("robot"),
            "お申し込みの種類（個人・法人）の選択肢にない値です",
        ),
        (
            "company_code",
            json!("会社"),
            "企業コードは英数字とハイフンで入力してください",
        ),
        (
            "message",
            json!(long_message),
            "メッセージは4000文字以内で入力してください",
        ),
        (
            "message",
            json!("a\u{7}b"),
            "メッセージに使えない文字が含まれています",
        ),
        (
            "consent",
            json!(false),
            "個人情報の取り扱いに同意してください",
        ),
        (
            "submission_id",
            json!("x y"),
            "送信IDは英数字とハイフンで入力してください",
        ),
        ("nickname", json!("はな"), "この項目は受け付けていません"),
    ];
    let h = harness();
    for (field, value, message) in cases {
        let mut body = valid();
        body[field] = value;
        let a = send(&h.app, post_json(&body)).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            a.text
        );
        assert_eq!(
            a.json(),
            json!({"error": "validation", "fields": {field: message}}),
            "{field}"
        );
    }
    let mut corporate = valid();
    corporate["applicant_type"] = json!("corporate");
    let a = send(&h.app, post_json(&corporate)).await;
    assert_eq!(
        a.json()["fields"]["company_code"],
        "法人でのお申し込みには企業コードを入力してください"
    );
    assert!(stored(&h).await.is_empty());
}

#[tokio::test]
async fn every_bad_field_is_listed_at_once() {
    let h = harness();
    let a = send(&h.app, post_json(&json!({"consent": "no"}))).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = a.json()["fields"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(
        fields,
        [
            "age_band",
            "applicant_type",
            "company_size",
            "consent",
            "email",
            "industry",
            "name",
            "plan",
            "topics"
        ]
    );
}

#[tokio::test]
async fn unreadable_bodies_are_400() {
    let h = harness();
    for (content_type, body) in [
        ("application/json", "{\"name\":"),
        ("application/json", "[1, 2]"),
        ("application/json; charset=utf-8", "\"just a string\""),
        ("application/x-www-form-urlencoded", "name=%E5%B1"),
        ("application/x-www-form-urlencoded", "name=%GG"),
    ] {
        let a = send(&h.app, post(content_type, body)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}");
    }
    let a = send(&h.app, post("application/json", vec![0xff, 0xfe])).await;
    assert_eq!(a.json()["error"], "bad_request");
}

#[tokio::test]
async fn bodies_over_64_kib_are_413_by_header_and_by_size() {
    let h = harness();
    let declared = Request::post("/api/applications")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "70000")
        .body(Body::from("{}"))
        .unwrap();
    let a = send(&h.app, declared).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.json()["error"], "too_large");
    let big = json!({"message": "a".repeat(70_000)}).to_string();
    let a = send(&h.app, post("application/json", big)).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn other_content_types_are_415() {
    let h = harness();
    for content_type in [
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/json; charset=shift_jis",
    ] {
        let a = send(&h.app, post(content_type, "{}")).await;
        assert_eq!(
            a.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
        assert_eq!(a.json()["error"], "unsupported_media_type");
    }
    let bare = Request::post("/api/applications")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(
        send(&h.app, bare).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
}

#[tokio::test]
async fn origins_outside_the_list_are_403_and_listed_ones_get_cors_headers() {
    let h = harness_with(&[(
        "MIKKE_ALLOWED_ORIGINS",
        "https://mikke.example.jp,https://preview.mikke.example.jp",
    )]);
    let mut evil = post_json(&valid());
    evil.headers_mut()
        .insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    let a = send(&h.app, evil).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.json()["error"], "forbidden_origin");
    assert!(stored(&h).await.is_empty());

    let mut ours = post_json(&valid());
    ours.headers_mut().insert(
        header::ORIGIN,
        "https://preview.mikke.example.jp".parse().unwrap(),
    );
    let a = send(&h.app, ours).await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(
        a.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://preview.mikke.example.jp"
    );

    let preflight = |origin: &str| {
        Request::options("/api/applications")
            .header(header::ORIGIN, origin)
            .body(Body::empty())
            .unwrap()
    };
    let a = send(&h.app, preflight("https://mikke.example.jp")).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(a.headers[header::ACCESS_CONTROL_ALLOW_METHODS], "POST");
    assert_eq!(
        send(&h.app, preflight("null")).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn past_the_rate_limit_clients_get_429_with_retry_after() {
    let h = harness_with(&[("MIKKE_RATE_LIMIT", "2")]);
    let from = |ip: &str| {
        let mut r = post_json(&json!({}));
        r.headers_mut()
            .insert("x-forwarded-for", ip.parse().unwrap());
        r
    };
    assert_eq!(
        send(&h.app, from("203.0.113.9")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        send(&h.app, from("203.0.113.9")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let a = send(&h.app, from("203.0.113.9")).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.headers[header::RETRY_AFTER], "55");
    assert_eq!(a.json()["error"], "rate_limited");
    // Another client has its own budget.
    assert_eq!(
        send(&h.app, from("198.51.100.4")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn through_cloudfront_each_viewer_has_her_own_budget_and_spoofs_are_not_believed() {
    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    let h = harness_with(&[("MIKKE_RATE_LIMIT", "2"), ("MIKKE_ORIGIN_SECRET", SECRET)]);
    // All of them reach the handler from the same edge server.
    let request = |viewer: &str, secret: Option<&str>| {
        let mut r = post_json(&json!({}));
        let headers = r.headers_mut();
        headers.insert("x-forwarded-for", "130.176.1.1".parse().unwrap());
        headers.insert("cloudfront-viewer-address", viewer.parse().unwrap());
        if let Some(secret) = secret {
            headers.insert("x-mikke-origin-secret", secret.parse().unwrap());
        }
        r
    };
    let status = |r| async { send(&h.app, r).await.status };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    for _ in 0..2 {
        assert_eq!(
            status(request("203.0.113.9:1000", Some(SECRET))).await,
            unprocessable
        );
    }
    assert_eq!(
        status(request("203.0.113.9:2000", Some(SECRET))).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another visitor at the same edge is not limited with her.
    assert_eq!(
        status(request("2001:db8::7:443", Some(SECRET))).await,
        unprocessable
    );
    // Without the secret the viewer header is a client's claim: the edge's budget counts.
    for _ in 0..2 {
        assert_eq!(status(request("198.51.100.1:1", None)).await, unprocessable);
    }
    assert_eq!(
        status(request("198.51.100.2:1", Some("wrong-secret"))).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_filled_honeypot_looks_accepted_but_stores_nothing() {
    let h = harness();
    let mut body = valid();
    body["website"] = json!("https://spam.example");
    let a = send(&h.app, post_json(&body)).await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.json()["status"], "received");
    let form = send(
        &h.app,
        post(
            "application/x-www-form-urlencoded",
            "website=http%3A%2F%2Fspam&name=x",
        ),
    )
    .await;
    assert_eq!(form.status, StatusCode::SEE_OTHER);
    assert!(stored(&h).await.is_empty());
}

#[tokio::test]
async fn a_form_post_is_redirected_to_the_thank_you_page() {
    let h = harness();
    let a = send(
        &h.app,
        post("application/x-www-form-urlencoded", VALID_FORM),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    assert_eq!(
        a.headers[header::LOCATION],
        "https://mikke.example.jp/apply/thanks/"
    );
    let records = stored(&h).await;
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0].body["application"]["topics"],
        json!(["leadership", "confidence"])
    );
}

#[tokio::test]
async fn a_bad_form_post_gets_a_japanese_page_listing_each_problem() {
    let h = harness();
    let a = send(
        &h.app,
        post(
            "application/x-www-form-urlencoded",
            "name=%E5%B1%B1%E7%94%B0&email=nope",
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(a.text.contains(r#"<html lang="ja">"#));
    for message in [
        "メールアドレスの形式が正しくありません",
        "相談したいテーマを1つ以上選んでください",
        "個人情報の取り扱いに同意してください",
    ] {
        assert!(a.text.contains(&format!("<li>{message}</li>")), "{message}");
    }
    assert!(a.text.contains(r#"href="https://mikke.example.jp/apply/""#));
    assert!(
        !a.text.contains("山田"),
        "the page repeats no personal data"
    );
    assert!(a.headers.get(header::LOCATION).is_none());

    let a = send(
        &h.app,
        post("application/x-www-form-urlencoded", "name=%ZZ"),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text.contains("送信された内容を読み取れませんでした"));
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_json() {
    let h = harness();
    let a = send(
        &h.app,
        Request::get("/api/nothing").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.json()["error"].clone()),
        (StatusCode::NOT_FOUND, json!("not_found"))
    );
    let a = send(
        &h.app,
        Request::get("/api/applications")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.json()["error"].clone()),
        (StatusCode::METHOD_NOT_ALLOWED, json!("method_not_allowed"))
    );
    let a = send(
        &h.app,
        Request::get("/api/health").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.json()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
}

#[tokio::test]
async fn the_site_directory_is_served_beside_the_api() {
    let site = TempDir::new().unwrap();
    std::fs::create_dir_all(site.path().join("apply")).unwrap();
    std::fs::write(site.path().join("apply/index.html"), "<h1>申し込み</h1>").unwrap();
    let h = harness_with(&[("MIKKE_SITE_DIR", site.path().to_str().unwrap())]);
    let a = send(&h.app, Request::get("/apply/").body(Body::empty()).unwrap()).await;
    assert_eq!(
        (a.status, a.text.as_str()),
        (StatusCode::OK, "<h1>申し込み</h1>")
    );
    let a = send(
        &h.app,
        Request::get("/api/nothing").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json()["error"], "not_found");
}

/// The local server answers like a static host should: text compressed for a browser that
/// accepts it, the search index's already-gzipped `.bin` files untouched (they are read by
/// Range), and a missing page gets the site's own 404 page with a 404 status.
#[tokio::test]
async fn the_site_is_compressed_and_a_missing_page_gets_the_sites_404_page() {
    let site = TempDir::new().unwrap();
    let page = format!("<h1>メンター</h1>{}", "<p>育休から復帰して</p>".repeat(50));
    std::fs::write(site.path().join("index.html"), &page).unwrap();
    std::fs::write(
        site.path().join("404.html"),
        "<h1>ページが見つかりません</h1>",
    )
    .unwrap();
    std::fs::create_dir_all(site.path().join("search")).unwrap();
    std::fs::write(site.path().join("search/postings.bin"), [0x1f_u8; 400]).unwrap();
    let h = harness_with(&[("MIKKE_SITE_DIR", site.path().to_str().unwrap())]);
    let get = |path: &str| {
        Request::get(path)
            .header("accept-encoding", "br, gzip")
            .body(Body::empty())
            .unwrap()
    };
    let response = h.app.clone().oneshot(get("/")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "br");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(
        body.len() < page.len() / 4,
        "{} of {} bytes",
        body.len(),
        page.len()
    );
    let response = h
        .app
        .clone()
        .oneshot(get("/search/postings.bin"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("content-encoding").is_none());
    let a = send(
        &h.app,
        Request::get("/no-such-page/").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.text, "<h1>ページが見つかりません</h1>");
}

/// Pages, the diary page, API answers and errors all carry the strict policy; only the API
/// and the diary say `no-store` (issue 15).
#[tokio::test]
async fn every_answer_carries_the_security_headers_and_private_ones_are_not_stored() {
    let site = TempDir::new().unwrap();
    for dir in ["apply", "diary"] {
        std::fs::create_dir_all(site.path().join(dir)).unwrap();
        std::fs::write(site.path().join(dir).join("index.html"), "<h1>x</h1>").unwrap();
    }
    let h = harness_with(&[("MIKKE_SITE_DIR", site.path().to_str().unwrap())]);
    let cases = [
        ("/apply/", StatusCode::OK, false),
        ("/diary/", StatusCode::OK, true),
        ("/api/health", StatusCode::OK, true),
        ("/api/nothing", StatusCode::NOT_FOUND, true),
        ("/nothing/", StatusCode::NOT_FOUND, false),
    ];
    for (path, status, private) in cases {
        let a = send(&h.app, Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(a.status, status, "{path}");
        let headers = &a.headers;
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::REFERRER_POLICY], "same-origin", "{path}");
        assert!(headers.contains_key("permissions-policy"), "{path}");
        assert_eq!(
            headers
                .get(header::CACHE_CONTROL)
                .is_some_and(|v| v == "no-store"),
            private,
            "{path}"
        );
    }
}

/// A full disk: 503 in Japanese (page and JSON), nothing half-stored, and once space is
/// back the same submission is stored (SQLite's page cap fails writes as a full disk does).
#[tokio::test]
async fn a_full_disk_is_503_with_nothing_stored_and_the_retry_works_once_space_is_back() {
    let dir = TempDir::new().unwrap();
    let sqlite = handler::store::SqliteStore::open(dir.path()).unwrap();
    let h = common::harness_on(dir, sqlite.clone().into(), &[]);
    // Room for the rate counters, none for an application.
    let a = send(&h.app, post_json(&json!({}))).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let pages: u32 = rusqlite::Connection::open(sqlite.path())
        .unwrap()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    sqlite.set_max_pages(Some(pages)).await.unwrap();
    let mut body = valid();
    body["message"] = json!("相談したいことがあります。".repeat(100));
    body["submission_id"] = json!("full-disk-0001");
    let a = send(&h.app, post_json(&body)).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.text);
    assert_eq!(a.json()["error"], "unavailable");
    assert!(
        !a.text.contains("sqlite") && !a.text.contains("相談"),
        "{}",
        a.text
    );
    let long: String = "相談したいことがあります。"
        .repeat(100)
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect();
    let form = format!("{VALID_FORM}&message={long}");
    let page = send(&h.app, post("application/x-www-form-urlencoded", form)).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.text.contains("保存されていません"), "{}", page.text);
    assert!(stored(&h).await.is_empty(), "nothing half-written");

    sqlite.set_max_pages(None).await.unwrap();
    let a = send(&h.app, post_json(&body)).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(stored(&h).await.len(), 1);
}

#[cfg(feature = "aws")]
#[tokio::test]
async fn an_unreachable_store_is_503_without_internals() {
    use common::SITE;
    use handler::store::Store;
    use handler::{app, sample, AppState, Config, Matcher, Mode};
    use std::collections::HashMap;
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("ap-northeast-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .endpoint_url("http://127.0.0.1:9")
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    let store = Store::from(handler::store::DynamoStore::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        "mikke".into(),
    ));
    let env: HashMap<&str, &str> = HashMap::from([("MIKKE_SITE_URL", SITE)]);
    let config = Config::from_vars(Mode::Local, |n| env.get(n).map(|v| v.to_string())).unwrap();
    let app = app(AppState::new(
        store,
        Matcher::new(sample::small_catalog()).unwrap(),
        config,
    ));
    let a = send(&app, post_json(&valid())).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.json()["error"], "unavailable");
    assert!(
        !a.text.contains("127.0.0.1") && !a.text.contains("DynamoDB"),
        "{}",
        a.text
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn content_type() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("application/json".to_string()),
            Just("application/x-www-form-urlencoded".to_string()),
            Just("application/json; charset=UTF-8".to_string()),
            Just("text/html".to_string()),
            "[ -~]{0,40}",
        ]
    }

    fn body() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300),
            "[a-z_]{1,12}=[%0-9A-Za-z&=+]{0,40}(&[a-z_]{1,12}=[%0-9A-Fa-f&=+]{0,20}){0,8}"
                .prop_map(String::into_bytes),
            any::<String>().prop_map(|s| {
                serde_json::json!({"name": s, "topics": [s.clone()], "consent": true})
                    .to_string()
                    .into_bytes()
            }),
            Just(valid().to_string().into_bytes()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
        #[test]
        fn arbitrary_bodies_and_content_types_never_panic_or_5xx(ct in content_type(), body in body()) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let h = harness();
            let status = rt.block_on(async {
                let mut request = Request::post("/api/applications").body(Body::from(body)).unwrap();
                if let Ok(v) = ct.parse() {
                    request.headers_mut().insert(header::CONTENT_TYPE, v);
                }
                send(&h.app, request).await.status
            });
            prop_assert!(!status.is_server_error(), "{status}");
        }
    }
}
