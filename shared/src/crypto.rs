//! Randomness, hashing and constant-time comparison. Nothing here is hand-rolled
//! cryptography: it wires `rand`, `sha2`, `subtle`, `base64` and `argon2`.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::TryRngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// 256 random bits from the OS RNG, base64url without padding (43 characters).
pub fn random_token() -> String {
    random_b64(32)
}

/// `N` random bytes from the OS RNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("OS RNG");
    bytes
}

/// `n` random bytes from the OS RNG, base64url without padding.
pub fn random_b64(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("OS RNG");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// 128 random bits as lowercase hex: identifiers (subjects, families), not secrets.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("OS RNG");
    hex::encode(bytes)
}

/// SHA-256 of a secret value, hex: the only form in which codes, tokens, session
/// cookies and client secrets are stored.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// SHA-256 of a value, base64url without padding (43 characters): the stored
/// form of codes and tokens in grant items.
pub fn sha256_b64(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(value.as_bytes()))
}

/// Constant-time equality of two strings (length may leak, content does not).
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// RFC 7636 S256: BASE64URL(SHA256(verifier)) == challenge, compared in constant time.
pub fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    ct_eq(&computed, challenge)
}

/// RFC 7636 §4.1/§4.2: 43..=128 characters of `[A-Za-z0-9-._~]`.
pub fn is_valid_pkce_value(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Argon2id parameters: 19 MiB, 2 passes, 1 lane (the OWASP minimum). One
/// verification takes ~20 MiB of memory and tens of milliseconds on a 1769 MB
/// (one full vCPU) Lambda; see README "Password hashing".
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A password as it is hashed: Unicode NFC (RFC 8265 §4.2, the OpaqueString
/// profile; NIST SP 800-63B §5.1.1.2), so that the same characters typed in
/// another normalisation form are the same password.
pub fn normalize_password(password: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    password.nfc().collect()
}

/// Hashes a password (normalised) to a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2()
        .hash_password(normalize_password(password).as_bytes(), &salt)
        .expect("argon2 hashing")
        .to_string()
}

/// Verifies a password against a PHC string; a malformed hash never verifies.
/// The password is normalised first; a hash made before passwords were
/// normalised may hold the characters as typed, which are tried too.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let check = |p: &str| argon2().verify_password(p.as_bytes(), &parsed).is_ok();
    let normalized = normalize_password(password);
    check(&normalized) || (normalized != password && check(password))
}

/// A well-formed Argon2id PHC string with the parameters of every password's
/// hash, whose salt and hash were drawn at random: no password verifies against
/// it. Verified when the user does not exist, so that "no such user" and "wrong
/// password" cost the same Argon2id run. A constant: nothing is computed on
/// first use, so the first unknown-user attempt costs what the next ones do.
pub const DUMMY_PASSWORD_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$8Ng2ZcZLJtKJm61pnlnSdA$3ZeTKClwgqUV4jkVwT/JApZXfBEGGPIhTpGq5sv/yhs";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_carry_256_bits_and_differ() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
    }

    #[test]
    fn stored_hashes_are_lowercase_hex_sha256() {
        // FIPS 180-2 test vector: stored keys of existing tables depend on this form.
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let id = random_id();
        assert_eq!(id.len(), 32);
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }

    #[test]
    fn pkce_s256_matches_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_s256_matches(verifier, challenge));
        assert!(!pkce_s256_matches(
            "wrong-verifier-wrong-verifier-wrong-verifier",
            challenge
        ));
        assert!(is_valid_pkce_value(verifier));
        assert!(!is_valid_pkce_value("short"));
    }

    #[test]
    fn the_dummy_hash_has_the_parameters_of_real_hashes_and_verifies_nothing() {
        let params = |phc: &str| phc.split('$').nth(3).unwrap().to_string();
        assert_eq!(params(DUMMY_PASSWORD_HASH), params(&hash_password("x")));
        assert!(PasswordHash::new(DUMMY_PASSWORD_HASH).is_ok());
        assert!(!verify_password("", DUMMY_PASSWORD_HASH));
        assert!(!verify_password("password", DUMMY_PASSWORD_HASH));
    }

    #[test]
    fn password_hashes_are_argon2id_phc_strings_that_verify() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a phc string"));
    }
}
