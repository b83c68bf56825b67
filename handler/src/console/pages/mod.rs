//! One module per console page. Each reads what it shows and calls the `staff` command's
//! operations for what it changes; the shared pieces are here.

pub mod applications;
pub mod assign;
pub mod inquiries;
pub mod mail;
pub mod matches;
pub mod propose;
pub mod report;
pub mod sheets;
pub mod today;

use axum::http::StatusCode;
use axum::response::Response;
use maud::Markup;

use super::auth::Signed;
use super::html::{page, plain, respond};

/// A console page for `signed`, 200.
fn render(signed: &Signed, title: &str, current: &str, body: Markup) -> Response {
    respond(
        StatusCode::OK,
        page(title, current, Some(&signed.chrome()), body),
    )
}

/// The store could not be read: a page that says so (details are in the log).
fn unavailable(signed: &Signed, error: &str) -> Response {
    tracing::error!(error, "console: page not available");
    plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "ただいま表示できません",
        Some(&signed.chrome()),
        "保存先にアクセスできませんでした。少し待ってから開き直してください。",
    )
}

/// What an operation said, on a page of its own with a way back.
fn outcome(
    signed: &Signed,
    title: &str,
    result: Result<String, String>,
    back: (&str, &str),
) -> Response {
    let (status, notice, error) = match &result {
        Ok(text) => (StatusCode::OK, Some(text.as_str()), None),
        Err(text) => (StatusCode::CONFLICT, None, Some(text.as_str())),
    };
    respond(
        status,
        page(
            title,
            "",
            Some(&signed.chrome()),
            maud::html! {
                h1 { (title) }
                (super::html::message(notice, error))
                p { a href=(back.0) { (back.1) } }
            },
        ),
    )
}
