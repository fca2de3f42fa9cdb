//! Clients: register, change, disable or enable, delete, list, show.
//! Disabling or deleting a client revokes every grant it holds.

use super::{invalid, AdminError};
use crate::crypto;
use crate::registration::{self, Refusal, Registrar};
use crate::store::{AccessTokenFormat, Client, Store};
use serde_json::{json, Value};

pub use crate::registration::NewClient;

/// What `oauthctl client update` changes; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct ClientChange {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub default_scopes: Option<Vec<String>>,
    pub grants: Option<Vec<String>>,
    pub access_ttl: Option<i64>,
    pub refresh_ttl: Option<i64>,
    pub max_grant_ttl: Option<i64>,
    pub access_token_format: Option<AccessTokenFormat>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub resources: Option<Vec<String>>,
    pub default_resource: Option<String>,
    pub resource_server: Option<bool>,
    pub legacy_claims: Option<bool>,
    pub allow_http_redirect: Option<bool>,
}

/// A registration's refusal, as oauthctl says it.
fn refused(r: Refusal) -> AdminError {
    invalid(r.description)
}

/// Registers a client (the operator's registration, [`crate::registration`]);
/// returns it and its secret (shown once, stored hashed).
pub async fn create_client(
    store: &Store,
    new: NewClient,
    now: i64,
) -> Result<(Client, Option<String>), AdminError> {
    // 128 random bits, base64url: never of a user's `sub` form (32 hex digits).
    let id = new.id.clone().unwrap_or_else(|| crypto::random_b64(16));
    check_client_id(&id)?;
    let public = new.public;
    let client = registration::settle(new, id, &Registrar::Operator, &[], now).map_err(refused)?;
    let (secret, hash) = match public {
        true => (None, None),
        false => {
            let (s, h) = registration::new_secret();
            (Some(s), Some(h))
        }
    };
    let client = Client {
        secret_hash: hash,
        ..client
    };
    store.put_client(&client, true).await?;
    Ok((client, secret))
}

/// A client id is 1-128 printable characters, and can be mistaken for
/// nothing else:
/// - not of the form of a user's `sub` (32 lowercase hex digits), so that a
///   client-credentials token's `sub` (the client id, RFC 9068 §2.2) never
///   names a user (RFC 9700 §4.15);
/// - not a URI (no `:`), so that it is never the issuer or a resource, and an
///   ID token (`aud` = the client id) never passes as an access token at an
///   API whose audience is that URI.
pub fn check_client_id(id: &str) -> Result<(), AdminError> {
    if id.is_empty() || id.len() > 128 || id.contains(char::is_control) {
        return Err(invalid("client id must be 1-128 printable characters"));
    }
    if id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(invalid(
            "client id must not have the form of a user's subject id (32 hex digits)",
        ));
    }
    if id.contains(':') {
        return Err(invalid(
            "client id must not be a URI (no ':'): it could be mistaken for a resource or the issuer",
        ));
    }
    Ok(())
}

async fn existing(store: &Store, client_id: &str) -> Result<Client, AdminError> {
    store
        .get_client(client_id)
        .await?
        .ok_or_else(|| invalid("no such client"))
}

/// Changes a client's settings, checked as at creation; its id, secret,
/// state and creation time stay.
pub async fn update_client(
    store: &Store,
    client_id: &str,
    change: ClientChange,
) -> Result<Client, AdminError> {
    let old = existing(store, client_id).await?;
    let new = NewClient {
        id: None,
        token_endpoint_auth_method: old.token_endpoint_auth_method.clone(),
        application_type: None,
        about: old.about.clone(),
        name: change.name.unwrap_or_else(|| old.name.clone()),
        redirect_uris: change
            .redirect_uris
            .unwrap_or_else(|| old.redirect_uris.clone()),
        scopes: change.scopes.unwrap_or_else(|| old.scopes.clone()),
        default_scopes: Some(
            change
                .default_scopes
                .unwrap_or_else(|| old.default_scopes.clone()),
        ),
        grants: change.grants.unwrap_or_else(|| old.grants.clone()),
        public: old.is_public(),
        access_ttl: change.access_ttl.or(old.access_ttl),
        refresh_ttl: change.refresh_ttl.or(old.refresh_ttl),
        max_grant_ttl: change.max_grant_ttl.or(old.max_grant_ttl),
        access_token_format: change
            .access_token_format
            .unwrap_or(old.access_token_format),
        post_logout_redirect_uris: change
            .post_logout_redirect_uris
            .unwrap_or_else(|| old.post_logout_redirect_uris.clone()),
        resources: change.resources.unwrap_or_else(|| old.resources.clone()),
        default_resource: change.default_resource.or(old.default_resource.clone()),
        resource_server: change.resource_server.unwrap_or(old.resource_server),
        legacy_claims: change.legacy_claims.unwrap_or(old.legacy_claims),
        allow_http_redirect: change
            .allow_http_redirect
            .unwrap_or(old.allow_http_redirect),
    };
    let settled = registration::settle(
        new,
        old.client_id.clone(),
        &Registrar::Operator,
        &[],
        old.created_at,
    )
    .map_err(refused)?;
    // What the registration made and the settings do not say stays.
    let client = Client {
        secret_hash: old.secret_hash.clone(),
        disabled: old.disabled,
        registered_by: old.registered_by,
        owner: old.owner.clone(),
        application_type: old.application_type.clone(),
        previous_secret: old.previous_secret.clone(),
        registration_token_hash: old.registration_token_hash.clone(),
        unverified: old.unverified,
        require_pkce: old.require_pkce,
        expires_at: old.expires_at,
        ..settled
    };
    store.put_client(&client, false).await?;
    Ok(client)
}

/// Replaces a confidential client's secret; returns the new one.
pub async fn rotate_secret(store: &Store, client_id: &str) -> Result<String, AdminError> {
    let mut client = existing(store, client_id).await?;
    if client.is_public() {
        return Err(invalid("a public client has no secret"));
    }
    let secret = crypto::random_token();
    client.secret_hash = Some(crypto::sha256_hex(&secret));
    store.put_client(&client, false).await?;
    Ok(secret)
}

/// Disables a client: new grants and token requests are refused, then every
/// outstanding code and token of the client is revoked. Returns how many
/// grants went. Run again after a failure, it finishes the job.
pub async fn disable_client(store: &Store, client_id: &str) -> Result<usize, AdminError> {
    let mut client = existing(store, client_id).await?;
    client.disabled = true;
    store.put_client(&client, false).await?;
    Ok(store.revoke_client_tokens(client_id).await?)
}

/// Enables a disabled client again (its revoked grants stay revoked).
pub async fn enable_client(store: &Store, client_id: &str) -> Result<Client, AdminError> {
    let mut client = existing(store, client_id).await?;
    client.disabled = false;
    store.put_client(&client, false).await?;
    Ok(client)
}

/// Deletes a client: disabled first (nothing new is granted), its grants
/// revoked, then the item deleted; a failure part-way leaves a disabled client,
/// and running it again finishes. Returns how many grants went.
pub async fn delete_client(store: &Store, client_id: &str) -> Result<usize, AdminError> {
    let revoked = disable_client(store, client_id).await?;
    store.delete_client(client_id).await?;
    Ok(revoked)
}

/// A client as oauthctl shows it: every setting, never the secret's hash.
pub fn view(c: &Client) -> Value {
    json!({
        "client_id": c.client_id, "name": c.name, "public": c.is_public(), "disabled": c.disabled,
        "redirect_uris": c.redirect_uris, "scopes": c.scopes, "default_scopes": c.default_scopes,
        "grants": c.grants, "access_ttl": c.access_ttl, "refresh_ttl": c.refresh_ttl,
        "max_grant_ttl": c.max_grant_ttl, "access_token_format": c.access_token_format,
        "post_logout_redirect_uris": c.post_logout_redirect_uris, "resources": c.resources,
        "default_resource": c.default_resource, "resource_server": c.resource_server,
        "legacy_claims": c.legacy_claims, "allow_http_redirect": c.allow_http_redirect,
        "created_at": c.created_at, "registered_by": c.registered_by.as_str(), "owner": c.owner,
        "unverified": c.unverified, "expires_at": c.expires_at,
    })
}

pub async fn list_clients(store: &Store) -> Result<Value, AdminError> {
    let clients = store.list_clients().await?;
    Ok(Value::Array(clients.iter().map(view).collect()))
}

pub async fn show_client(store: &Store, client_id: &str) -> Result<Value, AdminError> {
    Ok(view(&existing(store, client_id).await?))
}
