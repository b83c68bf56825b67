//! The path every form post takes — origin check, rate limit, body, honeypot, the form's
//! own checks, one idempotent put, the answer — written once for the application
//! (`app.rs`) and the inquiries (`inquiries.rs`). A [`Form`] says only what differs:
//! its checks, what it stores, where its pages are and what its log line holds.

use std::future::Future;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{
    allowed, body_kind, format_of, new_id, read_body, with_cors, AppState, BodyKind,
    IDEMPOTENCY_WINDOW, RATE_WINDOW, RECEIVED,
};
use crate::config::Config;
use crate::error::{ApiError, Format};
use crate::forms::{honeypot_filled, RawFields, HONEYPOT};
use crate::ratelimit;
use crate::store::{NewMail, NewRecord, PutOutcome, RecordKind, StoreError};

/// A form the API accepts. One value per request: it may note what it learns on the way
/// (the inquiry's kind, the application's scores) for its pages and its log line.
pub(crate) trait Form: Send {
    /// Names the form in log lines ("application accepted", "inquiry refused").
    const NAME: &'static str;
    /// How it is stored.
    const RECORD: RecordKind;

    /// Sees the fields before anything is checked (the honeypot included), for a form
    /// whose pages depend on them.
    fn read(&mut self, _raw: &RawFields) {}

    /// Its kind, when it has kinds, for the log line of a refused submission.
    fn kind(&self) -> Option<&'static str> {
        None
    }

    /// Where a refused plain form post links back to.
    fn form_url(&self, config: &Config) -> String;

    /// Where an accepted plain form post is sent (no id or personal data in it).
    fn thanks_url(&self, config: &Config) -> String;

    /// The form's field checks; when they pass, what to store under which key.
    fn check(
        &mut self,
        state: &AppState,
        raw: &RawFields,
    ) -> impl Future<Output = Result<Checked, ApiError>> + Send;

    /// The mails a stored submission causes (its 受付, the staff's notice), written with it.
    fn mail(&self, id: &str, now: OffsetDateTime, expires_at: OffsetDateTime) -> Vec<NewMail>;

    /// The line logged once stored (or replayed): ids, statuses, scores, never personal data.
    fn log_accepted(&self, id: &str, replayed: bool);
}

/// A submission that passed its form's checks.
pub(crate) struct Checked {
    /// The record's body, as stored.
    pub body: Value,
    /// Makes a retry a replay (see `ApplicationSubmission::idempotency_key`).
    pub idempotency_key: String,
}

/// Answers one post of `form`: JSON or pages as the client asked, CORS for allowed origins.
pub(crate) async fn handle<F: Form>(state: AppState, request: Request, mut form: F) -> Response {
    let (parts, body) = request.into_parts();
    let format = format_of(&parts.headers);
    let response = match accept(&state, &parts, body, format, &mut form).await {
        Ok(response) => response,
        Err(error) => {
            match &error {
                ApiError::Validation(fields) => tracing::info!(
                    status = 422,
                    kind = form.kind(),
                    fields = ?fields.names_for_log(),
                    "{} refused",
                    F::NAME
                ),
                other => tracing::info!(
                    status = other.status().as_u16(),
                    error = other.code(),
                    "{} refused",
                    F::NAME
                ),
            }
            error.into_response_as(format, &form.form_url(&state.config))
        }
    };
    let origin = parts.headers.get(header::ORIGIN);
    with_cors(response, origin.filter(|o| allowed(&state.config, o)))
}

async fn accept<F: Form>(
    state: &AppState,
    parts: &Parts,
    body: Body,
    format: Format,
    form: &mut F,
) -> Result<Response, ApiError> {
    if let Some(origin) = parts.headers.get(header::ORIGIN) {
        if !allowed(&state.config, origin) {
            return Err(ApiError::ForbiddenOrigin);
        }
    }
    let now = (state.clock)();
    let client = ratelimit::client_key(parts, state.config.origin_secret.as_ref());
    let hits = state
        .store
        .hit_rate_limit(&client, RATE_WINDOW, now)
        .await?;
    if hits > state.config.rate_limit {
        return Err(ApiError::RateLimited {
            retry_after: ratelimit::retry_after(now.unix_timestamp(), RATE_WINDOW.as_secs()),
        });
    }
    let kind = body_kind(&parts.headers)?;
    let bytes = read_body(&parts.headers, body).await?;
    let raw = match kind {
        BodyKind::Json => RawFields::from_json(&bytes),
        BodyKind::Form => RawFields::from_urlencoded(&bytes),
    }
    .map_err(ApiError::BadBody)?;
    form.read(&raw);

    if honeypot_filled(&raw, HONEYPOT) {
        // Look like success so the bot learns nothing; store nothing.
        tracing::info!(status = 201, "honeypot filled; nothing stored");
        return Ok(accepted(
            format,
            &new_id(now),
            &form.thanks_url(&state.config),
        ));
    }
    let checked = form.check(state, &raw).await?;
    let outcome = put_once(state, form, now, checked).await?;
    let replayed = matches!(outcome, PutOutcome::Replayed { .. });
    if !replayed {
        state.wake_sender();
    }
    form.log_accepted(outcome.id(), replayed);
    Ok(accepted(
        format,
        outcome.id(),
        &form.thanks_url(&state.config),
    ))
}

/// Stores the submission once, with the mail it causes: a retry within the idempotency
/// window is answered with the first one's id (and writes no mail).
async fn put_once<F: Form>(
    state: &AppState,
    form: &F,
    now: OffsetDateTime,
    checked: Checked,
) -> Result<PutOutcome, ApiError> {
    let expires_at = now + time::Duration::days(i64::from(state.config.retention_days));
    let mut attempts = 0;
    loop {
        let id = new_id(now);
        let record = NewRecord {
            kind: F::RECORD,
            mail: form.mail(&id, now, expires_at),
            id,
            created_at: now,
            status: RECEIVED.into(),
            idempotency_key: checked.idempotency_key.clone(),
            expires_at,
            body: checked.body.clone(),
        };
        match state.store.put_once(record, IDEMPOTENCY_WINDOW).await {
            // A fresh random id collided with a stored one: draw again.
            Err(StoreError::IdTaken { .. }) if attempts < 3 => attempts += 1,
            other => return Ok(other?),
        }
    }
}

/// 201 with the id for JSON; 303 to the form's thank-you page for a plain form post.
fn accepted(format: Format, id: &str, thanks_url: &str) -> Response {
    match format {
        Format::Json => (
            StatusCode::CREATED,
            Json(json!({ "id": id, "status": RECEIVED })),
        )
            .into_response(),
        Format::Html => {
            let location =
                HeaderValue::from_str(thanks_url).unwrap_or_else(|_| HeaderValue::from_static("/"));
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
    }
}
