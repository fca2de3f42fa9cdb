//! How each item's partition key is built. Secrets appear only as SHA-256.

use crate::crypto::sha256_hex;

pub fn client_key(client_id: &str) -> String {
    format!("client#{client_id}")
}

pub fn user_key(tenant: &str, email: &str) -> String {
    format!("user#{tenant}#{}", super::normalize_email(email))
}

pub fn code_key(code: &str) -> String {
    format!("code#{}", sha256_hex(code))
}

pub fn access_key(token: &str) -> String {
    format!("at#{}", sha256_hex(token))
}

pub fn refresh_key(token: &str) -> String {
    format!("rt#{}", sha256_hex(token))
}

pub fn session_key(cookie: &str) -> String {
    format!("session#{}", sha256_hex(cookie))
}

pub(super) fn consent_key(sub: &str, client_id: &str) -> String {
    format!("consent#{sub}#{client_id}")
}

pub(super) fn throttle_key(key: &str) -> String {
    format!("throttle#{key}")
}

pub fn grant_key(grant_id: &str) -> String {
    format!("grant#{grant_id}")
}

/// The published signing keys (public halves, states and dates).
pub const KEYSET: &str = "keyset";

/// The signing keys' private halves, each encrypted under the KMS key.
pub const KEYSET_SECRETS: &str = "keyset#secret";

/// The cookie key, KMS-encrypted.
pub const COOKIE_KEY: &str = "cookie-key";
