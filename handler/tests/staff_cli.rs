//! The `staff` binary against a temporary data directory: queue, show, assign (links that
//! the API accepts), extend, close, sheets, mail — and bad ids refused with exit 1, nothing
//! changed. No SMTP server is set, so the mail the commands cause is written as `.eml` files
//! into the data directory's `mail/` (never dropped).

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use handler::store::{NewRecord, NewSheet, RecordKind, SqliteStore, Store};
use handler::tokens::{Role, SigningKey};
use serde_json::json;
use time::OffsetDateTime;

const SITE: &str = "https://mikke.example.jp";

fn staff(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_staff"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("MIKKE_DATA_DIR", dir.join("data"))
        .env("MIKKE_CATALOG", dir.join("catalog.json"))
        .env("MIKKE_SITE_URL", SITE)
        .env("MIKKE_MAIL_BUNDLE", dir.join("mail.json"))
        .output()
        .expect("staff runs")
}

/// The mails `staff` wrote as files so far, oldest first: (To, Subject).
fn mail_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("data/mail"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|f| {
            let m = mikke_mail::read::read(&std::fs::read(f).unwrap()).unwrap();
            (m.header("To").unwrap().to_string(), m.subject().to_string())
        })
        .collect()
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A data dir with the sample catalog and two applications (one thin: needs a call).
async fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let catalog = handler::sample::small_catalog();
    std::fs::write(
        dir.path().join("catalog.json"),
        serde_json::to_string(&catalog).unwrap(),
    )
    .unwrap();
    support::mail::write_bundle(dir.path(), &catalog);
    let store = Store::from(SqliteStore::open(&dir.path().join("data")).unwrap());
    let now = OffsetDateTime::now_utc();
    let mut thin = handler::sample::application();
    thin.message = None;
    thin.phone = None;
    thin.preferences.clear();
    for (i, (id, app, needs_call)) in [
        ("20261124-full0001", handler::sample::application(), false),
        ("20261124-thin0002", thin, true),
    ]
    .into_iter()
    .enumerate()
    {
        let rec = NewRecord {
            kind: RecordKind::Application,
            id: id.into(),
            created_at: now + time::Duration::seconds(i as i64),
            status: "received".into(),
            idempotency_key: id.into(),
            expires_at: now + time::Duration::days(30),
            body: json!({"application": app, "completeness": {"needs_call": needs_call}}),
            mail: vec![],
        };
        store.put_once(rec, Duration::from_secs(60)).await.unwrap();
    }
    dir
}

fn link_token<'a>(out: &'a str, after: &str) -> &'a str {
    let from = out
        .find(after)
        .unwrap_or_else(|| panic!("{after} in {out}"));
    let rest = &out[from..];
    let start = rest.find("#t=").unwrap() + 3;
    rest[start..].split_whitespace().next().unwrap()
}

#[tokio::test]
async fn every_command_and_subcommand_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["queue", "--help"],
        vec!["show", "--help"],
        vec!["assign", "--help"],
        vec!["extend", "--help"],
        vec!["close", "--help"],
        vec!["sheets", "--help"],
        vec!["backup", "--help"],
        vec!["mail", "--help"],
        vec!["inquiries", "--help"],
    ] {
        let out = staff(dir.path(), &args);
        assert!(out.status.success(), "{args:?}");
        assert!(text(&out).contains("Usage: staff"), "{args:?}");
    }
}

#[tokio::test]
async fn staff_work_through_queue_show_assign_extend_sheets_and_close() {
    let dir = setup().await;
    let d = dir.path();

    let out = staff(d, &["queue"]);
    assert!(out.status.success(), "{}", err(&out));
    let queue = text(&out);
    let lines: Vec<&str> = queue.lines().collect();
    assert!(
        lines[1].starts_with("20261124-thin0002"),
        "needs_call first:\n{queue}"
    );
    assert!(lines[2].starts_with("20261124-full0001"), "{queue}");
    assert!(lines[2].contains("aoki"), "top suggestion:\n{queue}");
    assert!(
        !queue.contains("hanako@example.jp") && !queue.contains("090-"),
        "no contact details:\n{queue}"
    );
    let with_contact = text(&staff(d, &["queue", "--contact"]));
    assert!(with_contact.contains("hanako@example.jp"), "{with_contact}");

    let shown = text(&staff(d, &["show", "20261124-full0001"]));
    assert!(shown.contains("1. aoki"), "{shown}");
    assert!(
        shown.contains("same_industry") || shown.contains("preferences"),
        "{shown}"
    );
    assert!(!shown.contains("hanako@example.jp"), "{shown}");

    let out = staff(d, &["assign", "20261124-full0001", "aoki", "--links"]);
    assert!(out.status.success(), "{}", err(&out));
    let assigned = text(&out);
    assert!(assigned.contains("メールを2通送りました"), "{assigned}");
    let mails = mail_files(d);
    assert_eq!(
        mails
            .iter()
            .map(|(to, _)| to.as_str())
            .collect::<Vec<_>>()
            .len(),
        2,
        "{mails:?}"
    );
    assert!(mails
        .iter()
        .any(|(to, s)| to == "hanako@example.jp" && s.contains("メンターのご紹介")));
    assert!(mails
        .iter()
        .any(|(to, s)| to == "aoki@mentors.example.jp" && s.contains("メンティーのご紹介")));
    assert!(
        assigned.contains("全3回"),
        "sessions from the plan:\n{assigned}"
    );
    assert!(
        assigned.contains(&format!("{SITE}/diary/#t=")),
        "{assigned}"
    );
    let match_id = assigned
        .split_whitespace()
        .find(|w| w.starts_with("m-"))
        .unwrap()
        .to_string();
    // The links verify with the development key kept in the data dir, for the right roles.
    let key = SigningKey::load_or_create(&d.join("data")).unwrap();
    let now = OffsetDateTime::now_utc();
    let mentee = key
        .verify(link_token(&assigned, "メンティー用"), now)
        .unwrap();
    let mentor = key
        .verify(link_token(&assigned, "メンター用"), now)
        .unwrap();
    assert_eq!((mentee.role, mentor.role), (Role::Mentee, Role::Mentor));
    assert_eq!(mentee.match_id, match_id);

    let queue = text(&staff(d, &["queue"]));
    assert!(
        !queue.contains("20261124-full0001"),
        "matched leaves the queue:\n{queue}"
    );
    let again = staff(d, &["assign", "20261124-full0001", "ito"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(err(&again).contains("すでに「matched」"), "{}", err(&again));

    let out = staff(d, &["extend", &match_id, "--sessions", "2"]);
    assert!(out.status.success(), "{}", err(&out));
    assert!(text(&out).contains("全3回 → 全5回"), "{}", text(&out));

    // A sheet that needs follow-up, as the API would store it.
    {
        let store = Store::from(SqliteStore::open(&d.join("data")).unwrap());
        let sheet = NewSheet {
            match_id: match_id.clone(),
            session: 1,
            submission_id: "s1".into(),
            created_at: now,
            expires_at: now + time::Duration::days(30),
            priority: 60,
            content: json!({"followup": {"priority": 60, "reasons": [{"item": "staff_contact", "label": "スタッフからの連絡を希望", "points": 60}]}}),
            mail: vec![],
        };
        store.put_sheet(&sheet).await.unwrap();
    }
    let flagged = text(&staff(d, &["sheets", "--flagged"]));
    assert!(
        flagged.contains(&match_id) && flagged.contains("スタッフからの連絡を希望"),
        "{flagged}"
    );
    assert!(flagged.contains("aoki"), "{flagged}");

    let out = staff(d, &["close", &match_id]);
    assert!(out.status.success(), "{}", err(&out));
    assert!(text(&out).contains("枠が1つ空きました"));
    let twice = staff(d, &["close", &match_id]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(err(&twice).contains("すでに終了"), "{}", err(&twice));

    // Introductions, the extension's fresh links and the closing thanks, to both.
    let subjects: Vec<String> = mail_files(d).into_iter().map(|(_, s)| s).collect();
    assert_eq!(subjects.len(), 6, "{subjects:?}");
    assert_eq!(subjects.iter().filter(|s| s.contains("延長")).count(), 2);
    assert_eq!(subjects.iter().filter(|s| s.contains("終了")).count(), 2);
    let status = text(&staff(d, &["mail"]));
    assert!(status.contains("送信済み: 6通"), "{status}");
    assert!(text(&staff(d, &["mail", "--failed"])).contains("送れなかったメールはありません"));
    let resend = staff(d, &["mail", "--resend", "nope"]);
    assert_eq!(resend.status.code(), Some(1));
    assert!(
        err(&resend).contains("nope は再送できません"),
        "{}",
        err(&resend)
    );
}

#[tokio::test]
async fn a_full_mentor_is_skipped_in_suggestions_and_refused_by_assign() {
    let dir = setup().await;
    let d = dir.path();
    // Fill aoki (capacity 3) with three more applications.
    {
        let store = Store::from(SqliteStore::open(&d.join("data")).unwrap());
        for i in 0..3 {
            let rec = NewRecord {
                kind: RecordKind::Application,
                id: format!("20261124-fill000{i}"),
                created_at: OffsetDateTime::now_utc(),
                status: "received".into(),
                idempotency_key: format!("fill{i}"),
                expires_at: OffsetDateTime::now_utc() + time::Duration::days(30),
                body: json!({"application": handler::sample::application()}),
                mail: vec![],
            };
            store.put_once(rec, Duration::from_secs(60)).await.unwrap();
        }
    }
    for i in 0..3 {
        let out = staff(
            d,
            &[
                "assign",
                &format!("20261124-fill000{i}"),
                "aoki",
                "--sessions",
                "1",
            ],
        );
        assert!(out.status.success(), "{}", err(&out));
    }
    let shown = text(&staff(d, &["show", "20261124-full0001"]));
    assert!(!shown.contains(". aoki"), "{shown}");
    assert!(shown.contains("定員に達しているメンター: aoki"), "{shown}");
    let out = staff(d, &["assign", "20261124-full0001", "aoki"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(err(&out).contains("定員（3件）"), "{}", err(&out));
    assert!(
        text(&staff(d, &["queue"])).contains("20261124-full0001"),
        "still open"
    );
}

#[tokio::test]
async fn bad_ids_are_refused_clearly_and_change_nothing() {
    let dir = setup().await;
    let d = dir.path();
    let before = dump(&d.join("data"));
    for (args, says) in [
        (vec!["show", "nope"], "申し込み nope は見つかりません"),
        (
            vec!["assign", "nope", "aoki"],
            "申し込み nope は見つかりません",
        ),
        (
            vec!["assign", "20261124-full0001", "nobody"],
            "メンター nobody はカタログにいません",
        ),
        (
            vec!["assign", "20261124-full0001", "aoki", "--sessions", "0"],
            "回数は1から",
        ),
        (
            vec!["extend", "m-nope", "--sessions", "1"],
            "マッチング m-nope は見つかりません",
        ),
        (
            vec!["close", "m-nope"],
            "マッチング m-nope は見つかりません",
        ),
    ] {
        let out = staff(d, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(err(&out).contains(says), "{args:?}: {}", err(&out));
        assert!(text(&out).is_empty(), "{args:?}");
    }
    assert_eq!(dump(&d.join("data")), before, "nothing written");
    let usage = staff(d, &["assign"]);
    assert_eq!(usage.status.code(), Some(2), "clap usage error");
}

/// Every row of every table of the store in `dir`, in a fixed order: what "nothing changed"
/// compares (the file's bytes may move when SQLite checkpoints).
fn dump(dir: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(dir.join(handler::store::sqlite::DB_FILE)).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut rows = Vec::new();
    for table in tables {
        let mut s = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
            .unwrap();
        let columns = s.column_count();
        let mut found = s.query([]).unwrap();
        while let Some(row) = found.next().unwrap() {
            let values: Vec<String> = (0..columns)
                .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                .collect();
            rows.push(format!("{table}: {}", values.join(" | ")));
        }
    }
    rows
}

#[tokio::test]
async fn backup_writes_a_copy_that_opens_as_a_store_and_never_overwrites() {
    let dir = setup().await;
    let d = dir.path();
    let dest = d.join("backup-1.sqlite");
    let out = staff(d, &["backup", dest.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert!(
        text(&out).contains("申し込み・問い合わせ 2 件"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("復元するときは"), "{}", text(&out));
    let again = staff(d, &["backup", dest.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(err(&again).contains("上書きはしません"), "{}", err(&again));

    let restored = d.join("restored");
    std::fs::create_dir(&restored).unwrap();
    std::fs::copy(&dest, restored.join(handler::store::sqlite::DB_FILE)).unwrap();
    let store = Store::from(SqliteStore::open(&restored).unwrap());
    let queue = store
        .list_by_status(RecordKind::Application, "received", 10)
        .await
        .unwrap();
    assert_eq!(queue.len(), 2);
}

#[tokio::test]
async fn inquiries_are_listed_moved_through_their_statuses_and_briefings_counted() {
    let dir = setup().await;
    let d = dir.path();
    {
        let store = Store::from(SqliteStore::open(&d.join("data")).unwrap());
        let now = OffsetDateTime::now_utc();
        let inquiries = [
            (
                "20261206-inq00001",
                json!({"kind": "consultation", "name": "相談 花子", "email": "soudan@example.jp", "preferred_times": "平日夜", "consent": true}),
            ),
            (
                "20261206-inq00002",
                json!({"kind": "briefing", "name": "説明 桜", "email": "setsumei@example.jp", "briefing_date": "2036-12-06", "consent": true}),
            ),
            (
                "20261206-inq00003",
                json!({"kind": "briefing", "name": "説明 結衣", "email": "yui@example.jp", "briefing_date": "2036-12-06", "consent": true}),
            ),
            (
                "20261206-inq00004",
                json!({"kind": "corporate", "name": "人事 恵", "email": "hr@example.jp", "company": "株式会社サンプル", "consent": true}),
            ),
        ];
        for (id, body) in inquiries {
            let rec = NewRecord {
                kind: RecordKind::Inquiry,
                id: id.into(),
                created_at: now,
                status: "received".into(),
                idempotency_key: id.into(),
                expires_at: now + time::Duration::days(30),
                body,
                mail: vec![],
            };
            store.put_once(rec, Duration::from_secs(60)).await.unwrap();
        }
    }
    let all = text(&staff(d, &["inquiries"]));
    assert_eq!(all.lines().count(), 5, "a header and four rows:\n{all}");
    assert!(
        all.contains("20261206-inq00001\t無料相談") && all.contains("\t未対応\t"),
        "{all}"
    );
    assert!(
        !all.contains("soudan@example.jp"),
        "no contact data without --contact:\n{all}"
    );
    let briefings = text(&staff(d, &["inquiries", "--kind", "briefing", "--contact"]));
    assert_eq!(briefings.lines().count(), 3, "{briefings}");
    assert!(
        briefings.contains("setsumei@example.jp\t-\t-"),
        "{briefings}"
    );

    let moved = staff(
        d,
        &[
            "inquiries",
            "--set",
            "20261206-inq00004",
            "--to",
            "in_progress",
        ],
    );
    assert!(moved.status.success(), "{}", err(&moved));
    assert!(
        text(&moved).contains("「未対応」→「対応中」"),
        "{}",
        text(&moved)
    );
    let in_progress = text(&staff(d, &["inquiries", "--status", "in_progress"]));
    assert!(
        in_progress.contains("20261206-inq00004\t法人向けプラン"),
        "{in_progress}"
    );
    assert_eq!(in_progress.lines().count(), 2);
    let bad = staff(
        d,
        &["inquiries", "--set", "20261206-inq00004", "--to", "closed"],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        err(&bad).contains("状態「closed」はありません"),
        "{}",
        err(&bad)
    );
    let missing = staff(d, &["inquiries", "--set", "nope", "--to", "done"]);
    assert!(
        err(&missing).contains("nope は見つかりません"),
        "{}",
        err(&missing)
    );

    let roster = text(&staff(d, &["inquiries", "--roster"]));
    assert!(
        roster.contains("2036年12月6日（土） 10:00〜11:00: 2人（定員2人）"),
        "{roster}"
    );
    assert!(
        roster.contains("2026年12月5日（土） 10:00〜11:00: 0人（定員なし）"),
        "{roster}"
    );
    assert!(!roster.contains("yui@example.jp"));
    let with_names = text(&staff(d, &["inquiries", "--roster", "--contact"]));
    assert!(
        with_names.contains("20261206-inq00003\t説明 結衣\tyui@example.jp"),
        "{with_names}"
    );
}
