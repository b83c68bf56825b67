//! 今日の仕事: what is waiting, most urgent first, each with the page that deals with it.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::{render, unavailable};
use crate::console::auth::{self, Signed};
use crate::console::html;
use crate::forms::InquiryKind;
use crate::matching::link_expiry;
use crate::store::{MailStatus, RecordKind, Store, StoreError};
use crate::AppState;

/// One line of the list: how many, what, where to act.
struct Waiting {
    count: usize,
    what: String,
    href: &'static str,
}

async fn waiting(state: &AppState) -> Result<Vec<Waiting>, StoreError> {
    let store: &Store = &state.store;
    let now = (state.clock)();
    // 要電話 is a status or, for an application stored as received, its completeness flag
    // (the same rule as `staff queue`).
    let mut open = Vec::new();
    for status in crate::store::OPEN_APPLICATION_STATUSES {
        open.extend(
            store
                .list_brief_by_status(
                    RecordKind::Application,
                    status,
                    usize::MAX,
                    &["$.completeness.needs_call"],
                )
                .await?,
        );
    }
    let needs_call = open.iter().filter(|r| crate::staff::needs_call(r)).count();
    let inquiries = store
        .list_brief_by_status(RecordKind::Inquiry, "received", usize::MAX, &["$.kind"])
        .await?;
    let flag_at = state.matcher.catalog().matching.followup.flag_at;
    let handled: std::collections::HashSet<(String, u32)> = store
        .list_handled()
        .await?
        .into_iter()
        .map(|h| (h.match_id, h.session))
        .collect();
    let sheets = store.list_followups(0, usize::MAX).await?;
    let overdue = store
        .active_matches()
        .await?
        .iter()
        .filter(|m| link_expiry(m.created_at, m.sessions) <= now)
        .count();
    let mut failed = store.list_mail(MailStatus::Failed, usize::MAX).await?.len();
    failed += store
        .list_mail(MailStatus::Rejected, usize::MAX)
        .await?
        .len();
    let mut list = vec![
        Waiting {
            count: needs_call,
            what: "電話確認が必要な申し込み".into(),
            href: "/staff/applications?needs_call=1",
        },
        Waiting {
            count: sheets
                .iter()
                .filter(|s| {
                    s.priority >= flag_at && !handled.contains(&(s.match_id.clone(), s.session))
                })
                .count(),
            what: "フォローが必要なシート".into(),
            href: "/staff/sheets",
        },
        Waiting {
            count: open.len() - needs_call,
            what: "新しい申し込み（マッチング待ち）".into(),
            href: "/staff/applications",
        },
    ];
    for kind in [
        InquiryKind::Consultation,
        InquiryKind::Briefing,
        InquiryKind::Corporate,
    ] {
        list.push(Waiting {
            count: inquiries
                .iter()
                .filter(|r| r.body["kind"].as_str() == Some(kind.as_str()))
                .count(),
            what: format!("未対応の{}", crate::notify::inquiry_label(kind.as_str())),
            href: "/staff/inquiries?status=received",
        });
    }
    list.extend([
        Waiting {
            count: sheets.iter().filter(|s| s.reply.is_none()).count(),
            what: "メンターの返信待ちのシート".into(),
            href: "/staff/matches",
        },
        Waiting {
            count: overdue,
            what: "プランの期間を過ぎたマッチング".into(),
            href: "/staff/matches",
        },
        Waiting {
            count: failed,
            what: "送れなかったメール".into(),
            href: "/staff/mail",
        },
    ]);
    Ok(list)
}

/// GET /staff/: the sign-in page without a session, the day's work with one.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(session) = auth::session_of(&state, &headers).await else {
        return auth::signin_page(None, None, StatusCode::OK);
    };
    let signed = Signed { session };
    let list = match waiting(&state).await {
        Ok(list) => list,
        Err(e) => return unavailable(&signed, &e.to_string()),
    };
    let open: Vec<&Waiting> = list.iter().filter(|w| w.count > 0).collect();
    render(
        &signed,
        "今日の仕事",
        "/staff/",
        html! {
            h1 { "今日の仕事" }
            @if open.is_empty() {
                p { "対応を待っているものはありません。" }
            } @else {
                p.muted { "急ぎのものから順に並んでいます。" }
                ul.cards {
                    @for w in &open {
                        li {
                            a href=(w.href) {
                                span.count { (w.count) "件" }
                                br;
                                (w.what)
                            }
                        }
                    }
                }
            }
        },
    )
}

/// `/staff` → `/staff/` (the cookie's path is `/staff`; the pages live below it).
pub async fn redirect() -> Redirect {
    Redirect::permanent("/staff/")
}

/// Anything else under `/staff/`.
pub async fn not_found(signed: Signed) -> Response {
    html::not_found(Some(&signed.chrome()), "ページ").into_response()
}
