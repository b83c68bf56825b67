//! What only the SQLite store has: several openers of one file, bad files refused at open,
//! schema migration, the old journal's import, a full disk, private files and backups.

use std::path::Path;
use std::time::Duration;

use mikke_store::sqlite::DB_FILE;
use mikke_store::{
    NewRecord, PutOutcome, RecordKind, SqliteOptions, SqliteStore, Store, StoreError,
};
use time::OffsetDateTime;

const APP: RecordKind = RecordKind::Application;
const HOUR: Duration = Duration::from_secs(3600);

fn record(id: &str, key: &str) -> NewRecord {
    let now = OffsetDateTime::now_utc();
    NewRecord {
        kind: APP,
        id: id.into(),
        created_at: now,
        status: "received".into(),
        idempotency_key: key.into(),
        expires_at: now + time::Duration::days(1),
        body: serde_json::json!({"message": "秘密の相談"}),
        mail: vec![],
    }
}

fn open(dir: &Path) -> Store {
    SqliteStore::open(dir).expect("opens").into()
}

fn refusal(dir: &Path) -> String {
    match SqliteStore::open(dir) {
        Ok(_) => panic!("opened a database it should refuse"),
        Err(e @ StoreError::Unusable { .. }) => e.to_string(),
        Err(other) => panic!("refused with the wrong error: {other}"),
    }
}

#[tokio::test]
async fn two_openers_of_one_file_see_each_others_writes_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = open(dir.path());
    let staff = open(dir.path());
    server.put_once(record("a1", "k1"), HOUR).await.unwrap();
    assert!(staff.get(APP, "a1").await.unwrap().is_some(), "no cache");
    assert!(staff
        .set_status(APP, "a1", "received", "on_hold")
        .await
        .unwrap());
    assert_eq!(
        server.get(APP, "a1").await.unwrap().unwrap().status,
        "on_hold"
    );
    // Exactly once across openers too: the marker is in the shared file.
    let replay = staff.put_once(record("a2", "k1"), HOUR).await.unwrap();
    assert_eq!(replay, PutOutcome::Replayed { id: "a1".into() });
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_with_its_path_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let junk = "これはデータベースではありません\n".repeat(300);
    std::fs::write(&path, &junk).unwrap();
    let err = refusal(dir.path());
    assert!(
        err.contains(DB_FILE) && err.contains("not an SQLite database"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), junk);
}

#[tokio::test]
async fn a_damaged_database_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.put_once(record("a1", "k1"), HOUR).await.unwrap();
    drop(store);
    let path = dir.path().join(DB_FILE);
    wait_for_close(&path);
    // Page 1 after its 100-byte header holds the schema: scramble it.
    let mut bytes = std::fs::read(&path).unwrap();
    for b in &mut bytes[100..4096] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = refusal(dir.path());
    assert!(err.contains(DB_FILE), "{err}");
    assert!(
        err.contains("damaged") || err.contains("malformed"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing overwritten");
}

#[test]
fn a_database_from_a_newer_version_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteStore::open(dir.path()).unwrap());
    let path = dir.path().join(DB_FILE);
    wait_for_close(&path);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();
    let err = refusal(dir.path());
    assert!(err.contains("newer mikke") && err.contains("999"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[cfg(unix)]
#[test]
fn a_read_only_database_is_refused_with_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteStore::open(dir.path()).unwrap());
    let path = dir.path().join(DB_FILE);
    wait_for_close(&path);
    let _guard = ReadOnly::set(&path);
    let err = refusal(dir.path());
    assert!(err.contains(DB_FILE) && err.contains("read-only"), "{err}");
}

/// Makes a file read-only for this process until dropped: permissions, or for root (whom
/// permissions do not stop) the immutable attribute.
struct ReadOnly<'a>(&'a Path, bool);

impl<'a> ReadOnly<'a> {
    fn set(path: &'a Path) -> ReadOnly<'a> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o400)).unwrap();
        if std::fs::OpenOptions::new().write(true).open(path).is_err() {
            return ReadOnly(path, false);
        }
        let status = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .expect("chattr (e2fsprogs) makes the file read-only for root");
        assert!(status.success(), "chattr +i failed on {}", path.display());
        ReadOnly(path, true)
    }
}

impl Drop for ReadOnly<'_> {
    fn drop(&mut self) {
        if self.1 {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(self.0)
                .status();
        }
    }
}

/// The store's writer thread closes its connection shortly after the last handle is dropped.
fn wait_for_close(path: &Path) {
    let wal = path.with_file_name(format!("{DB_FILE}-wal"));
    for _ in 0..200 {
        if !wal.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[tokio::test]
async fn a_database_of_schema_version_1_is_migrated_with_its_data_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    // What the release with schema version 1 wrote: its section of schema.sql, and a record
    // and marker in its columns.
    let schema = include_str!("../../src/sqlite/schema.sql");
    let v1 = &schema[schema.find("-- version: 1").unwrap()..schema.find("-- version: 2").unwrap()];
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(v1).unwrap();
    let now = OffsetDateTime::now_utc();
    conn.execute(
        "INSERT INTO records VALUES ('application', 'old-1', 'received', ?1, ?2, '{\"x\":1}')",
        rusqlite::params![
            mikke_store::schema::timestamp_text(now),
            now.unix_timestamp() + 86_400
        ],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO idempotency VALUES ('application', 'k-old', 'old-1', ?1)",
        [now.unix_timestamp() + 3600],
    )
    .unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    drop(conn);

    let store = open(dir.path());
    let old = store.get(APP, "old-1").await.unwrap().expect("kept");
    assert_eq!(old.body, serde_json::json!({"x": 1}));
    let replay = store.put_once(record("new", "k-old"), HOUR).await.unwrap();
    assert_eq!(replay, PutOutcome::Replayed { id: "old-1".into() });
    // Version 2's tables work.
    assert!(store.active_counts().await.unwrap().is_empty());
    assert!(store.list_followups(0, 10).await.unwrap().is_empty());
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, mikke_store::sqlite::migrate::latest());
}

#[tokio::test]
async fn an_old_journal_is_imported_once_and_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    let now = OffsetDateTime::now_utc();
    let ts = |t: OffsetDateTime| mikke_store::schema::timestamp_text(t);
    let day = |n: i64| (now + time::Duration::days(n)).unix_timestamp();
    let fmt = |t: OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let lines = [
        serde_json::json!({"op": "put", "record": {"kind": "application", "id": "a1", "created_at": ts(now),
            "status": "received", "expires_at": day(30), "body": {"application": {"name": "花子"}}},
            "idem": {"kind": "application", "key": "k1", "id": "a1", "expires_at": day(1)}}),
        serde_json::json!({"op": "put", "record": {"kind": "inquiry", "id": "q1", "created_at": ts(now),
            "status": "received", "expires_at": day(30), "body": {"kind": "consultation"}}}),
        serde_json::json!({"op": "rate", "key": "c1", "window_start": 60 * (now.unix_timestamp() / 60),
            "hits": 4, "expires_at": day(1)}),
        serde_json::json!({"op": "match", "match": {"id": "m1", "application_id": "a1", "mentor_slug": "sato",
            "mentor_name": "佐藤", "plan": "standard", "sessions": 3, "status": "active",
            "created_at": fmt(now), "expires_at": fmt(now + time::Duration::days(200))},
            "matched_application": "a1"}),
        serde_json::json!({"op": "sheet", "match_id": "m1", "session": 1, "submission_id": "s1",
            "created_at": ts(now), "expires_at": day(200), "priority": 70, "content": {"reflections": "気づき"}}),
        serde_json::json!({"op": "reply", "match_id": "m1", "session": 1,
            "reply": {"text": "お返事", "created_at": fmt(now)}}),
        serde_json::json!({"op": "status", "kind": "inquiry", "id": "q1", "status": "answered"}),
    ];
    let mut text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    // A torn last append from a crash: never happened.
    text.push_str(r#"{"op":"put","record":{"kind":"application","id":"a9""#);
    std::fs::write(dir.path().join("journal.jsonl"), &text).unwrap();
    std::fs::write(dir.path().join("lock"), "").unwrap();

    let store = open(dir.path());
    let check = |store: Store| async move {
        let a1 = store.get(APP, "a1").await.unwrap().expect("imported");
        assert_eq!(
            (a1.status.as_str(), &a1.body["application"]["name"]),
            ("matched", &serde_json::json!("花子"))
        );
        assert_eq!(
            store
                .get(RecordKind::Inquiry, "q1")
                .await
                .unwrap()
                .unwrap()
                .status,
            "answered"
        );
        assert!(store.get(APP, "a9").await.unwrap().is_none());
        let replay = store.put_once(record("a2", "k1"), HOUR).await.unwrap();
        assert_eq!(replay, PutOutcome::Replayed { id: "a1".into() });
        assert_eq!(
            store
                .hit_rate_limit("c1", Duration::from_secs(60), now)
                .await
                .unwrap(),
            5
        );
        let diary = store.diary("m1").await.unwrap().expect("match imported");
        assert_eq!(diary.sheets.len(), 1);
        assert_eq!(diary.sheets[0].reply.as_ref().unwrap().text, "お返事");
        assert_eq!(store.active_counts().await.unwrap()["sato"], 1);
    };
    check(store).await;
    assert!(!dir.path().join("journal.jsonl").exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("journal.jsonl.imported")).unwrap(),
        text,
        "kept aside unchanged as a backup"
    );
    assert!(
        !dir.path().join("lock").exists(),
        "the old lock file is gone"
    );
    // Opened again: nothing imported twice (the counter went on from 5, not back to 4).
    let store = open(dir.path());
    assert_eq!(
        store
            .hit_rate_limit("c1", Duration::from_secs(60), now)
            .await
            .unwrap(),
        6
    );
}

#[test]
fn a_damaged_journal_line_stops_the_import_with_its_line_number_and_no_content() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    std::fs::write(&journal, "{\"op\":\"put\",\"record\":秘密}\n{}\n").unwrap();
    let err = SqliteStore::open(dir.path())
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("journal.jsonl") && err.contains("line 1"),
        "{err}"
    );
    assert!(!err.contains("秘密"), "{err}");
    assert!(journal.exists(), "left in place to be fixed");
}

/// Journals written before capacity was derived from the matches carry per-mentor counters;
/// they still import, and the counters (which could hold expired matches) are ignored.
#[tokio::test]
async fn an_older_journal_with_capacity_counters_imports_and_counts_live_matches() {
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

    let store = open(dir.path());
    assert_eq!(store.active_counts().await.unwrap().get("sato"), Some(&1));
    assert_eq!(super::match_cases::active_ids(&store).await, ["live"]);
}

#[tokio::test]
async fn a_full_disk_fails_the_write_whole_and_the_next_one_works_once_space_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(dir.path()).unwrap();
    let store: Store = sqlite.clone().into();
    store.put_once(record("a0", "k0"), HOUR).await.unwrap();
    let pages: u32 = {
        let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap()
    };
    sqlite.set_max_pages(Some(pages)).await.unwrap();
    let mut big = record("a1", "k1");
    big.body = serde_json::json!({ "message": "あ".repeat(20_000) });
    let err = store.put_once(big.clone(), HOUR).await.unwrap_err();
    assert!(err.is_transient(), "a full disk is answered 503: {err}");
    assert!(!err.to_string().contains('あ'), "{err}");
    assert!(
        store.get(APP, "a1").await.unwrap().is_none(),
        "nothing half-written"
    );
    // Neither the record nor its marker: the retry after space is back is a fresh put.
    sqlite.set_max_pages(None).await.unwrap();
    assert_eq!(
        store.put_once(big, HOUR).await.unwrap(),
        PutOutcome::Created { id: "a1".into() }
    );
    assert!(store.get(APP, "a0").await.unwrap().is_some());
}

#[tokio::test]
async fn one_transaction_per_write_keeps_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions {
        max_batch: 1,
        ..SqliteOptions::default()
    };
    let store: Store = SqliteStore::open_with(dir.path(), options).unwrap().into();
    let puts = (0..20).map(|i| {
        let store = store.clone();
        tokio::spawn(async move { store.put_once(record(&format!("a{i}"), "same"), HOUR).await })
    });
    let mut created = 0;
    for put in puts {
        if matches!(put.await.unwrap().unwrap(), PutOutcome::Created { .. }) {
            created += 1;
        }
    }
    assert_eq!(created, 1);
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_and_its_companions_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = open(&data);
    store.put_once(record("a1", "k1"), HOUR).await.unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    for name in [
        DB_FILE.to_string(),
        format!("{DB_FILE}-wal"),
        format!("{DB_FILE}-shm"),
    ] {
        assert_eq!(mode(&data.join(&name)), 0o600, "{name}");
    }
}

#[tokio::test]
async fn a_backup_taken_during_writes_is_a_consistent_private_copy() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("data")).unwrap();
    let store: Store = sqlite.clone().into();
    for i in 0..200 {
        store
            .put_once(record(&format!("a{i}"), &format!("k{i}")), HOUR)
            .await
            .unwrap();
    }
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 200..400 {
                store
                    .put_once(record(&format!("a{i}"), &format!("k{i}")), HOUR)
                    .await
                    .unwrap();
            }
        })
    };
    let dest = dir.path().join("backup.sqlite");
    let report = sqlite.backup(&dest).await.unwrap();
    writer.await.unwrap();
    assert!((200..=400).contains(&report.records), "{report:?}");
    assert!(sqlite.backup(&dest).await.is_err(), "never overwrites");

    // Restored as a data directory, it opens and holds what the report said, markers too.
    let restored = dir.path().join("restored");
    std::fs::create_dir(&restored).unwrap();
    std::fs::copy(&dest, restored.join(DB_FILE)).unwrap();
    let copy = open(&restored);
    let all = copy.list_by_status(APP, "received", 1000).await.unwrap();
    assert_eq!(all.len() as u64, report.records);
    assert_eq!(
        copy.put_once(record("x", "k0"), HOUR).await.unwrap(),
        PutOutcome::Replayed { id: "a0".into() }
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
