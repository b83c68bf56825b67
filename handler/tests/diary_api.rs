//! The diary API (issue 6) through `oneshot`: sheets, replies, the thread, and the one 403
//! for every bad link.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use handler::matching::{assign, AssignRequest, Assigned};
use handler::store::{NewRecord, RecordKind, SqliteStore, Store};
use handler::tokens::{Claims, Role, SigningKey};
use handler::{app, sample, AppState, Config, Matcher, Mode};
use serde_json::{json, Value};
use tempfile::TempDir;
use time::OffsetDateTime;
use tower::ServiceExt;

struct Harness {
    app: Router,
    store: Store,
    key: SigningKey,
    _dir: TempDir,
}

fn harness_at(clock: fn() -> OffsetDateTime) -> Harness {
    let dir = TempDir::new().unwrap();
    let config = Config::from_vars(Mode::Local, |n| {
        (n == "MIKKE_SITE_URL").then(|| "https://mikke.example.jp".to_string())
    })
    .unwrap();
    let store = Store::from(SqliteStore::open(dir.path()).unwrap());
    let key = SigningKey::generate();
    let mut state = AppState::new(
        store.clone(),
        Matcher::new(sample::small_catalog()).unwrap(),
        config,
    )
    .with_signing_key(key.clone());
    state.clock = clock;
    Harness {
        app: app(state),
        store,
        key,
        _dir: dir,
    }
}

fn harness() -> Harness {
    harness_at(OffsetDateTime::now_utc)
}

/// A stored application and its match with `mentor`.
async fn matched(h: &Harness, app_id: &str, mentor: &str) -> Assigned {
    let body = json!({"application": sample::application()});
    let rec = NewRecord {
        kind: RecordKind::Application,
        id: app_id.into(),
        created_at: OffsetDateTime::now_utc(),
        status: "received".into(),
        idempotency_key: format!("k-{app_id}"),
        expires_at: OffsetDateTime::now_utc() + time::Duration::days(30),
        body,
        mail: vec![],
    };
    h.store
        .put_once(rec, Duration::from_secs(60))
        .await
        .unwrap();
    assign(
        &h.store,
        &sample::small_catalog(),
        &h.key,
        AssignRequest {
            application_id: app_id,
            mentor_slug: mentor,
            sessions: None,
            now: OffsetDateTime::now_utc(),
            retention_days: 30,
        },
    )
    .await
    .unwrap()
}

async fn call(
    h: &Harness,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = h.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, value)
}

fn sheet(session: u32, reflections: &str, satisfaction: u32) -> Value {
    json!({
        "session": session,
        "reflections": reflections,
        "strengths": "相手の話を最後まで聞ける",
        "next_actions": "来週の1on1で試す",
        "satisfaction": satisfaction,
        "want_staff_contact": false,
        "submission_id": format!("sub-{session}-{satisfaction}-{}", reflections.chars().count()),
    })
}

const REFLECTIONS: &str =
    "上司への伝え方について、事実と気持ちを分けて話すと伝わりやすいと気づきました。";

#[tokio::test]
async fn the_exchange_diary_goes_from_sheet_to_reply_and_each_side_sees_its_part() {
    let h = harness();
    let m = matched(&h, "a1", "aoki").await;
    let (mentee, mentor) = (m.links.mentee.expose(), m.links.mentor.expose());

    let (status, body) = call(&h, "GET", "/api/diary", Some(mentee), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["role"], "mentee");
    assert_eq!(body["match"]["mentor_name"], "メンターaoki");
    assert_eq!(body["match"]["sessions"], 3);
    assert_eq!(body["match"]["plan"], "standard");
    assert_eq!(body["next_session"], 1);
    assert_eq!(body["sheets"], json!([]));

    let first = sheet(1, REFLECTIONS, 4);
    let (status, body) = call(&h, "POST", "/api/sheets", Some(mentee), Some(first.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body, json!({"session": 1, "status": "received"}));
    let (status, again) = call(&h, "POST", "/api/sheets", Some(mentee), Some(first)).await;
    assert_eq!(
        (status, again),
        (StatusCode::CREATED, body),
        "a retry gets the same answer"
    );
    let (status, body) = call(
        &h,
        "POST",
        "/api/sheets",
        Some(mentee),
        Some(sheet(1, "別の内容です。", 3)),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["message"],
        "この回のシートはすでに提出されています。書き直したい場合は事務局にご連絡ください。"
    );

    let (status, body) = call(&h, "GET", "/api/diary", Some(mentor), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["role"], "mentor");
    let s = &body["sheets"][0];
    assert_eq!(s["reflections"], REFLECTIONS);
    assert_eq!(s["strengths"], "相手の話を最後まで聞ける");
    assert!(
        s.get("satisfaction").is_none(),
        "for the staff, not the mentor: {s}"
    );
    assert!(s.get("want_staff_contact").is_none());
    assert_eq!(s["reply"], Value::Null);
    assert!(!body.to_string().contains("hanako@example.jp"), "no emails");
    assert!(!body.to_string().contains("山田"), "no applicant name");

    let reply = json!({"session": 1, "reply": "素晴らしい気づきですね。"});
    let (status, _) = call(
        &h,
        "POST",
        "/api/sheets/reply",
        Some(mentor),
        Some(reply.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = call(&h, "POST", "/api/sheets/reply", Some(mentor), Some(reply)).await;
    assert_eq!(status, StatusCode::CREATED, "same reply again is a replay");
    let (status, body) = call(
        &h,
        "POST",
        "/api/sheets/reply",
        Some(mentor),
        Some(json!({"session": 1, "reply": "別の返信"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["message"],
        "このシートにはすでにお返事が届いています。"
    );
    let (status, body) = call(
        &h,
        "POST",
        "/api/sheets/reply",
        Some(mentor),
        Some(json!({"session": 2, "reply": "先に返信"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["fields"]["session"],
        "この回のシートはまだ提出されていません"
    );

    let (_, body) = call(&h, "GET", "/api/diary", Some(mentee), None).await;
    assert_eq!(
        body["sheets"][0]["reply"]["text"],
        "素晴らしい気づきですね。"
    );
    assert_eq!(
        body["sheets"][0]["satisfaction"], 4,
        "she sees her own answers"
    );
    assert_eq!(body["match"]["sessions_used"], 1);
    assert_eq!(body["next_session"], 2);
}

#[tokio::test]
async fn every_bad_link_gets_the_same_403_without_saying_whether_the_match_exists() {
    let h = harness();
    let m = matched(&h, "a1", "aoki").await;
    let (mentee, mentor) = (
        m.links.mentee.expose().to_string(),
        m.links.mentor.expose().to_string(),
    );
    let far = (OffsetDateTime::now_utc() + time::Duration::days(365)).unix_timestamp();
    let ghost = h.key.issue(&Claims {
        match_id: "m-20260101-nothere0".into(),
        role: Role::Mentee,
        expires_at: far,
        epoch: 0,
    });
    let other_key = SigningKey::generate().issue(&Claims {
        match_id: m.the_match.id.clone(),
        role: Role::Mentee,
        expires_at: far,
        epoch: 0,
    });
    let expired = h.key.issue(&Claims {
        match_id: m.the_match.id.clone(),
        role: Role::Mentee,
        expires_at: OffsetDateTime::now_utc().unix_timestamp() - 1,
        epoch: 0,
    });
    // Genuine and unexpired, but from an epoch the match never reached.
    let future_epoch = h.key.issue(&Claims {
        match_id: m.the_match.id.clone(),
        role: Role::Mentee,
        expires_at: far,
        epoch: 1,
    });
    let mut tampered = mentee.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();

    let mut answers = Vec::new();
    let good_sheet = sheet(1, REFLECTIONS, 4);
    for (what, method, path, token) in [
        ("none", "GET", "/api/diary", None),
        ("garbage", "GET", "/api/diary", Some("not-a-token")),
        ("tampered", "GET", "/api/diary", Some(tampered.as_str())),
        ("other key", "GET", "/api/diary", Some(other_key.expose())),
        ("expired", "GET", "/api/diary", Some(expired.expose())),
        ("no such match", "GET", "/api/diary", Some(ghost.expose())),
        (
            "another epoch",
            "GET",
            "/api/diary",
            Some(future_epoch.expose()),
        ),
        (
            "mentor posts a sheet",
            "POST",
            "/api/sheets",
            Some(mentor.as_str()),
        ),
        (
            "mentee replies",
            "POST",
            "/api/sheets/reply",
            Some(mentee.as_str()),
        ),
        ("ghost posts", "POST", "/api/sheets", Some(ghost.expose())),
    ] {
        let body = (method == "POST").then(|| good_sheet.clone());
        let (status, body) = call(&h, method, path, token, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
        answers.push(body);
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "identical answers: {answers:?}"
    );
    assert_eq!(answers[0]["error"], "forbidden");
    assert!(answers[0]["message"]
        .as_str()
        .unwrap()
        .contains("このリンクは無効"));
    let diary = h.store.diary(&m.the_match.id).await.unwrap().unwrap();
    assert!(
        diary.sheets.is_empty(),
        "nothing stored by refused requests"
    );
}

#[tokio::test]
async fn a_link_stops_working_at_its_expiry() {
    fn in_a_year() -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::days(365)
    }
    let h = harness_at(in_a_year);
    let m = matched(&h, "a1", "aoki").await; // links last 3 × 45 + 60 days
    let (status, _) = call(&h, "GET", "/api/diary", Some(m.links.mentee.expose()), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Assigning writes the provision record with the match: who got which fields (names, not
/// values), when, under which consent; her address only as a keyed hash.
#[tokio::test]
async fn assign_records_what_went_to_which_mentor_and_nothing_more() {
    let h = harness();
    let m = matched(&h, "a1", "aoki").await;
    let records = h.store.list_provisions().await.unwrap();
    assert_eq!(records.len(), 1);
    let p = &records[0];
    assert_eq!(
        (
            p.match_id.as_str(),
            p.application_id.as_str(),
            p.mentor_slug.as_str()
        ),
        (m.the_match.id.as_str(), "a1", "aoki")
    );
    assert_eq!(p.fields, ["name", "email", "plan"]);
    let email = sample::application().email;
    assert_eq!(p.subject, h.key.subject(&email));
    assert_eq!(
        p.subject,
        h.key.subject(&format!("  {}  ", email.to_uppercase()))
    );
    assert!(p.expires_at - p.provided_at >= time::Duration::days(3 * 365));
    let text = serde_json::to_string(p).unwrap();
    let name = sample::application().name;
    assert!(!text.contains(&email) && !text.contains(&name), "{text}");
}

/// `staff revoke`: every link made before answers 403 at once, on reads and writes, for both
/// sides; links made under the new epoch work and see the same diary.
#[tokio::test]
async fn revoked_links_are_refused_at_once_and_fresh_ones_work() {
    let h = harness();
    let m = matched(&h, "a1", "aoki").await;
    let (old_mentee, old_mentor) = (m.links.mentee.expose(), m.links.mentor.expose());
    let (status, _) = call(
        &h,
        "POST",
        "/api/sheets",
        Some(old_mentee),
        Some(sheet(1, "一回目の気づき", 4)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let revoked = h
        .store
        .revoke_links(&m.the_match.id)
        .await
        .unwrap()
        .unwrap();
    for token in [old_mentee, old_mentor] {
        let (status, body) = call(&h, "GET", "/api/diary", Some(token), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"], "forbidden");
    }
    let (status, _) = call(
        &h,
        "POST",
        "/api/sheets",
        Some(old_mentee),
        Some(sheet(2, "二回目", 4)),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let fresh = handler::matching::Links::issue(&h.key, &revoked, m.links.expires_at);
    let (status, body) = call(&h, "GET", "/api/diary", Some(fresh.mentee.expose()), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["sheets"].as_array().unwrap().len(), 1, "{body}");
    let (status, _) = call(&h, "GET", "/api/diary", Some(fresh.mentor.expose()), None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_bad_sheet_gets_japanese_field_messages_and_nothing_is_stored() {
    let h = harness();
    let m = matched(&h, "a1", "aoki").await;
    let token = m.links.mentee.expose();
    let (status, body) = call(
        &h,
        "POST",
        "/api/sheets",
        Some(token),
        Some(json!({"session": 4, "reflections": " ", "satisfaction": 0, "mood": "?"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "validation");
    assert_eq!(
        body["fields"]["session"],
        "セッションは第1回から第3回までです"
    );
    assert_eq!(body["fields"]["reflections"], "気づきを入力してください");
    assert_eq!(
        body["fields"]["satisfaction"],
        "満足度は1から5の中から選んでください"
    );
    assert_eq!(body["fields"]["mood"], "この項目は受け付けていません");
    let req = Request::builder()
        .method("POST")
        .uri("/api/sheets")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("hello"))
        .unwrap();
    assert_eq!(
        h.app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let req = Request::builder()
        .method("POST")
        .uri("/api/sheets")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    assert_eq!(
        h.app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert!(h
        .store
        .diary(&m.the_match.id)
        .await
        .unwrap()
        .unwrap()
        .sheets
        .is_empty());
}

#[tokio::test]
async fn sheets_are_scored_for_follow_up_and_a_closed_match_takes_no_more() {
    let h = harness();
    let m = matched(&h, "a1", "aoki").await;
    let token = m.links.mentee.expose();
    let mut worried = sheet(2, "特になし", 1);
    worried["want_staff_contact"] = json!(true);
    let (status, _) = call(&h, "POST", "/api/sheets", Some(token), Some(worried)).await;
    assert_eq!(status, StatusCode::CREATED);
    let flag_at = sample::matching().followup.flag_at;
    let flagged = h.store.list_followups(flag_at, 10).await.unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].priority, 100);
    let reasons: Vec<&str> = flagged[0].content["followup"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["item"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "low_satisfaction",
            "staff_contact",
            "thin_reflections",
            "skipped_session"
        ]
    );

    h.store.close_match(&m.the_match.id, &[]).await.unwrap();
    let (status, body) = call(
        &h,
        "POST",
        "/api/sheets",
        Some(token),
        Some(sheet(1, REFLECTIONS, 5)),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["message"],
        "このメンタリングは終了しているため、シートを提出できません。"
    );
    let (status, body) = call(&h, "GET", "/api/diary", Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "the thread stays readable");
    assert_eq!(body["match"]["status"], "closed");
    assert_eq!(body["next_session"], Value::Null);
}

#[tokio::test]
async fn new_applications_are_not_matched_to_a_mentor_at_capacity() {
    let h = harness();
    // sample mentors have capacity 3; aoki is the best fit for the sample application.
    for i in 0..3 {
        matched(&h, &format!("full{i}"), "aoki").await;
    }
    let mut form = serde_json::to_value(sample::application()).unwrap();
    form["consent"] = json!(true);
    form["applicant_type"] = json!("individual");
    form.as_object_mut().unwrap().remove("company_code");
    let req = Request::builder()
        .method("POST")
        .uri("/api/applications")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(form.to_string()))
        .unwrap();
    let res = h.app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    let id = serde_json::from_slice::<Value>(&bytes).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let stored = h
        .store
        .get(RecordKind::Application, &id)
        .await
        .unwrap()
        .unwrap();
    let slugs: Vec<&str> = stored.body["match"]["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["slug"].as_str().unwrap())
        .collect();
    assert!(!slugs.is_empty());
    assert!(!slugs.contains(&"aoki"), "{slugs:?}");
}
