//! 一括提案: `staff propose` as a table; each row's accept opens the normal assign step.

use axum::extract::State;
use axum::response::Response;
use maud::html;

use super::{render, unavailable};
use crate::console::auth::Signed;
use crate::console::staff_of;
use crate::staff::jst;
use crate::AppState;

/// GET /staff/propose
pub async fn page(State(state): State<AppState>, signed: Signed) -> Response {
    let staff = staff_of(&state, &signed.session.address, (state.clock)());
    let p = match staff.proposal().await {
        Ok(p) => p,
        Err(e) => return unavailable(&signed, &e),
    };
    render(
        &signed,
        "一括提案",
        "/staff/propose",
        html! {
            h1 { "一括提案" }
            @if p.rows.is_empty() {
                p { "待っている申し込みはありません。" }
            } @else {
                p {
                    "待っている申し込み " (p.rows.len()) "件、メンターの空き枠 " (p.free_slots) "。"
                    "空き枠の中でスコアの合計が最大になる組み合わせです。採用する行の「決める」から、1件ずつ確定してください。"
                }
                p {
                    strong { "スコアの合計: 提案 " (p.total) " ／ 先着順 " (p.greedy_total) }
                    "（差 " (format!("{:+}", i64::from(p.total) - i64::from(p.greedy_total))) "）"
                }
                @if p.left_out > 0 { p.error { "申し込みが多いため古い順に一部だけ提案しています（残り" (p.left_out) "件）。" } }
                div.table-wrap {
                    table {
                        thead { tr { th { "申し込み" } th { "受付日時" } th { "要電話" } th { "提案" } th { "先着順なら" } th { "理由" } th { span.sr-only { "操作" } } } }
                        tbody {
                            @for row in &p.rows {
                                tr {
                                    td { a href={"/staff/applications/" (row.application_id)} { (row.application_id) } }
                                    td { (jst(row.created_at)) }
                                    td { @if row.needs_call { "要" } @else { "-" } }
                                    td { @match &row.pick { Some(s) => { (s.name) "（" (s.score) "）" }, None => "（提案なし）" } }
                                    td { @match &row.greedy { Some((_, name, score)) => { (name) "（" (score) "）" }, None => "（なし）" } }
                                    td { @if let Some(s) = &row.pick { (s.reasons.join("、")) } }
                                    td {
                                        @if let Some(s) = &row.pick {
                                            a href={"/staff/assign?application=" (row.application_id) "&mentor=" (s.slug)} { "決める…" }
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
