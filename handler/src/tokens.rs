//! Private diary links: a token bound to one match, one role and an expiry, signed with
//! HMAC-SHA256. Nobody has an account; holding the link is the permission.
//!
//! Wire format (URL-safe, no padding): `base64url(payload) "." base64url(tag)` where
//! `payload` = `v2|<role>|<expires_at epoch secs>|<links epoch>|<match id>` (links made
//! before issue 15 read `v1|<role>|<expires_at>|<match id>`, epoch 0) and `tag` = HMAC-SHA256 under
//! the signing key of `mikke-diary-token\0` + payload (the prefix keeps these tags from ever
//! being valid for another use of the same key). The tag is checked with `verify_slice`
//! (constant time) before the payload is even parsed, so a forged token learns nothing about
//! which part was wrong; every failure is the same [`TokenRejected`] to callers outside this
//! module (the API answers 403 without saying whether the match exists).
//!
//! Tokens are secrets: [`Token`] and [`SigningKey`] print as `[redacted]` in `Debug` and
//! `Display`, so a stray `{:?}` or `tracing` field cannot leak one.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;

type HmacSha256 = Hmac<Sha256>;

/// Keys shorter than this are refused: HMAC-SHA256 wants a key at least as long as its output.
pub const MIN_KEY_BYTES: usize = 32;
/// The file local mode keeps its development key in, inside the data directory.
pub const DEV_KEY_FILE: &str = "signing.key";
const DOMAIN: &[u8] = b"mikke-diary-token\0";
const VERSION: &str = "v2";
/// Links minted before the link epoch existed: still accepted, as epoch 0.
const VERSION_1: &str = "v1";
/// Longest token accepted for parsing (a match id is ≤ 256 bytes).
const MAX_TOKEN_CHARS: usize = 600;

/// Who holds a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Mentee,
    Mentor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Mentee => "mentee",
            Role::Mentor => "mentor",
        }
    }

    fn parse(text: &str) -> Option<Role> {
        match text {
            "mentee" => Some(Role::Mentee),
            "mentor" => Some(Role::Mentor),
            _ => None,
        }
    }
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub match_id: String,
    pub role: Role,
    /// Epoch seconds; the token is refused at and after this instant.
    pub expires_at: i64,
    /// The match's link epoch the token was made under; the diary refuses it once the match
    /// has moved on (`staff revoke`, erasure).
    pub epoch: u32,
}

/// The secret key tokens are signed with.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

/// Equal keys sign equal tokens; compared in constant time like tags.
impl PartialEq for SigningKey {
    fn eq(&self, other: &SigningKey) -> bool {
        let mut mac = self.mac();
        mac.update(b"key-equality");
        other
            .mac()
            .chain_update(b"key-equality")
            .verify_slice(&mac.finalize().into_bytes())
            .is_ok()
    }
}

/// Why a key could not be had. Never carries the key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("MIKKE_SIGNING_KEY must be base64 of at least {MIN_KEY_BYTES} random bytes (e.g. `openssl rand -base64 32`)")]
    Invalid,
    #[error("development signing key {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("development signing key {path} is damaged (not base64 of {MIN_KEY_BYTES}+ bytes); delete it to make a new one (old links stop working)")]
    Damaged { path: PathBuf },
}

impl SigningKey {
    /// From raw bytes (tests, and the decoders below).
    pub fn from_bytes(bytes: &[u8]) -> Result<SigningKey, KeyError> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(KeyError::Invalid);
        }
        Ok(SigningKey(bytes.to_vec()))
    }

    /// From the text of `MIKKE_SIGNING_KEY`: base64, standard or URL-safe, padded or not.
    pub fn from_base64(text: &str) -> Result<SigningKey, KeyError> {
        let text = text.trim();
        [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .ok_or(KeyError::Invalid)
            .and_then(|bytes| SigningKey::from_bytes(&bytes))
    }

    /// A fresh random key.
    pub fn generate() -> SigningKey {
        let bytes: [u8; 32] = rand::random();
        SigningKey(bytes.to_vec())
    }

    /// Local mode: the key in `dir/signing.key`, created (owner-only, 0600) when missing so
    /// links keep working across restarts of the local server and the staff command.
    pub fn load_or_create(dir: &Path) -> Result<SigningKey, KeyError> {
        let path = dir.join(DEV_KEY_FILE);
        let io = |source| KeyError::Io {
            path: path.clone(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                return SigningKey::from_base64(&text)
                    .map_err(|_| KeyError::Damaged { path: path.clone() })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        let key = SigningKey::generate();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(mut file) => {
                use std::io::Write;
                file.write_all(format!("{}\n", STANDARD.encode(&key.0)).as_bytes())
                    .map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok(key)
            }
            // Another process (the server and the staff command start together) won the race.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                SigningKey::load_or_create(dir)
            }
            Err(e) => Err(io(e)),
        }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.0).expect("HMAC accepts keys of any length")
    }

    /// Signs a token for `claims`.
    pub fn issue(&self, claims: &Claims) -> Token {
        let payload = format!(
            "{VERSION}|{}|{}|{}|{}",
            claims.role.as_str(),
            claims.expires_at,
            claims.epoch,
            claims.match_id
        );
        let tag = self
            .mac()
            .chain_update(DOMAIN)
            .chain_update(payload.as_bytes())
            .finalize()
            .into_bytes();
        Token(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload.as_bytes()),
            URL_SAFE_NO_PAD.encode(tag)
        ))
    }

    /// A keyed hash (hex) of a person's address (in `privacy::canonical_address` form, so it
    /// agrees with how export and erase find her records): what provision records
    /// keep instead of the address, so a later request by the same address finds them while
    /// the record itself names nobody (issue 15).
    pub fn subject(&self, address: &str) -> String {
        let tag = self
            .mac()
            .chain_update(b"mikke-subject\0")
            .chain_update(
                crate::privacy::canonical_address(address)
                    .unwrap_or_else(|| address.trim().to_lowercase())
                    .as_bytes(),
            )
            .finalize()
            .into_bytes();
        tag.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The claims of a genuine, unexpired token; [`TokenRejected`] for anything else.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Claims, TokenRejected> {
        self.check(token, now).map_err(|_why| TokenRejected)
    }

    /// Like [`SigningKey::verify`] but says why (tests; never shown to clients).
    fn check(&self, token: &str, now: OffsetDateTime) -> Result<Claims, Why> {
        if token.len() > MAX_TOKEN_CHARS {
            return Err(Why::Malformed);
        }
        let (payload, tag) = token.split_once('.').ok_or(Why::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| Why::Malformed)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| Why::Malformed)?;
        self.mac()
            .chain_update(DOMAIN)
            .chain_update(&payload)
            .verify_slice(&tag)
            .map_err(|_| Why::BadSignature)?;
        // Signed by us, so well-formed unless the format changed: still checked.
        let text = std::str::from_utf8(&payload).map_err(|_| Why::Malformed)?;
        let (version, rest) = text.split_once('|').ok_or(Why::Malformed)?;
        let (role, expires, epoch, match_id) = match version {
            VERSION => {
                let mut parts = rest.splitn(4, '|');
                let (Some(role), Some(expires), Some(epoch), Some(match_id)) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    return Err(Why::Malformed);
                };
                let epoch: u32 = epoch.parse().map_err(|_| Why::Malformed)?;
                (role, expires, epoch, match_id)
            }
            VERSION_1 => {
                let mut parts = rest.splitn(3, '|');
                let (Some(role), Some(expires), Some(match_id)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(Why::Malformed);
                };
                (role, expires, 0, match_id)
            }
            _ => return Err(Why::Malformed),
        };
        let role = Role::parse(role).ok_or(Why::Malformed)?;
        let expires_at: i64 = expires.parse().map_err(|_| Why::Malformed)?;
        if match_id.is_empty() {
            return Err(Why::Malformed);
        }
        if now.unix_timestamp() >= expires_at {
            return Err(Why::Expired);
        }
        Ok(Claims {
            match_id: match_id.to_string(),
            role,
            expires_at,
            epoch,
        })
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Why {
    Malformed,
    BadSignature,
    Expired,
}

/// The one answer to any bad token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the link is not valid")]
pub struct TokenRejected;

/// A signed token. Printing it shows `[redacted]`; [`Token::expose`] is the only way to the text.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// The token text, for building a link. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The private diary link: the token in the fragment, which browsers never send to servers.
    pub fn diary_link(&self, site_url: &str) -> String {
        format!("{}/diary/#t={}", site_url.trim_end_matches('/'), self.0)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token([redacted])")
    }
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

mod signin;

#[cfg(test)]
mod tests;

/// Where the signing key comes from (see `Config::signing_key`).
#[derive(Debug, Clone, PartialEq)]
pub enum KeySource {
    /// `MIKKE_SIGNING_KEY`: the key itself, base64.
    Value(SigningKey),
    /// `MIKKE_SIGNING_KEY_PARAMETER`: the name of an SSM SecureString holding it (base64),
    /// fetched once at start, so the key is in neither the template nor the function's settings.
    Parameter(String),
    /// Local mode without either: a development key in this directory ([`DEV_KEY_FILE`]).
    DevFile(PathBuf),
}

impl KeySource {
    /// Picks the source from the two variables; `Err` is the configuration problem to report.
    pub fn choose(
        lambda: bool,
        value: Option<String>,
        parameter: Option<String>,
        data_dir: &Path,
    ) -> Result<KeySource, String> {
        match (value, parameter) {
            (Some(text), _) => SigningKey::from_base64(&text)
                .map(KeySource::Value)
                .map_err(|e| e.to_string()),
            (None, Some(name)) if name.starts_with('/') => Ok(KeySource::Parameter(name)),
            (None, Some(name)) => Err(format!(
                "MIKKE_SIGNING_KEY_PARAMETER must be an SSM parameter name starting with `/`, got \"{name}\""
            )),
            (None, None) if lambda => Err(
                "MIKKE_SIGNING_KEY_PARAMETER (an SSM SecureString name) or MIKKE_SIGNING_KEY is required under Lambda: the key that signs the private diary links".into(),
            ),
            (None, None) => Ok(KeySource::DevFile(data_dir.to_path_buf())),
        }
    }

    /// The key from the variable or the development file. A parameter needs AWS
    /// ([`KeySource::load`], in a build with the `aws` feature).
    pub fn load_local(&self) -> Result<SigningKey, String> {
        match self {
            KeySource::Value(key) => Ok(key.clone()),
            KeySource::DevFile(dir) => SigningKey::load_or_create(dir).map_err(|e| e.to_string()),
            KeySource::Parameter(name) => Err(format!(
                "MIKKE_SIGNING_KEY_PARAMETER {name}: reading Parameter Store needs a build with AWS support (cargo build --features aws), or set MIKKE_SIGNING_KEY"
            )),
        }
    }

    /// The key, reading the development file or the SSM parameter as needed.
    #[cfg(feature = "aws")]
    pub async fn load(&self, aws: Option<&aws_config::SdkConfig>) -> Result<SigningKey, String> {
        match self {
            KeySource::Parameter(name) => {
                let Some(aws) = aws else {
                    return Err(format!(
                        "MIKKE_SIGNING_KEY_PARAMETER {name}: no AWS configuration to read it with"
                    ));
                };
                let out = aws_sdk_ssm::Client::new(aws)
                    .get_parameter()
                    .name(name)
                    .with_decryption(true)
                    .send()
                    .await
                    // The error chain names the parameter and the service's reason, never a
                    // value (not `DisplayErrorContext`: its Debug tail is the raw response).
                    .map_err(|e| {
                        let mut message = format!("cannot read SSM parameter {name}: {e}");
                        let mut source = std::error::Error::source(&e);
                        while let Some(cause) = source {
                            message.push_str(&format!(": {cause}"));
                            source = cause.source();
                        }
                        message
                    })?;
                let text = out
                    .parameter()
                    .and_then(|p| p.value())
                    .ok_or_else(|| format!("SSM parameter {name} has no value"))?;
                SigningKey::from_base64(text)
                    .map_err(|_| format!("SSM parameter {name} must hold base64 of at least {MIN_KEY_BYTES} random bytes (e.g. `openssl rand -base64 48`)"))
            }
            local => local.load_local(),
        }
    }
}
