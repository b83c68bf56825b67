//! What the staff console reads and keeps (issue 14): every match by date for reports,
//! sign-in requests, sessions and the audit log.

use mikke_store::{AuditEntry, MatchStatus, SignIn, StaffSession};
use time::OffsetDateTime;

use super::match_cases::assigned;
use super::outbox_cases::mail;
use super::Backend;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

fn signin(id: &str, minutes: i64) -> SignIn {
    SignIn {
        id: id.into(),
        address: "staff@example.jp".into(),
        created_at: now(),
        expires_at: now() + time::Duration::minutes(minutes),
        used_at: None,
    }
}

fn session(hash: &str) -> StaffSession {
    StaffSession {
        id_hash: hash.into(),
        address: "staff@example.jp".into(),
        csrf: format!("csrf-{hash}"),
        created_at: now(),
        expires_at: now() + time::Duration::hours(12),
    }
}

pub async fn console_a_signin_is_written_with_its_mail_and_consumed_once(b: &mut Backend) {
    let s = b.store();
    let mails = [mail("si1.staff_signin", "staff_signin", "staff")];
    s.put_signin(&signin("si1", 10), &mails).await.unwrap();
    assert!(s.get_mail("si1.staff_signin").await.unwrap().is_some());
    let read = s.get_signin("si1").await.unwrap().expect("stored");
    assert_eq!(read.address, "staff@example.jp");
    assert_eq!(read.used_at, None);
    // Two racing uses: exactly one signs in.
    let (a, b2) = tokio::join!(
        s.consume_signin("si1", now()),
        s.consume_signin("si1", now())
    );
    let winners = [a.unwrap(), b2.unwrap()];
    assert_eq!(winners.iter().filter(|w| w.is_some()).count(), 1);
    assert_eq!(s.consume_signin("si1", now()).await.unwrap(), None, "used");
    assert!(s
        .get_signin("si1")
        .await
        .unwrap()
        .unwrap()
        .used_at
        .is_some());
    assert_eq!(s.consume_signin("missing", now()).await.unwrap(), None);
    // A link used after its ten minutes does nothing.
    s.put_signin(&signin("si2", 10), &[]).await.unwrap();
    let late = now() + time::Duration::minutes(11);
    assert_eq!(s.consume_signin("si2", late).await.unwrap(), None);
    assert!(s.consume_signin("si2", now()).await.unwrap().is_some());
    // A mail id already taken cancels the request.
    let taken = s.put_signin(&signin("si3", 10), &mails).await;
    assert!(taken.is_err());
    assert_eq!(s.get_signin("si3").await.unwrap(), None);
}

pub async fn console_sessions_end_one_at_a_time_or_all_at_once(b: &mut Backend) {
    let s = b.store();
    // Made once: `session` stamps the current second, which may have moved on by the read.
    let first = session("h1");
    s.put_session(&first).await.unwrap();
    for h in ["h2", "h3"] {
        s.put_session(&session(h)).await.unwrap();
    }
    assert_eq!(s.get_session("h1").await.unwrap(), Some(first));
    assert!(s.end_session("h1").await.unwrap());
    assert!(!s.end_session("h1").await.unwrap(), "already ended");
    assert_eq!(s.get_session("h1").await.unwrap(), None);
    let live: Vec<String> = s
        .list_sessions()
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.id_hash)
        .collect();
    assert_eq!(live, ["h2", "h3"]);
    assert_eq!(s.end_all_sessions().await.unwrap(), 2);
    assert_eq!(s.get_session("h2").await.unwrap(), None);
    assert!(s.list_sessions().await.unwrap().is_empty());
}

pub async fn console_audit_entries_are_listed_in_time_order_since_a_date(b: &mut Backend) {
    let s = b.store();
    let at = now();
    let entry = |n: i64, action: &str| AuditEntry {
        id: format!(
            "{}-{n}",
            mikke_store::schema::timestamp_text(at + time::Duration::seconds(n))
        ),
        at: at + time::Duration::seconds(n),
        actor: "staff@example.jp".into(),
        action: action.into(),
        ids: vec![format!("20261206-app{n:05}")],
        expires_at: at + time::Duration::days(30),
    };
    s.append_audit(&entry(2, "assign")).await.unwrap();
    s.append_audit(&entry(1, "view_contact")).await.unwrap();
    s.append_audit(&entry(3, "report")).await.unwrap();
    assert!(
        s.append_audit(&entry(3, "report")).await.is_err(),
        "append-only"
    );
    let all = s.list_audit(at, 10).await.unwrap();
    let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["view_contact", "assign", "report"]);
    assert_eq!(all[0], entry(1, "view_contact"));
    let later = s
        .list_audit(at + time::Duration::seconds(2), 10)
        .await
        .unwrap();
    assert_eq!(later.len(), 2);
    assert_eq!(s.list_audit(at, 1).await.unwrap().len(), 1);
}

pub async fn matches_are_listed_by_date_active_or_closed_extended_or_not(b: &mut Backend) {
    let s = b.store();
    assigned(s, "m1", "sato", 3).await;
    assigned(s, "m2", "aoki", 3).await;
    s.close_match("m1", &[]).await.unwrap().expect("closed");
    s.extend_match("m2", 2, time::Duration::DAY, &[])
        .await
        .unwrap()
        .expect("extended");
    let yesterday = OffsetDateTime::now_utc() - time::Duration::DAY;
    let listed = s.list_matches(yesterday, 10).await.unwrap();
    let seen: Vec<(&str, MatchStatus, u32)> = listed
        .iter()
        .map(|m| (m.id.as_str(), m.status, m.sessions))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("m1", MatchStatus::Closed, 3),
            ("m2", MatchStatus::Active, 5)
        ]
    );
    assert_eq!(listed[0].application_id, "a-m1");
    let first = s.list_matches(yesterday, 1).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].id, "m1");
    let tomorrow = OffsetDateTime::now_utc() + time::Duration::DAY;
    assert!(s.list_matches(tomorrow, 10).await.unwrap().is_empty());
}

pub async fn brief_lists_are_the_same_records_with_only_the_paths_asked_for(b: &mut Backend) {
    use mikke_store::{NewRecord, RecordKind};
    let s = b.store();
    for (i, flag) in [(1, true), (2, false)] {
        let rec = NewRecord {
            kind: RecordKind::Application,
            id: format!("a{i}"),
            created_at: now() + time::Duration::seconds(i),
            status: "received".into(),
            idempotency_key: format!("k{i}"),
            expires_at: now() + time::Duration::days(1),
            body: serde_json::json!({
                "application": { "name": "架空", "company_code": format!("C{i}") },
                "completeness": { "needs_call": flag, "score": 40 },
                "match": { "suggestions": [{ "name": "青木", "score": 90 }, { "name": "伊藤" }] },
            }),
            mail: vec![],
        };
        s.put_once(rec, std::time::Duration::from_secs(60))
            .await
            .unwrap();
    }
    let fields = [
        "$.completeness.needs_call",
        "$.match.suggestions[0]",
        "$.application.company_code",
    ];
    let brief = s
        .list_brief_by_status(RecordKind::Application, "received", 10, &fields)
        .await
        .unwrap();
    let full = s
        .list_by_status(RecordKind::Application, "received", 10)
        .await
        .unwrap();
    let count = |kind, status| s.count_by_status(kind, status);
    assert_eq!(count(RecordKind::Application, "received").await.unwrap(), 2);
    assert_eq!(count(RecordKind::Application, "matched").await.unwrap(), 0);
    assert_eq!(count(RecordKind::Inquiry, "received").await.unwrap(), 0);
    assert_eq!(
        brief
            .iter()
            .map(|r| (&r.id, r.created_at))
            .collect::<Vec<_>>(),
        full.iter()
            .map(|r| (&r.id, r.created_at))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        brief[0].body,
        serde_json::json!({
            "completeness": { "needs_call": true },
            "match": { "suggestions": [{ "name": "青木", "score": 90 }] },
            "application": { "company_code": "C1" },
        })
    );
    let by_kind = s
        .list_brief_by_kind(
            RecordKind::Application,
            now() - time::Duration::DAY,
            1,
            &fields,
        )
        .await
        .unwrap();
    assert_eq!(by_kind.len(), 1);
    assert_eq!(by_kind[0].body, brief[0].body);
    assert!(s
        .list_brief_by_status(RecordKind::Application, "received", 10, &["$.a' OR 1=1"])
        .await
        .is_err());
}

pub async fn console_a_note_is_saved_only_over_the_version_its_writer_saw(b: &mut Backend) {
    use mikke_store::{Note, NoteOutcome, RecordKind};
    let s = b.store();
    let note = |text: &str, by: &str, secs: i64| Note {
        kind: RecordKind::Application,
        id: "20261206-app00001".into(),
        text: text.into(),
        updated_by: by.into(),
        updated_at: now() + time::Duration::seconds(secs),
        expires_at: now() + time::Duration::days(30),
    };
    let kind = RecordKind::Application;
    assert_eq!(s.get_note(kind, "20261206-app00001").await.unwrap(), None);
    let first = note("電話済み。平日夜なら話せる。", "a@example.jp", 0);
    assert_eq!(s.put_note(&first, None).await.unwrap(), NoteOutcome::Saved);
    assert_eq!(
        s.get_note(kind, "20261206-app00001").await.unwrap(),
        Some(first.clone())
    );
    // A colleague who opened the page before the first save is refused, nothing changes.
    let late = note("別の人のメモ", "b@example.jp", 1);
    assert_eq!(s.put_note(&late, None).await.unwrap(), NoteOutcome::Stale);
    let second = note("追記: 来週また電話。", "b@example.jp", 2);
    assert_eq!(
        s.put_note(&second, Some(first.updated_at)).await.unwrap(),
        NoteOutcome::Saved
    );
    assert_eq!(
        s.put_note(&late, Some(first.updated_at)).await.unwrap(),
        NoteOutcome::Stale
    );
    assert_eq!(
        s.get_note(kind, "20261206-app00001").await.unwrap(),
        Some(second)
    );
    assert_eq!(
        s.get_note(RecordKind::Inquiry, "20261206-app00001")
            .await
            .unwrap(),
        None
    );
    let long = note(&"あ".repeat(3000), "a@example.jp", 3);
    assert!(s.put_note(&long, None).await.is_err(), "8 KiB at most");
}

pub async fn console_a_followed_up_sheet_is_marked_once(b: &mut Backend) {
    use mikke_store::Handled;
    let s = b.store();
    let mark = |m: &str, session: u32, by: &str| Handled {
        match_id: m.into(),
        session,
        handled_by: by.into(),
        handled_at: now(),
        expires_at: now() + time::Duration::days(30),
    };
    assert!(s
        .mark_handled(&mark("m1", 1, "a@example.jp"))
        .await
        .unwrap());
    assert!(
        !s.mark_handled(&mark("m1", 1, "b@example.jp"))
            .await
            .unwrap(),
        "the first mark stays"
    );
    assert!(s
        .mark_handled(&mark("m1", 2, "b@example.jp"))
        .await
        .unwrap());
    let listed = s.list_handled().await.unwrap();
    let seen: Vec<(&str, u32, &str)> = listed
        .iter()
        .map(|h| (h.match_id.as_str(), h.session, h.handled_by.as_str()))
        .collect();
    assert_eq!(seen.len(), 2);
    assert!(seen.contains(&("m1", 1, "a@example.jp")));
    assert!(seen.contains(&("m1", 2, "b@example.jp")));
}
