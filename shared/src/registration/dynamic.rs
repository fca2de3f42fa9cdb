//! Dynamic client registration (RFC 7591) at `POST /oauth/register`, and the
//! client configuration endpoint (RFC 7592) at `/oauth/register/{client_id}`:
//! read, replace and delete a registration with its registration access
//! token (stored as SHA-256, re-issued with every answer, RFC 7592 §3).
//!
//! Who may register is the deployment's `CLIENT_REGISTRATION`: `off`, `token`
//! (an initial access token, RFC 7591 §3, from `oauthctl registration-token
//! create` or the portal), or `open`, fenced as [`super::Registrar::App`]
//! says. Unknown members are ignored; a bad one is `invalid_redirect_uri` or
//! `invalid_client_metadata` naming it and why (§3.2.2).

use super::{keeps_kind, members, new_secret, registrable, settle, Registrar};
use crate::config::RegistrationPolicy;
use crate::crypto;
use crate::error::StoreError;
use crate::state::State;
use crate::store::{Client, RegisteredBy};
use serde_json::{json, Map, Value};

/// The largest registration request read.
pub use super::members::MAX_BODY;

/// The path of the registration endpoint, from the issuer.
pub const PATH: &str = crate::paths::REGISTRATION_PATH;

/// A registration endpoint's answer: the status and the JSON, and whether a
/// `WWW-Authenticate: Bearer` challenge goes with it (a bad token).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub challenge: Option<&'static str>,
}

fn ok(status: u16, body: Value) -> Answer {
    Answer {
        status,
        body,
        challenge: None,
    }
}

fn error(status: u16, code: &'static str, description: impl Into<String>) -> Answer {
    let challenge = (status == 401).then_some(code);
    Answer {
        status,
        body: json!({ "error": code, "error_description": description.into() }),
        challenge,
    }
}

fn metadata_error(description: impl Into<String>) -> Answer {
    error(400, "invalid_client_metadata", description)
}

/// The registration's URL (RFC 7592 `registration_client_uri`).
pub fn client_uri(state: &State, client_id: &str) -> String {
    let id: String = form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
    format!("{}{PATH}/{id}", state.config.issuer)
}

/// A client's metadata as the endpoint answers it (RFC 7591 §3.2.1).
pub fn metadata(state: &State, c: &Client) -> Value {
    members::write(c, &client_uri(state, &c.client_id))
}

/// `POST /oauth/register`: registers the client the body describes, for
/// whoever the deployment lets register.
pub async fn register(
    state: &State,
    body: &[u8],
    bearer: Option<&str>,
    now: i64,
) -> Result<Answer, StoreError> {
    let policy = state.config.client_registration;
    if policy == RegistrationPolicy::Off {
        return Ok(error(
            403,
            "access_denied",
            "this server does not take dynamic client registrations",
        ));
    }
    let mut scopes = registrable(state).await?;
    // RFC 7591 §3: the initial access token, as a bearer token; each
    // registration spends one of its uses. Required under `token`; under
    // `open` it is optional, and a registration that brings one is the
    // operator's, not fenced as an open one (a token presented is checked).
    let open = match bearer {
        None if policy == RegistrationPolicy::Token => {
            return Ok(error(
                401,
                "invalid_token",
                "an initial access token is required",
            ));
        }
        None => true,
        Some(token) => {
            let Some(t) = state.store.spend_registration_token(token, now).await? else {
                return Ok(error(
                    401,
                    "invalid_token",
                    "the initial access token is invalid, expired or spent",
                ));
            };
            if let Some(allowed) = t.scopes {
                scopes.retain(|s| allowed.contains(s));
            }
            false
        }
    };
    let new = match members::read(body).map_err(metadata_error) {
        Ok(n) => n,
        Err(a) => return Ok(a),
    };
    let public = new.public;
    let id = crypto::random_b64(16);
    let registrar = Registrar::App { open };
    let mut client = match settle(new, id, &registrar, &scopes, now) {
        Ok(c) => c,
        Err(r) => {
            let code = if r.redirect {
                "invalid_redirect_uri"
            } else {
                "invalid_client_metadata"
            };
            return Ok(error(400, code, r.description));
        }
    };
    if open {
        client.expires_at = Some(now + state.config.client_idle_ttl);
    }
    let secret = (!public).then(new_secret);
    client.secret_hash = secret.as_ref().map(|(_, h)| h.clone());
    let (token, token_hash) = new_secret();
    client.registration_token_hash = Some(token_hash);
    state.store.put_client(&client, true).await?;
    tracing::info!(client_id = %client.client_id, open, "client registered (RFC 7591)");
    let mut out = metadata(state, &client);
    out["registration_access_token"] = json!(token);
    if let Some((s, _)) = secret {
        out["client_secret"] = json!(s);
    }
    Ok(ok(201, out))
}

/// What the configuration endpoint is asked to do (RFC 7592 §2).
pub enum Manage<'a> {
    Read,
    Replace(&'a [u8]),
    Delete,
}

/// `GET|PUT|DELETE /oauth/register/{client_id}` with the registration access
/// token. An unknown client, or a token that is not its, is 401 alike (§2).
pub async fn manage(
    state: &State,
    client_id: &str,
    bearer: Option<&str>,
    action: Manage<'_>,
    now: i64,
) -> Result<Answer, StoreError> {
    let refused = || {
        error(
            401,
            "invalid_token",
            "the registration access token is invalid",
        )
    };
    let Some(token) = bearer else {
        return Ok(error(
            401,
            "invalid_token",
            "the registration access token is required",
        ));
    };
    let client = state
        .store
        .get_client(client_id)
        .await?
        .filter(|c| !c.is_expired(now) && c.registered_by == RegisteredBy::Dynamic);
    let Some(client) = client.filter(|c| {
        c.registration_token_hash
            .as_deref()
            .is_some_and(|h| crypto::ct_eq(&crypto::sha256_hex(token), h))
    }) else {
        return Ok(refused());
    };
    match action {
        Manage::Delete => {
            delete(state, &client).await?;
            tracing::info!(client_id = %client.client_id, "client deleted (RFC 7592)");
            Ok(ok(204, Value::Null))
        }
        Manage::Read => answer_with_new_token(state, client).await,
        Manage::Replace(body) => {
            let new = match members::read(body).map_err(metadata_error) {
                Ok(n) => n,
                Err(a) => return Ok(a),
            };
            let m: Map<String, Value> = serde_json::from_slice(body).unwrap_or_default();
            if m.get("client_id").and_then(Value::as_str) != Some(client_id) {
                return Ok(metadata_error("client_id: must be the registration's own"));
            }
            if let Err(why) = keeps_kind(&new, &client) {
                return Ok(metadata_error(why));
            }
            let registrar = Registrar::App {
                open: client.unverified,
            };
            let scopes = registrable(state).await?;
            let settled = match settle(
                new,
                client.client_id.clone(),
                &registrar,
                &scopes,
                client.created_at,
            ) {
                Ok(c) => c,
                Err(r) => {
                    let code = if r.redirect {
                        "invalid_redirect_uri"
                    } else {
                        "invalid_client_metadata"
                    };
                    return Ok(error(400, code, r.description));
                }
            };
            let replaced = Client {
                secret_hash: client.secret_hash.clone(),
                expires_at: client.expires_at,
                disabled: client.disabled,
                ..settled
            };
            answer_with_new_token(state, replaced).await
        }
    }
}

/// Stores the client with a new registration access token and answers its
/// configuration with the token (RFC 7592 §3: the old one stops working).
async fn answer_with_new_token(state: &State, mut client: Client) -> Result<Answer, StoreError> {
    let (token, hash) = new_secret();
    client.registration_token_hash = Some(hash);
    state.store.put_client(&client, false).await?;
    let mut out = metadata(state, &client);
    out["registration_access_token"] = json!(token);
    Ok(ok(200, out))
}

/// Deletes a client and everything authorized to it at once: every
/// authorization of every person and every remembered consent (the client
/// index, one Query), then the client.
pub async fn delete(state: &State, client: &Client) -> Result<usize, StoreError> {
    let store = &state.store;
    let keys = store.client_index_keys(&client.client_id).await?;
    store.delete_items(&keys).await?;
    store.delete_client(&client.client_id).await?;
    Ok(keys.len())
}
