//! Which outbox entries each change writes (issue 13's table), as plain functions: the id,
//! the template, the recipient role and the references the sender will need. Nothing
//! personal goes in: the sender reads addresses from the record or contacts.
//!
//! Ids: a cause's entries are `<time>-<cause id>.<what>` — unique by construction (the
//! cause is written once, and a replay writes no mail at all), readable in `staff mail`, and
//! time-ordered, so the SQLite outbox's key index grows at its end instead of touching a
//! random page per entry (what made the request path measurably slower, BENCHMARKS.md).
//! The scheduler's ids name the round instead (`<match>.remind-reply-2-1`), deterministic,
//! so a run repeated writes each reminder once.

use mikke_catalog::mail::Recipient;
use serde_json::json;
use time::OffsetDateTime;

use crate::forms::InquiryKind;
use crate::store::schema::timestamp_text;
use crate::store::{Match, NewMail, RecordKind};

fn entry(
    id: String,
    template: &str,
    to: Recipient,
    refs: serde_json::Value,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> NewMail {
    NewMail {
        id,
        template: template.to_string(),
        recipient: to.as_str().to_string(),
        refs,
        created_at: now,
        due_at: now,
        expires_at,
    }
}

/// `20261206T042755123-<cause>.<what>`: the cause's time to the millisecond (UTC) first —
/// the store's sortable timestamp without its punctuation (a `Message-ID` takes no `:`).
fn cause_id(now: OffsetDateTime, cause: &str, what: &str) -> String {
    let stamp: String = timestamp_text(now)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(18)
        .collect();
    format!("{stamp}-{cause}.{what}")
}

/// References to a stored application or inquiry.
fn record_refs(kind: RecordKind, id: &str) -> serde_json::Value {
    json!({ "record": kind.as_str(), "id": id })
}

/// 受付 to the applicant and the staff's notice, with the application `id`.
pub fn application_stored(
    id: &str,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Vec<NewMail> {
    let refs = record_refs(RecordKind::Application, id);
    vec![
        entry(
            cause_id(now, id, "received"),
            "application_received",
            Recipient::Sender,
            refs.clone(),
            now,
            expires_at,
        ),
        entry(
            cause_id(now, id, "staff"),
            "staff_new_application",
            Recipient::Staff,
            refs,
            now,
            expires_at,
        ),
    ]
}

/// The 受付 template of an inquiry kind.
pub fn inquiry_template(kind: InquiryKind) -> &'static str {
    match kind {
        InquiryKind::Consultation => "consultation_received",
        InquiryKind::Briefing => "briefing_received",
        InquiryKind::Corporate => "corporate_received",
    }
}

/// 受付 to the sender (by kind) and the staff's notice, with the inquiry `id`.
pub fn inquiry_stored(
    id: &str,
    kind: InquiryKind,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Vec<NewMail> {
    let refs = record_refs(RecordKind::Inquiry, id);
    vec![
        entry(
            cause_id(now, id, "received"),
            inquiry_template(kind),
            Recipient::Sender,
            refs.clone(),
            now,
            expires_at,
        ),
        entry(
            cause_id(now, id, "staff"),
            "staff_new_inquiry",
            Recipient::Staff,
            refs,
            now,
            expires_at,
        ),
    ]
}

fn match_refs(m: &Match) -> serde_json::Value {
    json!({ "match": m.id })
}

/// The two introductions of a new match.
pub fn assigned(m: &Match, now: OffsetDateTime) -> Vec<NewMail> {
    vec![
        entry(
            cause_id(now, &m.id, "intro-mentee"),
            "match_mentee",
            Recipient::Mentee,
            match_refs(m),
            now,
            m.expires_at,
        ),
        entry(
            cause_id(now, &m.id, "intro-mentor"),
            "match_mentor",
            Recipient::Mentor,
            match_refs(m),
            now,
            m.expires_at,
        ),
    ]
}

/// A diary event of one session: `what` names it in the id (`sheet`, `reply`).
fn session_notice(
    what: &str,
    template: &str,
    to: Recipient,
    match_id: &str,
    session: u32,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> NewMail {
    entry(
        cause_id(now, match_id, &format!("{what}-{session}")),
        template,
        to,
        json!({ "match": match_id, "session": session }),
        now,
        expires_at,
    )
}

/// 第N回のシートが届きました, to the mentor.
pub fn sheet_posted(
    match_id: &str,
    session: u32,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> NewMail {
    let to = Recipient::Mentor;
    session_notice(
        "sheet",
        "sheet_posted",
        to,
        match_id,
        session,
        now,
        expires_at,
    )
}

/// メンターから返信が届きました, to the mentee.
pub fn reply_posted(
    match_id: &str,
    session: u32,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> NewMail {
    let to = Recipient::Mentee;
    session_notice(
        "reply",
        "reply_posted",
        to,
        match_id,
        session,
        now,
        expires_at,
    )
}

/// One mail to each of a match's two people: `templates` = (mentee's, mentor's); `what`
/// names the change in the ids.
fn to_both(
    m: &Match,
    what: &str,
    templates: [&str; 2],
    refs: serde_json::Value,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Vec<NewMail> {
    [Recipient::Mentee, Recipient::Mentor]
        .into_iter()
        .zip(templates)
        .map(|(to, template)| {
            let id = cause_id(now, &m.id, &format!("{what}-{}", to.as_str()));
            entry(id, template, to, refs.clone(), now, expires_at)
        })
        .collect()
}

/// More sessions and fresh links, to both. `sessions` is the total after the extension (it
/// names the entries: two extensions of one match never share an id); `links_until` is the
/// fresh links' end, decided by `staff extend`.
pub fn extended(
    m: &Match,
    added: u32,
    sessions: u32,
    links_until: OffsetDateTime,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Vec<NewMail> {
    let refs = json!({
        "match": m.id,
        "added": added,
        "until": links_until.unix_timestamp(),
    });
    let templates = ["match_extended_mentee", "match_extended_mentor"];
    let what = format!("extended-{sessions}");
    to_both(m, &what, templates, refs, now, expires_at)
}

/// Fresh links after `staff revoke --send`, to both; the epoch names the entries, so every
/// revocation sends its own pair.
pub fn links_renewed(m: &Match, now: OffsetDateTime) -> Vec<NewMail> {
    let templates = ["links_renewed_mentee", "links_renewed_mentor"];
    let what = format!("links-{}", m.links_epoch);
    to_both(m, &what, templates, match_refs(m), now, m.expires_at)
}

/// The closing thanks, to both.
pub fn closed(m: &Match, now: OffsetDateTime) -> Vec<NewMail> {
    let templates = ["match_closed_mentee", "match_closed_mentor"];
    to_both(m, "closed", templates, match_refs(m), now, m.expires_at)
}

/// A reminder or a staff notice the scheduler decided on: the id says which (and which
/// round), so the scheduler writes each once however often it runs.
pub fn scheduled(
    id: String,
    template: &str,
    to: Recipient,
    refs: serde_json::Value,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> NewMail {
    entry(id, template, to, refs, now, expires_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mikke_catalog::mail::template_spec;

    fn t() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_796_000_000).unwrap()
    }

    #[test]
    fn every_entry_names_a_real_template_for_its_recipient() {
        let m = Match {
            id: "m-20261206-abc".into(),
            application_id: "a".into(),
            mentor_slug: "aoki".into(),
            mentor_name: "青木".into(),
            links_epoch: 0,
            plan: "standard".into(),
            sessions: 3,
            status: crate::store::MatchStatus::Active,
            created_at: t(),
            expires_at: t(),
        };
        let mut all = application_stored("a1", t(), t());
        for kind in InquiryKind::ALL {
            all.extend(inquiry_stored("i1", kind, t(), t()));
        }
        all.extend(assigned(&m, t()));
        all.push(sheet_posted(&m.id, 1, t(), t()));
        all.push(reply_posted(&m.id, 1, t(), t()));
        all.extend(extended(&m, 2, 5, t(), t(), t()));
        all.extend(closed(&m, t()));
        for mail in &all {
            let spec = template_spec(&mail.template).unwrap_or_else(|| panic!("{}", mail.template));
            assert_eq!(spec.to.as_str(), mail.recipient, "{}", mail.template);
            assert!(!mail.id.contains('#'), "{}", mail.id);
        }
        let ids: std::collections::HashSet<&str> = all
            .iter()
            .filter(|m| !m.id.contains("-i1."))
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(ids.len(), all.len() - 6, "unique per cause");
        assert_eq!(all[0].id, "20261130T005320000-a1.received");
    }
}
