//! The key that makes a retried submission a replay, the same way for every form.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// `<form>#<sha-256>` of the client's `submission_id` when sent, else of the normalised
/// `payload` (so a double post without one is caught too). Hashed either way, so no
/// personal data or client string is a key; prefixed so one form never replays another.
pub(crate) fn idempotency_key(
    form: &str,
    submission_id: Option<&str>,
    payload: &impl Serialize,
) -> String {
    let mut hasher = Sha256::new();
    match submission_id {
        Some(id) => {
            hasher.update(b"submission_id\0");
            hasher.update(id.as_bytes());
        }
        None => {
            hasher.update(b"payload\0");
            // Serialising a struct of strings cannot fail.
            hasher.update(serde_json::to_vec(payload).unwrap_or_default());
        }
    }
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{form}#{digest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys are stored: a change of their spelling would let a retry across a deploy
    /// store a second copy. The digests are SHA-256 of the exact bytes, computed outside.
    #[test]
    fn keys_keep_their_stored_spelling() {
        assert_eq!(
            idempotency_key("application", Some("form-0001"), &()),
            "application#314d85fcb94169877ed53b812f4155f86930840fcd9ef57e1f235d22a76e48a2"
        );
        assert_eq!(
            idempotency_key("inquiry", None, &serde_json::json!({"a": "x", "b": ["y"]})),
            "inquiry#26485a3ba5c240f30796eb7dd110beb7cebec1252c5d78d73f721f3c0a94a154"
        );
    }
}
