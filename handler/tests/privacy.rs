//! Issue 15: a person's data on request. Her application, inquiry, match, sheet and reply go
//! in through the real API (canaries in every personal field), beside another woman's; the
//! export finds everything of hers and nothing of the other's.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{harness_with, send, Harness};
use handler::matching::{assign, AssignRequest};
use handler::staff::Staff;
use handler::tokens::SigningKey;
use handler::{sample, Matcher};
use serde_json::{json, Value};
use tempfile::TempDir;

const KEY: &str = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";

fn application(name: &str, email: &str, message: &str, submission: &str) -> Value {
    json!({
        "name": name, "email": email, "phone": "090-0000-1111", "age_band": "30s",
        "industry": "it", "company_size": "sme", "topics": ["leadership"], "plan": "standard",
        "applicant_type": "individual", "message": message, "consent": true,
        "submission_id": submission,
    })
}

async fn post(h: &Harness, path: &str, body: &Value, bearer: Option<&str>) -> Value {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let a = send(&h.app, request.body(Body::from(body.to_string())).unwrap()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{path}: {}", a.text);
    a.json()
}

#[tokio::test]
async fn an_export_holds_everything_of_hers_and_nothing_of_anyone_else() {
    let h = harness_with(&[("MIKKE_SIGNING_KEY", KEY)]);
    let key = SigningKey::from_base64(KEY).unwrap();
    let hers = post(
        &h,
        "/api/applications",
        &application(
            "輸出 花子",
            "Hanako.Export@example.jp",
            "カナリア相談七七",
            "sub-her-1",
        ),
        None,
    )
    .await;
    post(
        &h,
        "/api/applications",
        &application(
            "別人 桜",
            "sakura@example.jp",
            "ほかの人の相談",
            "sub-other-1",
        ),
        None,
    )
    .await;
    let inquiry = |name: &str, email: &str, message: &str| {
        json!({"kind": "consultation", "name": name, "email": email, "message": message,
            "preferred_times": "平日の夜", "consent": true})
    };
    post(
        &h,
        "/api/inquiries",
        &inquiry(
            "輸出 花子",
            "hanako.export@example.jp",
            "カナリア問い合わせ",
        ),
        None,
    )
    .await;
    post(
        &h,
        "/api/inquiries",
        &inquiry("別人 桜", "sakura@example.jp", "ほかの人の問い合わせ"),
        None,
    )
    .await;
    let app_id = hers["id"].as_str().unwrap();
    let assigned = assign(
        &h.store,
        &sample::small_catalog(),
        &key,
        AssignRequest {
            application_id: app_id,
            mentor_slug: "aoki",
            sessions: None,
            // The router's pinned clock, so the links are live when the API checks them.
            now: common::pinned_now(),
            retention_days: 365,
        },
    )
    .await
    .unwrap();
    let sheet = json!({"session": 1, "reflections": "カナリアシート七七", "satisfaction": 4});
    post(
        &h,
        "/api/sheets",
        &sheet,
        Some(assigned.links.mentee.expose()),
    )
    .await;
    let reply = json!({"session": 1, "reply": "カナリア返信七七"});
    post(
        &h,
        "/api/sheets/reply",
        &reply,
        Some(assigned.links.mentor.expose()),
    )
    .await;

    let out = TempDir::new().unwrap();
    let staff = Staff {
        store: h.store.clone(),
        matcher: Arc::new(Matcher::new(sample::small_catalog()).unwrap()),
        key: Some(key.clone()),
        site_url: common::SITE.into(),
        retention_days: 365,
        now: common::pinned_now(),
        notifier: None,
        wake: None,
        actor: "test".into(),
    };
    let said = staff
        .export(" HANAKO.export@example.jp", out.path())
        .await
        .unwrap();
    assert!(
        !said.contains("hanako") && !said.contains("輸出"),
        "counts only: {said}"
    );
    let files: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    let json_path = files
        .iter()
        .find(|p| p.extension().unwrap() == "json")
        .unwrap();
    let text_path = files
        .iter()
        .find(|p| p.extension().unwrap() == "txt")
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(json_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let json_text = std::fs::read_to_string(json_path).unwrap();
    let letter = std::fs::read_to_string(text_path).unwrap();
    for found in [
        "輸出 花子",
        "カナリア相談七七",
        "カナリア問い合わせ",
        "カナリアシート七七",
        "カナリア返信七七",
    ] {
        assert!(
            json_text.contains(found) && letter.contains(found),
            "{found}"
        );
    }
    for absent in ["別人", "sakura@example.jp", "ほかの人"] {
        assert!(
            !json_text.contains(absent) && !letter.contains(absent),
            "{absent}"
        );
    }
    let export: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(export["applications"].as_array().unwrap().len(), 1);
    assert_eq!(export["inquiries"].as_array().unwrap().len(), 1);
    assert_eq!(
        export["matches"][0]["sheets"][0]["reply"],
        "カナリア返信七七"
    );
    assert_eq!(export["provisions"][0]["mentor_slug"], "aoki");
    let templates: Vec<&str> = export["mails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["template"].as_str().unwrap())
        .collect();
    for t in [
        "application_received",
        "match_mentee",
        "match_mentor",
        "sheet_posted",
        "reply_posted",
    ] {
        assert!(templates.contains(&t), "{t} in {templates:?}");
    }
    assert!(
        letter.contains("【お申し込み】1件") && letter.contains("メンターへの提供の記録】1件"),
        "{letter}"
    );
    // The request itself is audited, with her ids and never her address.
    let audit = h
        .store
        .list_audit(time::OffsetDateTime::UNIX_EPOCH, 100)
        .await
        .unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "export")
        .expect("audited");
    assert!(entry.ids.iter().any(|i| i == app_id));
    assert!(!format!("{entry:?}").contains("hanako"));
    // A malformed address is refused.
    assert!(staff.export("not-an-address", out.path()).await.is_err());

    // Erasure: --dry-run names what would go and changes nothing.
    let said = staff.erase("hanako.export@example.jp", true).await.unwrap();
    assert!(
        said.contains(app_id) && said.contains("何も削除していません"),
        "{said}"
    );
    assert!(h
        .store
        .get(handler::store::RecordKind::Application, app_id)
        .await
        .unwrap()
        .is_some());
    let said = staff
        .erase("hanako.export@example.jp", false)
        .await
        .unwrap();
    assert!(
        said.contains("削除しました: 記録 2件") && said.contains("シート 1件"),
        "{said}"
    );
    assert!(!said.contains("hanako") && !said.contains("輸出"), "{said}");
    // Her links die with the match; the other woman's data is all there.
    let a = send(
        &h.app,
        Request::get("/api/diary")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", assigned.links.mentee.expose()),
            )
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let again = TempDir::new().unwrap();
    staff
        .export("hanako.export@example.jp", again.path())
        .await
        .unwrap();
    let left: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::fs::read_dir(again.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().unwrap() == "json")
                .unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    for part in ["applications", "inquiries", "matches", "mails"] {
        assert_eq!(left[part].as_array().unwrap().len(), 0, "{part}: {left}");
    }
    assert_eq!(
        left["provisions"].as_array().unwrap().len(),
        1,
        "the provision record stays"
    );
    let others = staff.erase("sakura@example.jp", true).await.unwrap();
    assert!(others.contains("お申し込み・お問い合わせ 2件"), "{others}");
    // Idempotent; audited with ids only.
    let said = staff
        .erase("hanako.export@example.jp", false)
        .await
        .unwrap();
    assert!(said.contains("お預かりしている情報はありません"), "{said}");
    let audit = h
        .store
        .list_audit(time::OffsetDateTime::UNIX_EPOCH, 100)
        .await
        .unwrap();
    let erased = audit.iter().find(|e| e.action == "erase").expect("audited");
    assert!(erased.ids.iter().any(|i| i == app_id));
    assert!(!format!("{erased:?}").contains("hanako"));
}
