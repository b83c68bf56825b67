//! Who a client is, for the per-client rate limit, without keeping who she is:
//! the address is hashed before it reaches the store or a log.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;
use sha2::{Digest, Sha256};

/// The client's address, most trustworthy source first:
/// 1. API Gateway's `sourceIp` (set by AWS, not by the client);
/// 2. the first hop of `X-Forwarded-For` (a proxy in front of the local server);
/// 3. the TCP peer (the local server with nothing in front).
pub fn client_address(parts: &Parts) -> Option<String> {
    if let Some(ctx) = parts.extensions.get::<RequestContext>() {
        let ip = match ctx {
            RequestContext::ApiGatewayV2(c) => c.http.source_ip.clone(),
            RequestContext::ApiGatewayV1(c) => c.identity.source_ip.clone(),
            _ => None,
        };
        if ip.is_some() {
            return ip;
        }
    }
    if let Some(first) = parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        return Some(first.to_string());
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// The rate-limit key for a request: a short SHA-256 of the client's address
/// (or of "unknown", which then shares one budget).
pub fn client_key(parts: &Parts) -> String {
    let address = client_address(parts).unwrap_or_else(|| "unknown".into());
    let digest = Sha256::new()
        .chain_update(b"mikke-rate-limit\0")
        .chain_update(address.as_bytes())
        .finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Seconds until the fixed window containing `now_secs` ends (at least 1).
pub fn retry_after(now_secs: i64, window_secs: u64) -> u64 {
    let window = window_secs.max(1) as i64;
    (window - now_secs.rem_euclid(window)).max(1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(xff: Option<&str>) -> Parts {
        let mut b = Request::builder();
        if let Some(v) = xff {
            b = b.header("x-forwarded-for", v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn forwarded_first_hop_is_the_client_and_is_hashed() {
        let p = parts(Some("203.0.113.7, 10.0.0.1"));
        assert_eq!(client_address(&p).as_deref(), Some("203.0.113.7"));
        let key = client_key(&p);
        assert_eq!(key.len(), 32);
        assert!(!key.contains("203"));
        assert_eq!(key, client_key(&parts(Some("203.0.113.7"))));
        assert_ne!(key, client_key(&parts(Some("203.0.113.8"))));
    }

    #[test]
    fn retry_after_counts_to_the_end_of_the_window() {
        assert_eq!(retry_after(120, 60), 60);
        assert_eq!(retry_after(121, 60), 59);
        assert_eq!(retry_after(179, 60), 1);
    }
}
