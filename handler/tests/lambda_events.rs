//! The Lambda path: API Gateway HTTP API (v2) events, as the Lambda runtime hands
//! them over, go through lambda_http's own adapter (the one `lambda_http::run` uses)
//! into the same router, and come back as API Gateway responses.

use std::collections::HashMap;
use std::path::Path;

use handler::store::{RecordKind, SqliteStore, Store};
use handler::{app, sample, AppState, Config, Matcher, Mode};
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent, Service};
use serde_json::{json, Value};
use tempfile::TempDir;

/// What CloudFront sends as `X-Mikke-Origin-Secret` in these tests.
const ORIGIN_SECRET: &str = "0123456789abcdef0123456789abcdef";

struct Lambda {
    store: Store,
    router: axum::Router,
    _dir: TempDir,
}

fn lambda(rate_limit: &str) -> Lambda {
    let dir = TempDir::new().unwrap();
    let env: HashMap<&str, &str> = HashMap::from([
        ("MIKKE_TABLE", "mikke-test"),
        ("MIKKE_SITE_URL", "https://mikke.example.jp"),
        ("MIKKE_RATE_LIMIT", rate_limit),
        // Lambda refuses to start without a diary-link key (32 bytes, base64).
        (
            "MIKKE_SIGNING_KEY",
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=",
        ),
        ("MIKKE_ORIGIN_SECRET", ORIGIN_SECRET),
    ]);
    let config = Config::from_vars(Mode::Lambda, |n| env.get(n).map(|v| v.to_string())).unwrap();
    // The SQLite store stands in for DynamoDB here: this test is about the event path.
    let store = Store::from(SqliteStore::open(dir.path()).unwrap());
    let state = AppState::new(
        store.clone(),
        Matcher::new(sample::small_catalog()).unwrap(),
        config,
    );
    Lambda {
        store,
        router: app(state),
        _dir: dir,
    }
}

fn event(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/events")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Runs one event through lambda_http's adapter; returns the API Gateway response JSON.
async fn invoke(l: &Lambda, event: Value) -> Value {
    let request: LambdaRequest = serde_json::from_value(event).expect("an API Gateway v2 event");
    assert!(matches!(request, LambdaRequest::ApiGatewayV2(_)));
    let mut adapter = Adapter::from(l.router.clone());
    let response = adapter
        .call(LambdaEvent::new(request, Context::default()))
        .await
        .unwrap();
    serde_json::to_value(&response).unwrap()
}

fn body_json(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
}

async fn stored(l: &Lambda) -> usize {
    l.store
        .list_by_status(RecordKind::Application, "received", 10)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_json_event_is_stored_and_answered_201() {
    let l = lambda("100");
    let response = invoke(&l, event("post-json.json")).await;
    assert_eq!(response["statusCode"], 201, "{response}");
    let body = body_json(&response);
    assert_eq!(body["status"], "received");
    assert_eq!(
        response["headers"]["access-control-allow-origin"],
        "https://mikke.example.jp"
    );
    // The same event again (API Gateway or the browser retrying) is a replay.
    let again = invoke(&l, event("post-json.json")).await;
    assert_eq!(body_json(&again), body);
    assert_eq!(stored(&l).await, 1);
    let record = l
        .store
        .get(RecordKind::Application, body["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.body["match"]["suggestions"][0]["slug"], "aoki");
}

#[tokio::test]
async fn a_base64_form_event_is_decoded_stored_and_redirected() {
    let l = lambda("100");
    let response = invoke(&l, event("post-form-base64.json")).await;
    assert_eq!(response["statusCode"], 303, "{response}");
    assert_eq!(
        response["headers"]["location"],
        "https://mikke.example.jp/apply/thanks/"
    );
    let records = l
        .store
        .list_by_status(RecordKind::Application, "received", 10)
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].body["application"]["name"], "山田 花子");
    assert_eq!(
        records[0].body["application"]["topics"],
        json!(["leadership", "confidence"])
    );
}

#[tokio::test]
async fn a_base64_form_event_with_mistakes_gets_the_japanese_page() {
    let l = lambda("100");
    let response = invoke(&l, event("post-form-base64-invalid.json")).await;
    assert_eq!(response["statusCode"], 422);
    let page = response["body"].as_str().unwrap();
    for message in [
        "お名前を入力してください",
        "メールアドレスの形式が正しくありません",
        "相談したいテーマを1つ以上選んでください",
    ] {
        assert!(page.contains(message), "{message}");
    }
    assert_eq!(stored(&l).await, 0);
}

#[tokio::test]
async fn wrong_types_in_a_json_event_are_named_field_by_field() {
    let l = lambda("100");
    let response = invoke(&l, event("post-json-wrong-types.json")).await;
    assert_eq!(response["statusCode"], 422);
    assert_eq!(
        body_json(&response),
        json!({"error": "validation", "fields": {
            "name": "お名前の形式が正しくありません",
            "preferences": "メンターへの希望の形式が正しくありません",
            "plan": "プランの形式が正しくありません",
            "consent": "個人情報の取り扱いに同意してください",
        }})
    );
}

#[tokio::test]
async fn other_content_types_and_garbled_bodies_are_refused_without_5xx() {
    let l = lambda("100");
    let response = invoke(&l, event("post-text-plain.json")).await;
    assert_eq!(response["statusCode"], 415);
    let response = invoke(&l, event("post-json-garbled-base64.json")).await;
    assert_eq!(response["statusCode"], 400);
    assert_eq!(body_json(&response)["error"], "bad_request");
}

/// API Gateway's `sourceIp` names the client, not `X-Forwarded-For` (which a client can set).
#[tokio::test]
async fn the_rate_limit_keys_on_api_gateways_source_ip() {
    let l = lambda("1");
    let mut first = event("post-text-plain.json");
    first["headers"]["x-forwarded-for"] = json!("198.51.100.1");
    assert_eq!(invoke(&l, first).await["statusCode"], 415);
    let mut second = event("post-text-plain.json");
    second["headers"]["x-forwarded-for"] = json!("198.51.100.2");
    let response = invoke(&l, second).await;
    assert_eq!(response["statusCode"], 429);
    assert!(response["headers"]["retry-after"].as_str().is_some());
    let mut other = event("post-text-plain.json");
    other["requestContext"]["http"]["sourceIp"] = json!("192.0.2.77");
    assert_eq!(invoke(&l, other).await["statusCode"], 415);
}

/// Behind CloudFront every visitor near one edge arrives from that edge's `sourceIp`; with
/// the origin secret, `CloudFront-Viewer-Address` tells them apart. Without it, the header
/// is whatever the caller wrote, and the `sourceIp` budget applies.
#[tokio::test]
async fn through_cloudfront_the_rate_limit_keys_on_the_viewer_address() {
    let l = lambda("1");
    let via_edge = |viewer: &str, secret: Option<&str>| {
        let mut e = event("post-text-plain.json");
        e["requestContext"]["http"]["sourceIp"] = json!("130.176.1.1");
        e["headers"]["cloudfront-viewer-address"] = json!(viewer);
        if let Some(secret) = secret {
            e["headers"]["x-mikke-origin-secret"] = json!(secret);
        }
        e
    };
    let status = |e| async { invoke(&l, e).await["statusCode"].clone() };
    let secret = Some(ORIGIN_SECRET);
    assert_eq!(status(via_edge("198.51.100.1:40000", secret)).await, 415);
    assert_eq!(status(via_edge("198.51.100.1:40001", secret)).await, 429);
    assert_eq!(status(via_edge("2001:db8::1:40000", secret)).await, 415);
    // Spoofed from a caller that skipped CloudFront: the edge's own budget, once.
    assert_eq!(status(via_edge("192.0.2.1:1", None)).await, 415);
    assert_eq!(status(via_edge("192.0.2.2:1", None)).await, 429);
}
