use serde_json::json;
use time::OffsetDateTime;

use super::Days;
use crate::staff::fixtures::staff_after;
use crate::store::{Match, MatchStatus, NewRecord, NewSheet, RecordKind, Store};

async fn corporate(store: &Store, id: &str, code: &str, now: OffsetDateTime) {
    let mut app = crate::sample::application();
    app.company_code = Some(code.into());
    let rec = NewRecord {
        kind: RecordKind::Application,
        id: id.into(),
        created_at: now,
        status: "received".into(),
        idempotency_key: id.into(),
        expires_at: now + time::Duration::days(365),
        body: json!({ "application": app }),
        mail: vec![],
    };
    store
        .put_once(rec, std::time::Duration::from_secs(60))
        .await
        .unwrap();
}

async fn matched_with_sheet(store: &Store, n: u32, rating: u32, now: OffsetDateTime) {
    let app = format!("20261201-corp{n:04}");
    corporate(store, &app, "acme-1", now).await;
    let m = Match {
        id: format!("m-{app}"),
        application_id: app,
        mentor_slug: "sato".into(),
        mentor_name: "佐藤".into(),
        links_epoch: 0,
        plan: "single".into(),
        sessions: 1,
        status: MatchStatus::Active,
        created_at: now,
        expires_at: now + time::Duration::days(365),
    };
    store.create_match(&m, 10, &[]).await.unwrap();
    let sheet = NewSheet {
        match_id: m.id.clone(),
        session: 1,
        submission_id: format!("s{n}"),
        created_at: now,
        expires_at: m.expires_at,
        priority: 0,
        content: json!({ "sheet": { "satisfaction": rating, "want_staff_contact": n == 0,
            "reflections": "書いた本人にしか見せない内容" } }),
        mail: vec![],
    };
    store.put_sheet(&sheet).await.unwrap();
}

#[tokio::test]
async fn the_report_counts_a_clients_people_hides_small_cells_and_shows_no_text() {
    let dir = tempfile::tempdir().unwrap();
    let staff = staff_after(dir.path(), 0).await;
    let now = OffsetDateTime::now_utc();
    for n in 0..3 {
        matched_with_sheet(&staff.store, n, 4, now).await;
    }
    corporate(&staff.store, "20261201-other001", "small", now).await;
    let days = Days::parse(None, None, now).unwrap();
    let out = staff.report(None, days, false).await.unwrap();
    let acme = out.lines().find(|l| l.starts_with("ACME-1\t")).expect(&out);
    assert_eq!(acme, "ACME-1\t3\t3\t3\t0/0/0/3/0\t4.0\t33%");
    let small = out.lines().find(|l| l.starts_with("SMALL\t")).expect(&out);
    assert!(small.starts_with("SMALL\t3人未満\t0\t0\t"), "{small}");
    assert!(!out.contains("本人"), "no sheet text: {out}");
    assert!(!out.contains("山田"), "no names: {out}");
    let csv = staff.report(Some("Acme-1"), days, true).await.unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains("\r\nACME-1,"), "{csv}");
}

#[test]
fn the_period_defaults_to_this_month_and_refuses_bad_dates() {
    let now = time::macros::datetime!(2026-12-06 03:00 UTC);
    let days = Days::parse(None, None, now).unwrap();
    assert_eq!(days.from.to_string(), "2026-12-01");
    assert_eq!(days.to.to_string(), "2026-12-06");
    let err = Days::parse(Some("2026-13-01"), None, now).unwrap_err();
    assert!(err.contains("--from は 2026-11-01 の形"), "{err}");
    let err = Days::parse(Some("2026-12-05"), Some("2026-12-01"), now).unwrap_err();
    assert!(err.contains("--from は --to より前"), "{err}");
}
