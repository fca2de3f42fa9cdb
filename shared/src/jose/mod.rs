//! The JOSE the server speaks: JWS compact serialization (RFC 7515 §7.1) with
//! RS256 (RFC 7518 §3.3) only, and RSA public keys as JWKs (RFC 7517, RFC 7518
//! §6.3.1). The cryptography is `ring`'s (verification) and `aws-lc-rs`'s
//! (signing, in [`crate::keys`]); this module only encodes, decodes and checks.
//!
//! Verification is strict: exactly three parts, `alg` must be `RS256` (never
//! `none`, never a symmetric algorithm), `kid` must name one of our published
//! keys, `typ` must be the one expected for the token type (RFC 8725 §3.11).
//!
//! [`issued`] reads back the JWTs this server issued (ID-token hints, JWT
//! access tokens) and checks their claims.

pub mod issued;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const RS256: &str = "RS256";

/// The longest JWT accepted (far above anything we sign; keeps parsing bounded).
pub const MAX_JWT_LEN: usize = 8 * 1024;

/// The protected header of the JWSs we sign.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    pub alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
}

/// An RSA public signing key (RFC 7517 §4, RFC 7518 §6.3.1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Jwk {
    pub kty: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub use_: String,
    /// Modulus, base64url big-endian without leading zeros.
    pub n: String,
    /// Public exponent, likewise.
    pub e: String,
}

impl Jwk {
    /// The JWK of an RS256 signing key from its modulus and exponent bytes.
    pub fn rsa(kid: &str, n: &[u8], e: &[u8]) -> Self {
        Self {
            kty: "RSA".into(),
            kid: kid.into(),
            alg: RS256.into(),
            use_: "sig".into(),
            n: URL_SAFE_NO_PAD.encode(n),
            e: URL_SAFE_NO_PAD.encode(e),
        }
    }
}

/// `BASE64URL(header) '.' BASE64URL(claims)`: what is signed (RFC 7515 §5.1).
pub fn signing_input(header: &Header, claims: &Value) -> String {
    let h = serde_json::to_vec(header).unwrap_or_default();
    let c = serde_json::to_vec(claims).unwrap_or_default();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(h),
        URL_SAFE_NO_PAD.encode(c)
    )
}

/// The compact serialization: the signing input, `.`, the signature.
pub fn compact(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// Why a JWT was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoseError {
    Malformed,
    /// An algorithm other than RS256, or a `typ` not expected here.
    Unacceptable,
    /// A `kid` we do not publish (retired, or never ours).
    UnknownKey,
    BadSignature,
}

/// A JWT whose signature checked out. Its claims are not validated yet: each
/// token type checks its own (issuer, audience, expiry).
#[derive(Debug, Clone)]
pub struct Verified {
    pub header: Header,
    pub claims: Map<String, Value>,
}

fn part(s: &str) -> Result<Vec<u8>, JoseError> {
    URL_SAFE_NO_PAD.decode(s).map_err(|_| JoseError::Malformed)
}

/// Verifies a compact JWS signed with one of `keys`, whose `typ` is one of
/// `typs` (`None` in the list: no `typ` header).
pub fn verify<'k>(
    token: &str,
    keys: impl IntoIterator<Item = &'k Jwk>,
    typs: &[Option<&str>],
) -> Result<Verified, JoseError> {
    if token.len() > MAX_JWT_LEN {
        return Err(JoseError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JoseError::Malformed);
    };
    let header: Header = serde_json::from_slice(&part(h)?).map_err(|_| JoseError::Malformed)?;
    if header.alg != RS256 || !typs.contains(&header.typ.as_deref()) {
        return Err(JoseError::Unacceptable);
    }
    let kid = header.kid.as_deref().ok_or(JoseError::UnknownKey)?;
    let key = keys
        .into_iter()
        .find(|k| k.kid == kid && k.kty == "RSA")
        .ok_or(JoseError::UnknownKey)?;
    let (n, e) = (part(&key.n)?, part(&key.e)?);
    let public = ring::signature::RsaPublicKeyComponents { n: &n, e: &e };
    let signed = &token[..h.len() + 1 + c.len()];
    public
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &part(s)?,
        )
        .map_err(|_| JoseError::BadSignature)?;
    match serde_json::from_slice(&part(c)?) {
        Ok(Value::Object(claims)) => Ok(Verified { header, claims }),
        _ => Err(JoseError::Malformed),
    }
}

/// OpenID Connect Core §3.1.3.6: the left half of the SHA-256 of the access
/// token's ASCII, base64url (the hash of RS256).
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// A numeric claim.
pub fn int_claim(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    claims.get(name).and_then(Value::as_i64)
}

/// A string claim.
pub fn str_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// Whether an `aud` claim (a string or an array, RFC 7519 §4.1.3) names `who`.
pub fn aud_contains(claims: &Map<String, Value>, who: &str) -> bool {
    match claims.get("aud") {
        Some(Value::String(a)) => a == who,
        Some(Value::Array(v)) => v.iter().any(|a| a.as_str() == Some(who)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_oidc_core_appendix_a3() {
        // OpenID Connect Core 1.0, Appendix A.3 (access token and its at_hash).
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }

    #[test]
    fn a_jwk_is_the_base64url_of_the_key_bytes() {
        let k = Jwk::rsa("k1", &[0xff, 0x01], &[1, 0, 1]);
        let v = serde_json::to_value(&k).unwrap();
        assert_eq!(v["use"], "sig");
        assert_eq!(v["e"], "AQAB");
        assert_eq!(v["n"], "_wE");
    }

    #[test]
    fn anything_but_rs256_with_a_known_kid_and_the_expected_typ_is_refused() {
        let key = Jwk::rsa("k1", &[1; 256], &[1, 0, 1]);
        let token = |h: &str| format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(h));
        let jwt = [Some("JWT")];
        for (h, why) in [
            (
                r#"{"alg":"none","kid":"k1","typ":"JWT"}"#,
                JoseError::Unacceptable,
            ),
            (
                r#"{"alg":"HS256","kid":"k1","typ":"JWT"}"#,
                JoseError::Unacceptable,
            ),
            (
                r#"{"alg":"RS256","kid":"k1","typ":"at+jwt"}"#,
                JoseError::Unacceptable,
            ),
            (r#"{"alg":"RS256","typ":"JWT"}"#, JoseError::UnknownKey),
            (
                r#"{"alg":"RS256","kid":"k2","typ":"JWT"}"#,
                JoseError::UnknownKey,
            ),
            (
                r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#,
                JoseError::BadSignature,
            ),
        ] {
            assert_eq!(verify(&token(h), [&key], &jwt).unwrap_err(), why, "{h}");
        }
        assert_eq!(
            verify("a.b", [&key], &jwt).unwrap_err(),
            JoseError::Malformed
        );
        assert_eq!(
            verify(&"a.".repeat(5000), [&key], &jwt).unwrap_err(),
            JoseError::Malformed
        );
    }

    #[test]
    fn aud_is_a_string_or_an_array() {
        let c = |v: Value| v.as_object().unwrap().clone();
        assert!(aud_contains(&c(serde_json::json!({"aud": "a"})), "a"));
        assert!(aud_contains(
            &c(serde_json::json!({"aud": ["b", "a"]})),
            "a"
        ));
        assert!(!aud_contains(&c(serde_json::json!({"aud": ["b"]})), "a"));
    }
}
