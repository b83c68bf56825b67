//! The behaviours every store must show, written once against [`Store`].

use std::time::Duration;

use mikke_store::{NewRecord, PutOutcome, RecordKind, Store, StoreError};
use serde_json::json;
use time::OffsetDateTime;

use super::Backend;

const WINDOW: Duration = Duration::from_secs(3600);
const APP: RecordKind = RecordKind::Application;
const INQ: RecordKind = RecordKind::Inquiry;

/// Half an hour before the suite started, whole seconds, read once: if every `at()` read the clock, a
/// second ticking over between a write and its query would shift the query's bounds. Half
/// of `WINDOW`, so markers written at `at(..)` stay live while the suite runs.
fn base() -> OffsetDateTime {
    static BASE: std::sync::OnceLock<OffsetDateTime> = std::sync::OnceLock::new();
    *BASE.get_or_init(|| {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        OffsetDateTime::from_unix_timestamp(now - WINDOW.as_secs() as i64 / 2).unwrap()
    })
}

fn at(secs: i64) -> OffsetDateTime {
    base() + time::Duration::seconds(secs)
}

fn record(kind: RecordKind, id: &str, created_at: OffsetDateTime, key: &str) -> NewRecord {
    NewRecord {
        kind,
        id: id.to_string(),
        created_at,
        status: "received".to_string(),
        idempotency_key: key.to_string(),
        expires_at: OffsetDateTime::now_utc() + time::Duration::days(30),
        body: json!({"name": "架空 花子", "email": "hanako@example.jp", "topics": ["career"], "ref": id}),
        mail: vec![],
    }
}

async fn put(store: &Store, rec: NewRecord) -> PutOutcome {
    store
        .put_once(rec, WINDOW)
        .await
        .expect("put_once succeeds")
}

async fn ids(store: &Store, kind: RecordKind, status: &str, limit: usize) -> Vec<String> {
    let listed = store
        .list_by_status(kind, status, limit)
        .await
        .expect("list");
    listed.into_iter().map(|r| r.id).collect()
}

pub async fn put_once_stores_a_record_that_get_returns_unchanged(b: &mut Backend) {
    let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap();
    let created = (at(0) + time::Duration::nanoseconds(123_456_789)).to_offset(jst);
    let rec = record(APP, "a1", created, "k1");
    let outcome = put(b.store(), rec.clone()).await;
    assert_eq!(outcome, PutOutcome::Created { id: "a1".into() });
    assert_eq!(outcome.id(), "a1");

    let got = b.store().get(APP, "a1").await.unwrap().expect("stored");
    assert_eq!(got.kind, APP);
    assert_eq!(got.id, "a1");
    assert_eq!(got.status, "received");
    assert_eq!(got.body, rec.body);
    assert_eq!(got.created_at, created, "same instant, nanoseconds kept");
    assert_eq!(
        got.created_at.offset(),
        time::UtcOffset::UTC,
        "read back in UTC"
    );
    assert_eq!(
        got.expires_at.unix_timestamp(),
        rec.expires_at.unix_timestamp()
    );
}

pub async fn get_of_a_missing_id_is_none(b: &mut Backend) {
    assert_eq!(b.store().get(APP, "nope").await.unwrap(), None);
    put(b.store(), record(APP, "a1", at(0), "k1")).await;
    assert_eq!(
        b.store().get(INQ, "a1").await.unwrap(),
        None,
        "ids are per kind"
    );
}

pub async fn same_key_within_the_window_replays_the_first_id_and_writes_nothing(b: &mut Backend) {
    let s = b.store();
    put(s, record(APP, "first", at(0), "same-key")).await;
    let again = put(s, record(APP, "second", at(1), "same-key")).await;
    assert_eq!(again, PutOutcome::Replayed { id: "first".into() });
    // Last second of the window still replays.
    let late = put(s, record(APP, "third", at(3599), "same-key")).await;
    assert_eq!(late, PutOutcome::Replayed { id: "first".into() });
    assert_eq!(s.get(APP, "second").await.unwrap(), None);
    assert_eq!(s.get(APP, "third").await.unwrap(), None);
    assert_eq!(ids(s, APP, "received", 10).await, ["first"]);
}

pub async fn same_key_after_the_window_creates_a_new_record(b: &mut Backend) {
    let s = b.store();
    put(s, record(APP, "first", at(0), "k")).await;
    let later = put(s, record(APP, "second", at(3600), "k")).await;
    assert_eq!(
        later,
        PutOutcome::Created {
            id: "second".into()
        }
    );
    // The new put owns the key for its own window now.
    let retry = put(s, record(APP, "third", at(3601), "k")).await;
    assert_eq!(
        retry,
        PutOutcome::Replayed {
            id: "second".into()
        }
    );
    assert_eq!(ids(s, APP, "received", 10).await, ["first", "second"]);
}

pub async fn idempotency_keys_are_separate_per_kind(b: &mut Backend) {
    let s = b.store();
    put(s, record(APP, "a1", at(0), "k")).await;
    let other = put(s, record(INQ, "i1", at(1), "k")).await;
    assert_eq!(other, PutOutcome::Created { id: "i1".into() });
}

pub async fn concurrent_puts_with_one_key_create_exactly_once(b: &mut Backend) {
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let s = b.store().clone();
            tokio::spawn(async move {
                let rec = record(APP, &format!("racer{i}"), at(i), "raced-key");
                s.put_once(rec, WINDOW).await
            })
        })
        .collect();
    let mut created = Vec::new();
    let mut replayed = Vec::new();
    for task in tasks {
        match task.await.unwrap().expect("put_once succeeds") {
            PutOutcome::Created { id } => created.push(id),
            PutOutcome::Replayed { id } => replayed.push(id),
        }
    }
    assert_eq!(created.len(), 1, "exactly one winner: {created:?}");
    assert!(replayed.iter().all(|id| *id == created[0]), "{replayed:?}");
    assert_eq!(ids(b.store(), APP, "received", 100).await, created);
}

pub async fn a_reused_id_without_a_live_marker_is_refused(b: &mut Backend) {
    let s = b.store();
    put(s, record(APP, "a1", at(0), "k1")).await;
    let mut clash = record(APP, "a1", at(1), "k2");
    clash.body = json!({"other": true});
    let err = s.put_once(clash, WINDOW).await.unwrap_err();
    assert!(matches!(err, StoreError::IdTaken { .. }), "{err}");
    let kept = s.get(APP, "a1").await.unwrap().unwrap();
    assert_eq!(kept.body["ref"], "a1", "the first record is untouched");
    // The refused put left no marker behind.
    let fresh = put(s, record(APP, "a2", at(2), "k2")).await;
    assert_eq!(fresh, PutOutcome::Created { id: "a2".into() });
}

pub async fn list_by_status_is_oldest_first_per_kind_and_status_and_honours_limit(b: &mut Backend) {
    let s = b.store();
    // Inserted out of order; two share an instant (ties go by id).
    for (id, secs) in [("c", 30), ("a", 10), ("e", 50), ("b", 20), ("d", 20)] {
        put(s, record(APP, id, at(secs), &format!("key-{id}"))).await;
    }
    let mut call = record(APP, "n", at(5), "key-n");
    call.status = "needs_call".into();
    put(s, call).await;
    put(s, record(INQ, "i", at(1), "key-i")).await;

    assert_eq!(ids(s, APP, "received", 10).await, ["a", "b", "d", "c", "e"]);
    assert_eq!(ids(s, APP, "received", 3).await, ["a", "b", "d"]);
    assert_eq!(ids(s, APP, "needs_call", 10).await, ["n"]);
    assert_eq!(ids(s, INQ, "received", 10).await, ["i"]);
    assert!(ids(s, APP, "matched", 10).await.is_empty());
    assert!(ids(s, APP, "received", 0).await.is_empty());
}

pub async fn list_by_kind_returns_records_since_a_date_in_any_status(b: &mut Backend) {
    let s = b.store();
    for (id, secs) in [("i3", 300), ("i1", 100), ("i2", 200)] {
        put(s, record(INQ, id, at(secs), &format!("key-{id}"))).await;
    }
    put(s, record(APP, "a1", at(250), "key-a1")).await;
    assert!(s
        .set_status(INQ, "i2", "received", "answered")
        .await
        .unwrap());

    let since = |secs| async move {
        let listed = s.list_by_kind(INQ, at(secs), 10).await.unwrap();
        listed.into_iter().map(|r| r.id).collect::<Vec<_>>()
    };
    assert_eq!(since(0).await, ["i1", "i2", "i3"]);
    assert_eq!(since(200).await, ["i2", "i3"], "since is inclusive");
    assert_eq!(since(201).await, ["i3"]);
    let limited = s.list_by_kind(INQ, at(0), 2).await.unwrap();
    assert_eq!(limited.len(), 2);
    assert_eq!(limited[1].status, "answered");
}

pub async fn set_status_changes_only_from_the_expected_status(b: &mut Backend) {
    let s = b.store();
    put(s, record(APP, "a1", at(0), "k1")).await;
    assert!(!s.set_status(APP, "a1", "matched", "closed").await.unwrap());
    assert_eq!(s.get(APP, "a1").await.unwrap().unwrap().status, "received");

    assert!(s
        .set_status(APP, "a1", "received", "matched")
        .await
        .unwrap());
    assert_eq!(s.get(APP, "a1").await.unwrap().unwrap().status, "matched");
    assert!(ids(s, APP, "received", 10).await.is_empty());
    assert_eq!(ids(s, APP, "matched", 10).await, ["a1"]);
    // The same move again finds it no longer in `received`.
    assert!(!s
        .set_status(APP, "a1", "received", "matched")
        .await
        .unwrap());
    assert!(!s
        .set_status(APP, "missing", "received", "matched")
        .await
        .unwrap());
    assert!(!s.set_status(INQ, "a1", "matched", "closed").await.unwrap());
}

pub async fn records_past_retention_are_gone_from_every_read(b: &mut Backend) {
    let s = b.store();
    let mut old = record(APP, "old", at(0), "k-old");
    old.expires_at = OffsetDateTime::now_utc() - time::Duration::seconds(5);
    put(s, old).await;
    put(s, record(APP, "kept", at(1), "k-kept")).await;

    assert_eq!(s.get(APP, "old").await.unwrap(), None);
    assert_eq!(
        ids(s, APP, "received", 1).await,
        ["kept"],
        "skipped, limit still filled"
    );
    let by_kind = s.list_by_kind(APP, at(-10), 10).await.unwrap();
    assert_eq!(by_kind.len(), 1);
    assert!(!s
        .set_status(APP, "old", "received", "matched")
        .await
        .unwrap());
}

pub async fn rate_limit_counts_hits_per_client_and_resets_in_the_next_window(b: &mut Backend) {
    let s = b.store();
    let minute = Duration::from_secs(60);
    // 2026-01-01T00:00:00Z is a whole minute.
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_767_225_600 + secs).unwrap();
    assert_eq!(s.hit_rate_limit("client-a", minute, t(0)).await.unwrap(), 1);
    assert_eq!(
        s.hit_rate_limit("client-a", minute, t(30)).await.unwrap(),
        2
    );
    assert_eq!(
        s.hit_rate_limit("client-a", minute, t(59)).await.unwrap(),
        3
    );
    assert_eq!(
        s.hit_rate_limit("client-b", minute, t(59)).await.unwrap(),
        1
    );
    assert_eq!(
        s.hit_rate_limit("client-a", minute, t(60)).await.unwrap(),
        1
    );
    assert_eq!(
        s.hit_rate_limit("client-a", minute, t(61)).await.unwrap(),
        2
    );

    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.hit_rate_limit("client-c", minute, t(0)).await })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await.unwrap().unwrap());
    }
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=10).collect::<Vec<_>>(),
        "no hit lost or counted twice"
    );
}

pub async fn everything_survives_a_restart(b: &mut Backend) {
    put(b.store(), record(APP, "a1", at(0), "k1")).await;
    put(b.store(), record(APP, "a2", at(1), "k2")).await;
    put(b.store(), record(INQ, "i1", at(2), "k3")).await;
    assert!(b
        .store()
        .set_status(APP, "a1", "received", "matched")
        .await
        .unwrap());
    let now = OffsetDateTime::now_utc();
    let minute = Duration::from_secs(60);
    let before = b
        .store()
        .hit_rate_limit("client", minute, now)
        .await
        .unwrap();

    b.restart().await;
    let s = b.store();
    assert_eq!(s.get(APP, "a1").await.unwrap().unwrap().status, "matched");
    assert_eq!(ids(s, APP, "received", 10).await, ["a2"]);
    assert_eq!(ids(s, APP, "matched", 10).await, ["a1"]);
    assert_eq!(s.list_by_kind(INQ, at(0), 10).await.unwrap()[0].id, "i1");
    let retry = put(s, record(APP, "a9", at(5), "k2")).await;
    assert_eq!(
        retry,
        PutOutcome::Replayed { id: "a2".into() },
        "markers survive"
    );
    let after = s.hit_rate_limit("client", minute, now).await.unwrap();
    assert_eq!(after, before + 1, "counters survive");
}

pub async fn invalid_input_is_refused_without_echoing_it(b: &mut Backend) {
    let s = b.store();
    let zero = s
        .put_once(record(APP, "a1", at(0), "k"), Duration::ZERO)
        .await;
    assert!(matches!(zero, Err(StoreError::Invalid { .. })), "{zero:?}");
    let mut empty = record(APP, "", at(0), "k");
    assert!(s.put_once(empty.clone(), WINDOW).await.is_err());
    empty.id = "has#hash-hanako".into();
    let err = s.put_once(empty, WINDOW).await.unwrap_err().to_string();
    assert!(!err.contains("hanako"), "{err}");
    let mut no_key = record(APP, "a1", at(0), "");
    no_key.idempotency_key.clear();
    assert!(s.put_once(no_key, WINDOW).await.is_err());
    let rate = s.hit_rate_limit("c", Duration::ZERO, at(0)).await;
    assert!(matches!(rate, Err(StoreError::Invalid { .. })));
    assert!(
        s.list_by_kind(APP, at(-100), 10).await.unwrap().is_empty(),
        "nothing stored"
    );
}
