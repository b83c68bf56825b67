//! The router: one function builds it from the state, for Lambda, the local
//! server and the tests alike.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::json;
use time::OffsetDateTime;
use tower::Layer;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

use crate::config::Config;
use crate::error::{ApiError, Format};
use crate::forms::{check_application, BodyError, RawFields};
use crate::scoring::{completeness, match_mentors, Matcher};
use crate::store::{NewMail, RecordKind, Store};

pub mod headers;
pub(crate) mod intake;
use intake::Checked;

/// Largest body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A retry within this time is a replay of the first submission.
pub const IDEMPOTENCY_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);
/// The rate limit counts posts per client in windows of this length.
pub const RATE_WINDOW: Duration = Duration::from_secs(60);
/// The status a new application is stored with (and answered with).
pub const RECEIVED: &str = "received";

/// "Now"; a parameter so tests can pin the rate-limit window.
pub type Clock = fn() -> OffsetDateTime;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The catalog with its rules parsed and its mentors indexed, once at start.
    pub matcher: Arc<Matcher>,
    pub config: Arc<Config>,
    pub clock: Clock,
    /// Signs and checks the private diary links (issue 6).
    pub signing_key: Arc<crate::tokens::SigningKey>,
    /// Who may sign in to the staff console: `contacts.yaml`'s `staff:`, normalised (from the
    /// mail bundle at start; empty when there is none — then nobody can sign in).
    pub staff: Arc<Vec<String>>,
    /// Notified after every write that put mail in the outbox, so the local sender
    /// (`notify::Notifier::run`) sends it at once instead of at its next poll.
    pub mail_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub fn new(store: Store, matcher: Matcher, config: Config) -> AppState {
        AppState {
            store,
            matcher: Arc::new(matcher),
            // `main` resolves the configured source (SSM, file) and sets the real key with
            // `with_signing_key`; a key given inline is used as is; anything else (tests)
            // gets a throwaway key, so links issued elsewhere never verify by accident.
            signing_key: Arc::new(match &config.signing_key {
                crate::tokens::KeySource::Value(key) => key.clone(),
                _ => crate::tokens::SigningKey::generate(),
            }),
            config: Arc::new(config),
            clock: OffsetDateTime::now_utc,
            staff: Arc::new(Vec::new()),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Tells the local sender that mail is waiting (a no-op when none runs).
    pub fn wake_sender(&self) {
        self.mail_wake.notify_one();
    }

    /// The staff addresses allowed into the console (normalised here).
    pub fn with_staff(mut self, addresses: &[String]) -> AppState {
        self.staff = Arc::new(
            addresses
                .iter()
                .filter_map(|a| crate::privacy::canonical_address(a))
                .collect(),
        );
        self
    }

    /// The key that signs the diary links.
    pub fn with_signing_key(mut self, key: crate::tokens::SigningKey) -> AppState {
        self.signing_key = Arc::new(key);
        self
    }
}

pub fn app(state: AppState) -> Router {
    let router = Router::new()
        .route(
            "/api/applications",
            post(post_application)
                .options(preflight)
                .fallback(method_not_allowed),
        )
        .route(
            "/api/sheets",
            post(crate::diary::post_sheet).fallback(method_not_allowed),
        )
        .route(
            "/api/sheets/reply",
            post(crate::diary::post_reply).fallback(method_not_allowed),
        )
        .route(
            "/api/diary",
            get(crate::diary::get_diary).fallback(method_not_allowed),
        )
        .route(
            "/api/inquiries",
            post(crate::inquiries::post_inquiry)
                .options(preflight)
                .fallback(method_not_allowed),
        )
        .route("/api/health", get(health))
        .merge(crate::console::routes())
        .route("/api/{*rest}", any(not_found));
    let router = match &state.config.site_dir {
        Some(dir) => router.fallback_service(static_site(dir)),
        None => router.fallback(not_found),
    };
    router
        .layer(axum::middleware::from_fn(headers::security_headers))
        .with_state(state)
}

/// A predicate over a response's status, version, headers and extensions.
type ResponsePredicate =
    fn(StatusCode, axum::http::Version, &HeaderMap, &axum::http::Extensions) -> bool;
type StaticSite = tower_http::compression::Compression<
    ServeDir<tower_http::set_status::SetStatus<ServeFile>>,
    ResponsePredicate,
>;

/// The built site, as a static host would serve it: the site's own 404 page (with a 404
/// status) for a path it does not have, and text compressed (gzip or brotli, as the browser
/// accepts) — not the search index's `.bin` files, which are gzip already and read by Range.
fn static_site(dir: &std::path::Path) -> StaticSite {
    let files = ServeDir::new(dir).not_found_service(ServeFile::new(dir.join("404.html")));
    CompressionLayer::new()
        .compress_when(compressible as ResponsePredicate)
        .layer(files)
}

/// Whether a static answer is text worth compressing (HTML, CSS, JS, JSON, SVG, XML).
fn compressible(
    status: StatusCode,
    _: axum::http::Version,
    headers: &HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    let text = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.starts_with("text/")
                || ["javascript", "json", "svg", "xml"]
                    .iter()
                    .any(|kind| t.contains(kind))
        });
    (status == StatusCode::OK || status == StatusCode::NOT_FOUND) && text
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn not_found() -> Response {
    ApiError::NotFound.into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::MethodNotAllowed.into_response()
}

/// A browser's CORS preflight, for a site served from another allowed origin.
async fn preflight(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match headers.get(header::ORIGIN) {
        Some(origin) if allowed(&state.config, origin) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let h = response.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            with_cors(response, Some(origin))
        }
        _ => ApiError::ForbiddenOrigin.into_response(),
    }
}

/// Browsers send `Origin` with every cross-site POST, so an origin outside the list
/// is refused. A request with no `Origin` is not from a browser form on another site
/// (curl, server-to-server, old tooling) and is let through: the rate limit and the
/// checks still apply, and the API holds no session a forged request could ride.
pub(crate) fn allowed(config: &Config, origin: &HeaderValue) -> bool {
    origin
        .to_str()
        .is_ok_and(|o| config.allowed_origins.iter().any(|a| a == o))
}

pub(crate) fn with_cors(mut response: Response, origin: Option<&HeaderValue>) -> Response {
    if let Some(origin) = origin {
        response
            .headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Json,
    Form,
}

/// A plain form post gets pages; everything else gets JSON.
pub(crate) fn format_of(headers: &HeaderMap) -> Format {
    match body_kind(headers) {
        Ok(BodyKind::Form) => Format::Html,
        _ => Format::Json,
    }
}

pub(crate) fn body_kind(headers: &HeaderMap) -> Result<BodyKind, ApiError> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::UnsupportedMediaType)?;
    let mut params = value.split(';').map(str::trim);
    let kind = match params
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "application/json" => BodyKind::Json,
        "application/x-www-form-urlencoded" => BodyKind::Form,
        _ => return Err(ApiError::UnsupportedMediaType),
    };
    for param in params {
        if let Some((name, charset)) = param.split_once('=') {
            let charset = charset.trim().trim_matches('"');
            if name.trim().eq_ignore_ascii_case("charset") && !charset.eq_ignore_ascii_case("utf-8")
            {
                return Err(ApiError::UnsupportedMediaType);
            }
        }
    }
    Ok(kind)
}

pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
) -> Result<axum::body::Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(ApiError::TooLarge);
    }
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(ApiError::TooLarge),
        Err(_) => Err(ApiError::BadBody(BodyError::Incomplete)),
    }
}

async fn post_application(State(state): State<AppState>, request: Request) -> Response {
    intake::handle(state, request, ApplicationForm::default()).await
}

/// The application: checked against the catalog, scored, stored with its scores.
#[derive(Default)]
struct ApplicationForm {
    /// What the log line tells about a stored application (no personal data).
    scored: Option<Scored>,
}

struct Scored {
    needs_call: bool,
    completeness: u32,
    top_mentor: Option<(String, u32)>,
}

impl intake::Form for ApplicationForm {
    const NAME: &'static str = "application";
    const RECORD: RecordKind = RecordKind::Application;

    fn form_url(&self, config: &Config) -> String {
        config.apply_url()
    }

    fn thanks_url(&self, config: &Config) -> String {
        config.thanks_url()
    }

    async fn check(&mut self, state: &AppState, raw: &RawFields) -> Result<Checked, ApiError> {
        let submission =
            check_application(raw, state.matcher.catalog()).map_err(ApiError::Validation)?;
        let app = &submission.application;
        // Mentors whose active matches fill their capacity are not suggested (issue 6).
        let full = crate::matching::at_capacity(
            state.matcher.catalog(),
            &state.store.active_counts().await?,
        );
        let matched = match_mentors(&state.matcher, app, &full);
        let complete = completeness(app, &state.matcher.catalog().matching);
        self.scored = Some(Scored {
            needs_call: complete.needs_call,
            completeness: complete.score,
            top_mentor: matched
                .suggestions
                .first()
                .map(|s| (s.slug.clone(), s.score)),
        });
        Ok(Checked {
            body: json!({
                "application": app,
                "match": matched,
                "completeness": complete,
                "consent": submission.consent,
            }),
            idempotency_key: submission.idempotency_key(),
        })
    }

    fn mail(&self, id: &str, now: OffsetDateTime, expires_at: OffsetDateTime) -> Vec<NewMail> {
        crate::notify::events::application_stored(id, now, expires_at)
    }

    fn log_accepted(&self, id: &str, replayed: bool) {
        let scored = self.scored.as_ref();
        let top = scored.and_then(|s| s.top_mentor.as_ref());
        tracing::info!(
            id = %id,
            replayed,
            needs_call = scored.map(|s| s.needs_call),
            completeness = scored.map(|s| s.completeness),
            top_mentor = top.map(|(slug, _)| slug.as_str()),
            top_score = top.map(|(_, score)| *score),
            "application accepted"
        );
    }
}

/// `20261123-k3m9x2pq`: the day (for people reading a queue) and 40 random bits.
pub(crate) fn new_id(now: OffsetDateTime) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut bits: u64 = rand::random();
    let mut suffix = String::with_capacity(8);
    for _ in 0..8 {
        suffix.push(ALPHABET[(bits & 31) as usize] as char);
        bits >>= 5;
    }
    let d = now.date();
    format!(
        "{:04}{:02}{:02}-{suffix}",
        d.year(),
        u8::from(d.month()),
        d.day()
    )
}
