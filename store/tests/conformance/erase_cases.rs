//! Erasure (issue 15): canaries planted in every kind of item that holds her data, beside
//! another woman's; after `erase`, the raw bytes of the back end hold none of hers (the
//! provision record, which holds none of them, stays) and all of the other woman's.

use std::time::Duration;

use mikke_store::{
    Erasure, Handled, Match, MatchStatus, NewMail, NewRecord, NewSheet, Note, Provision,
    RecordKind, Reply,
};
use serde_json::json;
use time::OffsetDateTime;

use super::Backend;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

fn later() -> OffsetDateTime {
    now() + time::Duration::days(30)
}

fn mail(id: &str, refs: serde_json::Value) -> NewMail {
    NewMail {
        id: id.into(),
        template: "match_mentee".into(),
        recipient: "mentee".into(),
        refs,
        created_at: now(),
        due_at: now(),
        expires_at: later(),
    }
}

/// Her application, inquiry, note, match, sheet, reply, follow-up mark and mails, each with a
/// canary of its own; the same for `who` = "other" with other canaries.
async fn plant(b: &Backend, who: &str) -> Vec<String> {
    let s = b.store();
    let canary = |what: &str| format!("CANARY-{who}-{what}");
    let app = format!("app-{who}");
    let put = |kind: RecordKind, id: String, body: serde_json::Value| NewRecord {
        kind,
        id,
        created_at: now(),
        status: "received".into(),
        idempotency_key: format!("key-{who}-{}", kind.as_str()),
        expires_at: later(),
        body,
        mail: vec![mail(
            &format!("{who}-{}-receipt", kind.as_str()),
            json!({"record": kind.as_str(), "id": format!("{}-{who}", kind.as_str())}),
        )],
    };
    let body = json!({"application": {"name": canary("name"), "email": canary("email"), "phone": canary("phone"), "message": canary("message")}});
    let mut rec = put(RecordKind::Application, app.clone(), body);
    rec.mail[0].refs = json!({"record": "application", "id": app});
    s.put_once(rec, Duration::from_secs(60)).await.unwrap();
    let inq = format!("inq-{who}");
    let mut rec = put(
        RecordKind::Inquiry,
        inq.clone(),
        json!({"name": canary("inq-name"), "message": canary("inq-message")}),
    );
    rec.mail[0].refs = json!({"record": "inquiry", "id": inq});
    s.put_once(rec, Duration::from_secs(60)).await.unwrap();
    let note = Note {
        kind: RecordKind::Application,
        id: app.clone(),
        text: canary("note"),
        updated_by: "staff@example.jp".into(),
        updated_at: now(),
        expires_at: later(),
    };
    s.put_note(&note, None).await.unwrap();
    let m = Match {
        id: format!("m-{who}"),
        application_id: app.clone(),
        mentor_slug: format!("mentor-{who}"),
        mentor_name: "メンター".into(),
        links_epoch: 0,
        plan: "standard".into(),
        sessions: 3,
        status: MatchStatus::Active,
        created_at: now(),
        expires_at: later(),
    };
    let provision = Provision {
        match_id: m.id.clone(),
        application_id: app.clone(),
        mentor_slug: m.mentor_slug.clone(),
        fields: vec!["name".into(), "email".into()],
        consent_version: Some(2),
        subject: format!("subject-{who}"),
        provided_at: now(),
        expires_at: now() + time::Duration::days(1095),
    };
    let intro = mail(&format!("{who}-intro"), json!({"match": m.id}));
    s.create_match_recorded(&m, 3, &[intro], &provision)
        .await
        .unwrap();
    let sheet = NewSheet {
        match_id: m.id.clone(),
        session: 1,
        submission_id: format!("sheet-{who}"),
        created_at: now(),
        expires_at: later(),
        priority: 90,
        content: json!({"sheet": {"reflections": canary("sheet")}}),
        mail: vec![],
    };
    s.put_sheet(&sheet).await.unwrap();
    let reply = Reply {
        text: canary("reply"),
        created_at: now(),
    };
    s.put_reply(&m.id, 1, &reply, &[]).await.unwrap();
    let handled = Handled {
        match_id: m.id.clone(),
        session: 1,
        handled_by: "staff@example.jp".into(),
        handled_at: now(),
        expires_at: later(),
    };
    s.mark_handled(&handled).await.unwrap();
    [
        "name",
        "email",
        "phone",
        "message",
        "inq-name",
        "inq-message",
        "note",
        "sheet",
        "reply",
    ]
    .iter()
    .map(|w| canary(w))
    .collect()
}

pub async fn erase_leaves_no_byte_of_hers_but_the_provision_record_and_is_idempotent(
    b: &mut Backend,
) {
    let hers = plant(b, "her").await;
    let others = plant(b, "other").await;
    let raw = b.raw_bytes().await;
    for c in hers.iter().chain(&others) {
        assert!(raw.contains(c.as_str()), "{c} planted");
    }
    let what = Erasure {
        records: vec![
            (RecordKind::Application, "app-her".into()),
            (RecordKind::Inquiry, "inq-her".into()),
        ],
        matches: vec!["m-her".into()],
    };
    let s = b.store();
    let done = s.erase(&what).await.unwrap();
    assert_eq!(
        (done.records, done.notes, done.matches, done.sheets),
        (2, 1, 1, 1),
        "{done:?}"
    );
    assert_eq!(
        done.mails, 3,
        "her two receipts and her introduction: {done:?}"
    );
    let raw = b.raw_bytes().await;
    for c in &hers {
        assert!(!raw.contains(c.as_str()), "{c} survived the erasure");
    }
    for c in &others {
        assert!(
            raw.contains(c.as_str()),
            "{c} (another woman's) was touched"
        );
    }
    // Nothing of hers is readable; her mentor's slot is free; the provision record stays.
    assert_eq!(
        s.get(RecordKind::Application, "app-her").await.unwrap(),
        None
    );
    assert_eq!(s.diary("m-her").await.unwrap(), None);
    assert_eq!(
        s.get_note(RecordKind::Application, "app-her")
            .await
            .unwrap(),
        None
    );
    assert!(!s.active_counts().await.unwrap().contains_key("mentor-her"));
    let kept: Vec<String> = s
        .list_provisions()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.match_id)
        .collect();
    assert_eq!(kept, ["m-her", "m-other"]);
    assert!(s
        .get(RecordKind::Application, "app-other")
        .await
        .unwrap()
        .is_some());
    // Again: nothing left to do.
    assert_eq!(s.erase(&what).await.unwrap(), Default::default());
    b.restart().await;
    assert_eq!(
        b.store().get(RecordKind::Inquiry, "inq-her").await.unwrap(),
        None
    );
}
