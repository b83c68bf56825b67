//! The security headers every answer carries — pages served from the site directory, API
//! answers, errors — from `deploy/security-headers.json`, the one place they are written down
//! (the CloudFront policies in the template and the browser tests' static server read the same
//! file). A handler that sets its own (the staff console: a stricter policy with no script at
//! all) keeps it: these are only added where absent.

use std::sync::LazyLock;

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use mikke_catalog::assets;
use serde::Deserialize;

/// The file's text, compiled in so the Lambda package needs nothing beside the binary.
pub const SOURCE: &str = include_str!("../../../deploy/security-headers.json");

#[derive(Debug, Deserialize)]
struct File {
    #[serde(rename = "Content-Security-Policy")]
    csp: String,
    #[serde(rename = "Referrer-Policy")]
    referrer: String,
    #[serde(rename = "X-Content-Type-Options")]
    content_type_options: String,
    #[serde(rename = "X-Frame-Options")]
    frame_options: String,
    #[serde(rename = "Permissions-Policy")]
    permissions: String,
    private_paths: Vec<String>,
    private_cache_control: String,
}

/// The parsed file: every header as a ready value.
pub struct SecurityHeaders {
    pub all: Vec<(HeaderName, HeaderValue)>,
    pub private_paths: Vec<String>,
    pub private_cache_control: HeaderValue,
}

pub static HEADERS: LazyLock<SecurityHeaders> = LazyLock::new(|| {
    // A broken file is a build-time mistake the tests catch (`headers_file_parses`).
    let file: File = serde_json::from_str(SOURCE).expect("deploy/security-headers.json");
    let value = |text: &str| HeaderValue::from_str(text).expect("a header value");
    SecurityHeaders {
        all: vec![
            (header::CONTENT_SECURITY_POLICY, value(&file.csp)),
            (header::REFERRER_POLICY, value(&file.referrer)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                value(&file.content_type_options),
            ),
            (header::X_FRAME_OPTIONS, value(&file.frame_options)),
            (
                HeaderName::from_static("permissions-policy"),
                value(&file.permissions),
            ),
        ],
        private_paths: file.private_paths,
        private_cache_control: value(&file.private_cache_control),
    }
});

/// Whether answers under `path` hold something private (the API, the diary) and must never be
/// kept by a browser or a cache.
pub fn is_private(path: &str) -> bool {
    HEADERS
        .private_paths
        .iter()
        .any(|p| path.starts_with(p.as_str()) || path == p.trim_end_matches('/'))
}

/// Adds the headers a response lacks.
pub fn apply(path: &str, headers: &mut HeaderMap) {
    for (name, value) in &HEADERS.all {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), value.clone());
        }
    }
    if is_private(path) {
        headers.insert(header::CACHE_CONTROL, HEADERS.private_cache_control.clone());
    } else if !headers.contains_key(header::CACHE_CONTROL) && !path.starts_with("/staff") {
        // The site's files: a content-hashed asset never changes, so it is kept a year;
        // everything else is checked before each use, so a new build shows at once.
        let policy = if assets::is_hashed_url(path) {
            assets::IMMUTABLE
        } else {
            assets::REVALIDATE
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
}

/// The middleware `app` wraps every route and the site directory in.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    apply(&path, response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_file_parses_and_forbids_inline_script_and_framing() {
        let csp = HEADERS.all[0].1.to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("form-action 'self'"), "{csp}");
        assert_eq!(HEADERS.all.len(), 5);
    }

    #[test]
    fn api_and_diary_are_private_and_pages_are_not() {
        assert!(is_private("/api/applications"));
        assert!(is_private("/diary/"));
        assert!(is_private("/diary"));
        assert!(is_private("/diary/index.html"));
        assert!(!is_private("/"));
        assert!(!is_private("/mentors/sato/"));
        assert!(!is_private("/diaryx"));
    }

    #[test]
    fn hashed_assets_are_kept_a_year_and_pages_are_revalidated() {
        let policy = |path: &str| {
            let mut h = HeaderMap::new();
            apply(path, &mut h);
            h[header::CACHE_CONTROL].to_str().unwrap().to_string()
        };
        assert_eq!(policy("/static/search.0123456789.js"), assets::IMMUTABLE);
        assert_eq!(policy("/static/search.js"), assets::REVALIDATE);
        assert_eq!(policy("/mentors/sato/"), assets::REVALIDATE);
        assert_eq!(policy("/search/meta.json"), assets::REVALIDATE);
        assert_eq!(policy("/diary/"), "no-store");
        assert_eq!(policy("/api/diary"), "no-store");
    }

    #[test]
    fn a_handler_s_own_policy_is_kept() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'"),
        );
        apply("/staff/today", &mut h);
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], "default-src 'none'");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(!h.contains_key(header::CACHE_CONTROL));
    }
}
