//! `POST /api/inquiries`: the consultation, briefing and corporate forms. The same path as
//! an application — origin check, rate limit, body reading, honeypot, field checks with
//! Japanese messages, one idempotent put — minus the scoring; stored as
//! `RecordKind::Inquiry` in the same table, its form's kind in the body.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use time::OffsetDateTime;

use crate::app::{
    allowed, body_kind, format_of, new_id, read_body, with_cors, AppState, BodyKind,
    IDEMPOTENCY_WINDOW, RATE_WINDOW, RECEIVED,
};
use crate::error::{ApiError, Format};
use crate::forms::{check_inquiry, honeypot_filled, InquiryKind, RawFields, RawValue, HONEYPOT};
use crate::ratelimit;
use crate::store::{NewRecord, PutOutcome, RecordKind, Store, StoreError, StoredRecord};

pub async fn post_inquiry(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let format = format_of(&parts.headers);
    let origin = parts.headers.get(header::ORIGIN).cloned();
    let mut kind = None;
    let response = match accept_inquiry(&state, &parts, body, format, &mut kind).await {
        Ok(response) => response,
        Err(error) => {
            match &error {
                ApiError::Validation(fields) => {
                    tracing::info!(status = 422, kind = kind.map(InquiryKind::as_str), fields = ?fields.names(), "inquiry refused")
                }
                other => tracing::info!(
                    status = other.status().as_u16(),
                    error = other.code(),
                    "inquiry refused"
                ),
            }
            let back = format!(
                "{}/{}/",
                state.config.site_url,
                kind.unwrap_or(InquiryKind::Consultation).as_str()
            );
            error.into_response_as(format, &back)
        }
    };
    with_cors(
        response,
        origin.as_ref().filter(|o| allowed(&state.config, o)),
    )
}

async fn accept_inquiry(
    state: &AppState,
    parts: &Parts,
    body: Body,
    format: Format,
    kind_seen: &mut Option<InquiryKind>,
) -> Result<Response, ApiError> {
    if let Some(origin) = parts.headers.get(header::ORIGIN) {
        if !allowed(&state.config, origin) {
            return Err(ApiError::ForbiddenOrigin);
        }
    }
    let now = (state.clock)();
    let hits = state
        .store
        .hit_rate_limit(&ratelimit::client_key(parts), RATE_WINDOW, now)
        .await?;
    if hits > state.config.rate_limit {
        return Err(ApiError::RateLimited {
            retry_after: ratelimit::retry_after(now.unix_timestamp(), RATE_WINDOW.as_secs()),
        });
    }
    let body_kind = body_kind(&parts.headers)?;
    let bytes = read_body(&parts.headers, body).await?;
    let raw = match body_kind {
        BodyKind::Json => RawFields::from_json(&bytes),
        BodyKind::Form => RawFields::from_urlencoded(&bytes),
    }
    .map_err(ApiError::BadBody)?;
    // Known before the checks, so a refused form post links back to its own page.
    *kind_seen = match raw.get("kind") {
        Some(RawValue::Text(k)) => InquiryKind::parse(k.trim()),
        _ => None,
    };

    if honeypot_filled(&raw, HONEYPOT) {
        tracing::info!(status = 201, "honeypot filled; nothing stored");
        return Ok(accepted(state, format, &new_id(now), *kind_seen));
    }
    let submission = check_inquiry(&raw, state.matcher.catalog()).map_err(ApiError::Validation)?;
    let kind = submission.inquiry.kind;
    let body = serde_json::to_value(&submission.inquiry).map_err(|_| ApiError::Internal)?;
    let expires_at = now + time::Duration::days(i64::from(state.config.retention_days));
    let key = submission.idempotency_key();
    let mut attempts = 0;
    let outcome = loop {
        let record = NewRecord {
            kind: RecordKind::Inquiry,
            id: new_id(now),
            created_at: now,
            status: RECEIVED.into(),
            idempotency_key: key.clone(),
            expires_at,
            body: body.clone(),
        };
        match state.store.put_once(record, IDEMPOTENCY_WINDOW).await {
            Err(StoreError::IdTaken { .. }) if attempts < 3 => attempts += 1,
            other => break other?,
        }
    };
    let replayed = matches!(outcome, PutOutcome::Replayed { .. });
    tracing::info!(id = %outcome.id(), kind = kind.as_str(), replayed, "inquiry accepted");
    Ok(accepted(state, format, outcome.id(), Some(kind)))
}

/// 201 with the id for JSON; 303 to the form's thank-you page for a plain form post.
fn accepted(state: &AppState, format: Format, id: &str, kind: Option<InquiryKind>) -> Response {
    match format {
        Format::Json => (
            StatusCode::CREATED,
            Json(json!({ "id": id, "status": RECEIVED })),
        )
            .into_response(),
        Format::Html => {
            let kind = kind.unwrap_or(InquiryKind::Consultation).as_str();
            let location = format!("{}/{kind}/thanks/", state.config.site_url);
            let location =
                HeaderValue::from_str(&location).unwrap_or_else(|_| HeaderValue::from_static("/"));
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
    }
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
