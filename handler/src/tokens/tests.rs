use super::*;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32]).unwrap()
}

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap()
}

const NOW: i64 = 1_780_000_000;

fn claims(match_id: &str, role: Role) -> Claims {
    Claims {
        match_id: match_id.into(),
        role,
        expires_at: NOW + 86_400,
        epoch: 0,
    }
}

/// The token's two halves as bytes.
fn halves(token: &Token) -> (Vec<u8>, Vec<u8>) {
    let (p, t) = token.expose().split_once('.').unwrap();
    (
        URL_SAFE_NO_PAD.decode(p).unwrap(),
        URL_SAFE_NO_PAD.decode(t).unwrap(),
    )
}

fn join(payload: &[u8], tag: &[u8]) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

#[test]
fn an_issued_token_verifies_to_its_claims() {
    let c = claims("m-20261124-abc", Role::Mentee);
    let token = key().issue(&c);
    assert_eq!(key().verify(token.expose(), at(NOW)), Ok(c));
    assert!(
        token
            .expose()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
        "URL-safe: {}",
        token.expose()
    );
}

#[test]
fn a_thousand_random_forgeries_are_all_rejected() {
    let k = key();
    let genuine = k.issue(&claims("m1", Role::Mentor));
    let (payload, _) = halves(&genuine);
    for i in 0..1000 {
        let tag: [u8; 32] = rand::random();
        let forged = match i % 4 {
            // A genuine payload with a random tag.
            0 => join(&payload, &tag),
            // A payload of our format with a random tag.
            1 => join(format!("v1|mentor|{}|m{i}", NOW + 999).as_bytes(), &tag),
            // Random bytes in the right shape.
            2 => {
                let body: [u8; 24] = rand::random();
                join(&body, &tag)
            }
            // Random text.
            _ => {
                let len = rand::random::<u8>() as usize;
                (0..len).map(|_| rand::random::<u8>() as char).collect()
            }
        };
        assert_eq!(k.check(&forged, at(NOW)).ok(), None, "forgery {i} accepted");
        assert_eq!(k.verify(&forged, at(NOW)), Err(TokenRejected));
    }
}

#[test]
fn every_single_bit_flip_is_rejected() {
    let k = key();
    let token = k.issue(&claims("m-bits", Role::Mentee));
    let (payload, tag) = halves(&token);
    for i in 0..payload.len() * 8 {
        let mut p = payload.clone();
        p[i / 8] ^= 1 << (i % 8);
        assert_eq!(
            k.check(&join(&p, &tag), at(NOW)),
            Err(Why::BadSignature),
            "payload bit {i}"
        );
    }
    for i in 0..tag.len() * 8 {
        let mut t = tag.clone();
        t[i / 8] ^= 1 << (i % 8);
        assert_eq!(
            k.check(&join(&payload, &t), at(NOW)),
            Err(Why::BadSignature),
            "tag bit {i}"
        );
    }
    // And on the text itself: any changed character.
    let text = token.expose();
    for (i, c) in text.char_indices() {
        let other = if c == 'A' { 'B' } else { 'A' };
        let changed = format!("{}{other}{}", &text[..i], &text[i + 1..]);
        assert!(k.verify(&changed, at(NOW)).is_err(), "char {i}");
    }
}

#[test]
fn a_swapped_role_or_another_match_under_the_same_tag_is_rejected() {
    let k = key();
    let mentee = k.issue(&claims("m-a", Role::Mentee));
    let (payload, tag) = halves(&mentee);
    let text = String::from_utf8(payload).unwrap();
    let as_mentor = text.replace("|mentee|", "|mentor|");
    assert_eq!(
        k.check(&join(as_mentor.as_bytes(), &tag), at(NOW)),
        Err(Why::BadSignature)
    );
    let other_match = text.replace("|m-a", "|m-b");
    assert_eq!(
        k.check(&join(other_match.as_bytes(), &tag), at(NOW)),
        Err(Why::BadSignature)
    );
    let later = text.replace(
        &(NOW + 86_400).to_string(),
        &(NOW + 10 * 86_400).to_string(),
    );
    assert_eq!(
        k.check(&join(later.as_bytes(), &tag), at(NOW)),
        Err(Why::BadSignature),
        "extended expiry"
    );
    // Genuine tokens say exactly which match and role they are for.
    let mentor_b = k.issue(&claims("m-b", Role::Mentor));
    let got = k.verify(mentor_b.expose(), at(NOW)).unwrap();
    assert_eq!((got.match_id.as_str(), got.role), ("m-b", Role::Mentor));
    assert_ne!(
        mentee.expose(),
        k.issue(&claims("m-a", Role::Mentor)).expose()
    );
}

/// The epoch is signed (a holder cannot move her old link on to the new epoch), comes back
/// from verify, and links from before it existed read as epoch 0.
#[test]
fn the_link_epoch_is_signed_and_old_links_read_as_epoch_zero() {
    let k = key();
    let c = Claims {
        epoch: 3,
        ..claims("m-e", Role::Mentee)
    };
    let token = k.issue(&c);
    assert_eq!(k.verify(token.expose(), at(NOW)).unwrap(), c);
    let (payload, tag) = halves(&token);
    let text = String::from_utf8(payload).unwrap();
    let moved_on = text.replace("|3|m-e", "|4|m-e");
    assert_ne!(moved_on, text);
    assert_eq!(
        k.check(&join(moved_on.as_bytes(), &tag), at(NOW)),
        Err(Why::BadSignature)
    );
    // A v1 link as the assignment mails before issue 15 made them.
    let old = format!("v1|mentor|{}|m-old", NOW + 86_400);
    let old_tag = k
        .mac()
        .chain_update(DOMAIN)
        .chain_update(old.as_bytes())
        .finalize()
        .into_bytes();
    let got = k.verify(&join(old.as_bytes(), &old_tag), at(NOW)).unwrap();
    assert_eq!(
        (got.match_id.as_str(), got.role, got.epoch),
        ("m-old", Role::Mentor, 0)
    );
}

#[test]
fn an_expired_token_is_rejected_from_its_expiry_on() {
    let k = key();
    let token = k.issue(&claims("m-exp", Role::Mentee));
    let expiry = NOW + 86_400;
    assert!(k.verify(token.expose(), at(expiry - 1)).is_ok());
    assert_eq!(k.check(token.expose(), at(expiry)), Err(Why::Expired));
    assert_eq!(k.check(token.expose(), at(expiry + 1)), Err(Why::Expired));
}

#[test]
fn a_token_signed_with_another_key_is_rejected() {
    let token = SigningKey::generate().issue(&claims("m1", Role::Mentee));
    assert_eq!(key().check(token.expose(), at(NOW)), Err(Why::BadSignature));
}

#[test]
fn over_long_and_oddly_shaped_tokens_are_rejected_without_panicking() {
    let k = key();
    for bad in [
        "",
        ".",
        "..",
        "a.b.c",
        "éé.éé",
        "v1|mentee|1|m",
        &"A".repeat(10_000),
    ] {
        assert!(k.verify(bad, at(NOW)).is_err(), "{bad:.20}");
    }
}

#[test]
fn tokens_and_keys_never_print() {
    let k = key();
    let token = k.issue(&claims("m-secret", Role::Mentee));
    for shown in [
        format!("{token:?}"),
        format!("{token}"),
        format!("{k:?}"),
        format!("{:?}", Some(&token)),
    ] {
        assert!(shown.contains("[redacted]"), "{shown}");
        assert!(!shown.contains(token.expose()), "{shown}");
        assert!(!shown.contains("m-secret"));
    }
    let link = token.diary_link("https://mikke.example.jp/");
    assert_eq!(
        link,
        format!("https://mikke.example.jp/diary/#t={}", token.expose())
    );
}

#[test]
fn environment_keys_are_base64_of_32_bytes_or_more() {
    let bytes = [42u8; 32];
    for text in [
        STANDARD.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
        format!("  {}\n", STANDARD.encode(bytes)),
    ] {
        assert_eq!(
            SigningKey::from_base64(&text).unwrap(),
            SigningKey::from_bytes(&bytes).unwrap()
        );
    }
    let short = STANDARD.encode([1u8; 16]);
    let err = SigningKey::from_base64(&short).unwrap_err().to_string();
    assert!(err.contains("MIKKE_SIGNING_KEY"), "{err}");
    assert!(!err.contains(&short), "{err}");
    assert!(SigningKey::from_base64("not base64 at all!").is_err());
}

#[test]
fn the_development_key_is_created_once_private_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let first = SigningKey::load_or_create(dir.path()).unwrap();
    let again = SigningKey::load_or_create(dir.path()).unwrap();
    assert_eq!(first, again);
    let token = first.issue(&claims("m1", Role::Mentor));
    assert!(again.verify(token.expose(), at(NOW)).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(DEV_KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::write(dir.path().join(DEV_KEY_FILE), "short").unwrap();
    let err = SigningKey::load_or_create(dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("signing.key") && err.contains("delete it"),
        "{err}"
    );
}
