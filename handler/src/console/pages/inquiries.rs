//! 問い合わせ: consultation, briefing and corporate inquiries with their status, and the
//! briefing roster per date against its capacity.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use maud::html;

use super::{outcome, render, unavailable};
use crate::console::auth::{refused, Signed};
use crate::console::{html as page_html, staff_of};
use crate::forms::InquiryKind;
use crate::notify::{briefing_date_label, inquiry_label};
use crate::staff::{inquiry_text, jst, INQUIRY_STATUSES};
use crate::AppState;

/// GET /staff/inquiries?kind=&status=
pub async fn page(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let kind = q.get("kind").map(String::as_str).unwrap_or_default();
    let status = q.get("status").map(String::as_str).unwrap_or_default();
    let staff = staff_of(&state, &signed.session.address, (state.clock)());
    let all = match staff.all_inquiries().await {
        Ok(all) => all,
        Err(e) => return unavailable(&signed, &e),
    };
    let rows: Vec<_> = all
        .iter()
        .filter(|r| kind.is_empty() || inquiry_text(r, "kind") == kind)
        .filter(|r| status.is_empty() || r.status == status)
        .collect();
    let briefings = &state.matcher.catalog().site.briefings;
    let chrome = signed.chrome();
    let kinds = [
        InquiryKind::Consultation,
        InquiryKind::Briefing,
        InquiryKind::Corporate,
    ];
    render(
        &signed,
        "問い合わせ",
        "/staff/inquiries",
        html! {
            h1 { "問い合わせ" }
            form method="get" action="/staff/inquiries" {
                label for="kind" { "種類" }
                select #kind name="kind" {
                    option value="" selected[kind.is_empty()] { "すべて" }
                    @for k in kinds { option value=(k.as_str()) selected[k.as_str() == kind] { (inquiry_label(k.as_str())) } }
                }
                label for="status" { "状態" }
                select #status name="status" {
                    option value="" selected[status.is_empty()] { "すべて" }
                    @for (s, l) in INQUIRY_STATUSES { option value=(s) selected[s == status] { (l) } }
                }
                p { button type="submit" { "絞り込む" } }
            }
            p { (rows.len()) "件" }
            @if !rows.is_empty() {
                div.table-wrap {
                    table {
                        thead { tr { th { "ID" } th { "種類" } th { "受付日時" } th { "説明会の日程" } th { "状態" } } }
                        tbody {
                            @for r in &rows {
                                tr {
                                    td { (r.id) }
                                    td { (inquiry_label(inquiry_text(r, "kind"))) }
                                    td { (jst(r.created_at)) }
                                    td { @let d = inquiry_text(r, "briefing_date"); @if d.is_empty() { "-" } @else { (briefing_date_label(d)) } }
                                    td {
                                        form method="post" action={"/staff/inquiries/" (r.id) "/status"} {
                                            (page_html::csrf_field(&chrome))
                                            input type="hidden" name="seen" value=(r.status);
                                            label.sr-only for={"to-" (r.id)} { (r.id) "の状態" }
                                            select id={"to-" (r.id)} name="to" {
                                                @for (s, l) in INQUIRY_STATUSES { option value=(s) selected[s == r.status] { (l) } }
                                            }
                                            " "
                                            button.secondary type="submit" { "変更" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "説明会の参加者数" }
            @if briefings.is_empty() { p { "説明会の日程は content/site.yaml にありません。" } }
            ul {
                @for b in briefings {
                    @let n = all.iter().filter(|r| inquiry_text(r, "kind") == "briefing" && inquiry_text(r, "briefing_date") == b.date).count();
                    li {
                        (briefing_date_label(&b.date)) " " (b.time) ": " (n) "人"
                        @match b.capacity { Some(c) => { "（定員" (c) "人）" }, None => "（定員なし）" }
                    }
                }
            }
        },
    )
}

/// POST /staff/inquiries/{id}/status (`to`, `seen`).
pub async fn set_status(
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
    let to = form.get("to").map(String::as_str).unwrap_or_default();
    let seen = form.get("seen").map(String::as_str);
    let result = staff.set_inquiry_status(&id, to, seen).await;
    outcome(
        &signed,
        "問い合わせの状態",
        result,
        ("/staff/inquiries", "問い合わせの一覧へ"),
    )
}
