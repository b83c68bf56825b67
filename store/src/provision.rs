//! Provision records (issue 15): APPI asks a provider of personal data to a third party to
//! record what went to whom, when, under which consent — and to keep that record (3 years
//! here) even after the person's other data is erased. One per match, written in the assign
//! transaction (`Store::create_match_recorded`), never changed, holding nothing but the
//! record itself: ids, the mentor, the field names (not their values), the consent version,
//! and a keyed hash of her address so a later disclosure request can find it without the
//! address being kept.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::matches::{validate_match, AssignOutcome, Match, MatchStatus};
use super::outbox::{validate_mails, NewMail};
use super::schema::{check_text, MAX_ID_BYTES};
use super::{dispatch, Store, StoreError};

/// How long a provision record is kept.
pub const PROVISION_RETENTION_DAYS: i64 = 3 * 365;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provision {
    /// The match the provision was for (one record per match).
    pub match_id: String,
    pub application_id: String,
    /// The recipient: the mentor's slug.
    pub mentor_slug: String,
    /// Which of her fields went to the mentor (names, never values).
    pub fields: Vec<String>,
    /// The privacy policy version she had agreed to (`None`: before versions were recorded).
    pub consent_version: Option<u32>,
    /// HMAC-SHA256 (hex) of her normalised address under the service's key: finds her
    /// records on request, reveals nothing by itself.
    pub subject: String,
    #[serde(with = "time::serde::rfc3339")]
    pub provided_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

pub(crate) fn validate_provision(p: &Provision, m: &Match) -> Result<(), StoreError> {
    check_text("provision match id", &p.match_id, MAX_ID_BYTES, false)?;
    check_text("provision subject", &p.subject, MAX_ID_BYTES, false)?;
    if p.match_id != m.id || p.application_id != m.application_id || p.mentor_slug != m.mentor_slug
    {
        return Err(StoreError::Invalid {
            what: "provision",
            reason: "must name the match being created".into(),
        });
    }
    Ok(())
}

impl Store {
    /// [`Store::create_match`] with its provision record, in the same transaction: the
    /// record exists exactly when the match does.
    pub async fn create_match_recorded(
        &self,
        m: &Match,
        capacity: u32,
        mail: &[NewMail],
        provision: &Provision,
    ) -> Result<AssignOutcome, StoreError> {
        validate_match(m)?;
        validate_mails(mail)?;
        validate_provision(provision, m)?;
        if m.status != MatchStatus::Active {
            return Err(StoreError::Invalid {
                what: "match status",
                reason: "a new match must be active".into(),
            });
        }
        dispatch!(self, s => s.create_match(m, capacity, mail, Some(provision)))
    }

    /// Every live provision record, oldest first (export filters by subject; a service
    /// makes a few hundred a year).
    pub async fn list_provisions(&self) -> Result<Vec<Provision>, StoreError> {
        dispatch!(self, s => s.list_provisions())
    }
}
