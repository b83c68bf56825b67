//! `POST /api/inquiries`: the consultation, briefing and corporate forms. The same path as
//! an application — origin check, rate limit, body reading, honeypot, field checks with
//! Japanese messages, one idempotent put — minus the scoring; stored as
//! `RecordKind::Inquiry` in the same table, its form's kind in the body.

use axum::extract::{Request, State};
use axum::response::Response;
use time::OffsetDateTime;

use crate::app::intake::{self, Checked};
use crate::app::AppState;
use crate::config::Config;
use crate::error::ApiError;
use crate::forms::{check_inquiry, FieldErrors, InquiryKind, RawFields, RawValue};
use crate::store::{NewMail, RecordKind, Store, StoreError, StoredRecord};

pub async fn post_inquiry(State(state): State<AppState>, request: Request) -> Response {
    intake::handle(state, request, InquiryForm::default()).await
}

/// An inquiry of any kind; its pages are its kind's (the consultation's when unknown).
#[derive(Default)]
struct InquiryForm {
    kind: Option<InquiryKind>,
}

impl InquiryForm {
    fn page(&self) -> &'static str {
        self.kind.unwrap_or(InquiryKind::Consultation).as_str()
    }
}

impl intake::Form for InquiryForm {
    const NAME: &'static str = "inquiry";
    const RECORD: RecordKind = RecordKind::Inquiry;

    // Known before the checks, so a refused form post links back to its own page.
    fn read(&mut self, raw: &RawFields) {
        self.kind = match raw.get("kind") {
            Some(RawValue::Text(k)) => InquiryKind::parse(k.trim()),
            _ => None,
        };
    }

    fn kind(&self) -> Option<&'static str> {
        self.kind.map(InquiryKind::as_str)
    }

    fn form_url(&self, config: &Config) -> String {
        format!("{}/{}/", config.site_url, self.page())
    }

    fn thanks_url(&self, config: &Config) -> String {
        format!("{}/{}/thanks/", config.site_url, self.page())
    }

    async fn check(&mut self, state: &AppState, raw: &RawFields) -> Result<Checked, ApiError> {
        let submission =
            check_inquiry(raw, state.matcher.catalog()).map_err(ApiError::Validation)?;
        self.kind = Some(submission.inquiry.kind);
        if let Some(date) = &submission.inquiry.briefing_date {
            briefing_open(state, date, &submission.inquiry.email).await?;
        }
        let mut body = serde_json::to_value(&submission.inquiry).map_err(|_| ApiError::Internal)?;
        // Beside her answers: which privacy policy version she agreed to (issue 15).
        if let (Some(stamp), Some(fields)) = (&submission.consent, body.as_object_mut()) {
            fields.insert(
                "consent".into(),
                serde_json::to_value(stamp).map_err(|_| ApiError::Internal)?,
            );
        }
        Ok(Checked {
            body,
            idempotency_key: submission.idempotency_key(),
        })
    }

    fn mail(&self, id: &str, now: OffsetDateTime, expires_at: OffsetDateTime) -> Vec<NewMail> {
        // Checked before any put, so the kind is known.
        let kind = self.kind.unwrap_or(InquiryKind::Consultation);
        crate::notify::events::inquiry_stored(id, kind, now, expires_at)
    }

    fn log_accepted(&self, id: &str, replayed: bool) {
        tracing::info!(id = %id, kind = self.kind(), replayed, "inquiry accepted");
    }
}

/// A briefing date still taking sign-ups: not past (Japan time), and not full — unless this
/// address already signed up for it (then it is her retry, or a second sign-up the staff
/// will see, never a refusal of what was accepted). A concurrent last sign-up can take one
/// place more than the capacity: a briefing is an online session, not a room.
async fn briefing_open(state: &AppState, date: &str, email: &str) -> Result<(), ApiError> {
    let now = (state.clock)();
    let refuse = |message: &str| {
        let mut errors = FieldErrors::default();
        errors.0.push(("briefing_date".into(), message.into()));
        Err(ApiError::Validation(errors))
    };
    let (today, _) = crate::notify::jst_day_and_hour(now);
    if date < today.as_str() {
        return refuse("この日程の説明会はすでに終了しました。ほかの日程をお選びください");
    }
    let capacity = state
        .matcher
        .catalog()
        .site
        .briefings
        .iter()
        .find(|b| b.date == date)
        .and_then(|b| b.capacity);
    let Some(capacity) = capacity else {
        return Ok(());
    };
    let since = now - time::Duration::days(366);
    let signed_up = inquiries_of(&state.store, InquiryKind::Briefing, since, usize::MAX).await?;
    let for_date: Vec<&StoredRecord> = signed_up
        .iter()
        .filter(|r| r.body["briefing_date"] == date)
        .collect();
    let hers = for_date.iter().any(|r| r.body["email"] == email);
    if !hers && for_date.len() >= capacity as usize {
        return refuse("この日程は定員に達しました。ほかの日程をお選びください");
    }
    Ok(())
}

/// The inquiries of one form kind received at or after `since`, oldest first (for staff
/// tools): the store lists inquiries by date; the kind is read from each body.
pub async fn inquiries_of(
    store: &Store,
    kind: InquiryKind,
    since: OffsetDateTime,
    limit: usize,
) -> Result<Vec<StoredRecord>, StoreError> {
    let all = store
        .list_by_kind(RecordKind::Inquiry, since, usize::MAX)
        .await?;
    Ok(all
        .into_iter()
        .filter(|r| r.body.get("kind").and_then(|k| k.as_str()) == Some(kind.as_str()))
        .take(limit)
        .collect())
}
