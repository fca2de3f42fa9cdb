//! The items of the table, mapped to and from DynamoDB by `serde_dynamo`.

use crate::grant_type::GrantType;
use serde::{Deserialize, Serialize};

/// The tenant used when a request names none.
pub const DEFAULT_TENANT: &str = "default";

/// A registered OAuth client.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Client {
    pub pk: String,
    pub client_id: String,
    pub name: String,
    /// SHA-256 of the secret; `None` for a public client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    /// Scopes the client may be granted.
    pub scopes: Vec<String>,
    /// Scopes granted when a request names none.
    pub default_scopes: Vec<String>,
    /// Grant types the client may use (`authorization_code`, `refresh_token`, `password`, …).
    pub grants: Vec<String>,
    /// Access-token lifetime in seconds; `None` = deployment default, `Some(0)` = never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_ttl: Option<i64>,
    /// Refresh-token lifetime in seconds; `None` = deployment default, `Some(0)` = never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_ttl: Option<i64>,
    #[serde(default)]
    pub disabled: bool,
    pub created_at: i64,
}

impl Client {
    pub fn key(client_id: &str) -> String {
        super::keys::client_key(client_id)
    }
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grants.iter().any(|g| g == grant.as_str())
    }
}

/// A resource owner.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub pk: String,
    pub sub: String,
    pub tenant: String,
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Profile claims as a JSON object, stored as JSON text so every JSON type
    /// (numbers, strings, booleans, nesting) comes back exactly as it went in.
    pub claims: String,
    pub created_at: i64,
}

impl User {
    pub fn key(tenant: &str, email: &str) -> String {
        super::keys::user_key(tenant, email)
    }
}

/// Emails are matched case-insensitively.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A browser session at the authorize endpoint.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Session {
    /// `session#{sha256(cookie)}`
    pub pk: String,
    pub sub: String,
    pub tenant: String,
    pub email: String,
    /// The user's claims (JSON object text), copied to codes issued in this session.
    pub claims: String,
    /// CSRF token bound to this session, derived from the cookie when the session
    /// is read ([`crate::crypto::csrf_token`]); never stored.
    #[serde(skip)]
    pub csrf: String,
    pub expires_at: i64,
}

/// What a grant is about: the resource owner (if any) and the scope. Copied from
/// the code to every token of the family so userinfo needs one read.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct Grant {
    pub scope: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The resource owner's email, reported as `username`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The user's claims (JSON object text) for userinfo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<String>,
}

/// An authorization code.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CodeItem {
    /// `code#{sha256(code)}`
    pub pk: String,
    pub client_id: String,
    pub family: String,
    pub grant: Grant,
    /// The redirect URI the code was issued for.
    pub redirect_uri: String,
    /// Whether the authorization request carried `redirect_uri` explicitly.
    pub redirect_uri_given: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    pub expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<i64>,
}

/// An access or refresh token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TokenItem {
    /// `at#{sha256(token)}` or `rt#{sha256(token)}`
    pub pk: String,
    pub client_id: String,
    pub family: String,
    pub grant: Grant,
    pub iat: i64,
    /// `None`: never expires (no TTL attribute at all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<i64>,
}

/// Written when a grant family is revoked: in-flight issuance into the family
/// checks for it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(super) struct FamilyMarker {
    pub pk: String,
    pub revoked_at: i64,
    pub expires_at: i64,
}

/// The outcome of consuming a single-use item (code or refresh token).
#[derive(Debug, PartialEq)]
pub enum Consumed<T> {
    /// This request consumed it; the stamp releases it again if the caller must.
    Fresh(T, i64),
    /// It had been consumed before: a replay.
    Replayed(T),
    /// No such item, expired, or issued to another client.
    Invalid,
}
