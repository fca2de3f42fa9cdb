//! A registered client: RFC 7591 §2 metadata and this server's settings.

use crate::grant_type::GrantType;
use serde::{Deserialize, Serialize};

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
        crate::store::pk::client_key(client_id)
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
