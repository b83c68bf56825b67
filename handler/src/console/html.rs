//! The console's one layout and its small shared pieces. Server-rendered HTML that works
//! without JavaScript (maud escapes every value), with the headers every console answer
//! carries: never cached, never framed, no referrer to other sites (a sign-in page's address
//! holds a token).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

/// Who is signed in and the form token, for the header's sign-out button and every form.
pub struct Chrome<'a> {
    pub address: &'a str,
    pub csrf: &'a str,
}

const STYLE: &str = r#"
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --accent: #8a3b5c; --focus: #0b5fff; --warn: #9a3412; --ok: #116329; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, "Hiragino Sans", "Noto Sans JP", sans-serif; color: var(--ink); line-height: 1.6; font-size: 16px; }
header.bar { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
header.bar .brand { font-weight: bold; color: var(--accent); text-decoration: none; }
nav ul { display: flex; flex-wrap: wrap; gap: .25rem .75rem; list-style: none; margin: 0; padding: 0; }
nav a { color: var(--ink); }
nav a[aria-current="page"] { font-weight: bold; color: var(--accent); }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
a:focus-visible, button:focus-visible, input:focus, select:focus, textarea:focus, summary:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: .4rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
label { display: block; font-weight: bold; margin: .5rem 0 .25rem; }
input, select, textarea { font: inherit; padding: .4rem; border: 1px solid var(--muted); border-radius: 4px; max-width: 100%; }
button { font: inherit; padding: .45rem 1rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
form.inline { display: inline; }
.notice { border-left: 4px solid var(--ok); background: #f0fff4; padding: .5rem 1rem; white-space: pre-wrap; }
.error { border-left: 4px solid var(--warn); background: #fff7ed; padding: .5rem 1rem; }
.muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .75rem; padding: 0; list-style: none; }
.cards li { border: 1px solid var(--line); border-radius: 6px; padding: .75rem; }
.cards .count { font-size: 1.6rem; font-weight: bold; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
"#;

/// The console's pages, in the navigation's order: (path, label).
pub const NAV: [(&str, &str); 8] = [
    ("/staff/", "今日の仕事"),
    ("/staff/applications", "申し込み"),
    ("/staff/propose", "一括提案"),
    ("/staff/inquiries", "問い合わせ"),
    ("/staff/matches", "マッチング"),
    ("/staff/sheets", "シート"),
    ("/staff/report", "法人レポート"),
    ("/staff/mail", "メール"),
];

/// A whole page. `chrome` is `None` before sign-in (no navigation).
pub fn page(title: &str, current: &str, chrome: Option<&Chrome>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="ja" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex, nofollow";
                title { (title) " | 事務局コンソール" }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                header.bar {
                    a.brand href="/staff/" { "事務局コンソール" }
                    @if let Some(c) = chrome {
                        nav aria-label="コンソール" {
                            ul {
                                @for (path, label) in NAV {
                                    li {
                                        @if path == current {
                                            a href=(path) aria-current="page" { (label) }
                                        } @else {
                                            a href=(path) { (label) }
                                        }
                                    }
                                }
                            }
                        }
                        span.muted { (c.address) }
                        form.inline method="post" action="/staff/signout" {
                            (csrf_field(c))
                            button.secondary type="submit" { "ログアウト" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// The hidden form token every state-changing form carries.
pub fn csrf_field(c: &Chrome) -> Markup {
    html! { input type="hidden" name="csrf" value=(c.csrf); }
}

/// Staff's note on a record: the form that saves it over the version shown (`seen`).
pub fn note_form(
    action: &str,
    label: &str,
    note: Option<&crate::store::Note>,
    chrome: &Chrome,
) -> Markup {
    let seen = note.map(|n| crate::store::schema::timestamp_text(n.updated_at));
    html! {
        form method="post" action=(action) {
            (csrf_field(chrome))
            input type="hidden" name="seen" value=(seen.unwrap_or_default());
            label for="note" { (label) }
            textarea #note name="note" rows="4" cols="40" maxlength="2700" { (note.map(|n| n.text.as_str()).unwrap_or_default()) }
            @if let Some(n) = note { p.muted { (n.updated_by) "（" (crate::staff::jst(n.updated_at)) "）" } }
            p { button.secondary type="submit" { "メモを保存" } }
        }
    }
}

/// A message box: what an action did (`notice`) or why it did not (`error`).
pub fn message(notice: Option<&str>, error: Option<&str>) -> Markup {
    html! {
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        @if let Some(e) = error { p.error role="alert" { (e) } }
    }
}

/// A finished page with the console's headers.
pub fn respond(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup).into_response();
    secure_headers(&mut response);
    response
}

pub fn secure_headers(response: &mut Response) {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    // `same-origin`, not `no-referrer`: with no-referrer browsers send `Origin: null` on the
    // console's own form posts, which the origin check must refuse. Other sites still get
    // no referrer (the sign-in page's address holds a token).
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

/// A page that only says something (errors, "check your mail").
pub fn plain(status: StatusCode, title: &str, chrome: Option<&Chrome>, text: &str) -> Response {
    respond(
        status,
        page(
            title,
            "",
            chrome,
            html! {
                h1 { (title) }
                p { (text) }
                p { a href="/staff/" { "事務局コンソールのトップへ" } }
            },
        ),
    )
}

/// 404 for an id that does not exist.
pub fn not_found(chrome: Option<&Chrome>, what: &str) -> Response {
    plain(
        StatusCode::NOT_FOUND,
        "見つかりません",
        chrome,
        &format!("{what}は見つかりませんでした。IDを確認してください。"),
    )
}
