//! Passwordless sign-in for staff: an address in `contacts.yaml` (`staff:`) asks for a link;
//! the link (10 minutes, once, bound to that address) opens a confirmation page whose button
//! — a POST, so a mail scanner that follows links burns nothing — starts a 12-hour session.
//! Sessions live in the store (hashed), so signing out, or out everyone, works at once.
//! Every state-changing request checks the session, the `Origin` and the CSRF token.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use maud::html;
use sha2::{Digest, Sha256};

use super::html::{page, plain, respond, secure_headers, Chrome};
use crate::store::{NewMail, SignIn, StaffSession};
use crate::AppState;

pub const COOKIE: &str = "mikke_staff";
pub const SESSION_HOURS: i64 = 12;
pub const LINK_MINUTES: i64 = 10;
/// Links asked for one address per hour; more get the same answer and no mail.
pub const LINKS_PER_ADDRESS: u32 = 5;
/// Sign-in requests from one client per hour; more get 429.
pub const REQUESTS_PER_CLIENT: u32 = 20;
const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);

/// A request from a signed-in staff member (the extractor checks the cookie's session).
pub struct Signed {
    pub session: StaffSession,
}

impl Signed {
    pub fn chrome(&self) -> Chrome<'_> {
        Chrome {
            address: &self.session.address,
            csrf: &self.session.csrf,
        }
    }
}

fn hash_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn random_text(bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    URL_SAFE_NO_PAD.encode(raw)
}

/// 26 characters of base32 (128 bits): a sign-in request's id.
fn request_id() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut bits: u128 = rand::random();
    (0..26)
        .map(|_| {
            let c = ALPHABET[(bits & 31) as usize] as char;
            bits >>= 5;
            c
        })
        .collect()
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

/// The live session of this request, if its cookie names one and its address is still staff.
pub async fn session_of(state: &AppState, headers: &HeaderMap) -> Option<StaffSession> {
    let secret = cookie_value(headers)?;
    let session = state.store.get_session(&hash_hex(&secret)).await.ok()??;
    state.staff.contains(&session.address).then_some(session)
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match session_of(state, &parts.headers).await {
            Some(session) => Ok(Signed { session }),
            None if parts.method == axum::http::Method::GET => {
                let mut r = Redirect::to("/staff/").into_response();
                secure_headers(&mut r);
                Err(r)
            }
            None => Err(plain(
                StatusCode::FORBIDDEN,
                "ログインしてください",
                None,
                "ログインの有効期限が切れたか、ログアウトしました。もう一度ログインしてから操作してください（操作は行われていません）。",
            )),
        }
    }
}

/// Local runs (`127.0.0.1`, `localhost`) are plain HTTP: a `Secure` cookie would never come back.
fn is_loopback(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let name = host.rsplit_once(':').map_or(host, |(n, _)| n);
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

fn session_cookie(value: &str, max_age: i64, headers: &HeaderMap) -> HeaderValue {
    let secure = if is_loopback(headers) { "" } else { "; Secure" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/staff; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .expect("cookie text is ASCII")
}

/// Whether a state-changing request comes from the console's own pages: its `Origin` is the
/// site's, an allowed one, or the host it was sent to. Browsers always send `Origin` on a
/// POST, so a missing one is refused too.
pub fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return false;
    };
    let site = state.config.site_url.trim_end_matches('/');
    if origin == site || state.config.allowed_origins.iter().any(|a| a == origin) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    host.is_some() && origin_host == host
}

/// Constant-time equality of the form's token and the session's.
fn token_matches(given: &str, expected: &str) -> bool {
    use hmac::Mac;
    let key = Sha256::digest(expected.as_bytes());
    let mac = |text: &str| {
        hmac::Hmac::<Sha256>::new_from_slice(&key)
            .expect("any key length")
            .chain_update(text.as_bytes())
    };
    mac(given)
        .verify_slice(&mac(expected).finalize().into_bytes())
        .is_ok()
}

/// The checks of every state-changing console request: `Origin`, then the CSRF token; the
/// page to answer with when they fail.
pub fn refused(
    state: &AppState,
    headers: &HeaderMap,
    signed: &Signed,
    form: &HashMap<String, String>,
) -> Option<Response> {
    let token = form.get("csrf").map(String::as_str).unwrap_or_default();
    if !same_origin(state, headers) || !token_matches(token, &signed.session.csrf) {
        tracing::warn!("console: a request without a valid origin or form token was refused");
        return Some(plain(
            StatusCode::FORBIDDEN,
            "この操作は受け付けられません",
            Some(&signed.chrome()),
            "ページの有効期限が切れたか、別のサイトから送られた操作です。ページを開き直してからもう一度お試しください（操作は行われていません）。",
        ));
    }
    None
}

/// The sign-in page (what `/staff/` shows without a session).
pub fn signin_page(notice: Option<&str>, error: Option<&str>, status: StatusCode) -> Response {
    respond(
        status,
        page(
            "ログイン",
            "",
            None,
            html! {
                h1 { "事務局コンソールにログイン" }
                (super::html::message(notice, error))
                p { "事務局のメールアドレスを入力してください。ログイン用のリンクをメールでお送りします（10分間、1回だけ有効）。" }
                form method="post" action="/staff/signin" {
                    label for="email" { "メールアドレス" }
                    input #email type="email" name="email" autocomplete="email" required
                        inputmode="email" size="32";
                    p { button type="submit" { "ログイン用のリンクを送る" } }
                }
            },
        ),
    )
}

const SENT: &str = "入力されたアドレスが事務局のものであれば、ログイン用のリンクをお送りしました。メールを開き、10分以内にリンクからログインしてください。";

/// POST /staff/signin: a link for a staff address; the same answer for any other.
pub async fn request_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    parts_client: super::Client,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !same_origin(&state, &headers) {
        return signin_page(
            None,
            Some("別のサイトから送られた操作は受け付けられません。"),
            StatusCode::FORBIDDEN,
        );
    }
    let raw = form.get("email").map(|e| e.trim()).unwrap_or_default();
    let Some(address) = mikke_catalog::mail::normalise_address(raw).map(|a| a.to_lowercase())
    else {
        return signin_page(
            None,
            Some("メールアドレスの形式で入力してください（例: staff@example.jp）。"),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let now = (state.clock)();
    let client = format!("signin-client:{}", parts_client.0);
    match state.store.hit_rate_limit(&client, HOUR, now).await {
        Ok(n) if n > REQUESTS_PER_CLIENT => {
            return signin_page(
                None,
                Some("短い時間に何度も送信されました。しばらく待ってからお試しください。"),
                StatusCode::TOO_MANY_REQUESTS,
            )
        }
        Ok(_) => {}
        Err(e) => return store_down(&e),
    }
    if state.staff.contains(&address) {
        let key = format!("signin-address:{}", hash_hex(&address));
        match state.store.hit_rate_limit(&key, HOUR, now).await {
            Ok(n) if n > LINKS_PER_ADDRESS => {
                tracing::warn!("console: sign-in links for one address past the hourly limit");
            }
            Ok(_) => {
                let request = SignIn {
                    id: request_id(),
                    address,
                    created_at: now,
                    expires_at: now + time::Duration::minutes(LINK_MINUTES),
                    used_at: None,
                };
                let mail = NewMail {
                    id: format!("{}.staff_signin", request.id),
                    template: "staff_signin".into(),
                    recipient: "staff".into(),
                    refs: serde_json::json!({ "signin": request.id }),
                    created_at: now,
                    due_at: now,
                    expires_at: now + time::Duration::days(1),
                };
                if let Err(e) = state.store.put_signin(&request, &[mail]).await {
                    return store_down(&e);
                }
                state.wake_sender();
                tracing::info!("console: sign-in link requested");
            }
            Err(e) => return store_down(&e),
        }
    }
    signin_page(Some(SENT), None, StatusCode::OK)
}

fn store_down(e: &crate::store::StoreError) -> Response {
    tracing::error!(error = %e, "console: store unavailable");
    plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "ただいま利用できません",
        None,
        "保存先にアクセスできませんでした。少し待ってからもう一度お試しください。",
    )
}

fn bad_link() -> Response {
    plain(
        StatusCode::BAD_REQUEST,
        "このリンクは使えません",
        None,
        "ログイン用のリンクは、届いてから10分間、1回だけ使えます。期限が切れたか、すでに使われたか、正しくないリンクです。お手数ですが、もう一度ログイン用のリンクを送ってください。",
    )
}

/// GET /staff/signin?t=…: a confirmation page; nothing is used until its button is pressed.
pub async fn confirm_page(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = q.get("t").map(String::as_str).unwrap_or_default();
    let Some(id) = state.signing_key.verify_signin(token) else {
        return bad_link();
    };
    let now = (state.clock)();
    match state.store.get_signin(&id).await {
        Ok(Some(r)) if r.used_at.is_none() && r.expires_at > now => {}
        Ok(_) => return bad_link(),
        Err(e) => return store_down(&e),
    }
    respond(
        StatusCode::OK,
        page(
            "ログインの確認",
            "",
            None,
            html! {
                h1 { "事務局コンソールにログインします" }
                p { "下のボタンを押すとログインします（12時間有効）。" }
                form method="post" action="/staff/signin/confirm" {
                    input type="hidden" name="t" value=(token);
                    button type="submit" { "ログインする" }
                }
            },
        ),
    )
}

/// POST /staff/signin/confirm: uses the link (once) and starts the session.
pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !same_origin(&state, &headers) {
        return bad_link();
    }
    let token = form.get("t").map(String::as_str).unwrap_or_default();
    let Some(id) = state.signing_key.verify_signin(token) else {
        return bad_link();
    };
    let now = (state.clock)();
    let request = match state.store.consume_signin(&id, now).await {
        Ok(Some(r)) => r,
        Ok(None) => return bad_link(),
        Err(e) => return store_down(&e),
    };
    // Removed from contacts.yaml since the link was sent: no way in.
    if !state.staff.contains(&request.address) {
        return bad_link();
    }
    let secret = random_text(32);
    let session = StaffSession {
        id_hash: hash_hex(&secret),
        address: request.address,
        csrf: random_text(32),
        created_at: now,
        expires_at: now + time::Duration::hours(SESSION_HOURS),
    };
    if let Err(e) = state.store.put_session(&session).await {
        return store_down(&e);
    }
    let staff = super::staff_of(&state, &session.address, now);
    if let Err(e) = staff.audit("sign_in", &[]).await {
        tracing::error!(error = %e, "console: audit not written");
    }
    tracing::info!("console: signed in");
    let mut response = Redirect::to("/staff/").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&secret, SESSION_HOURS * 3600, &headers),
    );
    secure_headers(&mut response);
    response
}

/// POST /staff/signout.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: Signed,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(r) = refused(&state, &headers, &signed, &form) {
        return r;
    }
    if let Err(e) = state.store.end_session(&signed.session.id_hash).await {
        return store_down(&e);
    }
    let staff = super::staff_of(&state, &signed.session.address, (state.clock)());
    if let Err(e) = staff.audit("sign_out", &[]).await {
        tracing::error!(error = %e, "console: audit not written");
    }
    let mut response = signin_page(Some("ログアウトしました。"), None, StatusCode::OK);
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0, &headers));
    response
}
