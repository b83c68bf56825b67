//! Assign, with a confirmation step: GET shows what will happen, POST does it (the `staff
//! assign` operation: the match, and both introduction mails). A double submit makes one
//! match (the store refuses the second) and the page says so.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use maud::html;

use super::{outcome, render, unavailable};
use crate::console::auth::{refused, Signed};
use crate::console::{html as page_html, staff_of};
use crate::store::RecordKind;
use crate::AppState;

fn sessions_of(form: &HashMap<String, String>) -> Result<Option<u32>, String> {
    match form
        .get("sessions")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => Ok(None),
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=crate::store::MAX_SESSIONS).contains(n))
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "セッション回数は1から{}までの数字で入力してください",
                    crate::store::MAX_SESSIONS
                )
            }),
    }
}

/// GET /staff/assign?application=&mentor=&sessions=: the confirmation step.
pub async fn confirm(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let app_id = q.get("application").cloned().unwrap_or_default();
    let slug = q.get("mentor").cloned().unwrap_or_default();
    let back = format!("/staff/applications/{app_id}");
    let sessions = match sessions_of(&q) {
        Ok(s) => s,
        Err(e) => {
            return outcome(
                &signed,
                "マッチングの確認",
                Err(e),
                (&back, "申し込みに戻る"),
            )
        }
    };
    let rec = match state.store.get(RecordKind::Application, &app_id).await {
        Ok(Some(rec)) => rec,
        Ok(None) => {
            return page_html::not_found(Some(&signed.chrome()), &format!("申し込み {app_id} "))
        }
        Err(e) => return unavailable(&signed, &e.to_string()),
    };
    let Some(mentor) = state
        .matcher
        .catalog()
        .mentors
        .iter()
        .find(|m| m.slug == slug)
    else {
        return page_html::not_found(Some(&signed.chrome()), &format!("メンター {slug} "));
    };
    let chrome = signed.chrome();
    render(
        &signed,
        "マッチングの確認",
        "/staff/applications",
        html! {
            h1 { "このマッチングを作成しますか" }
            dl.facts {
                dt { "申し込み" } dd { a href=(back) { (rec.id) } }
                dt { "メンター" } dd { (mentor.name) "（" (mentor.slug) "）" }
                dt { "セッション回数" } dd { @match sessions { Some(n) => { (n) "回" }, None => "申し込みのプランどおり" } }
            }
            p { "作成すると、メンティーとメンターにそれぞれ専用リンク付きの紹介メールが送られます。" }
            form method="post" action="/staff/assign" {
                (page_html::csrf_field(&chrome))
                input type="hidden" name="application" value=(rec.id);
                input type="hidden" name="mentor" value=(mentor.slug);
                @if let Some(n) = sessions { input type="hidden" name="sessions" value=(n); }
                button type="submit" { "マッチングを作成して紹介メールを送る" }
            }
            p { a href=(back) { "やめて申し込みに戻る" } }
        },
    )
}

/// POST /staff/assign: `staff assign`, as the signed-in staff member.
pub async fn assign(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: Signed,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(r) = refused(&state, &headers, &signed, &form) {
        return r;
    }
    let app_id = form.get("application").cloned().unwrap_or_default();
    let slug = form.get("mentor").cloned().unwrap_or_default();
    let back = format!("/staff/applications/{app_id}");
    let result = match sessions_of(&form) {
        Ok(sessions) => {
            let staff = staff_of(&state, &signed.session.address, (state.clock)());
            staff.assign(&app_id, &slug, sessions, false).await
        }
        Err(e) => Err(e),
    };
    let back = if result.is_ok() {
        ("/staff/matches", "マッチングの一覧へ")
    } else {
        (back.as_str(), "申し込みに戻る")
    };
    outcome(&signed, "マッチングの作成", result, back)
}
