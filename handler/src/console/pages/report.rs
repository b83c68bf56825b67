//! 法人レポート: `staff report` as a form, a table and a CSV download (audited).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{outcome, render};
use crate::console::auth::Signed;
use crate::console::staff_of;
use crate::report::Cell;
use crate::staff::Days;
use crate::AppState;

fn params(q: &HashMap<String, String>) -> (Option<&str>, Option<&str>, Option<&str>) {
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    (get("company"), get("from"), get("to"))
}

/// GET /staff/report?company=&from=&to=
pub async fn page(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (company, from, to) = params(&q);
    let staff = staff_of(&state, &signed.session.address, (state.clock)());
    let days = match Days::parse(from, to, staff.now) {
        Ok(d) => d,
        Err(e) => {
            return outcome(
                &signed,
                "法人レポート",
                Err(e),
                ("/staff/report", "法人レポートへ"),
            )
        }
    };
    let reports = match staff.report_data(company, days).await {
        Ok(r) => r,
        Err(e) => {
            return outcome(
                &signed,
                "法人レポート",
                Err(e),
                ("/staff/report", "法人レポートへ"),
            )
        }
    };
    staff
        .audit_done(
            "report",
            &reports
                .iter()
                .map(|r| r.company_code.as_str())
                .collect::<Vec<_>>(),
        )
        .await;
    let csv_href = format!(
        "/staff/report.csv?company={}&from={}&to={}",
        company.unwrap_or_default(),
        days.from,
        days.to
    );
    render(
        &signed,
        "法人レポート",
        "/staff/report",
        html! {
            h1 { "法人レポート" }
            form method="get" action="/staff/report" {
                label for="company" { "企業コード（空欄ならすべての法人）" }
                input #company name="company" value=(company.unwrap_or_default()) autocomplete="off";
                label for="from" { "期間の初日" }
                input #from type="date" name="from" value=(days.from.to_string()) required;
                label for="to" { "期間の最終日" }
                input #to type="date" name="to" value=(days.to.to_string()) required;
                p { button type="submit" { "表示する" } }
            }
            p.muted { "集計のみです。氏名やシートの内容は含みません。3人未満の欄は「3人未満」と表示します。" }
            @if reports.is_empty() {
                p { (days.from) " 〜 " (days.to) " に法人のお申し込みはありません。" }
            } @else {
                div.table-wrap {
                    table {
                        caption { (days.from) " 〜 " (days.to) }
                        thead { tr { th { "企業コード" } th { "申し込み" } th { "マッチング" } th { "実施セッション" }
                            @for n in 1..=5 { th { "満足度" (n) } } th { "満足度平均" } th { "事務局への連絡希望" } } }
                        tbody {
                            @for r in &reports {
                                tr {
                                    td { (r.company_code) } td { (r.applications) } td { (r.matches) } td { (r.sessions) }
                                    @for c in &r.satisfaction { td { (c) } }
                                    td { (r.satisfaction_mean) }
                                    td { @match r.want_staff_contact { Cell::Shown(p) => { (p) "%" }, Cell::Hidden => "3人未満" } }
                                }
                            }
                        }
                    }
                }
                p { a href=(csv_href) download { "CSVをダウンロード" } }
            }
        },
    )
}

/// GET /staff/report.csv?company=&from=&to=
pub async fn csv(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (company, from, to) = params(&q);
    let staff = staff_of(&state, &signed.session.address, (state.clock)());
    let result = match Days::parse(from, to, staff.now) {
        Ok(days) => staff
            .report(company, days, true)
            .await
            .map(|text| (days, text)),
        Err(e) => Err(e),
    };
    match result {
        Ok((days, text)) => {
            let mut r = (StatusCode::OK, text).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            let name = format!(
                "attachment; filename=\"mikke-report-{}-{}.csv\"",
                days.from, days.to
            );
            if let Ok(v) = HeaderValue::from_str(&name) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            crate::console::html::secure_headers(&mut r);
            r
        }
        Err(e) => outcome(
            &signed,
            "法人レポート",
            Err(e),
            ("/staff/report", "法人レポートへ"),
        ),
    }
}
