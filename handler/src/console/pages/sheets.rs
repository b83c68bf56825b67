//! シート: the follow-up list (`staff sheets --flagged`) with the reasons; no sheet text.

use axum::extract::State;
use axum::response::Response;
use maud::html;

use super::{render, unavailable};
use crate::console::auth::Signed;
use crate::staff::jst;
use crate::AppState;

/// GET /staff/sheets
pub async fn page(State(state): State<AppState>, signed: Signed) -> Response {
    let flag_at = state.matcher.catalog().matching.followup.flag_at;
    let sheets = match state.store.list_followups(flag_at, 500).await {
        Ok(s) => s,
        Err(e) => return unavailable(&signed, &e.to_string()),
    };
    render(
        &signed,
        "シート",
        "/staff/sheets",
        html! {
            h1 { "フォローが必要なシート" }
            p.muted { "優先度が " (flag_at) " 以上のシートです（高い順）。内容はメンティーとメンターだけのものなので、ここには理由だけを表示します。" }
            @if sheets.is_empty() { p { "フォローが必要なシートはありません。" } }
            @else {
                div.table-wrap {
                    table {
                        thead { tr { th { "優先度" } th { "マッチング" } th { "回" } th { "提出日時" } th { "理由" } } }
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
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
