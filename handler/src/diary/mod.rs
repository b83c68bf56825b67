//! The exchange diary's API (issue 6): a mentee posts a mentoring sheet after each session,
//! her mentor replies, both read the thread. Nobody has an account: each request carries the
//! private link's token in `Authorization: Bearer`, and any bad token — wrong, tampered,
//! expired, the other role, another match, a match that is gone — gets the same `403`, so a
//! guesser learns nothing about which matches exist.
//!
//! * `POST /api/sheets` (mentee): `201 {"session": n, "status": "received"}`; a retry with
//!   the same `submission_id` the same; another sheet for a taken session `409`.
//! * `POST /api/sheets/reply` (mentor): `201`; one reply per sheet (`409` for a second).
//! * `GET /api/diary` (either): the match (mentor's display name, plan, sessions used) and
//!   every sheet with its reply, in session order. The mentor does not see the mentee's
//!   satisfaction or her wish to hear from the staff: those are for the staff.

pub mod followup;
pub mod form;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{json, Value};

use crate::app::{AppState, MAX_BODY_BYTES};
use crate::error::ApiError;
use crate::forms::BodyError;
use crate::store::{Diary, MatchStatus, NewSheet, Reply, ReplyOutcome, SheetOutcome};
use crate::tokens::{Claims, Role};
use followup::{followup, SheetSignals};
use form::{check_reply, check_sheet, read_json, SheetForm};

/// Every answer of the diary API other than success.
#[derive(Debug)]
pub enum DiaryError {
    /// 403: no valid link (whatever the reason).
    Forbidden,
    /// 409 with a message for the person.
    Conflict(&'static str),
    /// Anything the application API answers the same way (422, 400, 413, 415, 503…).
    Api(ApiError),
}

impl From<ApiError> for DiaryError {
    fn from(e: ApiError) -> DiaryError {
        DiaryError::Api(e)
    }
}

impl From<crate::store::StoreError> for DiaryError {
    fn from(e: crate::store::StoreError) -> DiaryError {
        DiaryError::Api(e.into())
    }
}

/// The one message for a bad link.
pub const FORBIDDEN_MESSAGE: &str =
    "このリンクは無効か、有効期限が切れています。お手数ですが、届いたメールのリンクをもう一度開くか、事務局にお問い合わせください。";

impl IntoResponse for DiaryError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            DiaryError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", FORBIDDEN_MESSAGE),
            DiaryError::Conflict(message) => (StatusCode::CONFLICT, "conflict", message),
            DiaryError::Api(e) => return e.into_response(),
        };
        let mut response =
            (status, Json(json!({ "error": code, "message": message }))).into_response();
        // Answers depend on the Authorization header: never cached or shared.
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        response
    }
}

/// The claims of the request's Bearer token if it is genuine, unexpired and of `role`
/// (`None` = either), and the diary of its match if that still exists.
async fn authorise(
    state: &AppState,
    headers: &HeaderMap,
    role: Option<Role>,
) -> Result<(Claims, Diary), DiaryError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(DiaryError::Forbidden)?;
    let claims = state
        .signing_key
        .verify(token, (state.clock)())
        .map_err(|_| DiaryError::Forbidden)?;
    if role.is_some_and(|r| r != claims.role) {
        return Err(DiaryError::Forbidden);
    }
    let diary = state
        .store
        .diary(&claims.match_id)
        .await?
        .ok_or(DiaryError::Forbidden)?;
    // A link from before `staff revoke` (or erasure) is refused like a forged one.
    if diary.the_match.links_epoch != claims.epoch {
        return Err(DiaryError::Forbidden);
    }
    Ok((claims, diary))
}

async fn read_fields(
    headers: &HeaderMap,
    body: Body,
) -> Result<crate::forms::RawFields, DiaryError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::UnsupportedMediaType.into());
    }
    let bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(ApiError::TooLarge.into())
        }
        Err(_) => return Err(ApiError::BadBody(BodyError::Incomplete).into()),
    };
    read_json(&bytes).map_err(|e| ApiError::BadBody(e).into())
}

fn done(result: Result<Response, DiaryError>) -> Response {
    match result {
        Ok(r) => r,
        Err(e) => {
            match &e {
                DiaryError::Api(ApiError::Validation(fields)) => {
                    tracing::info!(status = 422, fields = ?fields.names_for_log(), "diary request refused")
                }
                DiaryError::Api(other) => tracing::info!(
                    status = other.status().as_u16(),
                    error = other.code(),
                    "diary request refused"
                ),
                // Never the token: only that it failed.
                DiaryError::Forbidden => tracing::info!(status = 403, "diary link refused"),
                DiaryError::Conflict(_) => tracing::info!(status = 409, "diary conflict"),
            }
            e.into_response()
        }
    }
}

pub async fn post_sheet(State(state): State<AppState>, request: Request) -> Response {
    done(accept_sheet(&state, request).await)
}

async fn accept_sheet(state: &AppState, request: Request) -> Result<Response, DiaryError> {
    let (parts, body) = request.into_parts();
    let (claims, diary) = authorise(state, &parts.headers, Some(Role::Mentee)).await?;
    let raw = read_fields(&parts.headers, body).await?;
    let m = &diary.the_match;
    let submission = check_sheet(&raw, m.sessions).map_err(ApiError::Validation)?;
    let now = (state.clock)();
    let written: Vec<u32> = diary.sheets.iter().map(|s| s.session).collect();
    let sheet = &submission.sheet;
    let score = followup(
        SheetSignals {
            session: submission.session,
            satisfaction: sheet.satisfaction,
            want_staff_contact: sheet.want_staff_contact,
            reflections: &sheet.reflections,
        },
        &written,
        &state.matcher.catalog().matching.followup,
    );
    let new = NewSheet {
        match_id: claims.match_id.clone(),
        session: submission.session,
        submission_id: submission.idempotency_key(),
        created_at: now,
        expires_at: m.expires_at,
        priority: score.priority,
        content: json!({ "sheet": sheet, "followup": score }),
        mail: vec![crate::notify::events::sheet_posted(
            &claims.match_id,
            submission.session,
            now,
            m.expires_at,
        )],
    };
    match state.store.put_sheet(&new).await? {
        SheetOutcome::Created => state.wake_sender(),
        SheetOutcome::Replayed => {}
        SheetOutcome::Conflict => return Err(DiaryError::Conflict(
            "この回のシートはすでに提出されています。書き直したい場合は事務局にご連絡ください。",
        )),
        SheetOutcome::Refused if m.status == MatchStatus::Closed => {
            return Err(DiaryError::Conflict(
                "このメンタリングは終了しているため、シートを提出できません。",
            ))
        }
        SheetOutcome::Refused => {
            // Closed or shortened between the read and the write.
            return Err(DiaryError::Conflict(
                "このメンタリングは変更されました。ページを読み込み直してください。",
            ));
        }
    }
    tracing::info!(
        session = submission.session,
        priority = score.priority,
        "sheet stored"
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({ "session": submission.session, "status": "received" })),
    )
        .into_response())
}

pub async fn post_reply(State(state): State<AppState>, request: Request) -> Response {
    done(accept_reply(&state, request).await)
}

async fn accept_reply(state: &AppState, request: Request) -> Result<Response, DiaryError> {
    let (parts, body) = request.into_parts();
    let (claims, diary) = authorise(state, &parts.headers, Some(Role::Mentor)).await?;
    let raw = read_fields(&parts.headers, body).await?;
    let submission = check_reply(&raw, diary.the_match.sessions).map_err(ApiError::Validation)?;
    let now = (state.clock)();
    let reply = Reply {
        text: submission.reply,
        created_at: now,
    };
    let mail = [crate::notify::events::reply_posted(
        &claims.match_id,
        submission.session,
        now,
        diary.the_match.expires_at,
    )];
    match state
        .store
        .put_reply(&claims.match_id, submission.session, &reply, &mail)
        .await?
    {
        ReplyOutcome::Created => state.wake_sender(),
        ReplyOutcome::Replayed => {}
        ReplyOutcome::Conflict => {
            return Err(DiaryError::Conflict(
                "このシートにはすでにお返事が届いています。",
            ))
        }
        ReplyOutcome::NoSheet => {
            let mut errors = crate::forms::FieldErrors::default();
            errors.0.push((
                "session".into(),
                "この回のシートはまだ提出されていません".into(),
            ));
            return Err(ApiError::Validation(errors).into());
        }
    }
    tracing::info!(session = submission.session, "reply stored");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "session": submission.session, "status": "replied" })),
    )
        .into_response())
}

pub async fn get_diary(State(state): State<AppState>, headers: HeaderMap) -> Response {
    done(read_diary(&state, &headers).await)
}

async fn read_diary(state: &AppState, headers: &HeaderMap) -> Result<Response, DiaryError> {
    let (claims, diary) = authorise(state, headers, None).await?;
    let m = &diary.the_match;
    let plan_label = state
        .matcher
        .catalog()
        .taxonomy
        .plans
        .get(&m.plan)
        .map(|p| p.label.clone());
    let sheets: Vec<Value> = diary
        .sheets
        .iter()
        .map(|s| {
            let form: Option<SheetForm> = serde_json::from_value(s.content["sheet"].clone()).ok();
            let mut sheet = json!({
                "session": s.session,
                "submitted_at": crate::store::schema::timestamp_text(s.created_at),
                "reflections": form.as_ref().map(|f| f.reflections.clone()),
                "strengths": form.as_ref().and_then(|f| f.strengths.clone()),
                "next_actions": form.as_ref().and_then(|f| f.next_actions.clone()),
                "reply": s.reply.as_ref().map(|r| json!({
                    "text": r.text,
                    "replied_at": crate::store::schema::timestamp_text(r.created_at),
                })),
            });
            if claims.role == Role::Mentee {
                sheet["satisfaction"] = json!(form.as_ref().map(|f| f.satisfaction));
                sheet["want_staff_contact"] = json!(form.as_ref().map(|f| f.want_staff_contact));
            }
            sheet
        })
        .collect();
    let next_session = (m.status == MatchStatus::Active)
        .then(|| (1..=m.sessions).find(|n| !diary.sheets.iter().any(|s| s.session == *n)))
        .flatten();
    let mut response = Json(json!({
        "role": claims.role.as_str(),
        "match": {
            "mentor_name": m.mentor_name,
            "plan": m.plan,
            "plan_label": plan_label,
            "sessions": m.sessions,
            "sessions_used": diary.sheets.len(),
            "status": m.status.as_str(),
        },
        "sheets": sheets,
        "next_session": next_session,
    }))
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
