//! The form of the secrets this server hands out (codes, refresh tokens, opaque
//! access tokens): `{grant id}.{secret}`.
//!
//! The grant id (128 random bits) names the grant item that holds the
//! credential's SHA-256 and the grant's state, so that using any credential is
//! one read of that item, revocation included (docs/architecture.md, "The
//! table"). The secret is 256 random bits (RFC 6749 §10.10; RFC 9700 §4.5). Both
//! parts are base64url, which has no `.`: a credential has exactly one dot, a JWT
//! two, and a credential issued before grant items existed (a "per-token" one, 43
//! characters) none.

use crate::crypto;

/// What a presented value is, by its shape alone.
#[derive(Debug, PartialEq, Eq)]
pub enum Shape<'a> {
    /// `{grant id}.{secret}`.
    Bound { grant_id: &'a str },
    /// Three dot-separated parts: a JWT (RFC 7519 §7.2 checks the rest).
    Jwt,
    /// Issued before grant items: a bare 43-character secret.
    PerToken,
    /// Anything else: no such credential exists.
    Unknown,
}

/// A new grant id: 128 random bits, base64url (22 characters).
pub fn new_grant_id() -> String {
    crypto::random_b64(16)
}

/// Whether a grant id is a family id from before grant items (128 bits as 32
/// hex digits): a redeemed per-token code or refresh token continues its family
/// as the grant of that id, and the family may still have per-token items.
pub fn is_per_token_family(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A new credential of the grant: `{grant id}.{256 random bits}`.
pub fn mint(grant_id: &str) -> String {
    format!("{grant_id}.{}", crypto::random_token())
}

/// The stored form of a credential: SHA-256, base64url.
pub fn digest(value: &str) -> String {
    crypto::sha256_b64(value)
}

fn is_b64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Tells a presented value's shape without any lookup.
pub fn shape(value: &str) -> Shape<'_> {
    let mut parts = value.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(id), Some(secret), None, None)
            if (id.len() == 22 || is_per_token_family(id))
                && secret.len() == 43
                && is_b64url(id)
                && is_b64url(secret) =>
        {
            Shape::Bound { grant_id: id }
        }
        (Some(_), Some(_), Some(_), None) => Shape::Jwt,
        (Some(v), None, None, None) if v.len() == 43 && is_b64url(v) => Shape::PerToken,
        _ => Shape::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_credential_names_its_grant() {
        let id = new_grant_id();
        assert_eq!(id.len(), 22);
        let c = mint(&id);
        assert_eq!(shape(&c), Shape::Bound { grant_id: &id });
        assert_ne!(mint(&id), c, "256 fresh bits each time");
    }

    #[test]
    fn a_per_token_family_continues_as_a_grant_of_the_same_id() {
        let family = crypto::random_id();
        assert!(is_per_token_family(&family));
        assert!(!is_per_token_family(&new_grant_id()));
        let c = mint(&family);
        assert_eq!(shape(&c), Shape::Bound { grant_id: &family });
    }

    #[test]
    fn jwts_per_token_values_and_garbage_are_told_apart() {
        assert_eq!(shape("eyJh.eyJz.c2ln"), Shape::Jwt);
        assert_eq!(shape(&crypto::random_token()), Shape::PerToken);
        for bad in [
            "",
            "x",
            "a.b",
            "a.b.c.d",
            "AAAAAAAAAAAAAAAAAAAAAA.short",
            &"é".repeat(43),
        ] {
            assert_eq!(shape(bad), Shape::Unknown, "{bad}");
        }
    }

    #[test]
    fn the_stored_digest_is_sha256_base64url() {
        // FIPS 180-2 "abc", base64url without padding.
        assert_eq!(digest("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    }
}
