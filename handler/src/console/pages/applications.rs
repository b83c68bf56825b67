//! 申し込み: the list (status, 要電話, from a date) and one application — her answers, the top
//! suggestions with their reasons and unmet wishes, contact details on a click (audited),
//! the assign form and the status moves.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};
use time::OffsetDateTime;

use super::{outcome, render, unavailable};
use crate::console::auth::{refused, Signed};
use crate::console::{html as page_html, staff_of};
use crate::matching::at_capacity;
use crate::scoring::{completeness, match_mentors};
use crate::staff::{
    answer_rows, application_status_label, jst, Contact, APPLICATION_STATUSES, MOVES,
};
use crate::store::{RecordKind, StoredRecord};
use crate::AppState;

/// What the list shows of each application's body.
const BRIEF: [&str; 4] = [
    "$.completeness.needs_call",
    "$.completeness.score",
    "$.match.suggestions[0].name",
    "$.match.suggestions[0].score",
];

/// Rows shown at most (oldest first); the filters narrow further.
const LIST_LIMIT: usize = 200;

use crate::staff::needs_call;

/// GET /staff/applications?status=&needs_call=1&since=YYYY-MM-DD
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let status = q.get("status").map(String::as_str).unwrap_or("open");
    let only_call = q.get("needs_call").is_some_and(|v| v == "1");
    let since = q.get("since").map(String::as_str).unwrap_or_default();
    let since_day = crate::staff::Days::parse(Some(since), Some(since), (state.clock)()).ok();
    let statuses: Vec<&str> = match status {
        "open" => crate::store::OPEN_APPLICATION_STATUSES.to_vec(),
        "all" => APPLICATION_STATUSES.iter().map(|(s, _)| *s).collect(),
        s => vec![s],
    };
    // Without a filter on the body or the date, the oldest LIST_LIMIT of each status hold the
    // oldest overall, and the total is a count: no need to read the whole queue.
    let narrowed = only_call || !since.is_empty();
    let mut rows = Vec::new();
    let mut counted = 0;
    for s in statuses {
        let limit = if narrowed { usize::MAX } else { LIST_LIMIT };
        let listed = state
            .store
            .list_brief_by_status(RecordKind::Application, s, limit, &BRIEF)
            .await;
        let count = if narrowed {
            Ok(0)
        } else {
            state
                .store
                .count_by_status(RecordKind::Application, s)
                .await
        };
        match (listed, count) {
            (Ok(found), Ok(n)) => {
                rows.extend(found);
                counted += n;
            }
            (Err(e), _) | (_, Err(e)) => return unavailable(&signed, &e.to_string()),
        }
    }
    rows.retain(|r| !only_call || needs_call(r));
    if let Some(day) = since_day.filter(|_| !since.is_empty()) {
        let from = day
            .from
            .with_time(time::Time::MIDNIGHT)
            .assume_offset(crate::staff::JST);
        rows.retain(|r| r.created_at >= from);
    }
    rows.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    let total = if narrowed { rows.len() } else { counted };
    rows.truncate(LIST_LIMIT);
    render(
        &signed,
        "申し込み",
        "/staff/applications",
        html! {
            h1 { "申し込み" }
            form method="get" action="/staff/applications" {
                label for="status" { "状態" }
                select #status name="status" {
                    (option("open", "マッチング待ち（要電話・受付・電話済み）", status))
                    @for (value, label) in APPLICATION_STATUSES { (option(value, label, status)) }
                    (option("all", "すべて", status))
                }
                label for="since" { "受付日（この日以降）" }
                input #since type="date" name="since" value=(since);
                label {
                    input type="checkbox" name="needs_call" value="1" checked[only_call];
                    " 要電話のみ"
                }
                p { button type="submit" { "絞り込む" } }
            }
            p { (total) "件" @if total > LIST_LIMIT { "（古い順に" (LIST_LIMIT) "件を表示）" } }
            @if !rows.is_empty() {
                div.table-wrap {
                    table {
                        thead { tr { th { "ID" } th { "受付日時" } th { "状態" } th { "完成度" } th { "要電話" } th { "おすすめ" } } }
                        tbody {
                            @for r in &rows {
                                tr {
                                    td { a href={"/staff/applications/" (r.id)} { (r.id) } }
                                    td { (jst(r.created_at)) }
                                    td { (application_status_label(&r.status)) }
                                    td { (r.body["completeness"]["score"].as_u64().unwrap_or(0)) }
                                    td { @if needs_call(r) { "要" } @else { "-" } }
                                    td { (top_suggestion(r)) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn option(value: &str, label: &str, current: &str) -> Markup {
    html! { option value=(value) selected[value == current] { (label) } }
}

/// The best suggestion stored with the application when it came in.
fn top_suggestion(r: &StoredRecord) -> String {
    let s = &r.body["match"]["suggestions"][0];
    match (s["name"].as_str(), s["score"].as_u64()) {
        (Some(name), Some(score)) => format!("{name}（{score}）"),
        _ => "-".into(),
    }
}

/// GET /staff/applications/{id}
pub async fn show_page(
    state: &AppState,
    signed: &Signed,
    id: &str,
    contact: Option<Contact>,
    notice: Option<&str>,
) -> Response {
    let rec = match state.store.get(RecordKind::Application, id).await {
        Ok(Some(rec)) => rec,
        Ok(None) => {
            return page_html::not_found(Some(&signed.chrome()), &format!("申し込み {id} "))
        }
        Err(e) => return unavailable(signed, &e.to_string()),
    };
    let Ok(app) = crate::staff::application_of(&rec) else {
        return unavailable(signed, "application body unreadable");
    };
    let catalog = state.matcher.catalog();
    let counts = match state.store.active_counts().await {
        Ok(c) => c,
        Err(e) => return unavailable(signed, &e.to_string()),
    };
    let full = at_capacity(catalog, &counts);
    let note = match state.store.get_note(RecordKind::Application, id).await {
        Ok(n) => n,
        Err(e) => return unavailable(signed, &e.to_string()),
    };
    let matched = match_mentors(&state.matcher, &app, &full);
    let complete = completeness(&app, &catalog.matching);
    let open = crate::store::OPEN_APPLICATION_STATUSES.contains(&rec.status.as_str());
    let chrome = signed.chrome();
    let moves: Vec<_> = MOVES
        .iter()
        .filter(|(_, _, from, _)| from.contains(&rec.status.as_str()))
        .collect();
    let free: Vec<_> = catalog
        .mentors
        .iter()
        .filter(|m| m.accepting && !full.contains(&m.slug))
        .collect();
    render(
        signed,
        &format!("申し込み {id}"),
        "/staff/applications",
        html! {
            h1 { "申し込み " (rec.id) }
            (page_html::message(notice, None))
            dl.facts {
                dt { "状態" } dd { (application_status_label(&rec.status)) }
                dt { "受付" } dd { (jst(rec.created_at)) }
                dt { "氏名" } dd { bdi { (app.name) } }
                @for (label, value) in answer_rows(catalog, &app) { dt { (label) } dd { (value) } }
                dt { "完成度" } dd { (complete.score) @if complete.needs_call { "（要電話）" } }
                @if !complete.missing.is_empty() {
                    dt { "足りない項目" } dd { @for (i, m) in complete.missing.iter().enumerate() { @if i > 0 { "、" } (m.label) } }
                }
            }
            @if let Some(message) = &app.message {
                h2 { "メッセージ" }
                p style="white-space: pre-wrap" dir="auto" { (message) }
            }
            h2 { "メモ" }
            (page_html::note_form(&format!("/staff/applications/{}/note", rec.id), "事務局のメモ（電話でわかったことなど。本人には見えません）", note.as_ref(), &chrome))
            h2 { "連絡先" }
            @if let Some(c) = &contact {
                dl.facts {
                    dt { "氏名" } dd { bdi { (c.name) } }
                    dt { "メール" } dd { bdi { (c.email) } }
                    dt { "電話" } dd { (c.phone.as_deref().unwrap_or("-")) }
                }
                p.muted { "表示したことは記録されています。" }
            } @else {
                form method="post" action={"/staff/applications/" (rec.id) "/contact"} {
                    (page_html::csrf_field(&chrome))
                    button.secondary type="submit" { "連絡先を表示（記録されます）" }
                }
            }
            h2 { "おすすめのメンター（上位" (matched.suggestions.len()) "人）" }
            @if matched.suggestions.is_empty() { p { "候補はいません。" } }
            ol {
                @for s in &matched.suggestions {
                    li {
                        strong { (s.name) } "（" (s.slug) "） スコア " (s.score)
                        ul { @for c in &s.breakdown { li { (c.criterion) " +" (c.points) ": " (c.reasons.join("、")) } } }
                        @if open {
                            a href={"/staff/assign?application=" (rec.id) "&mentor=" (s.slug)} { (s.name) "さんに決める…" }
                        }
                    }
                }
            }
            @if !matched.unmet_wishes.is_empty() {
                p { "候補のだれも満たさない希望: "
                    @for (i, w) in matched.unmet_wishes.iter().enumerate() { @if i > 0 { "、" } (w.label) } }
            }
            @if open {
                h2 { "マッチングを作成" }
                form method="get" action="/staff/assign" {
                    input type="hidden" name="application" value=(rec.id);
                    label for="mentor" { "メンター（定員に空きのある方）" }
                    select #mentor name="mentor" required {
                        @for m in &free { option value=(m.slug) { (m.name) "（" (m.slug) "）" } }
                    }
                    label for="sessions" { "セッション回数（空欄ならプランどおり）" }
                    input #sessions type="number" name="sessions" min="1" max=(crate::store::MAX_SESSIONS) inputmode="numeric";
                    p { button type="submit" { "確認へ進む" } }
                }
            }
            @if !moves.is_empty() {
                h2 { "状態を変える" }
                @for (name, label, _, _) in &moves {
                    form.inline method="post" action={"/staff/applications/" (rec.id) "/status"} {
                        (page_html::csrf_field(&chrome))
                        input type="hidden" name="move" value=(name);
                        input type="hidden" name="seen" value=(rec.status);
                        button.secondary type="submit" { (label) }
                    }
                    " "
                }
            }
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Response {
    show_page(&state, &signed, &id, None, None).await
}

/// POST /staff/applications/{id}/contact: the same page with her contact details (audited).
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
    let staff = staff_of(&state, &signed.session.address, now(&state));
    match staff.contact(&id).await {
        Ok(contact) => show_page(&state, &signed, &id, Some(contact), None).await,
        Err(e) => outcome(
            &signed,
            "連絡先",
            Err(e),
            ("/staff/applications", "申し込みの一覧へ"),
        ),
    }
}

/// POST /staff/applications/{id}/status (`move`, `seen`).
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
    let staff = staff_of(&state, &signed.session.address, now(&state));
    let name = form.get("move").map(String::as_str).unwrap_or_default();
    let seen = form.get("seen").map(String::as_str);
    match staff.move_application(&id, name, seen).await {
        Ok(text) => show_page(&state, &signed, &id, None, Some(&text)).await,
        Err(e) => outcome(
            &signed,
            "状態の変更",
            Err(e),
            (&format!("/staff/applications/{id}"), "申し込みに戻る"),
        ),
    }
}

/// POST /staff/applications/{id}/note (`note`, `seen`).
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
    let staff = staff_of(&state, &signed.session.address, now(&state));
    let text = form.get("note").map(String::as_str).unwrap_or_default();
    let seen = form.get("seen").map(String::as_str).unwrap_or_default();
    match staff
        .save_note(RecordKind::Application, &id, text, seen)
        .await
    {
        Ok(done) => show_page(&state, &signed, &id, None, Some(&done)).await,
        Err(e) => outcome(
            &signed,
            "メモ",
            Err(e),
            (&format!("/staff/applications/{id}"), "申し込みに戻る"),
        ),
    }
}

fn now(state: &AppState) -> OffsetDateTime {
    (state.clock)()
}
