//! Is a webhook really from HighLevel (or from a workflow we gave the secret to)? Checked on
//! the raw body bytes before anything parses them, because re-serialised JSON would not match
//! what was signed.
//!
//! Three ways in, any one suffices:
//! - `X-GHL-Signature`: an Ed25519 signature (base64) of the body by HighLevel's key. This is
//!   how app webhooks arrive.
//! - `Authorization: Bearer <GHL_WEBHOOK_SECRET>`: workflow webhooks cannot sign, but they can
//!   send a static header.
//! - `X-Ops-Signature: sha256=<hex HMAC-SHA256 of the body keyed by GHL_WEBHOOK_SECRET>`, for
//!   senders that can sign but not with Ed25519.
//!
//! Secrets are compared in constant time. The legacy RSA `X-WH-Signature` is not accepted:
//! HighLevel retires it, and accepting two schemes for one sender only widens the door.

use base64::{Engine, engine::general_purpose};
use ed25519_dalek::{Signature, VerifyingKey, pkcs8::DecodePublicKey};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// HighLevel's published Ed25519 webhook key (SPKI, base64), used unless
/// `GHL_WEBHOOK_PUBLIC_KEY` replaces it after a key rotation.
pub const PUBLISHED_PUBLIC_KEY: &str =
    "MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=";

/// The credentials a webhook request carried, as raw header values.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebhookCredentials<'a> {
    /// `X-GHL-Signature`.
    pub ghl_signature: Option<&'a str>,
    /// `Authorization`.
    pub authorization: Option<&'a str>,
    /// `X-Ops-Signature`.
    pub ops_signature: Option<&'a str>,
}

/// How a webhook proved where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    Ed25519,
    BearerSecret,
    HmacSecret,
}

/// Reads an Ed25519 public key: base64 SPKI (as HighLevel publishes it), PEM, or the raw 32
/// bytes in base64 or hex.
pub fn parse_public_key(raw: &str) -> Result<VerifyingKey, String> {
    // Environment files often carry a PEM on one line with literal `\n`s.
    let text = raw.trim().replace("\\n", "\n");
    if text.starts_with("-----BEGIN") {
        return VerifyingKey::from_public_key_pem(&text)
            .map_err(|_| "is not an Ed25519 public key in PEM form".to_string());
    }
    let compact: String = text.split_whitespace().collect();
    // 64 hex digits are also valid base64, so hex is recognised first.
    let hex_key = compact.len() == 64 && compact.bytes().all(|b| b.is_ascii_hexdigit());
    let decoded = if hex_key {
        hex::decode(&compact).ok()
    } else {
        general_purpose::STANDARD
            .decode(&compact)
            .or_else(|_| general_purpose::STANDARD_NO_PAD.decode(&compact))
            .ok()
    };
    let bytes = decoded.ok_or_else(|| {
        "must be an Ed25519 public key: base64 SPKI, PEM, or 32 raw bytes".to_string()
    })?;
    match <[u8; 32]>::try_from(bytes.as_slice()) {
        Ok(raw_key) => VerifyingKey::from_bytes(&raw_key)
            .map_err(|_| "is not a valid Ed25519 public key".to_string()),
        Err(_) => VerifyingKey::from_public_key_der(&bytes)
            .map_err(|_| "is not an Ed25519 public key (SPKI)".to_string()),
    }
}

/// The key webhooks are checked against: the configured one, else HighLevel's published key.
pub fn webhook_key(configured: Option<&str>) -> Result<VerifyingKey, String> {
    parse_public_key(configured.unwrap_or(PUBLISHED_PUBLIC_KEY))
}

/// Accepts the request if any credential it carries checks out; otherwise says why not, in
/// words fit for the audit log (never echoing a secret).
pub fn verify(
    body: &[u8],
    credentials: &WebhookCredentials<'_>,
    key: &VerifyingKey,
    secret: Option<&[u8]>,
) -> Result<Verified, String> {
    let mut reasons = Vec::new();
    if let Some(signature) = credentials.ghl_signature {
        if ed25519_matches(body, signature, key) {
            return Ok(Verified::Ed25519);
        }
        reasons.push("X-GHL-Signature does not verify");
    }
    if let Some(authorization) = credentials.authorization {
        match (bearer_token(authorization), secret) {
            (Some(token), Some(secret)) if bool::from(token.as_bytes().ct_eq(secret)) => {
                return Ok(Verified::BearerSecret);
            }
            (_, None) => reasons.push("a bearer secret was sent but none is configured"),
            _ => reasons.push("the bearer secret is wrong"),
        }
    }
    if let Some(signature) = credentials.ops_signature {
        match secret {
            Some(secret) if hmac_matches(body, signature, secret) => {
                return Ok(Verified::HmacSecret);
            }
            Some(_) => reasons.push("X-Ops-Signature does not verify"),
            None => reasons.push("X-Ops-Signature was sent but no secret is configured"),
        }
    }
    if reasons.is_empty() {
        Err("no signature or secret was sent".to_string())
    } else {
        Err(reasons.join("; "))
    }
}

fn ed25519_matches(body: &[u8], signature: &str, key: &VerifyingKey) -> bool {
    let Ok(bytes) = general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(signature) = Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify_strict(body, &signature).is_ok()
}

fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

fn hmac_matches(body: &[u8], header: &str, secret: &[u8]) -> bool {
    let Some(hex_digest) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_digest) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&expected).is_ok()
}

/// `sha256=<hex>`: what a sender puts in `X-Ops-Signature` for `body` (tests and tools).
pub fn ops_signature(body: &[u8], secret: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer, SigningKey, pkcs8::EncodePublicKey};

    use super::*;

    fn signing_key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn the_published_key_parses_to_the_documented_bytes() {
        let key = parse_public_key(PUBLISHED_PUBLIC_KEY).unwrap();
        assert_eq!(
            hex::encode(key.as_bytes()),
            "8b61d1d6cacbe28d7c3bc0516bb815258ec6edbba96cddc7f40c09ac708388e8"
        );
        assert_eq!(webhook_key(None).unwrap(), key);
    }

    #[test]
    fn keys_parse_as_spki_pem_raw_base64_and_hex() {
        let key = signing_key().verifying_key();
        let der = key.to_public_key_der().unwrap();
        let spki = general_purpose::STANDARD.encode(der.as_bytes());
        let pem = key
            .to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .unwrap();
        for form in [
            spki,
            pem.clone(),
            pem.replace('\n', "\\n"),
            general_purpose::STANDARD.encode(key.as_bytes()),
            hex::encode(key.as_bytes()),
        ] {
            assert_eq!(parse_public_key(&form).unwrap(), key, "{form}");
        }
        for bad in [
            "",
            "not a key",
            "AAAA",
            "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----",
        ] {
            assert!(parse_public_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_ed25519_signature_of_the_exact_body_is_accepted_and_nothing_else() {
        let signer = signing_key();
        let key = signer.verifying_key();
        let body = br#"{"type":"ContactCreate","id":"c1"}"#;
        let signature = general_purpose::STANDARD.encode(signer.sign(body).to_bytes());
        let credentials = WebhookCredentials {
            ghl_signature: Some(&signature),
            ..Default::default()
        };
        assert_eq!(
            verify(body, &credentials, &key, None),
            Ok(Verified::Ed25519)
        );
        assert!(
            verify(
                b"{\"type\": \"ContactCreate\",\"id\":\"c1\"}",
                &credentials,
                &key,
                None
            )
            .is_err()
        );
        let other = SigningKey::from_bytes(&[9u8; 32]).verifying_key();
        assert!(verify(body, &credentials, &other, None).is_err());
        let garbage = WebhookCredentials {
            ghl_signature: Some("%%%"),
            ..Default::default()
        };
        assert!(verify(body, &garbage, &key, None).is_err());
    }

    #[test]
    fn the_shared_secret_works_as_bearer_or_hmac() {
        let key = signing_key().verifying_key();
        let body = b"{}";
        let secret = b"s3cret-value";
        let bearer = WebhookCredentials {
            authorization: Some("Bearer s3cret-value"),
            ..Default::default()
        };
        assert_eq!(
            verify(body, &bearer, &key, Some(secret)),
            Ok(Verified::BearerSecret)
        );
        assert!(
            verify(body, &bearer, &key, None).is_err(),
            "no secret configured"
        );
        let wrong = WebhookCredentials {
            authorization: Some("Bearer s3cret-valuX"),
            ..Default::default()
        };
        assert!(verify(body, &wrong, &key, Some(secret)).is_err());
        let signature = ops_signature(body, secret);
        let hmac = WebhookCredentials {
            ops_signature: Some(&signature),
            ..Default::default()
        };
        assert_eq!(
            verify(body, &hmac, &key, Some(secret)),
            Ok(Verified::HmacSecret)
        );
        assert!(verify(b"{ }", &hmac, &key, Some(secret)).is_err());
        let unprefixed = signature.trim_start_matches("sha256=").to_string();
        let bare = WebhookCredentials {
            ops_signature: Some(&unprefixed),
            ..Default::default()
        };
        assert!(verify(body, &bare, &key, Some(secret)).is_err());
        assert_eq!(
            verify(body, &WebhookCredentials::default(), &key, Some(secret)),
            Err("no signature or secret was sent".to_string())
        );
    }
}
