//! メール: what could not be sent (failed, rejected), with a resend (`staff mail --resend`).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use maud::html;

use super::{outcome, render, unavailable};
use crate::console::auth::{refused, Signed};
use crate::console::{html as page_html, staff_of};
use crate::staff::jst;
use crate::store::MailStatus;
use crate::AppState;

/// GET /staff/mail
pub async fn page(State(state): State<AppState>, signed: Signed) -> Response {
    let mut mails = Vec::new();
    for status in [
        MailStatus::Failed,
        MailStatus::Rejected,
        MailStatus::Pending,
    ] {
        match state.store.list_mail(status, 200).await {
            Ok(found) => mails.extend(found),
            Err(e) => return unavailable(&signed, &e.to_string()),
        }
    }
    let chrome = signed.chrome();
    render(
        &signed,
        "メール",
        "/staff/mail",
        html! {
            h1 { "送信待ち・送れなかったメール" }
            @if mails.is_empty() { p { "送信待ちのメールも、送れなかったメールもありません。" } }
            @else {
                div.table-wrap {
                    table {
                        thead { tr { th { "ID" } th { "種類" } th { "宛先" } th { "状態" } th { "作成" } th { "失敗" } th { "理由" } th { span.sr-only { "操作" } } } }
                        tbody {
                            @for m in &mails {
                                tr {
                                    td { (m.id) } td { (m.template) } td { (m.recipient) } td { (m.status.as_str()) }
                                    td { (jst(m.created_at)) } td { (m.failures) } td { (m.last_error.as_deref().unwrap_or("-")) }
                                    td {
                                        @if m.status != MailStatus::Pending {
                                            form method="post" action={"/staff/mail/" (m.id) "/resend"} {
                                                (page_html::csrf_field(&chrome))
                                                button.secondary type="submit" { "再送" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// POST /staff/mail/{id}/resend
pub async fn resend(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(r) = refused(&state, &headers, &signed, &form) {
        return r;
    }
    let staff = staff_of(&state, &signed.session.address, (state.clock)());
    let result = staff.resend(&id).await;
    outcome(
        &signed,
        "メールの再送",
        result,
        ("/staff/mail", "メールの一覧へ"),
    )
}
