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
                                    td { a href={"/staff/inquiries/" (r.id)} { (r.id) } }
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

/// One inquiry: what she asked (no contact data until asked for), the note.
async fn detail(
    state: &AppState,
    signed: &Signed,
    id: &str,
    contact: Option<Vec<(&'static str, String)>>,
    notice: Option<&str>,
) -> Response {
    let rec = match state.store.get(crate::store::RecordKind::Inquiry, id).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            return page_html::not_found(Some(&signed.chrome()), &format!("お問い合わせ {id} "))
        }
        Err(e) => return unavailable(signed, &e.to_string()),
    };
    let note = match state
        .store
        .get_note(crate::store::RecordKind::Inquiry, id)
        .await
    {
        Ok(n) => n,
        Err(e) => return unavailable(signed, &e.to_string()),
    };
    let chrome = signed.chrome();
    let field = |f: &str| inquiry_text(&rec, f).to_string();
    render(
        signed,
        &format!("お問い合わせ {id}"),
        "/staff/inquiries",
        html! {
            h1 { "お問い合わせ " (rec.id) }
            (page_html::message(notice, None))
            dl.facts {
                dt { "種類" } dd { (inquiry_label(&field("kind"))) }
                dt { "受付" } dd { (jst(rec.created_at)) }
                dt { "状態" } dd { (crate::staff::inquiry_status_label(&rec.status)) }
                @if !field("briefing_date").is_empty() { dt { "説明会の日程" } dd { (briefing_date_label(&field("briefing_date"))) } }
                @if !field("preferred_times").is_empty() { dt { "話せる時間帯" } dd dir="auto" { (field("preferred_times")) } }
            }
            @if !field("message").is_empty() {
                h2 { "メッセージ" }
                p style="white-space: pre-wrap" dir="auto" { (field("message")) }
            }
            h2 { "連絡先" }
            @if let Some(rows) = &contact {
                dl.facts { @for (label, value) in rows { dt { (label) } dd { bdi { (value) } } } }
                p.muted { "表示したことは記録されています。" }
            } @else {
                form method="post" action={"/staff/inquiries/" (rec.id) "/contact"} {
                    (page_html::csrf_field(&chrome))
                    button.secondary type="submit" { "連絡先を表示（記録されます）" }
                }
            }
            h2 { "メモ" }
            (page_html::note_form(&format!("/staff/inquiries/{}/note", rec.id), "事務局のメモ（本人には見えません）", note.as_ref(), &chrome))
            p { a href="/staff/inquiries" { "問い合わせの一覧へ" } }
        },
    )
}

/// GET /staff/inquiries/{id}
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Response {
    detail(&state, &signed, &id, None, None).await
}

/// POST /staff/inquiries/{id}/contact (audited).
pub async fn reveal_contact(
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
    match staff.inquiry_contact(&id).await {
        Ok(rows) => detail(&state, &signed, &id, Some(rows), None).await,
        Err(e) => outcome(
            &signed,
            "連絡先",
            Err(e),
            ("/staff/inquiries", "問い合わせの一覧へ"),
        ),
    }
}

/// POST /staff/inquiries/{id}/note (`note`, `seen`).
pub async fn save_note(
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
    let text = form.get("note").map(String::as_str).unwrap_or_default();
    let seen = form.get("seen").map(String::as_str).unwrap_or_default();
    match staff
        .save_note(crate::store::RecordKind::Inquiry, &id, text, seen)
        .await
    {
        Ok(done) => detail(&state, &signed, &id, None, Some(&done)).await,
        Err(e) => outcome(
            &signed,
            "メモ",
            Err(e),
            (&format!("/staff/inquiries/{id}"), "お問い合わせに戻る"),
        ),
    }
}
