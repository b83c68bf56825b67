//! The staff console (issue 14): the day's work in the browser, served by the handler under
//! `/staff/`. Server-rendered HTML (`html.rs`) that works without JavaScript; passwordless
//! sign-in and sessions (`auth.rs`); one module per page (`pages/`). The pages add no logic
//! of their own: every operation is the `staff` command's (`crate::staff::Staff`), called
//! with the signed-in address as the actor, so the CLI and the console cannot drift apart.

mod auth;
mod html;
mod pages;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::Router;
use time::OffsetDateTime;

pub use auth::{COOKIE, LINK_MINUTES, SESSION_HOURS};

use crate::staff::Staff;
use crate::AppState;

/// The sign-in link a mail carries: the token in the query of a page that only asks for a
/// confirming click (the token is consumed by that POST, never by the GET).
pub fn signin_link(site_url: &str, token: &str) -> String {
    format!("{}/staff/signin?t={token}", site_url.trim_end_matches('/'))
}

/// The staff operations as the signed-in `address`, at `now`. Mail the operations cause is
/// left to the server's own sender, woken at once.
pub(crate) fn staff_of(state: &AppState, address: &str, now: OffsetDateTime) -> Staff {
    Staff {
        store: state.store.clone(),
        matcher: std::sync::Arc::clone(&state.matcher),
        key: Some((*state.signing_key).clone()),
        site_url: state.config.site_url.clone(),
        retention_days: state.config.retention_days,
        now,
        notifier: None,
        wake: Some(std::sync::Arc::clone(&state.mail_wake)),
        actor: address.to_string(),
    }
}

/// The client's rate-limit key (a hash; see `ratelimit`).
pub(crate) struct Client(pub String);

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(crate::ratelimit::client_key(
            parts,
            state.config.origin_secret.as_ref(),
        )))
    }
}

/// Every console route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff", get(pages::today::redirect))
        .route("/staff/", get(pages::today::page))
        // What CloudFront turns `/staff/` into (deploy/template.yaml, StaffIndexRewrite).
        .route("/staff/today", get(pages::today::page))
        .route(
            "/staff/signin",
            post(auth::request_link).get(auth::confirm_page),
        )
        .route("/staff/signin/confirm", post(auth::confirm))
        .route("/staff/signout", post(auth::sign_out))
        .route("/staff/applications", get(pages::applications::list))
        .route("/staff/applications/{id}", get(pages::applications::show))
        .route(
            "/staff/applications/{id}/contact",
            post(pages::applications::reveal_contact),
        )
        .route(
            "/staff/applications/{id}/note",
            post(pages::applications::save_note),
        )
        .route(
            "/staff/applications/{id}/status",
            post(pages::applications::set_status),
        )
        .route(
            "/staff/assign",
            get(pages::assign::confirm).post(pages::assign::assign),
        )
        .route("/staff/propose", get(pages::propose::page))
        .route("/staff/inquiries", get(pages::inquiries::page))
        .route("/staff/inquiries/{id}", get(pages::inquiries::show))
        .route(
            "/staff/inquiries/{id}/contact",
            post(pages::inquiries::reveal_contact),
        )
        .route(
            "/staff/inquiries/{id}/note",
            post(pages::inquiries::save_note),
        )
        .route(
            "/staff/inquiries/{id}/status",
            post(pages::inquiries::set_status),
        )
        .route("/staff/matches", get(pages::matches::page))
        .route("/staff/matches/{id}/extend", post(pages::matches::extend))
        .route("/staff/matches/{id}/close", post(pages::matches::close))
        .route("/staff/sheets", get(pages::sheets::page))
        .route("/staff/sheets/handled", post(pages::sheets::handled))
        .route("/staff/report", get(pages::report::page))
        .route("/staff/report.csv", get(pages::report::csv))
        .route("/staff/mail", get(pages::mail::page))
        .route("/staff/mail/{id}/resend", post(pages::mail::resend))
        .route("/staff/{*rest}", get(pages::today::not_found))
}
