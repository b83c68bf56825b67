//! Who a client is, for the per-client rate limit, without keeping who she is:
//! the address is hashed before it reaches the store or a log.
//!
//! Deployed, every browser request arrives through CloudFront, so API Gateway's `sourceIp`
//! is a CloudFront edge server, shared by every visitor near it. CloudFront names the
//! visitor in `CloudFront-Viewer-Address`, but anyone calling the API Gateway URL directly
//! can send that header too; it is believed only when the request also carries the secret
//! CloudFront adds on its way to the origin (deploy/template.yaml, `MIKKE_ORIGIN_SECRET`).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

/// Added by CloudFront to every origin request of the `/api/*` behaviour, holding the
/// secret (deploy/template.yaml, `OriginCustomHeaders`).
pub const ORIGIN_SECRET_HEADER: &str = "x-mikke-origin-secret";
/// CloudFront's record of the viewer: `ip:port`, IPv6 without brackets
/// (`2001:db8::1:46532`); forwarded by the origin request policy.
pub const VIEWER_ADDRESS_HEADER: &str = "cloudfront-viewer-address";

/// The secret shared with CloudFront. Never printed: `Debug` shows a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct OriginSecret(String);

impl OriginSecret {
    pub const MIN_CHARS: usize = 32;
    pub const MAX_CHARS: usize = 256;

    /// Letters, digits and `-_.~+/=` (hex or base64 from `openssl rand`), so it is a
    /// valid header value as it stands. The error never repeats the value.
    pub fn parse(text: &str) -> Result<OriginSecret, String> {
        let chars = text.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            return Err(format!(
                "MIKKE_ORIGIN_SECRET must be {} to {} characters long (e.g. `openssl rand -hex 32`), got {chars}",
                Self::MIN_CHARS,
                Self::MAX_CHARS
            ));
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.~+/=".contains(c))
        {
            return Err(
                "MIKKE_ORIGIN_SECRET may hold only ASCII letters, digits and -_.~+/= (e.g. `openssl rand -hex 32`)"
                    .into(),
            );
        }
        Ok(OriginSecret(text.to_string()))
    }

    /// Compares in time independent of where the values differ: both sides are hashed
    /// first (equal lengths) and every byte of the digests is compared.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let expected = Sha256::digest(self.0.as_bytes());
        let presented = Sha256::digest(presented);
        expected
            .iter()
            .zip(presented.iter())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
    }
}

impl fmt::Debug for OriginSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OriginSecret(<redacted>)")
    }
}

/// Whether the request carries the secret CloudFront adds (exactly one such header).
pub fn came_through_cloudfront(parts: &Parts, secret: &OriginSecret) -> bool {
    let mut values = parts.headers.get_all(ORIGIN_SECRET_HEADER).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => secret.matches(value.as_bytes()),
        _ => false,
    }
}

/// The viewer's IP from `CloudFront-Viewer-Address` (`198.51.100.10:46532`,
/// `2001:db8::1:46532`, or bracketed `[2001:db8::1]:46532`), in canonical form;
/// `None` when missing, repeated or not an address.
pub fn viewer_address(parts: &Parts) -> Option<IpAddr> {
    let mut values = parts.headers.get_all(VIEWER_ADDRESS_HEADER).iter();
    let value = match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().ok()?.trim(),
        _ => return None,
    };
    if let Some(rest) = value.strip_prefix('[') {
        let (ip, port) = rest.split_once("]:")?;
        port.parse::<u16>().ok()?;
        return ip.parse().ok();
    }
    let (ip, port) = value.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.parse().ok()
}

/// The client's address, most trustworthy source first:
/// 1. with `origin_secret` configured and presented by the request (it came through our
///    CloudFront): the viewer in `CloudFront-Viewer-Address`;
/// 2. API Gateway's `sourceIp` (set by AWS, not by the client; behind CloudFront the
///    edge server, a coarser key but one no client can choose);
/// 3. the first hop of `X-Forwarded-For` (a proxy in front of the local server);
/// 4. the TCP peer (the local server with nothing in front).
pub fn client_address(parts: &Parts, origin_secret: Option<&OriginSecret>) -> Option<String> {
    if origin_secret.is_some_and(|secret| came_through_cloudfront(parts, secret)) {
        if let Some(ip) = viewer_address(parts) {
            return Some(ip.to_string());
        }
    }
    if let Some(ip) = api_gateway_source_ip(parts) {
        return Some(ip);
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

/// API Gateway's record of the caller, under Lambda.
#[cfg(feature = "aws")]
fn api_gateway_source_ip(parts: &Parts) -> Option<String> {
    use lambda_http::request::RequestContext;
    match parts.extensions.get::<RequestContext>()? {
        RequestContext::ApiGatewayV2(c) => c.http.source_ip.clone(),
        RequestContext::ApiGatewayV1(c) => c.identity.source_ip.clone(),
        _ => None,
    }
}

/// Built without the Lambda runtime, no request comes through API Gateway.
#[cfg(not(feature = "aws"))]
fn api_gateway_source_ip(_parts: &Parts) -> Option<String> {
    None
}

/// The rate-limit key for a request: a short SHA-256 of the client's address
/// (or of "unknown", which then shares one budget).
pub fn client_key(parts: &Parts, origin_secret: Option<&OriginSecret>) -> String {
    let address = client_address(parts, origin_secret).unwrap_or_else(|| "unknown".into());
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

// The cases build API Gateway requests with the Lambda runtime's types.
#[cfg(all(test, feature = "aws"))]
mod tests {
    use super::*;
    use axum::http::Request;
    use lambda_http::aws_lambda_events::apigw::{
        ApiGatewayV2httpRequestContext, ApiGatewayV2httpRequestContextHttpDescription,
    };
    use lambda_http::request::RequestContext;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    /// The CloudFront edge server API Gateway sees as the caller.
    const EDGE: &str = "130.176.1.1";

    fn secret() -> OriginSecret {
        OriginSecret::parse(SECRET).unwrap()
    }

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut b = Request::builder();
        for (name, value) in headers {
            b = b.header(*name, *value);
        }
        b.body(()).unwrap().into_parts().0
    }

    /// As under Lambda: API Gateway's request context names the edge as `sourceIp`.
    fn via_api_gateway(headers: &[(&str, &str)]) -> Parts {
        let mut p = parts(headers);
        let ctx = ApiGatewayV2httpRequestContext {
            http: ApiGatewayV2httpRequestContextHttpDescription {
                source_ip: Some(EDGE.into()),
                ..Default::default()
            },
            ..Default::default()
        };
        p.extensions.insert(RequestContext::ApiGatewayV2(ctx));
        p
    }

    #[test]
    fn forwarded_first_hop_is_the_client_and_is_hashed() {
        let p = parts(&[("x-forwarded-for", "203.0.113.7, 10.0.0.1")]);
        assert_eq!(client_address(&p, None).as_deref(), Some("203.0.113.7"));
        let key = client_key(&p, None);
        assert_eq!(key.len(), 32);
        assert!(!key.contains("203"));
        let alone = |ip| client_key(&parts(&[("x-forwarded-for", ip)]), None);
        assert_eq!(key, alone("203.0.113.7"));
        assert_ne!(key, alone("203.0.113.8"));
    }

    #[test]
    fn through_cloudfront_the_viewer_ipv4_address_is_the_client() {
        let p = via_api_gateway(&[
            (ORIGIN_SECRET_HEADER, SECRET),
            (VIEWER_ADDRESS_HEADER, "198.51.100.10:46532"),
        ]);
        assert_eq!(
            client_address(&p, Some(&secret())).as_deref(),
            Some("198.51.100.10")
        );
    }

    #[test]
    fn through_cloudfront_the_viewer_ipv6_address_is_the_client_in_canonical_form() {
        let secret = secret();
        for value in [
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334:46532",
            "[2001:db8:85a3::8a2e:370:7334]:46532",
        ] {
            let p = via_api_gateway(&[
                (ORIGIN_SECRET_HEADER, SECRET),
                (VIEWER_ADDRESS_HEADER, value),
            ]);
            assert_eq!(
                client_address(&p, Some(&secret)).as_deref(),
                Some("2001:db8:85a3::8a2e:370:7334"),
                "{value}"
            );
        }
    }

    #[test]
    fn visitors_at_one_edge_get_their_own_budgets() {
        let key = |viewer| {
            client_key(
                &via_api_gateway(&[
                    (ORIGIN_SECRET_HEADER, SECRET),
                    (VIEWER_ADDRESS_HEADER, viewer),
                ]),
                Some(&secret()),
            )
        };
        assert_ne!(key("198.51.100.10:1000"), key("198.51.100.11:1000"));
        assert_eq!(key("198.51.100.10:1000"), key("198.51.100.10:2000"));
    }

    #[test]
    fn a_missing_or_broken_viewer_header_falls_back_to_the_source_ip() {
        for headers in [
            vec![(ORIGIN_SECRET_HEADER, SECRET)],
            vec![
                (ORIGIN_SECRET_HEADER, SECRET),
                (VIEWER_ADDRESS_HEADER, "198.51.100.10"),
            ],
            vec![
                (ORIGIN_SECRET_HEADER, SECRET),
                (VIEWER_ADDRESS_HEADER, "not-an-ip:443"),
            ],
            vec![
                (ORIGIN_SECRET_HEADER, SECRET),
                (VIEWER_ADDRESS_HEADER, "198.51.100.10:99999"),
            ],
        ] {
            let p = via_api_gateway(&headers);
            assert_eq!(
                client_address(&p, Some(&secret())).as_deref(),
                Some(EDGE),
                "{headers:?}"
            );
        }
    }

    #[test]
    fn a_spoofed_viewer_header_without_the_secret_is_ignored() {
        let spoofed = VIEWER_ADDRESS_HEADER;
        for (headers, configured) in [
            // Straight to the API Gateway URL, no secret at all.
            (vec![(spoofed, "198.51.100.10:1")], Some(secret())),
            // A guessed secret.
            (
                vec![
                    (ORIGIN_SECRET_HEADER, "0123456789abcdef0123456789abcdeX"),
                    (spoofed, "198.51.100.10:1"),
                ],
                Some(secret()),
            ),
            // The secret twice (one of them might be the client's own).
            (
                vec![
                    (ORIGIN_SECRET_HEADER, SECRET),
                    (ORIGIN_SECRET_HEADER, SECRET),
                    (spoofed, "198.51.100.10:1"),
                ],
                Some(secret()),
            ),
            // No secret configured: the header is never believed.
            (
                vec![(ORIGIN_SECRET_HEADER, SECRET), (spoofed, "198.51.100.10:1")],
                None,
            ),
        ] {
            let p = via_api_gateway(&headers);
            assert_eq!(
                client_address(&p, configured.as_ref()).as_deref(),
                Some(EDGE),
                "{headers:?}"
            );
        }
    }

    #[test]
    fn the_secret_must_be_long_and_header_safe_and_never_prints() {
        assert!(OriginSecret::parse("short")
            .unwrap_err()
            .contains("32 to 256"));
        let spaced = format!("{SECRET} x");
        let err = OriginSecret::parse(&spaced).unwrap_err();
        assert!(err.contains("only ASCII"), "{err}");
        assert!(!err.contains(SECRET));
        assert_eq!(format!("{:?}", secret()), "OriginSecret(<redacted>)");
        assert!(secret().matches(SECRET.as_bytes()));
        assert!(!secret().matches(b""));
    }

    #[test]
    fn retry_after_counts_to_the_end_of_the_window() {
        assert_eq!(retry_after(120, 60), 60);
        assert_eq!(retry_after(121, 60), 59);
        assert_eq!(retry_after(179, 60), 1);
    }
}
