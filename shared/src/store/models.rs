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
    /// The longest a grant may be refreshed, from its start; `None` = deployment
    /// default, `Some(0)` = no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_grant_ttl: Option<i64>,
    /// What its access tokens are: opaque (the default) or RFC 9068 JWTs.
    #[serde(default)]
    pub access_token_format: AccessTokenFormat,
    /// Where RP-initiated logout may send the browser back to (exact match).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_logout_redirect_uris: Vec<String>,
    /// The resources (RFC 8707) its tokens may be for: their audiences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// The audience of its tokens when a request names no resource (RFC 8707
    /// §2); `None`: the deployment's `DEFAULT_AUDIENCE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_resource: Option<String>,
    /// A resource server may introspect any client's tokens; other clients
    /// only their own (RFC 7662 §4).
    #[serde(default)]
    pub resource_server: bool,
    /// Written against a legacy API that hands out the user's flat stored
    /// claims at userinfo and `username` in token responses, whatever the
    /// scope (docs/compatibility.md); others get only what their scopes
    /// release (OpenID Connect Core §5.4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legacy_claims: bool,
    /// Registered by an operator with `http` redirect URIs off loopback, for a
    /// legacy client that cannot use https.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_http_redirect: bool,
    #[serde(default)]
    pub disabled: bool,
    pub created_at: i64,
    /// How it came to be registered.
    #[serde(default)]
    pub registered_by: RegisteredBy,
    /// The developer who registered it in the portal (their `sub`): the owner
    /// index's key, so "my apps" is one Query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// What it says about itself (RFC 7591 §2), shown to people.
    #[serde(default, skip_serializing_if = "About::is_empty")]
    pub about: About,
    /// `web` or `native` (OpenID Connect Registration §2), when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_type: Option<String>,
    /// How it authenticates at the token endpoint (RFC 7591 §2), when it
    /// registered one; otherwise any method of its kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    /// The secret before the last rotation, accepted until its `until`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret: Option<PreviousSecret>,
    /// SHA-256 of its RFC 7592 registration access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_token_hash: Option<String>,
    /// Registered by someone the operator does not know (open registration,
    /// a metadata document): the consent page is always shown, and says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unverified: bool,
    /// PKCE even when confidential (open registrations).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_pkce: bool,
    /// TTL: an open registration that is never used goes at this time; each
    /// use pushes it forward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// How a client came to be registered.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum RegisteredBy {
    /// `oauthctl client create`.
    #[default]
    Operator,
    /// A developer in the portal (`/developers`).
    Portal,
    /// RFC 7591 dynamic registration.
    Dynamic,
    /// A client ID metadata document (never stored as a client item).
    MetadataDocument,
}

impl RegisteredBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Portal => "portal",
            Self::Dynamic => "dynamic",
            Self::MetadataDocument => "metadata_document",
        }
    }
}

/// RFC 7591 §2 metadata a client shows people.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct About {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tos_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
}

impl About {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// A rotated-out secret, still accepted for a while (no outage for an app
/// whose deployments change over one by one).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PreviousSecret {
    pub hash: String,
    pub until: i64,
}

/// The form of a client's access tokens.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum AccessTokenFormat {
    /// `{grant id}.{secret}`, meaningful only to us (userinfo, introspection).
    #[default]
    Opaque,
    /// An RFC 9068 JWT an API can validate by itself.
    Jwt,
}

impl Client {
    pub fn key(client_id: &str) -> String {
        super::pk::client_key(client_id)
    }
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }
    /// Whether the client is gone at `now`: an unused open registration
    /// past its TTL (TTL deletes late: every read checks).
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
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
    /// A disabled user cannot sign in or use the password grant.
    #[serde(default)]
    pub disabled: bool,
    /// May register apps in the developer portal (`oauthctl user update --developer`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub developer: bool,
    pub created_at: i64,
}

impl User {
    pub fn key(tenant: &str, email: &str) -> String {
        super::pk::user_key(tenant, email)
    }
}

/// Emails are matched case-insensitively and whatever their Unicode
/// normalisation form (NFC, RFC 8265 §3): one address, one user, one lockout.
pub fn normalize_email(email: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    email.trim().nfc().collect::<String>().to_lowercase()
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
    /// The session's id in ID tokens (`sid`): not the cookie, not a secret.
    #[serde(default)]
    pub sid: String,
    /// When the user signed in (OpenID Connect `auth_time`).
    #[serde(default)]
    pub auth_time: i64,
    /// How (RFC 8176 `amr` values); empty in sessions from before it was kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// The person's `sub` again, as the owner index's key (their sessions).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub owner: String,
    /// Whether the user was a developer when they signed in (the portal).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub developer: bool,
    /// When the session started, and from what browser (shown on the account page).
    #[serde(default)]
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_agent: String,
    pub expires_at: i64,
}

impl Session {
    /// How the user signed in: a password, for sessions from before `amr`
    /// was kept (the only method there was).
    pub fn amr(&self) -> Vec<String> {
        if self.amr.is_empty() {
            vec!["pwd".into()]
        } else {
            self.amr.clone()
        }
    }
}

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
    /// Its key in the client index ([`super::pk::authorization_csk`]): found
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

/// A client for unit tests: confidential (secret `s`) unless `public`, with the
/// code grant, scopes `read write` (default `read`).
#[cfg(test)]
pub(crate) fn test_client(public: bool, redirect_uris: &[&str]) -> Client {
    Client {
        pk: Client::key("c"),
        client_id: "c".into(),
        name: "C".into(),
        secret_hash: (!public).then(|| crate::crypto::sha256_hex("s")),
        redirect_uris: redirect_uris.iter().map(|u| u.to_string()).collect(),
        scopes: vec!["read".into(), "write".into()],
        default_scopes: vec!["read".into()],
        grants: vec!["authorization_code".into()],
        access_ttl: None,
        refresh_ttl: None,
        max_grant_ttl: None,
        access_token_format: AccessTokenFormat::Opaque,
        post_logout_redirect_uris: vec![],
        resources: vec![],
        default_resource: None,
        resource_server: false,
        legacy_claims: false,
        allow_http_redirect: false,
        disabled: false,
        created_at: 0,
        registered_by: RegisteredBy::Operator,
        owner: None,
        about: About::default(),
        application_type: None,
        token_endpoint_auth_method: None,
        previous_secret: None,
        registration_token_hash: None,
        unverified: false,
        require_pkce: false,
        expires_at: None,
    }
}

/// A client ID metadata document as fetched, kept for a while:
/// `cimd#{sha256(url)}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MetadataDocumentItem {
    pub pk: String,
    pub url: String,
    /// The JSON as fetched (checked again on every use).
    pub document: String,
    pub fetched_at: i64,
    pub expires_at: i64,
}

impl MetadataDocumentItem {
    pub fn new(url: &str, document: String, now: i64, ttl: i64) -> Self {
        Self {
            pk: super::pk::metadata_document_key(url),
            url: url.to_string(),
            document,
            fetched_at: now,
            expires_at: now + ttl,
        }
    }
}

/// An initial access token (RFC 7591 §3): `regtoken#{sha256(token)}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RegistrationTokenItem {
    pub pk: String,
    /// The scopes a client registered with it may have (`None`: the
    /// registration scopes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// How many registrations it allows (`None`: any number until it expires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<i64>,
    /// How many it has made.
    #[serde(default)]
    pub uses: i64,
    /// Who made it in the portal (their `sub`), if anyone did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub created_at: i64,
    /// TTL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// The registered resource servers: `resources`, one item.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct ResourcesItem {
    pub pk: String,
    /// Incremented by every write; writes are conditioned on it.
    pub v: u64,
    pub resources: Vec<Resource>,
}

/// A resource server an operator registered (`oauthctl resource create`): a
/// token asked for it (RFC 8707 `resource=` its URI) carries it as its only
/// audience, in its format and lifetime, with only its scopes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Resource {
    pub uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The scopes it defines; any client may ask for them with it.
    pub scopes: Vec<String>,
    pub access_token_format: AccessTokenFormat,
    /// Access-token lifetime in seconds; `None`: the deployment's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_ttl: Option<i64>,
    pub created_at: i64,
}

/// The signing keys, public halves: `keyset`, one item. A key's state follows
/// from its dates and the time ([`crate::keys::lifecycle`]): published from
/// `created_at`, signing from `sign_from` until `sign_until`, published until
/// `retire_at`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct KeySetItem {
    pub pk: String,
    /// Incremented by every write; writes are conditioned on it.
    pub v: u64,
    pub keys: Vec<SigningKey>,
}

/// One signing key's public half and dates.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SigningKey {
    pub kid: String,
    pub alg: String,
    pub created_at: i64,
    pub sign_from: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_until: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retire_at: Option<i64>,
    /// RSA modulus and exponent, base64url (as in its JWK).
    pub n: String,
    pub e: String,
}

/// The signing keys' private halves: `keyset#secret`, each a PKCS#8 document
/// encrypted by KMS under the deployment's key (envelope encryption), never in
/// clear at rest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct KeySecretsItem {
    pub pk: String,
    pub secrets: Vec<KeySecret>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct KeySecret {
    pub kid: String,
    /// The KMS key it is encrypted under (ARN), for decryption and audit.
    pub kms_key: String,
    /// The KMS ciphertext, base64.
    pub ciphertext: String,
}

/// The cookie key (HMAC), encrypted by KMS: `cookie-key`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CookieKeyItem {
    pub pk: String,
    pub kms_key: String,
    /// The KMS ciphertext, base64.
    pub ciphertext: String,
}
