//! The router harness shared by the API's integration tests (`router.rs`, `inquiries.rs`):
//! the router over the SQLite store in a temporary directory, a pinned clock, and
//! requests sent through `oneshot`.

// Each test crate includes this module and uses only part of it.
#![allow(dead_code)]

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use handler::store::{SqliteStore, Store};
use handler::{app, sample, AppState, Config, Matcher, Mode};
use serde_json::Value;
use tempfile::TempDir;
use time::OffsetDateTime;
use tower::ServiceExt;

pub const SITE: &str = "https://mikke.example.jp";

/// A pinned "now" (5 s into a minute) so rate-limit windows are predictable.
pub fn pinned_now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_899_999_965).unwrap()
}

pub struct Harness {
    pub app: Router,
    pub store: Store,
    _dir: TempDir,
}

/// The router with the sample catalog, `MIKKE_SITE_URL` = [`SITE`], a rate limit out of
/// the way (1000), and `vars` on top.
pub fn harness_with(vars: &[(&str, &str)]) -> Harness {
    let dir = TempDir::new().unwrap();
    let store = Store::from(SqliteStore::open(dir.path()).unwrap());
    harness_on(dir, store, vars)
}

/// As [`harness_with`], over a store the test opened itself (in `dir`).
pub fn harness_on(dir: TempDir, store: Store, vars: &[(&str, &str)]) -> Harness {
    let mut env: HashMap<String, String> = HashMap::from([
        ("MIKKE_SITE_URL".into(), SITE.into()),
        ("MIKKE_RATE_LIMIT".into(), "1000".into()),
    ]);
    env.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_vars(Mode::Local, |n| env.get(n).cloned()).unwrap();
    let matcher = Matcher::new(sample::small_catalog()).unwrap();
    let mut state = AppState::new(store.clone(), matcher, config);
    state.clock = pinned_now;
    Harness {
        app: app(state),
        store,
        _dir: dir,
    }
}

pub fn harness() -> Harness {
    harness_with(&[])
}

/// A response, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    /// The Japanese message for one field of a 422.
    pub fn field(&self, name: &str) -> String {
        self.json()["fields"][name]
            .as_str()
            .unwrap_or_else(|| panic!("no message for {name}: {}", self.text))
            .to_string()
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        text: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// A POST of `body` as `content_type` to `path`.
pub fn post_to(path: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap()
}
