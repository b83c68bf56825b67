//! The outbox (issue 13) on every store: mails written atomically with their cause, claimed
//! by one sender at a time, finished only by the claim's owner, retried, given up, resent.

use std::collections::HashSet;
use std::time::Duration;

use mikke_store::{
    Mail, MailResult, MailStatus, Match, MatchStatus, NewMail, NewRecord, NewSheet, PutOutcome,
    RecordKind, Reply, ReplyOutcome, SheetOutcome, Store, StoreError,
};
use serde_json::json;
use time::OffsetDateTime;

use super::Backend;

const LEASE: Duration = Duration::from_secs(60);

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

fn later() -> OffsetDateTime {
    now() + time::Duration::days(30)
}

pub(super) fn mail(id: &str, template: &str, recipient: &str) -> NewMail {
    NewMail {
        id: id.into(),
        template: template.into(),
        recipient: recipient.into(),
        refs: json!({ "id": id }),
        created_at: now(),
        due_at: now(),
        expires_at: later(),
    }
}

fn application(id: &str, key: &str, mails: Vec<NewMail>) -> NewRecord {
    NewRecord {
        kind: RecordKind::Application,
        id: id.into(),
        created_at: now(),
        status: "received".into(),
        idempotency_key: key.into(),
        expires_at: later(),
        body: json!({"application": {"plan": "single"}}),
        mail: mails,
    }
}

fn a_match(id: &str, application_id: &str) -> Match {
    Match {
        id: id.into(),
        application_id: application_id.into(),
        mentor_slug: "sato".into(),
        mentor_name: "佐藤".into(),
        links_epoch: 0,
        plan: "standard".into(),
        sessions: 3,
        status: MatchStatus::Active,
        created_at: now(),
        expires_at: later(),
    }
}

async fn all_ids(s: &Store) -> HashSet<String> {
    let mut ids = HashSet::new();
    for status in MailStatus::ALL {
        for m in s.list_mail(status, 1000).await.unwrap() {
            ids.insert(m.id);
        }
    }
    ids
}

async fn claim_all(s: &Store) -> Vec<Mail> {
    s.claim_mail(now(), LEASE, 100).await.unwrap()
}

pub async fn outbox_mail_is_written_with_its_cause_and_never_on_a_replay_or_refusal(
    b: &mut Backend,
) {
    let s = b.store();
    let mails = vec![
        mail("a1.application_received", "application_received", "sender"),
        mail("a1.staff_new_application", "staff_new_application", "staff"),
    ];
    let first = s
        .put_once(application("a1", "k1", mails.clone()), LEASE)
        .await
        .unwrap();
    assert_eq!(first, PutOutcome::Created { id: "a1".into() });
    let replay = s
        .put_once(
            application("a2", "k1", vec![mail("a2.x", "x", "sender")]),
            LEASE,
        )
        .await
        .unwrap();
    assert_eq!(replay, PutOutcome::Replayed { id: "a1".into() });
    let expected: HashSet<String> = mails.iter().map(|m| m.id.clone()).collect();
    assert_eq!(all_ids(s).await, expected, "the replay wrote no mail");
    let stored = s
        .get_mail("a1.application_received")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, MailStatus::Pending);
    assert_eq!(stored.template, "application_received");
    assert_eq!(stored.recipient, "sender");
    assert_eq!(stored.refs, json!({"id": "a1.application_received"}));
    assert_eq!((stored.attempts, stored.failures), (0, 0));

    // Assign: the two introductions with the match; a refused assign writes none.
    let intro = vec![
        mail("m1.match_mentee", "match_mentee", "mentee"),
        mail("m1.match_mentor", "match_mentor", "mentor"),
    ];
    s.create_match(&a_match("m1", "a1"), 3, &intro)
        .await
        .unwrap();
    let refused = s
        .create_match(
            &a_match("m2", "a1"),
            3,
            &[mail("m2.match_mentee", "match_mentee", "mentee")],
        )
        .await
        .unwrap();
    assert_eq!(refused, mikke_store::AssignOutcome::ApplicationNotOpen);
    // A sheet once; its replay and a conflicting one write nothing more.
    let sheet = |submission: &str, id: &str| NewSheet {
        match_id: "m1".into(),
        session: 1,
        submission_id: submission.into(),
        created_at: now(),
        expires_at: later(),
        priority: 0,
        content: json!({"reflections": "気づき"}),
        mail: vec![mail(id, "sheet_posted", "mentor")],
    };
    assert_eq!(
        s.put_sheet(&sheet("s1", "m1.sheet-1")).await.unwrap(),
        SheetOutcome::Created
    );
    assert_eq!(
        s.put_sheet(&sheet("s1", "m1.sheet-1b")).await.unwrap(),
        SheetOutcome::Replayed
    );
    assert_eq!(
        s.put_sheet(&sheet("s2", "m1.sheet-1c")).await.unwrap(),
        SheetOutcome::Conflict
    );
    let reply = Reply {
        text: "返信".into(),
        created_at: now(),
    };
    let reply_mail = [mail("m1.reply-1", "reply_posted", "mentee")];
    assert_eq!(
        s.put_reply("m1", 1, &reply, &reply_mail).await.unwrap(),
        ReplyOutcome::Created
    );
    assert_eq!(
        s.put_reply(
            "m1",
            1,
            &reply,
            &[mail("m1.reply-1b", "reply_posted", "mentee")]
        )
        .await
        .unwrap(),
        ReplyOutcome::Replayed
    );
    s.extend_match(
        "m1",
        1,
        time::Duration::days(45),
        &[mail("m1.extended-4", "match_extended_mentee", "mentee")],
    )
    .await
    .unwrap()
    .expect("extended");
    s.close_match(
        "m1",
        &[mail("m1.closed.mentor", "match_closed_mentor", "mentor")],
    )
    .await
    .unwrap()
    .expect("closed");
    assert_eq!(
        s.close_match(
            "m1",
            &[mail("m1.closed.again", "match_closed_mentor", "mentor")]
        )
        .await
        .unwrap(),
        None
    );
    let expected: HashSet<String> = [
        "a1.application_received",
        "a1.staff_new_application",
        "m1.match_mentee",
        "m1.match_mentor",
        "m1.sheet-1",
        "m1.reply-1",
        "m1.extended-4",
        "m1.closed.mentor",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(all_ids(s).await, expected);
}

pub async fn outbox_a_taken_mail_id_cancels_its_cause(b: &mut Backend) {
    let s = b.store();
    s.put_once(
        application(
            "a1",
            "k1",
            vec![mail("dup", "application_received", "sender")],
        ),
        LEASE,
    )
    .await
    .unwrap();
    let err = s
        .put_once(
            application(
                "a2",
                "k2",
                vec![mail("dup", "application_received", "sender")],
            ),
            LEASE,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                what: "mail id",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        s.get(RecordKind::Application, "a2").await.unwrap(),
        None,
        "the record went with its mail"
    );
}

pub async fn outbox_claims_are_exclusive_and_only_the_claim_finishes(b: &mut Backend) {
    let s = b.store().clone();
    let mails: Vec<NewMail> = (0..20)
        .map(|i| mail(&format!("r{i:02}"), "reminder_reply", "mentor"))
        .collect();
    assert_eq!(s.enqueue_mail(&mails).await.unwrap().len(), 20);
    // Four senders at once: every entry claimed by exactly one.
    let claims = (0..4).map(|_| {
        let s = s.clone();
        tokio::spawn(async move { s.claim_mail(now(), LEASE, 8).await.unwrap() })
    });
    let mut seen = Vec::new();
    for c in claims {
        seen.extend(c.await.unwrap().into_iter().map(|m| m.id));
    }
    // A sender that lost every race on DynamoDB got nothing; what is left is still due.
    seen.extend(claim_all(&s).await.into_iter().map(|m| m.id));
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no entry claimed twice");
    assert_eq!(seen.len(), 20);
    assert!(claim_all(&s).await.is_empty(), "all leased");

    let claimed = s.get_mail("r00").await.unwrap().unwrap();
    assert_eq!((claimed.status, claimed.attempts), (MailStatus::Sending, 1));
    // The lease ends: another sender takes it, and the first one's finish no longer counts.
    let after_lease = now() + time::Duration::seconds(61);
    let retaken = s.claim_mail(after_lease, LEASE, 100).await.unwrap();
    assert_eq!(retaken.len(), 20);
    let again = retaken.iter().find(|m| m.id == "r00").unwrap();
    assert_eq!(again.attempts, 2);
    let sent = MailResult::Sent { at: now() };
    assert!(
        !s.finish_mail(&claimed, &sent).await.unwrap(),
        "stale claim"
    );
    assert!(s.finish_mail(again, &sent).await.unwrap());
    assert!(!s.finish_mail(again, &sent).await.unwrap(), "finished once");
    let done = s.get_mail("r00").await.unwrap().unwrap();
    assert_eq!(done.status, MailStatus::Sent);
    assert!(done.sent_at.is_some());
    assert_eq!(
        s.list_mail(MailStatus::Sent, 10).await.unwrap().len(),
        1,
        "listed as sent"
    );
    b.restart().await;
    let s = b.store();
    assert_eq!(
        s.get_mail("r00").await.unwrap().unwrap().status,
        MailStatus::Sent,
        "kept across a restart"
    );
}

pub async fn outbox_retries_wait_their_turn_and_failures_can_be_resent(b: &mut Backend) {
    let s = b.store();
    s.enqueue_mail(&[mail("x", "application_received", "sender")])
        .await
        .unwrap();
    let claimed = claim_all(s).await.pop().unwrap();
    let retry = MailResult::Retry {
        due_at: now() + time::Duration::seconds(120),
        error: "smtp: connection refused".into(),
        counts: false,
    };
    assert!(s.finish_mail(&claimed, &retry).await.unwrap());
    let waiting = s.get_mail("x").await.unwrap().unwrap();
    assert_eq!((waiting.status, waiting.failures), (MailStatus::Pending, 0));
    assert_eq!(
        waiting.last_error.as_deref(),
        Some("smtp: connection refused")
    );
    assert!(claim_all(s).await.is_empty(), "not before its due time");
    assert_eq!(
        s.next_mail_due().await.unwrap().map(|d| d.unix_timestamp()),
        Some(waiting.due_at.unix_timestamp()),
        "an idle sender knows when to look again"
    );
    let later_claim = s
        .claim_mail(now() + time::Duration::seconds(121), LEASE, 10)
        .await
        .unwrap();
    assert_eq!(later_claim.len(), 1);
    let failed = MailResult::Failed {
        error: "smtp 451".into(),
    };
    assert!(s.finish_mail(&later_claim[0], &failed).await.unwrap());
    let listed = s.list_mail(MailStatus::Failed, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].failures, 1);
    assert!(!s.resend_mail("missing", now()).await.unwrap());
    assert!(s.resend_mail("x", now()).await.unwrap());
    assert!(!s.resend_mail("x", now()).await.unwrap(), "pending already");
    let resent = claim_all(s).await;
    assert_eq!(resent.len(), 1);
    assert_eq!((resent[0].failures, resent[0].attempts), (0, 3));
    let rejected = MailResult::Rejected {
        error: "smtp 550".into(),
    };
    assert!(s.finish_mail(&resent[0], &rejected).await.unwrap());
    assert_eq!(
        s.get_mail("x").await.unwrap().unwrap().status,
        MailStatus::Rejected,
        "recorded once, not retried"
    );
    assert!(claim_all(s).await.is_empty());
}

pub async fn outbox_enqueue_writes_each_id_once_and_claims_by_id(b: &mut Backend) {
    let s = b.store();
    let reminder = mail("rem-1", "reminder_sheet", "mentee");
    assert_eq!(
        s.enqueue_mail(std::slice::from_ref(&reminder))
            .await
            .unwrap(),
        ["rem-1"]
    );
    assert!(s.enqueue_mail(&[reminder]).await.unwrap().is_empty());
    let future = NewMail {
        due_at: now() + time::Duration::hours(1),
        ..mail("rem-2", "reminder_sheet", "mentee")
    };
    s.enqueue_mail(&[future]).await.unwrap();
    assert!(
        s.claim_mail_id("rem-2", now(), LEASE)
            .await
            .unwrap()
            .is_none(),
        "not due"
    );
    let one = s
        .claim_mail_id("rem-1", now(), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (one.id.as_str(), one.status),
        ("rem-1", MailStatus::Sending)
    );
    assert!(
        s.claim_mail_id("rem-1", now(), LEASE)
            .await
            .unwrap()
            .is_none(),
        "leased"
    );
    assert!(s
        .claim_mail_id("nope", now(), LEASE)
        .await
        .unwrap()
        .is_none());
}

pub async fn outbox_markers_hold_until_they_expire(b: &mut Backend) {
    let s = b.store();
    let t = now();
    let day = time::Duration::days(1);
    assert!(s.mark_once("cap#receipt#abc", t + day, t).await.unwrap());
    assert!(!s.mark_once("cap#receipt#abc", t + day, t).await.unwrap());
    assert!(s.mark_once("cap#receipt#other", t + day, t).await.unwrap());
    assert!(
        s.mark_once("cap#receipt#abc", t + day + day, t + day)
            .await
            .unwrap(),
        "free again once expired"
    );
}
