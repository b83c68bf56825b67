//! マッチング: active matches with sessions used, sheets and replies; extend and close (the
//! `staff extend` / `staff close` operations, mails and all).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use maud::html;

use super::{outcome, render, unavailable};
use crate::console::auth::{refused, Signed};
use crate::console::{html as page_html, staff_of};
use crate::matching::link_expiry;
use crate::staff::jst;
use crate::AppState;

/// GET /staff/matches
pub async fn page(State(state): State<AppState>, signed: Signed) -> Response {
    let now = (state.clock)();
    let matches = match state.store.active_matches().await {
        Ok(m) => m,
        Err(e) => return unavailable(&signed, &e.to_string()),
    };
    // One read of every sheet, grouped, rather than a diary read per match.
    let sheets = match state.store.list_followups(0, usize::MAX).await {
        Ok(s) => s,
        Err(e) => return unavailable(&signed, &e.to_string()),
    };
    let mut per: HashMap<&str, (usize, usize)> = HashMap::new();
    for s in &sheets {
        let e = per.entry(s.match_id.as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(s.reply.is_some());
    }
    let chrome = signed.chrome();
    render(
        &signed,
        "マッチング",
        "/staff/matches",
        html! {
            h1 { "進行中のマッチング" }
            p { (matches.len()) "件" }
            @if !matches.is_empty() {
                div.table-wrap {
                    table {
                        thead { tr { th { "マッチング" } th { "申し込み" } th { "メンター" } th { "シート／回数" } th { "返信" } th { "開始" } th { "終了予定" } th { "操作" } } }
                        tbody {
                            @for m in &matches {
                                @let (written, replied) = per.get(m.id.as_str()).copied().unwrap_or_default();
                                @let ends = link_expiry(m.created_at, m.sessions);
                                tr {
                                    td { (m.id) }
                                    td { a href={"/staff/applications/" (m.application_id)} { (m.application_id) } }
                                    td { (m.mentor_name) }
                                    td { (written) " / " (m.sessions) }
                                    td { (replied) @if written > replied { "（返信待ち " (written - replied) "）" } }
                                    td { (jst(m.created_at)) }
                                    td { (jst(ends)) @if ends <= now { strong { "（期間超過）" } } }
                                    td {
                                        form method="post" action={"/staff/matches/" (m.id) "/extend"} {
                                            (page_html::csrf_field(&chrome))
                                            label for={"more-" (m.id)} { "追加回数" }
                                            input id={"more-" (m.id)} type="number" name="sessions" min="1" max=(crate::store::MAX_SESSIONS) value="1" inputmode="numeric" size="3";
                                            " "
                                            button.secondary type="submit" { "延長" }
                                        }
                                        details {
                                            summary { "終了する…" }
                                            form method="post" action={"/staff/matches/" (m.id) "/close"} {
                                                (page_html::csrf_field(&chrome))
                                                p { "終了すると二人にお礼のメールが送られ、メンターの枠が空きます。" }
                                                button type="submit" { "終了する" }
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

/// POST /staff/matches/{id}/extend (`sessions`).
pub async fn extend(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(r) = refused(&state, &headers, &signed, &form) {
        return r;
    }
    let result = match form
        .get("sessions")
        .and_then(|s| s.trim().parse::<u32>().ok())
    {
        Some(more) => {
            let staff = staff_of(&state, &signed.session.address, (state.clock)());
            staff.extend(&id, more, false).await
        }
        None => Err(format!(
            "追加する回数は1から{}までの数字で入力してください",
            crate::store::MAX_SESSIONS
        )),
    };
    outcome(
        &signed,
        "マッチングの延長",
        result,
        ("/staff/matches", "マッチングの一覧へ"),
    )
}

/// POST /staff/matches/{id}/close
pub async fn close(
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
    let result = staff.close(&id).await;
    outcome(
        &signed,
        "マッチングの終了",
        result,
        ("/staff/matches", "マッチングの一覧へ"),
    )
}
