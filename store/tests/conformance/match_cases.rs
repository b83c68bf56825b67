//! Matches, sheets and replies (issue 6): the same behaviour from both back ends.

use std::time::Duration;

use mikke_store::{
    AssignOutcome, Match, MatchStatus, NewRecord, NewSheet, RecordKind, Reply, ReplyOutcome,
    SheetOutcome, Store, StoreError,
};
use serde_json::json;
use time::OffsetDateTime;

use super::Backend;

const APP: RecordKind = RecordKind::Application;
const DAY: time::Duration = time::Duration::DAY;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

fn later() -> OffsetDateTime {
    now() + time::Duration::days(30)
}

async fn application(s: &Store, id: &str, status: &str) {
    let rec = NewRecord {
        kind: APP,
        id: id.into(),
        created_at: now(),
        status: status.into(),
        idempotency_key: format!("key-{id}"),
        expires_at: later(),
        body: json!({"name": "架空 花子", "plan": "standard"}),
        mail: vec![],
    };
    s.put_once(rec, Duration::from_secs(60)).await.unwrap();
}

fn a_match(id: &str, app: &str, mentor: &str) -> Match {
    Match {
        id: id.into(),
        application_id: app.into(),
        mentor_slug: mentor.into(),
        mentor_name: format!("メンター{mentor}"),
        links_epoch: 0,
        plan: "standard".into(),
        sessions: 3,
        status: MatchStatus::Active,
        created_at: now(),
        expires_at: later(),
    }
}

/// Application `a-<id>` and its match `<id>` with `mentor`.
pub(super) async fn assigned(s: &Store, id: &str, mentor: &str, capacity: u32) -> AssignOutcome {
    let app = format!("a-{id}");
    application(s, &app, "received").await;
    s.create_match(&a_match(id, &app, mentor), capacity, &[])
        .await
        .unwrap()
}

/// How long `short_lived_match` lives: long enough that a loaded CI machine gets through
/// the steps before it expires, short enough to wait out.
const SHORT_LIFE_SECS: i64 = 5;

/// Match `short` (application `a-short`, mentor `sato`, capacity 1) that expires in
/// `SHORT_LIFE_SECS`.
async fn short_lived_match(s: &Store) -> Match {
    application(s, "a-short", "received").await;
    let mut short = a_match("short", "a-short", "sato");
    short.expires_at = now() + time::Duration::seconds(SHORT_LIFE_SECS);
    assert_eq!(
        s.create_match(&short, 1, &[]).await.unwrap(),
        AssignOutcome::Created
    );
    short
}

/// The ids of the matches that still hold a slot, in the store's order.
pub(super) async fn active_ids(s: &Store) -> Vec<String> {
    s.active_matches()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect()
}

fn sheet(match_id: &str, session: u32, submission: &str, priority: u32) -> NewSheet {
    NewSheet {
        match_id: match_id.into(),
        session,
        submission_id: submission.into(),
        created_at: now(),
        expires_at: later(),
        priority,
        content: json!({"reflections": format!("気づき{session}"), "satisfaction": 4}),
        mail: vec![],
    }
}

fn reply(text: &str) -> Reply {
    Reply {
        text: text.into(),
        created_at: now(),
    }
}

async fn status(s: &Store, app: &str) -> String {
    s.get(APP, app).await.unwrap().unwrap().status
}

pub async fn matches_assign_counts_capacity_and_marks_the_application_matched(b: &mut Backend) {
    let s = b.store();
    assert_eq!(assigned(s, "m1", "sato", 2).await, AssignOutcome::Created);
    assert_eq!(status(s, "a-m1").await, "matched");
    let got = s.get_match("m1").await.unwrap().expect("stored");
    // `a_match` stamps the current second: a second may have ticked since `assigned` made it.
    assert!(
        (now() - got.created_at).whole_seconds().abs() <= 2,
        "{got:?}"
    );
    let same_times = Match {
        created_at: got.created_at,
        expires_at: got.expires_at,
        ..a_match("m1", "a-m1", "sato")
    };
    assert_eq!(got, same_times);
    let kept = got.expires_at - got.created_at - time::Duration::days(30);
    assert!(kept.whole_seconds().abs() <= 1, "{got:?}");
    assert_eq!(s.active_counts().await.unwrap().get("sato"), Some(&1));
    assert_eq!(
        s.list_by_status(APP, "matched", 10).await.unwrap().len(),
        1,
        "the queue index follows the status"
    );

    // The same application again: already matched, nothing changes.
    let again = s
        .create_match(&a_match("m1b", "a-m1", "sato"), 2, &[])
        .await
        .unwrap();
    assert_eq!(again, AssignOutcome::ApplicationNotOpen);
    assert_eq!(s.get_match("m1b").await.unwrap(), None);
    assert_eq!(s.active_counts().await.unwrap().get("sato"), Some(&1));

    // Fill the mentor, then one more is refused and leaves its application open.
    assert_eq!(assigned(s, "m2", "sato", 2).await, AssignOutcome::Created);
    assert_eq!(
        assigned(s, "m3", "sato", 2).await,
        AssignOutcome::MentorFull
    );
    assert_eq!(status(s, "a-m3").await, "received");
    assert_eq!(s.get_match("m3").await.unwrap(), None);
    assert_eq!(s.active_counts().await.unwrap().get("sato"), Some(&2));
    // Another mentor is unaffected.
    assert_eq!(assigned(s, "m4", "suzuki", 1).await, AssignOutcome::Created);
    let counts = s.active_counts().await.unwrap();
    assert_eq!((counts["sato"], counts["suzuki"]), (2, 1));
}

pub async fn matches_assign_takes_needs_call_applications_and_refuses_missing_ones(
    b: &mut Backend,
) {
    let s = b.store();
    application(s, "called", "needs_call").await;
    let made = s
        .create_match(&a_match("m1", "called", "sato"), 3, &[])
        .await;
    assert_eq!(made.unwrap(), AssignOutcome::Created);
    assert_eq!(status(s, "called").await, "matched");
    let missing = s.create_match(&a_match("m2", "nope", "sato"), 3, &[]).await;
    assert_eq!(missing.unwrap(), AssignOutcome::ApplicationNotOpen);
    application(s, "other", "received").await;
    let taken = s
        .create_match(&a_match("m1", "other", "sato"), 3, &[])
        .await;
    assert!(
        matches!(taken, Err(StoreError::Invalid { .. })),
        "{taken:?}"
    );
    assert_eq!(status(s, "other").await, "received", "nothing changed");
    assert_eq!(s.active_counts().await.unwrap()["sato"], 1);
    let mut bad = a_match("m#3", "other", "sato");
    assert!(
        s.create_match(&bad, 3, &[]).await.is_err(),
        "key separator in id"
    );
    bad.id = "m3".into();
    bad.sessions = 0;
    assert!(s.create_match(&bad, 3, &[]).await.is_err(), "zero sessions");
}

pub async fn matches_concurrent_assigns_never_exceed_capacity(b: &mut Backend) {
    for i in 0..8 {
        application(b.store(), &format!("a-r{i}"), "received").await;
    }
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let s = b.store().clone();
            tokio::spawn(async move {
                let m = a_match(&format!("r{i}"), &format!("a-r{i}"), "busy");
                s.create_match(&m, 3, &[]).await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            AssignOutcome::Created => created += 1,
            AssignOutcome::MentorFull => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(created, 3);
    assert_eq!(b.store().active_counts().await.unwrap()["busy"], 3);
    let matched = b.store().list_by_status(APP, "matched", 20).await.unwrap();
    assert_eq!(matched.len(), 3);
}

pub async fn matches_close_frees_capacity_once(b: &mut Backend) {
    let s = b.store();
    assert_eq!(assigned(s, "m1", "sato", 1).await, AssignOutcome::Created);
    assert_eq!(
        assigned(s, "m2", "sato", 1).await,
        AssignOutcome::MentorFull
    );
    let closed = s.close_match("m1", &[]).await.unwrap().expect("closed");
    assert_eq!(closed.status, MatchStatus::Closed);
    assert_eq!(
        s.get_match("m1").await.unwrap().unwrap().status,
        MatchStatus::Closed
    );
    assert_eq!(s.active_counts().await.unwrap().get("sato"), None);
    assert_eq!(s.close_match("m1", &[]).await.unwrap(), None, "only once");
    assert_eq!(s.close_match("missing", &[]).await.unwrap(), None);
    // The application refused before is still open and now fits.
    let m2 = a_match("m2", "a-m2", "sato");
    assert_eq!(
        s.create_match(&m2, 1, &[]).await.unwrap(),
        AssignOutcome::Created
    );
    assert_eq!(s.active_counts().await.unwrap()["sato"], 1);
}

/// Revoking moves the epoch on for active and closed matches alike, keeps it through extend
/// and close, survives a restart, and finds nothing for missing or expired matches.
pub async fn matches_links_are_revoked_by_moving_the_epoch_on(b: &mut Backend) {
    let s = b.store();
    assert_eq!(assigned(s, "m1", "sato", 3).await, AssignOutcome::Created);
    assert_eq!(s.get_match("m1").await.unwrap().unwrap().links_epoch, 0);
    let revoked = s.revoke_links("m1").await.unwrap().expect("live");
    assert_eq!(
        (revoked.links_epoch, revoked.status),
        (1, MatchStatus::Active)
    );
    let extended = s.extend_match("m1", 1, DAY, &[]).await.unwrap().unwrap();
    assert_eq!(extended.links_epoch, 1, "extend keeps the epoch");
    s.close_match("m1", &[]).await.unwrap().unwrap();
    assert_eq!(s.revoke_links("m1").await.unwrap().unwrap().links_epoch, 2);
    b.restart().await;
    let s = b.store();
    assert_eq!(s.get_match("m1").await.unwrap().unwrap().links_epoch, 2);
    assert_eq!(
        s.diary("m1").await.unwrap().unwrap().the_match.links_epoch,
        2
    );
    assert_eq!(s.revoke_links("missing").await.unwrap(), None);
    let short = short_lived_match(s).await;
    tokio::time::sleep(std::time::Duration::from_secs(SHORT_LIFE_SECS as u64 + 1)).await;
    assert_eq!(s.revoke_links(&short.id).await.unwrap(), None, "expired");
}

fn provision_for(m: &Match) -> mikke_store::Provision {
    mikke_store::Provision {
        match_id: m.id.clone(),
        application_id: m.application_id.clone(),
        mentor_slug: m.mentor_slug.clone(),
        fields: vec!["name".into(), "email".into(), "topics".into()],
        consent_version: Some(2),
        subject: "ab".repeat(32),
        provided_at: now(),
        expires_at: now() + DAY * 1095,
    }
}

/// The provision record exists exactly when the match does: written with it, none for a
/// refused assignment (full mentor), one per match however often assign is retried, and it
/// survives a restart unchanged.
pub async fn matches_a_provision_record_is_written_with_its_match_only(b: &mut Backend) {
    let s = b.store();
    application(s, "a-p1", "received").await;
    application(s, "a-p2", "received").await;
    let m1 = a_match("p1", "a-p1", "sato");
    let p1 = provision_for(&m1);
    assert_eq!(
        s.create_match_recorded(&m1, 1, &[], &p1).await.unwrap(),
        AssignOutcome::Created
    );
    let m2 = a_match("p2", "a-p2", "sato");
    assert_eq!(
        s.create_match_recorded(&m2, 1, &[], &provision_for(&m2))
            .await
            .unwrap(),
        AssignOutcome::MentorFull
    );
    assert!(
        s.create_match_recorded(&m1, 5, &[], &p1).await.is_err(),
        "match id taken"
    );
    let mut wrong = provision_for(&m2);
    wrong.mentor_slug = "someone-else".into();
    assert!(
        s.create_match_recorded(&m2, 5, &[], &wrong).await.is_err(),
        "must name the match"
    );
    b.restart().await;
    assert_eq!(b.store().list_provisions().await.unwrap(), vec![p1]);
}

pub async fn matches_extend_adds_sessions_to_active_matches_only(b: &mut Backend) {
    let s = b.store();
    assigned(s, "m1", "sato", 3).await;
    let extended = s
        .extend_match("m1", 2, DAY, &[])
        .await
        .unwrap()
        .expect("extended");
    assert_eq!(extended.sessions, 5);
    assert_eq!(s.get_match("m1").await.unwrap().unwrap().sessions, 5);
    assert_eq!(s.extend_match("missing", 1, DAY, &[]).await.unwrap(), None);
    assert!(
        s.extend_match("m1", 0, DAY, &[]).await.is_err(),
        "zero is a mistake"
    );
    assert!(
        s.extend_match("m1", 95, DAY, &[]).await.is_err(),
        "past the session bound"
    );
    assert_eq!(s.get_match("m1").await.unwrap().unwrap().sessions, 5);
    s.close_match("m1", &[]).await.unwrap();
    assert_eq!(
        s.extend_match("m1", 1, DAY, &[]).await.unwrap(),
        None,
        "closed"
    );
    assert_eq!(s.get_match("m1").await.unwrap().unwrap().sessions, 5);
}

pub async fn matches_extend_moves_the_expiry_and_holds_capacity_until_then(b: &mut Backend) {
    let s = b.store();
    let short = short_lived_match(s).await;
    // What the handler adds for two sessions (`matching::session_share`); any span will do.
    let share = time::Duration::days(90);
    let moved = short.expires_at + share;
    assert!(s.extend_match("short", 0, share, &[]).await.is_err());
    assert!(
        s.extend_match("short", 1, -DAY, &[]).await.is_err(),
        "an expiry never moves back"
    );
    assert_eq!(
        s.get_match("short").await.unwrap().unwrap(),
        short,
        "refused: unchanged"
    );
    let extended = s
        .extend_match("short", 2, share, &[])
        .await
        .unwrap()
        .expect("extended");
    assert_eq!((extended.sessions, extended.expires_at), (5, moved));
    assert_eq!(s.get_match("short").await.unwrap().unwrap(), extended);

    // Past the original expiry the match, its slot and its sessions are all still there.
    tokio::time::sleep(Duration::from_secs(SHORT_LIFE_SECS as u64 + 1)).await;
    assert_eq!(s.get_match("short").await.unwrap().unwrap(), extended);
    assert_eq!(s.active_counts().await.unwrap().get("sato"), Some(&1));
    let ids = active_ids(s).await;
    assert_eq!(ids, ["short"]);
    assert_eq!(
        assigned(s, "waiting", "sato", 1).await,
        AssignOutcome::MentorFull,
        "the extended match still holds her only slot"
    );
    assert_eq!(
        s.put_sheet(&sheet("short", 5, "sub-5", 0)).await.unwrap(),
        SheetOutcome::Created
    );
    // Closing still frees it.
    s.close_match("short", &[]).await.unwrap().expect("closed");
    assert_eq!(s.active_counts().await.unwrap().get("sato"), None);
}

pub async fn sheets_are_stored_once_per_session_with_replay_and_conflict(b: &mut Backend) {
    let s = b.store();
    assigned(s, "m1", "sato", 3).await;
    let first = sheet("m1", 1, "sub-1", 20);
    assert_eq!(s.put_sheet(&first).await.unwrap(), SheetOutcome::Created);
    assert_eq!(s.put_sheet(&first).await.unwrap(), SheetOutcome::Replayed);
    let mut other = sheet("m1", 1, "sub-2", 20);
    other.content = json!({"reflections": "別の内容"});
    assert_eq!(s.put_sheet(&other).await.unwrap(), SheetOutcome::Conflict);
    let diary = s.diary("m1").await.unwrap().unwrap();
    assert_eq!(diary.sheets.len(), 1);
    assert_eq!(
        diary.sheets[0].content, first.content,
        "the first sheet is kept"
    );

    assert_eq!(
        s.put_sheet(&sheet("m1", 4, "sub-4", 0)).await.unwrap(),
        SheetOutcome::Refused,
        "past the match's sessions"
    );
    assert_eq!(
        s.put_sheet(&sheet("nope", 1, "sub-x", 0)).await.unwrap(),
        SheetOutcome::Refused,
        "no such match"
    );
    assert!(s.put_sheet(&sheet("m1", 0, "sub-0", 0)).await.is_err());
    assert!(s.put_sheet(&sheet("m1", 2, "sub-2", 101)).await.is_err());
    s.extend_match("m1", 1, DAY, &[]).await.unwrap();
    assert_eq!(
        s.put_sheet(&sheet("m1", 4, "sub-4", 0)).await.unwrap(),
        SheetOutcome::Created,
        "after an extension"
    );
    s.close_match("m1", &[]).await.unwrap();
    assert_eq!(
        s.put_sheet(&sheet("m1", 2, "sub-2", 0)).await.unwrap(),
        SheetOutcome::Refused,
        "closed"
    );
    assert_eq!(
        s.put_sheet(&first).await.unwrap(),
        SheetOutcome::Replayed,
        "a retry still gets its answer after the close"
    );
}

pub async fn replies_are_stored_once_per_sheet(b: &mut Backend) {
    let s = b.store();
    assigned(s, "m1", "sato", 3).await;
    assert_eq!(
        s.put_reply("m1", 1, &reply("ありがとう"), &[])
            .await
            .unwrap(),
        ReplyOutcome::NoSheet
    );
    s.put_sheet(&sheet("m1", 1, "sub-1", 0)).await.unwrap();
    let answer = reply("よく頑張りましたね");
    assert_eq!(
        s.put_reply("m1", 1, &answer, &[]).await.unwrap(),
        ReplyOutcome::Created
    );
    assert_eq!(
        s.put_reply("m1", 1, &answer, &[]).await.unwrap(),
        ReplyOutcome::Replayed
    );
    assert_eq!(
        s.put_reply("m1", 1, &reply("別の返信"), &[]).await.unwrap(),
        ReplyOutcome::Conflict
    );
    let diary = s.diary("m1").await.unwrap().unwrap();
    let stored = diary.sheets[0].reply.as_ref().expect("reply kept");
    assert_eq!(stored.text, answer.text);
    assert_eq!(stored.created_at, answer.created_at);
    assert_eq!(
        s.put_reply("other", 1, &answer, &[]).await.unwrap(),
        ReplyOutcome::NoSheet
    );
}

pub async fn diary_returns_the_match_with_its_sheets_and_replies_in_order(b: &mut Backend) {
    let s = b.store();
    assigned(s, "m1", "sato", 3).await;
    assigned(s, "m2", "sato", 3).await;
    for n in [3, 1, 2] {
        s.put_sheet(&sheet("m1", n, &format!("sub-{n}"), 0))
            .await
            .unwrap();
    }
    s.put_sheet(&sheet("m2", 1, "sub-other", 0)).await.unwrap();
    s.put_reply("m1", 2, &reply("返信2"), &[]).await.unwrap();

    let diary = s.diary("m1").await.unwrap().unwrap();
    assert_eq!(diary.the_match.id, "m1");
    let sessions: Vec<u32> = diary.sheets.iter().map(|x| x.session).collect();
    assert_eq!(sessions, [1, 2, 3]);
    assert!(
        diary.sheets.iter().all(|x| x.match_id == "m1"),
        "no other match"
    );
    let replied: Vec<bool> = diary.sheets.iter().map(|x| x.reply.is_some()).collect();
    assert_eq!(replied, [false, true, false]);
    assert_eq!(diary.sheets[0].submission_id, "sub-1");
    assert_eq!(s.diary("missing").await.unwrap(), None);
    let empty = s.diary("m2").await.unwrap().unwrap();
    assert_eq!(empty.sheets.len(), 1);
}

pub async fn followups_list_highest_priority_first_then_oldest(b: &mut Backend) {
    let s = b.store();
    assigned(s, "m1", "sato", 3).await;
    assigned(s, "m2", "suzuki", 3).await;
    let t0 = now() - time::Duration::minutes(10);
    let put = |m: &str, n: u32, p: u32, minutes: i64| {
        let mut x = sheet(m, n, &format!("{m}-{n}"), p);
        x.created_at = t0 + time::Duration::minutes(minutes);
        x
    };
    let sheets = [
        put("m1", 1, 10, 0),
        put("m1", 2, 80, 5),
        put("m2", 1, 80, 1),
        put("m2", 2, 50, 2),
        put("m2", 3, 100, 9),
    ];
    for x in &sheets {
        assert_eq!(s.put_sheet(x).await.unwrap(), SheetOutcome::Created);
    }
    let order = |list: Vec<mikke_store::Sheet>| -> Vec<(String, u32)> {
        list.into_iter().map(|x| (x.match_id, x.session)).collect()
    };
    let all = order(s.list_followups(0, 10).await.unwrap());
    let want = |v: &[(&str, u32)]| -> Vec<(String, u32)> {
        v.iter().map(|(m, n)| (m.to_string(), *n)).collect()
    };
    assert_eq!(
        all,
        want(&[("m2", 3), ("m2", 1), ("m1", 2), ("m2", 2), ("m1", 1)])
    );
    assert_eq!(
        order(s.list_followups(50, 10).await.unwrap()),
        want(&[("m2", 3), ("m2", 1), ("m1", 2), ("m2", 2)]),
        "min priority is inclusive"
    );
    assert_eq!(
        order(s.list_followups(81, 10).await.unwrap()),
        want(&[("m2", 3)])
    );
    assert_eq!(s.list_followups(0, 2).await.unwrap().len(), 2);
    let top = &s.list_followups(100, 1).await.unwrap()[0];
    assert_eq!((top.priority, &top.content), (100, &sheets[4].content));
}

pub async fn matches_sheets_and_replies_survive_a_restart(b: &mut Backend) {
    {
        let s = b.store();
        assigned(s, "m1", "sato", 2).await;
        assigned(s, "m2", "sato", 2).await;
        s.put_sheet(&sheet("m1", 1, "sub-1", 70)).await.unwrap();
        s.put_reply("m1", 1, &reply("返信"), &[]).await.unwrap();
        s.extend_match("m1", 1, DAY, &[]).await.unwrap();
        s.close_match("m2", &[]).await.unwrap();
    }
    let before = b.store().diary("m1").await.unwrap();
    b.restart().await;
    let s = b.store();
    assert_eq!(s.diary("m1").await.unwrap(), before);
    assert_eq!(s.get_match("m1").await.unwrap().unwrap().sessions, 4);
    assert_eq!(
        s.get_match("m2").await.unwrap().unwrap().status,
        MatchStatus::Closed
    );
    assert_eq!(s.active_counts().await.unwrap()["sato"], 1);
    assert_eq!(status(s, "a-m1").await, "matched");
    assert_eq!(s.list_followups(70, 10).await.unwrap().len(), 1);
    assert_eq!(
        s.put_sheet(&sheet("m1", 1, "sub-1", 70)).await.unwrap(),
        SheetOutcome::Replayed
    );
    // A second restart reads the same state again.
    b.restart().await;
    assert_eq!(b.store().diary("m1").await.unwrap(), before);
    assert_eq!(b.store().active_counts().await.unwrap()["sato"], 1);
}

/// A match nobody closed must not hold its mentor's slot past its `expires_at` (on DynamoDB
/// TTL deletes the match item then; a counter would count it for ever).
pub async fn matches_an_unclosed_match_frees_its_slot_when_it_expires(b: &mut Backend) {
    let s = b.store();
    short_lived_match(s).await;
    assert_eq!(
        assigned(s, "kept", "suzuki", 1).await,
        AssignOutcome::Created
    );
    assert_eq!(
        assigned(s, "ended", "suzuki", 2).await,
        AssignOutcome::Created
    );
    s.close_match("ended", &[]).await.unwrap().expect("closed");
    assert_eq!(s.active_counts().await.unwrap().get("sato"), Some(&1));
    // Created back to back: in the same second they tie on created_at (then by id), across a
    // second boundary "short" is older. Oldest-first order is checked below, seconds apart.
    let mut ids = active_ids(s).await;
    ids.sort();
    assert_eq!(ids, ["kept", "short"]);
    assert_eq!(
        assigned(s, "waiting", "sato", 1).await,
        AssignOutcome::MentorFull
    );

    tokio::time::sleep(Duration::from_secs(SHORT_LIFE_SECS as u64 + 1)).await;
    assert_eq!(s.get_match("short").await.unwrap(), None, "past retention");
    assert_eq!(
        s.close_match("short", &[]).await.unwrap(),
        None,
        "nothing to close"
    );
    let counts = s.active_counts().await.unwrap();
    assert_eq!(
        counts.get("sato"),
        None,
        "the expired match no longer counts"
    );
    assert_eq!(counts.get("suzuki"), Some(&1));
    assert_eq!(active_ids(s).await, ["kept"]);
    // The application refused while she was full now gets the freed slot, and only that one.
    let waiting = a_match("waiting", "a-waiting", "sato");
    assert_eq!(
        s.create_match(&waiting, 1, &[]).await.unwrap(),
        AssignOutcome::Created
    );
    assert_eq!(
        assigned(s, "third", "sato", 1).await,
        AssignOutcome::MentorFull
    );
    assert_eq!(s.active_counts().await.unwrap().get("sato"), Some(&1));

    b.restart().await;
    let s = b.store();
    let counts = s.active_counts().await.unwrap();
    assert_eq!(
        (counts.get("sato"), counts.get("suzuki")),
        (Some(&1), Some(&1))
    );
    assert_eq!(active_ids(s).await, ["kept", "waiting"]);
    let closed = s
        .close_match("waiting", &[])
        .await
        .unwrap()
        .expect("closed");
    assert_eq!(closed.mentor_slug, "sato");
    assert_eq!(s.active_counts().await.unwrap().get("sato"), None);
}
