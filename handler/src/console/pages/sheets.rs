//! シート: the follow-up list (`staff sheets --flagged`) with the reasons; no sheet text.

use axum::extract::State;
use axum::response::Response;
use maud::html;

use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::Form;

use super::{outcome, render, unavailable};
use crate::console::auth::{refused, Signed};
use crate::console::{html as page_html, staff_of};
use crate::staff::jst;
use crate::AppState;

/// GET /staff/sheets
pub async fn page(State(state): State<AppState>, signed: Signed) -> Response {
    let flag_at = state.matcher.catalog().matching.followup.flag_at;
    let staff = staff_of(&state, &signed.session.address, (state.clock)());
    let (sheets, handled) = match (
        state.store.list_followups(flag_at, usize::MAX).await,
        staff.handled().await,
    ) {
        (Ok(s), Ok(h)) => (s, h),
        (Err(e), _) => return unavailable(&signed, &e.to_string()),
        (_, Err(e)) => return unavailable(&signed, &e),
    };
    let sheets: Vec<_> = sheets
        .into_iter()
        .filter(|s| !handled.contains(&(s.match_id.clone(), s.session)))
        .take(500)
        .collect();
    let chrome = signed.chrome();
    render(
        &signed,
        "シート",
        "/staff/sheets",
        html! {
            h1 { "フォローが必要なシート" }
            p.muted { "優先度が " (flag_at) " 以上で、まだ対応済みでないシートです（高い順）。内容はメンティーとメンターだけのものなので、ここには理由だけを表示します。" }
            @if sheets.is_empty() { p { "フォローが必要なシートはありません。" } }
            @else {
                div.table-wrap {
                    table {
                        thead { tr { th { "優先度" } th { "マッチング" } th { "回" } th { "提出日時" } th { "理由" } th { span.sr-only { "操作" } } } }
                        tbody {
                            @for s in &sheets {
                                tr {
                                    td { (s.priority) }
                                    td { (s.match_id) }
                                    td { (s.session) }
                                    td { (jst(s.created_at)) }
                                    td {
                                        @let reasons: Vec<&str> = s.content["followup"]["reasons"].as_array()
                                            .map(|a| a.iter().filter_map(|r| r["label"].as_str()).collect()).unwrap_or_default();
                                        (reasons.join("、"))
                                    }
                                    td {
                                        form method="post" action="/staff/sheets/handled" {
                                            (page_html::csrf_field(&chrome))
                                            input type="hidden" name="match" value=(s.match_id);
                                            input type="hidden" name="session" value=(s.session);
                                            button.secondary type="submit" { "対応済みにする" }
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

/// POST /staff/sheets/handled (`match`, `session`).
pub async fn handled(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: Signed,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(r) = refused(&state, &headers, &signed, &form) {
        return r;
    }
    let staff = staff_of(&state, &signed.session.address, (state.clock)());
    let m = form.get("match").map(String::as_str).unwrap_or_default();
    let result = match form.get("session").and_then(|s| s.parse::<u32>().ok()) {
        Some(session) => staff.mark_handled(m, session).await,
        None => Err("回の番号がありません。ページを開き直してください".into()),
    };
    outcome(
        &signed,
        "シートの対応",
        result,
        ("/staff/sheets", "シートの一覧へ"),
    )
}
