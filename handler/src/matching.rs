//! Matching a mentee with a mentor (issue 6): what `staff assign/extend/close` do, shared
//! with the API where it overlaps. The store makes each change atomic; this module decides
//! ids, sessions, retention and the links' expiry, and says what went wrong in words staff read.

use std::collections::{HashMap, HashSet};

use mikke_catalog::Catalog;
use time::OffsetDateTime;

use crate::store::{AssignOutcome, Match, MatchStatus, RecordKind, Store, StoreError};
use crate::tokens::{Claims, Role, SigningKey, Token};

/// A link stays valid this long per session of its match…
pub const LINK_DAYS_PER_SESSION: i64 = 45;
/// …plus this margin (time to write the last sheet and read the reply).
pub const LINK_MARGIN_DAYS: i64 = 60;

/// Mentors whose active matches reached their catalog capacity (application scoring skips them).
pub fn at_capacity(catalog: &Catalog, active: &HashMap<String, u32>) -> HashSet<String> {
    catalog
        .mentors
        .iter()
        .filter(|m| active.get(&m.slug).copied().unwrap_or(0) >= m.capacity)
        .map(|m| m.slug.clone())
        .collect()
}

/// The share of a match's length that `sessions` sessions take: what an extension by that
/// many sessions adds to the match's expiry and to its links (one rule for assign and extend).
pub fn session_share(sessions: u32) -> time::Duration {
    time::Duration::days(LINK_DAYS_PER_SESSION * i64::from(sessions))
}

/// When links to a match of `sessions` sessions created at `from` stop working.
pub fn link_expiry(from: OffsetDateTime, sessions: u32) -> OffsetDateTime {
    from + session_share(sessions) + time::Duration::days(LINK_MARGIN_DAYS)
}

/// The mentee's and the mentor's links to a match.
#[derive(Debug, Clone)]
pub struct Links {
    pub mentee: Token,
    pub mentor: Token,
    pub expires_at: OffsetDateTime,
}

impl Links {
    /// Links to `m` under its current epoch (older links stop working when it moves on).
    pub fn issue(key: &SigningKey, m: &Match, expires_at: OffsetDateTime) -> Links {
        let claims = |role| Claims {
            match_id: m.id.clone(),
            role,
            expires_at: expires_at.unix_timestamp(),
            epoch: m.links_epoch,
        };
        Links {
            mentee: key.issue(&claims(Role::Mentee)),
            mentor: key.issue(&claims(Role::Mentor)),
            expires_at,
        }
    }
}

/// Why an assignment did not happen. Display is for staff (Japanese, with the id they typed).
#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    #[error("申し込み {0} は見つかりません（IDを確認してください）")]
    NoApplication(String),
    #[error(
        "申し込み {id} はすでに「{status}」です（マッチングできるのは新しい申し込みだけです）"
    )]
    NotOpen { id: String, status: String },
    #[error("メンター {0} はカタログにいません（スラッグを確認してください）")]
    NoMentor(String),
    #[error("メンター {0} は現在受付を停止しています")]
    NotAccepting(String),
    #[error("メンター {slug} は定員（{capacity}件）に達しています")]
    Full { slug: String, capacity: u32 },
    #[error("申し込みのプラン「{0}」がカタログにありません。--sessions で回数を指定してください")]
    UnknownPlan(String),
    #[error("回数は1から{max}までで指定してください")]
    BadSessions { max: u32 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A match just made, with its links.
#[derive(Debug, Clone)]
pub struct Assigned {
    pub the_match: Match,
    pub links: Links,
}

/// `m-20261124-k3m9x2pq`.
pub fn new_match_id(now: OffsetDateTime) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut bits: u64 = rand::random();
    let suffix: String = (0..8)
        .map(|_| {
            let c = ALPHABET[(bits & 31) as usize] as char;
            bits >>= 5;
            c
        })
        .collect();
    let d = now.date();
    format!(
        "m-{:04}{:02}{:02}-{suffix}",
        d.year(),
        u8::from(d.month()),
        d.day()
    )
}

/// Which of her fields reach the mentor, by the introduction mail's placeholders: the
/// provision record lists what the template really sends.
const PROVIDED: &[(&str, &str)] = &[
    ("mentee_name", "name"),
    ("mentee_email", "email"),
    ("plan_label", "plan"),
];

/// The provision record of an assignment (issue 15): ids, the mentor, the fields the mentor's
/// introduction carries, the consent version she agreed to, a keyed hash of her address.
pub fn provision(
    key: &SigningKey,
    body: &serde_json::Value,
    m: &Match,
    now: OffsetDateTime,
) -> crate::store::Provision {
    let placeholders = mikke_catalog::mail::template_spec("match_mentor")
        .map(|t| t.placeholders)
        .unwrap_or_default();
    crate::store::Provision {
        match_id: m.id.clone(),
        application_id: m.application_id.clone(),
        mentor_slug: m.mentor_slug.clone(),
        fields: PROVIDED
            .iter()
            .filter(|(placeholder, _)| placeholders.contains(placeholder))
            .map(|(_, field)| field.to_string())
            .collect(),
        consent_version: body["consent"]["version"]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok()),
        subject: key.subject(body["application"]["email"].as_str().unwrap_or_default()),
        provided_at: now,
        expires_at: now + time::Duration::days(crate::store::PROVISION_RETENTION_DAYS),
    }
}

/// Everything `staff assign` needs besides the two ids.
pub struct AssignRequest<'a> {
    pub application_id: &'a str,
    pub mentor_slug: &'a str,
    /// `None`: the application's plan decides.
    pub sessions: Option<u32>,
    pub now: OffsetDateTime,
    pub retention_days: u32,
}

/// Creates a match, counting it against the mentor's capacity and marking the application
/// matched (all or nothing), and issues the two links.
pub async fn assign(
    store: &Store,
    catalog: &Catalog,
    key: &SigningKey,
    req: AssignRequest<'_>,
) -> Result<Assigned, AssignError> {
    let application = store
        .get(RecordKind::Application, req.application_id)
        .await?
        .ok_or_else(|| AssignError::NoApplication(req.application_id.to_string()))?;
    let mentor = catalog
        .mentor(req.mentor_slug)
        .ok_or_else(|| AssignError::NoMentor(req.mentor_slug.to_string()))?;
    if !mentor.accepting {
        return Err(AssignError::NotAccepting(mentor.slug.clone()));
    }
    let plan = application.body["application"]["plan"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let sessions = match req.sessions {
        Some(n) => n,
        None => catalog
            .taxonomy
            .plans
            .get(&plan)
            .map(|p| p.sessions)
            .ok_or_else(|| AssignError::UnknownPlan(plan.clone()))?,
    };
    if !(1..=crate::store::MAX_SESSIONS).contains(&sessions) {
        return Err(AssignError::BadSessions {
            max: crate::store::MAX_SESSIONS,
        });
    }
    let retention = req.now + time::Duration::days(i64::from(req.retention_days));
    let links_until = link_expiry(req.now, sessions);
    for _ in 0..3 {
        let the_match = Match {
            id: new_match_id(req.now),
            application_id: application.id.clone(),
            mentor_slug: mentor.slug.clone(),
            mentor_name: mentor.name.clone(),
            links_epoch: 0,
            plan: plan.clone(),
            sessions,
            status: MatchStatus::Active,
            created_at: req.now,
            // Kept as long as its links work, and at least the retention period.
            expires_at: retention.max(links_until),
        };
        let mail = crate::notify::events::assigned(&the_match, req.now);
        let record = provision(key, &application.body, &the_match, req.now);
        match store
            .create_match_recorded(&the_match, mentor.capacity, &mail, &record)
            .await
        {
            Ok(AssignOutcome::Created) => {
                let links = Links::issue(key, &the_match, links_until);
                return Ok(Assigned { the_match, links });
            }
            Ok(AssignOutcome::MentorFull) => {
                return Err(AssignError::Full {
                    slug: mentor.slug.clone(),
                    capacity: mentor.capacity,
                })
            }
            Ok(AssignOutcome::ApplicationNotOpen) => {
                let status = store
                    .get(RecordKind::Application, &application.id)
                    .await?
                    .map_or_else(|| "削除済み".to_string(), |r| r.status);
                return Err(AssignError::NotOpen {
                    id: application.id.clone(),
                    status,
                });
            }
            // A fresh random id collided: draw again.
            Err(StoreError::Invalid {
                what: "match id", ..
            }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AssignError::Store(StoreError::Invalid {
        what: "match id",
        reason: "three random ids in a row were taken".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    #[test]
    fn mentors_at_or_over_capacity_are_full() {
        let mut a = sample::mentor("a", "it", "sme", "40s", &[], &["career"], &[]);
        a.capacity = 2;
        let b = sample::mentor("b", "it", "sme", "40s", &[], &["career"], &[]);
        let catalog = sample::catalog(vec![a, b]);
        let active = HashMap::from([("a".to_string(), 2), ("b".to_string(), 1)]);
        assert_eq!(
            at_capacity(&catalog, &active),
            HashSet::from(["a".to_string()])
        );
        assert!(at_capacity(&catalog, &HashMap::new()).is_empty());
    }

    #[test]
    fn links_last_the_plan_plus_a_margin() {
        let t = OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap();
        assert_eq!(link_expiry(t, 3), t + time::Duration::days(3 * 45 + 60));
        assert_eq!(link_expiry(t, 1), t + time::Duration::days(105));
        assert_eq!(link_expiry(t, 3) + session_share(2), link_expiry(t, 5));
    }

    #[test]
    fn match_ids_carry_the_day_and_are_safe_in_keys() {
        let t = OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap();
        let id = new_match_id(t);
        assert!(id.starts_with("m-20260528-"), "{id}");
        assert_eq!(id.len(), 19);
        assert!(!id.contains('#'));
        assert_ne!(id, new_match_id(t));
    }
}
