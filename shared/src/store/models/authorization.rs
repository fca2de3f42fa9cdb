//! An authorization: what was granted, and the code and tokens issued from it.

use serde::{Deserialize, Serialize};

/// What a grant is about: the resource owner (if any) and the scope. Copied from
/// the code to every token of the family so userinfo needs one read.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct Granted {
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
    /// When the user signed in for this grant (OpenID Connect `auth_time`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The browser session the grant came from (`sid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The authorization request's `nonce`, for the code's ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The resources (RFC 8707) granted: the access tokens' audiences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Claims the client asked for by name in the ID token (the `claims`
    /// parameter's `id_token` member, OpenID Connect Core §5.5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_token_claims: Vec<String>,
    /// Whether userinfo releases the user's flat stored claims whatever the
    /// scope (a client with `legacy_claims`); `None` in authorizations from
    /// before the setting, which kept the old rule (flat claims without `openid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flat_claims: Option<bool>,
    /// How the user signed in (RFC 8176); `None` in authorizations from before
    /// it was kept, when a password was the only way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
}

/// A grant: one item per authorization (a code and the tokens issued from it,
/// or a password or client-credentials grant), `grant#{grant id}`. Every
/// credential of the grant carries its id ([`crate::credential`]), so using one
/// is one read of this item: its state, revocation included, is always seen.
/// Writes replace the whole item, conditioned on the version `v` they read.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Authorization {
    /// `grant#{grant id}`
    pub pk: String,
    /// Incremented by every write (optimistic concurrency).
    pub v: u64,
    pub client_id: String,
    /// The resource owner and the scope as granted; a refresh never narrows it.
    #[serde(rename = "grant")]
    pub granted: Granted,
    pub created_at: i64,
    /// The absolute end of the grant: no refresh after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<AccessSlot>,
    /// The access token before the current one: still valid until it expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_access: Option<AccessSlot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<RefreshSlot>,
    /// The refresh token the current one replaced: presenting it again is a replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_refresh: Option<UsedRefresh>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
    /// TTL: the grant's last credential's expiry (none while one never expires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Its key in the client index ([`crate::store::pk::authorization_csk`]): found
    /// by (client, person) without a Scan. `None` in items from before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csk: Option<String>,
}

/// An authorization code of a grant.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CodeState {
    /// SHA-256 of the code (base64url).
    pub hash: String,
    pub expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<i64>,
    /// The redirect URI the code was issued for.
    pub redirect_uri: String,
    /// Whether the authorization request carried `redirect_uri` explicitly.
    pub redirect_uri_given: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
}

/// An access token of a grant.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AccessSlot {
    /// SHA-256 (base64url) of the token as it is presented: the opaque
    /// credential, or a JWT's whole compact form — never its `jti`, which
    /// resource servers log, so that the `jti` is no credential.
    pub hash: String,
    pub iat: i64,
    /// `None`: never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Set when narrower than the grant's scope (a refresh asked for less).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
    /// The audience it was issued for (RFC 8707 §2, RFC 9068 §3); empty in
    /// tokens issued before audiences were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aud: Vec<String>,
}

/// The current refresh token of a grant.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RefreshSlot {
    /// SHA-256 of the token (base64url).
    pub hash: String,
    /// `None`: never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
}

/// A rotated refresh token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct UsedRefresh {
    pub hash: String,
    pub rotated_at: i64,
    /// Whether its one retry within the grace period has been used.
    #[serde(default)]
    pub retried: bool,
}
