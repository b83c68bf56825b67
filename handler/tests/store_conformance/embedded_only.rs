//! What only the file-backed store has: its lock, its journal's repair and compaction.

use std::time::Duration;

use handler::store::{EmbeddedStore, NewRecord, PutOutcome, RecordKind, Store, StoreError};
use time::OffsetDateTime;

fn record(id: &str, key: &str) -> NewRecord {
    let now = OffsetDateTime::now_utc();
    NewRecord {
        kind: RecordKind::Application,
        id: id.into(),
        created_at: now,
        status: "received".into(),
        idempotency_key: key.into(),
        expires_at: now + time::Duration::days(1),
        body: serde_json::json!({"message": "秘密の相談"}),
    }
}

#[test]
fn a_second_open_of_the_same_directory_is_refused_while_the_first_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let first = EmbeddedStore::open(dir.path()).unwrap();
    let err = EmbeddedStore::open(dir.path()).err().expect("locked");
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    drop(first);
    EmbeddedStore::open(dir.path()).expect("free again once closed");
}

#[tokio::test]
async fn a_torn_final_line_from_a_crash_is_dropped_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store: Store = EmbeddedStore::open(dir.path()).unwrap().into();
    store
        .put_once(record("a1", "k1"), Duration::from_secs(60))
        .await
        .unwrap();
    drop(store);
    let journal = dir.path().join("journal.jsonl");
    let mut text = std::fs::read_to_string(&journal).unwrap();
    text.push_str(r#"{"op":"put","record":{"kind":"application","id":"a2""#);
    std::fs::write(&journal, text).unwrap();

    let store: Store = EmbeddedStore::open(dir.path()).unwrap().into();
    assert!(store
        .get(RecordKind::Application, "a1")
        .await
        .unwrap()
        .is_some());
    assert!(store
        .get(RecordKind::Application, "a2")
        .await
        .unwrap()
        .is_none());
    let again = store
        .put_once(record("a2", "k2"), Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(again, PutOutcome::Created { id: "a2".into() });
    drop(store);
    let store: Store = EmbeddedStore::open(dir.path()).unwrap().into();
    assert!(
        store
            .get(RecordKind::Application, "a2")
            .await
            .unwrap()
            .is_some(),
        "appended after the cut"
    );
}

#[test]
fn a_damaged_middle_line_stops_the_open_with_its_line_number_and_no_content() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    std::fs::write(&journal, "{\"op\":\"put\",\"record\":秘密}\n{}\n").unwrap();
    let err = EmbeddedStore::open(dir.path())
        .err()
        .expect("corrupt")
        .to_string();
    assert!(
        err.contains("journal.jsonl") && err.contains("line 1"),
        "{err}"
    );
    assert!(!err.contains("秘密"), "{err}");
}

#[tokio::test]
async fn reopening_compacts_superseded_counters_and_keeps_their_value() {
    let dir = tempfile::tempdir().unwrap();
    let store: Store = EmbeddedStore::open(dir.path()).unwrap().into();
    let now = OffsetDateTime::now_utc();
    let hour = Duration::from_secs(3600);
    for _ in 0..50 {
        store.hit_rate_limit("client", hour, now).await.unwrap();
    }
    store.put_once(record("a1", "k1"), hour).await.unwrap();
    drop(store);
    let journal = dir.path().join("journal.jsonl");
    let lines = |p: &std::path::Path| std::fs::read_to_string(p).unwrap().lines().count();
    assert_eq!(lines(&journal), 51);

    let store: Store = EmbeddedStore::open(dir.path()).unwrap().into();
    assert!(lines(&journal) <= 3, "record, marker, counter");
    assert_eq!(store.hit_rate_limit("client", hour, now).await.unwrap(), 51);
    let replay = store.put_once(record("a2", "k1"), hour).await.unwrap();
    assert_eq!(replay, PutOutcome::Replayed { id: "a1".into() });
}

#[cfg(unix)]
#[tokio::test]
async fn the_journal_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store: Store = EmbeddedStore::open(dir.path()).unwrap().into();
    store
        .put_once(record("a1", "k1"), Duration::from_secs(60))
        .await
        .unwrap();
    let mode = std::fs::metadata(dir.path().join("journal.jsonl"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

/// Journals written before capacity was derived from the matches carry per-mentor counters;
/// they still open, and the counters (which could hold expired matches) are ignored.
#[tokio::test]
async fn an_older_journal_with_capacity_counters_opens_and_counts_live_matches() {
    let dir = tempfile::tempdir().unwrap();
    let fmt = |t: OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let now = OffsetDateTime::now_utc();
    let a_match = |id: &str, expires: OffsetDateTime| {
        serde_json::json!({
            "op": "match",
            "match": {
                "id": id, "application_id": format!("a-{id}"), "mentor_slug": "sato",
                "mentor_name": "メンターsato", "plan": "standard", "sessions": 3,
                "status": "active", "created_at": fmt(now - time::Duration::days(400)),
                "expires_at": fmt(expires),
            },
            "capacity": {"mentor": "sato", "active": 2},
        })
    };
    let lines = [
        a_match("old", now - time::Duration::days(1)),
        a_match("live", now + time::Duration::days(30)),
        serde_json::json!({"op": "capacity", "mentor": "sato", "active": 2}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.path().join("journal.jsonl"), text).unwrap();

    let store: Store = EmbeddedStore::open(dir.path()).unwrap().into();
    assert_eq!(store.active_counts().await.unwrap().get("sato"), Some(&1));
    assert_eq!(super::match_cases::active_ids(&store).await, ["live"]);
}
