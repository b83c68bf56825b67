//! Staff sign-in links (issue 14): `<request id>.<base64url(tag)>`, the tag an HMAC-SHA256 of
//! the id under the same key as the diary links but its own domain prefix, so neither kind of
//! token is ever valid as the other. The store keeps the request (address, expiry, use); the
//! link is minted by the sender when the mail goes out, so no link is stored anywhere.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::Mac;

use super::SigningKey;

const DOMAIN: &[u8] = b"mikke-staff-signin\0";
/// Longest request id accepted (ids are 26 characters).
const MAX_ID_CHARS: usize = 64;

impl SigningKey {
    /// The link token of sign-in request `id`.
    pub fn sign_signin(&self, id: &str) -> String {
        let tag = self
            .mac()
            .chain_update(DOMAIN)
            .chain_update(id.as_bytes())
            .finalize()
            .into_bytes();
        format!("{id}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// The request id of a genuine token (tag checked in constant time), else `None`.
    pub fn verify_signin(&self, token: &str) -> Option<String> {
        let (id, tag) = token.split_once('.')?;
        if id.is_empty()
            || id.len() > MAX_ID_CHARS
            || !id.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return None;
        }
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.mac()
            .chain_update(DOMAIN)
            .chain_update(id.as_bytes())
            .verify_slice(&tag)
            .ok()?;
        Some(id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::SigningKey;

    #[test]
    fn a_signin_token_verifies_under_its_key_only_and_not_when_altered() {
        let key = SigningKey::generate();
        let token = key.sign_signin("abc123");
        assert_eq!(key.verify_signin(&token).as_deref(), Some("abc123"));
        assert_eq!(SigningKey::generate().verify_signin(&token), None);
        let forged = token.replacen("abc123", "abc124", 1);
        assert_eq!(key.verify_signin(&forged), None);
        assert_eq!(key.verify_signin("abc123"), None);
        assert_eq!(key.verify_signin("a.b.c"), None);
        assert_eq!(key.verify_signin(""), None);
    }

    #[test]
    fn a_diary_token_is_no_signin_token() {
        let key = SigningKey::generate();
        let diary = key.issue(&crate::tokens::Claims {
            match_id: "m1".into(),
            role: crate::tokens::Role::Mentee,
            expires_at: i64::MAX,
            epoch: 0,
        });
        assert_eq!(key.verify_signin(diary.expose()), None);
    }
}
