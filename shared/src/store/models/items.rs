//! The table's other items: metadata documents, initial access tokens, registered
//! resource servers, signing keys and the cookie key.

use super::AccessTokenFormat;
use serde::{Deserialize, Serialize};

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
            pk: crate::store::pk::metadata_document_key(url),
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
