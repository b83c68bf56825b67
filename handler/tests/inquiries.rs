//! `POST /api/inquiries` through `oneshot`: each kind stored once, each field's Japanese
//! message, idempotent retries, the honeypot, origin and rate limit, form posts.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{harness, harness_with, post_to, send, Harness};
use handler::forms::InquiryKind;
use handler::inquiries::inquiries_of;
use handler::store::{RecordKind, StoredRecord};
use serde_json::{json, Value};
use time::OffsetDateTime;

fn post(content_type: &str, body: impl Into<Body>) -> Request<Body> {
    post_to("/api/inquiries", content_type, body)
}

fn post_json(body: &Value) -> Request<Body> {
    post("application/json", body.to_string())
}

fn valid(kind: InquiryKind) -> Value {
    let mut body = json!({
        "kind": kind.as_str(),
        "name": "山田 花子",
        "email": "hanako@example.jp",
        "message": "どんなメンターがいるか知りたいです。",
        "consent": true,
        "website": "",
    });
    let extra = match kind {
        InquiryKind::Consultation => {
            json!({"preferred_times": "平日20時以降", "phone": "090-1234-5678"})
        }
        InquiryKind::Briefing => json!({"briefing_date": "2036-12-06"}),
        InquiryKind::Corporate => json!({
            "company": "株式会社サンプル", "company_size": "large", "contact_role": "人事部 課長"
        }),
    };
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn inquiries(h: &Harness) -> Vec<StoredRecord> {
    h.store
        .list_by_kind(RecordKind::Inquiry, OffsetDateTime::UNIX_EPOCH, 100)
        .await
        .unwrap()
}

#[tokio::test]
async fn each_kind_is_stored_once_as_an_inquiry_queryable_by_kind() {
    let h = harness();
    for kind in InquiryKind::ALL {
        let a = send(&h.app, post_json(&valid(kind))).await;
        assert_eq!(a.status, StatusCode::CREATED, "{kind:?}: {}", a.text);
        assert_eq!(a.json()["status"], "received");
    }
    let all = inquiries(&h).await;
    assert_eq!(all.len(), 3);
    let apps = h
        .store
        .list_by_kind(RecordKind::Application, OffsetDateTime::UNIX_EPOCH, 10)
        .await
        .unwrap();
    assert!(apps.is_empty(), "inquiries are not applications");
    for kind in InquiryKind::ALL {
        let of_kind = inquiries_of(&h.store, kind, OffsetDateTime::UNIX_EPOCH, 10)
            .await
            .unwrap();
        assert_eq!(of_kind.len(), 1, "{kind:?}");
        assert_eq!(of_kind[0].body["kind"], kind.as_str());
        assert_eq!(of_kind[0].body["name"], "山田 花子");
    }
    let corporate = inquiries_of(
        &h.store,
        InquiryKind::Corporate,
        OffsetDateTime::UNIX_EPOCH,
        1,
    )
    .await
    .unwrap();
    assert_eq!(corporate[0].body["company_size"], "large");
    assert_eq!(corporate[0].body["briefing_date"], Value::Null);
}

#[tokio::test]
async fn a_retry_with_the_same_submission_id_stores_nothing_new() {
    let h = harness();
    let mut body = valid(InquiryKind::Briefing);
    body["submission_id"] = json!("7b0c1f2e-3d4a-4b5c-8d6e-9f0a1b2c3d4e");
    let first = send(&h.app, post_json(&body)).await;
    let again = send(&h.app, post_json(&body)).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(first.json()["id"], again.json()["id"]);
    // Without an id, the same payload is a replay too.
    let plain = valid(InquiryKind::Consultation);
    send(&h.app, post_json(&plain)).await;
    send(&h.app, post_json(&plain)).await;
    assert_eq!(inquiries(&h).await.len(), 2);
}

#[tokio::test]
async fn each_bad_field_gets_its_japanese_message_and_nothing_is_stored() {
    let h = harness();
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"kind": null}),
            "kind",
            "お問い合わせの種類を選んでください",
        ),
        (
            json!({"kind": "seminar"}),
            "kind",
            "お問い合わせの種類の選択肢にない値です",
        ),
        (json!({"name": ""}), "name", "お名前を入力してください"),
        (
            json!({"email": "hanako"}),
            "email",
            "メールアドレスの形式が正しくありません",
        ),
        (
            json!({"consent": false}),
            "consent",
            "個人情報の取り扱いに同意してください",
        ),
        (
            json!({"preferred_times": null}),
            "preferred_times",
            "ご希望の日時を入力してください",
        ),
        (
            json!({"phone": "abc"}),
            "phone",
            "電話番号は数字とハイフンで入力してください（例：090-1234-5678）",
        ),
        (
            json!({"message": "あ".repeat(2001)}),
            "message",
            "メッセージは2000文字以内で入力してください",
        ),
        (
            json!({"company": "株式会社"}),
            "company",
            "この項目は受け付けていません",
        ),
    ];
    for (patch, field, message) in cases {
        let mut body = valid(InquiryKind::Consultation);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let a = send(&h.app, post_json(&body)).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            a.text
        );
        assert_eq!(a.json()["error"], "validation");
        assert_eq!(a.field(field), message);
    }
    let mut briefing = valid(InquiryKind::Briefing);
    briefing["briefing_date"] = json!("2036-12-07");
    let a = send(&h.app, post_json(&briefing)).await;
    assert_eq!(a.field("briefing_date"), "参加する日程の選択肢にない値です");
    briefing["briefing_date"] = Value::Null;
    let a = send(&h.app, post_json(&briefing)).await;
    assert_eq!(a.field("briefing_date"), "参加する日程を選んでください");

    let corporate = json!({"kind": "corporate", "consent": true});
    let a = send(&h.app, post_json(&corporate)).await;
    assert_eq!(a.field("company"), "会社名・団体名を入力してください");
    assert_eq!(a.field("company_size"), "企業規模を選んでください");
    assert_eq!(
        a.field("contact_role"),
        "ご担当者さまの部署・役職を入力してください"
    );
    assert_eq!(a.field("name"), "お名前を入力してください");
    assert_eq!(a.field("email"), "メールアドレスを入力してください");
    let mut corporate = valid(InquiryKind::Corporate);
    corporate["company_size"] = json!("huge");
    let a = send(&h.app, post_json(&corporate)).await;
    assert_eq!(a.field("company_size"), "企業規模の選択肢にない値です");

    assert!(inquiries(&h).await.is_empty());
}

#[tokio::test]
async fn a_filled_honeypot_looks_accepted_but_stores_nothing() {
    let h = harness();
    let mut body = valid(InquiryKind::Corporate);
    body["website"] = json!("https://spam.example");
    let a = send(&h.app, post_json(&body)).await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert!(inquiries(&h).await.is_empty());
}

#[tokio::test]
async fn a_form_post_lands_on_its_kinds_thank_you_page_and_errors_get_a_page() {
    let h = harness();
    let form = "kind=briefing&briefing_date=2036-12-06&name=%E5%B1%B1%E7%94%B0\
        &email=hanako%40example.jp&consent=true&website=&submission_id=";
    let a = send(&h.app, post("application/x-www-form-urlencoded", form)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    assert_eq!(
        a.headers[header::LOCATION],
        "https://mikke.example.jp/briefing/thanks/"
    );
    assert_eq!(inquiries(&h).await.len(), 1);

    let bad = "kind=corporate&name=&email=x&consent=true";
    let a = send(&h.app, post("application/x-www-form-urlencoded", bad)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.text.contains("<li>会社名・団体名を入力してください</li>"),
        "{}",
        a.text
    );
    assert!(a
        .text
        .contains("<li>メールアドレスの形式が正しくありません</li>"));
    assert!(a
        .text
        .contains(r#"href="https://mikke.example.jp/corporate/""#));
    assert!(!a.text.contains("hanako"), "no personal data echoed");
    assert_eq!(inquiries(&h).await.len(), 1);
}

#[tokio::test]
async fn foreign_origins_are_refused_and_the_rate_limit_applies() {
    let h = harness();
    let request = Request::post("/api/inquiries")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(valid(InquiryKind::Consultation).to_string()))
        .unwrap();
    assert_eq!(send(&h.app, request).await.status, StatusCode::FORBIDDEN);

    let h = harness_with(&[("MIKKE_RATE_LIMIT", "2")]);
    let mut statuses = Vec::new();
    for i in 0..3 {
        let mut body = valid(InquiryKind::Consultation);
        body["submission_id"] = json!(format!("rate-limit-{i}"));
        let a = send(&h.app, post_json(&body)).await;
        statuses.push(a.status);
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(a.headers.contains_key(header::RETRY_AFTER));
        }
    }
    assert_eq!(
        statuses,
        [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    assert_eq!(inquiries(&h).await.len(), 2);
}

#[tokio::test]
async fn unreadable_bodies_and_other_types_are_refused() {
    let h = harness();
    assert_eq!(
        send(&h.app, post("application/json", "{")).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        send(&h.app, post("text/plain", "x")).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let get = Request::get("/api/inquiries").body(Body::empty()).unwrap();
    assert_eq!(
        send(&h.app, get).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn a_past_or_full_briefing_date_is_refused_in_japanese_and_nothing_is_stored() {
    let h = harness();
    let mut past = valid(InquiryKind::Briefing);
    past["briefing_date"] = json!("2026-12-05");
    let a = send(&h.app, post_json(&past)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
    assert_eq!(
        a.field("briefing_date"),
        "この日程の説明会はすでに終了しました。ほかの日程をお選びください"
    );
    // Capacity 2: two addresses take the places; her retry still replays; a third is refused.
    let mut first = valid(InquiryKind::Briefing);
    first["submission_id"] = json!("briefing-first-0001");
    let stored = send(&h.app, post_json(&first)).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text);
    let mut second = valid(InquiryKind::Briefing);
    second["email"] = json!("sakura@example.jp");
    assert_eq!(
        send(&h.app, post_json(&second)).await.status,
        StatusCode::CREATED
    );
    let retry = send(&h.app, post_json(&first)).await;
    assert_eq!(
        retry.status,
        StatusCode::CREATED,
        "a retry of an accepted sign-up"
    );
    assert_eq!(retry.json()["id"], stored.json()["id"]);
    let mut third = valid(InquiryKind::Briefing);
    third["email"] = json!("yui@example.jp");
    let full = send(&h.app, post_json(&third)).await;
    assert_eq!(full.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        full.field("briefing_date"),
        "この日程は定員に達しました。ほかの日程をお選びください"
    );
    let briefings: Vec<_> = inquiries(&h)
        .await
        .into_iter()
        .filter(|r| r.body["kind"] == "briefing")
        .collect();
    assert_eq!(briefings.len(), 2, "nothing stored for the refused ones");
}
