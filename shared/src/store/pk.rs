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

/// An authorization's sort key in the client index: the person's `sub`, then
/// its id.
pub fn authorization_csk(sub: &str, id: &str) -> String {
    format!("grant#{sub}#{id}")
}

/// The client index's prefix of a person's authorizations of a client, or of
/// everyone's.
pub(super) fn authorizations_csk_of(sub: Option<&str>) -> String {
    match sub {
        Some(sub) => format!("grant#{sub}#"),
        None => "grant#".to_string(),
    }
}

/// A consent's sort key in the client index.
pub(super) fn consent_csk(sub: &str) -> String {
    format!("consent#{sub}")
}

/// The owner index's prefix of an entity's items.
pub mod owned {
    pub const CONSENTS: &str = "consent#";
    pub const SESSIONS: &str = "session#";
    pub const CLIENTS: &str = "client#";
}

/// The published signing keys (public halves, states and dates).
pub const KEYSET: &str = "keyset";

/// The signing keys' private halves, each encrypted under the KMS key.
pub const KEYSET_SECRETS: &str = "keyset#secret";

/// The registered resource servers (one item).
pub const RESOURCES: &str = "resources";

/// A cached client ID metadata document, by the SHA-256 of its URL.
pub fn metadata_document_key(url: &str) -> String {
    format!("cimd#{}", sha256_hex(url))
}

/// An initial access token (RFC 7591 §3), by its SHA-256.
pub fn registration_token_key(token: &str) -> String {
    format!("regtoken#{}", sha256_hex(token))
}

/// The cookie key, KMS-encrypted.
pub const COOKIE_KEY: &str = "cookie-key";
