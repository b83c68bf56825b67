//! Every answer other than success: one enum, mapped to a status and either a
//! JSON body (the site's script, other clients) or a small Japanese page (a plain
//! form post). Internal details are logged where they happen, never returned.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::forms::{problem_page, BodyError, FieldErrors};
use crate::store::StoreError;

#[derive(Debug)]
pub enum ApiError {
    /// 422: every bad field with its message.
    Validation(FieldErrors),
    /// 400: the body could not be read as its content type.
    BadBody(BodyError),
    /// 413: over the size limit.
    TooLarge,
    /// 415: neither JSON nor a form post.
    UnsupportedMediaType,
    /// 403: a browser on a site not in `MIKKE_ALLOWED_ORIGINS`.
    ForbiddenOrigin,
    /// 429: past the per-client limit; try again after this many seconds.
    RateLimited { retry_after: u64 },
    /// 404
    NotFound,
    /// 405
    MethodNotAllowed,
    /// 503: the store is unreachable; the client may retry (idempotently).
    Unavailable,
    /// 500
    Internal,
}

/// How the client wants its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    /// A plain form post from a browser with JavaScript off.
    Html,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        // StoreError's Display carries no personal data (the store's contract).
        tracing::error!(error = %e, "store failure");
        if e.is_transient() {
            ApiError::Unavailable
        } else {
            ApiError::Internal
        }
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadBody(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::ForbiddenOrigin => StatusCode::FORBIDDEN,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable `error` code of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "validation",
            ApiError::BadBody(_) => "bad_request",
            ApiError::TooLarge => "too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::ForbiddenOrigin => "forbidden_origin",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal => "internal",
        }
    }

    /// What a person reads.
    pub fn message(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => {
                "入力内容に誤りがあります。各項目のメッセージをご確認ください。"
            }
            ApiError::BadBody(_) => {
                "送信された内容を読み取れませんでした。もう一度送信してください。"
            }
            ApiError::TooLarge => {
                "送信された内容が大きすぎます。メッセージを短くして送信してください。"
            }
            ApiError::UnsupportedMediaType => "この形式の送信には対応していません。",
            ApiError::ForbiddenOrigin => "このページからの送信は受け付けていません。",
            ApiError::RateLimited { .. } => {
                "短時間に送信が集中しています。しばらく待ってから送信してください。"
            }
            ApiError::NotFound => "ページが見つかりません。",
            ApiError::MethodNotAllowed => "この操作には対応していません。",
            ApiError::Unavailable => {
                "ただいま一時的に受け付けられません。内容は保存されていませんので、しばらく待ってから、もう一度送信してください。"
            }
            ApiError::Internal => {
                "申し訳ありません。受付中に問題が発生しました。時間をおいて送信してください。"
            }
        }
    }

    /// The answer in `format`; `back` is the page an HTML answer links back to.
    pub fn into_response_as(self, format: Format, back: &str) -> Response {
        let status = self.status();
        let retry_after = match &self {
            ApiError::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        };
        let mut response = match (format, &self) {
            (Format::Json, ApiError::Validation(errors)) => {
                let fields: serde_json::Map<String, serde_json::Value> = errors
                    .0
                    .iter()
                    .map(|(f, m)| (f.clone(), json!(m)))
                    .collect();
                (
                    status,
                    axum::Json(json!({ "error": "validation", "fields": fields })),
                )
                    .into_response()
            }
            (Format::Json, _) => (
                status,
                axum::Json(json!({ "error": self.code(), "message": self.message() })),
            )
                .into_response(),
            (Format::Html, ApiError::Validation(errors)) => {
                let problems: Vec<&str> = errors.0.iter().map(|(_, m)| m.as_str()).collect();
                html(
                    status,
                    problem_page("入力内容を確認してください", &problems, back),
                )
            }
            (Format::Html, _) => html(
                status,
                problem_page("送信できませんでした", &[self.message()], back),
            ),
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.into_response_as(Format::Json, "/")
    }
}
