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

use super::{new_secret, registrable_scopes, settle, NewClient, Registrar};
use crate::config::RegistrationPolicy;
use crate::crypto;
use crate::error::StoreError;
use crate::redirect_uri::AppType;
use crate::state::State;
use crate::store::{About, Client, RegisteredBy};
use serde_json::{json, Map, Value};

/// The largest registration request read.
pub const MAX_BODY: usize = 16 * 1024;

/// The path of the registration endpoint, from the issuer.
pub const PATH: &str = "/oauth/register";

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

/// Reads a member as a string (`None` when absent or null).
fn string(m: &Map<String, Value>, member: &str) -> Result<Option<String>, Answer> {
    match m.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(metadata_error(format!("{member}: must be a string"))),
    }
}

/// Reads a member as an array of strings (`None` when absent or null).
fn strings(m: &Map<String, Value>, member: &str) -> Result<Option<Vec<String>>, Answer> {
    match m.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                _ => Err(metadata_error(format!(
                    "{member}: must be an array of strings"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(metadata_error(format!(
            "{member}: must be an array of strings"
        ))),
    }
}

/// The registration a client's metadata asks for (RFC 7591 §2).
fn new_client(body: &[u8]) -> Result<NewClient, Answer> {
    if body.len() > MAX_BODY {
        return Err(metadata_error(format!(
            "the metadata is larger than {MAX_BODY} bytes"
        )));
    }
    let m = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => m,
        _ => {
            return Err(metadata_error(
                "the request body must be a JSON object of client metadata",
            ))
        }
    };
    let method = string(&m, "token_endpoint_auth_method")?
        .unwrap_or_else(|| "client_secret_basic".to_string());
    if !matches!(
        method.as_str(),
        "none" | "client_secret_basic" | "client_secret_post"
    ) {
        return Err(metadata_error(
            "token_endpoint_auth_method: must be none, client_secret_basic or client_secret_post",
        ));
    }
    // RFC 7591 §2: the defaults are the code grant and the code response.
    let grants = strings(&m, "grant_types")?.unwrap_or_else(|| vec!["authorization_code".into()]);
    let code_flow = grants.iter().any(|g| g == "authorization_code");
    match strings(&m, "response_types")? {
        Some(r) if r.iter().any(|t| t != "code") => {
            return Err(metadata_error("response_types: only code is supported"))
        }
        Some(r) if r.is_empty() == code_flow => {
            return Err(metadata_error(
                "response_types: code goes with the authorization_code grant and only with it",
            ))
        }
        _ => {}
    }
    let application_type = match string(&m, "application_type")?.as_deref() {
        None => None,
        Some("web") => Some(AppType::Web),
        Some("native") => Some(AppType::Native),
        Some(_) => return Err(metadata_error("application_type: must be web or native")),
    };
    Ok(NewClient {
        name: string(&m, "client_name")?.unwrap_or_default(),
        redirect_uris: strings(&m, "redirect_uris")?.unwrap_or_default(),
        scopes: string(&m, "scope")?
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
        grants,
        public: method == "none",
        token_endpoint_auth_method: (method != "none").then_some(method),
        application_type,
        about: About {
            client_uri: string(&m, "client_uri")?,
            logo_uri: string(&m, "logo_uri")?,
            tos_uri: string(&m, "tos_uri")?,
            policy_uri: string(&m, "policy_uri")?,
            contacts: strings(&m, "contacts")?.unwrap_or_default(),
            software_id: string(&m, "software_id")?,
            software_version: string(&m, "software_version")?,
        },
        post_logout_redirect_uris: strings(&m, "post_logout_redirect_uris")?.unwrap_or_default(),
        ..NewClient::default()
    })
}

/// The registration's URL (RFC 7592 `registration_client_uri`).
pub fn client_uri(state: &State, client_id: &str) -> String {
    let id: String = form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
    format!("{}{PATH}/{id}", state.config.issuer)
}

/// A client's metadata as the endpoint answers it (RFC 7591 §3.2.1).
pub fn metadata(state: &State, c: &Client) -> Value {
    let method = if c.is_public() {
        "none"
    } else {
        c.token_endpoint_auth_method
            .as_deref()
            .unwrap_or("client_secret_basic")
    };
    let mut out = json!({
        "client_id": c.client_id,
        "client_id_issued_at": c.created_at,
        "client_name": c.name,
        "redirect_uris": c.redirect_uris,
        "grant_types": c.grants,
        "response_types": if c.grants.iter().any(|g| g == "authorization_code") { vec!["code"] } else { vec![] },
        "token_endpoint_auth_method": method,
        "scope": c.scopes.join(" "),
        "registration_client_uri": client_uri(state, &c.client_id),
    });
    let about = &c.about;
    for (k, v) in [
        ("client_uri", &about.client_uri),
        ("logo_uri", &about.logo_uri),
        ("tos_uri", &about.tos_uri),
        ("policy_uri", &about.policy_uri),
        ("software_id", &about.software_id),
        ("software_version", &about.software_version),
        ("application_type", &c.application_type),
    ] {
        if let Some(v) = v {
            out[k] = json!(v);
        }
    }
    if !about.contacts.is_empty() {
        out["contacts"] = json!(about.contacts);
    }
    if !c.post_logout_redirect_uris.is_empty() {
        out["post_logout_redirect_uris"] = json!(c.post_logout_redirect_uris);
    }
    if !c.is_public() {
        // Secrets do not expire (RFC 7591 §3.2.1: 0).
        out["client_secret_expires_at"] = json!(0);
    }
    out
}

/// What a registrar may register as scope here.
async fn registrable(state: &State) -> Result<Vec<String>, StoreError> {
    let registered = state.resources.load(&state.store).await?;
    let scopes: Vec<String> = registered.iter().flat_map(|r| r.scopes.clone()).collect();
    Ok(registrable_scopes(&state.config, &scopes))
}

/// `POST /oauth/register`: registers the client the body describes, for
/// whoever the deployment lets register.
pub async fn register(
    state: &State,
    body: &[u8],
    bearer: Option<&str>,
    now: i64,
) -> Result<Answer, StoreError> {
    let open = match state.config.client_registration {
        RegistrationPolicy::Off => {
            return Ok(error(
                403,
                "access_denied",
                "this server does not take dynamic client registrations",
            ))
        }
        RegistrationPolicy::Open => true,
        RegistrationPolicy::Token => false,
    };
    let mut scopes = registrable(state).await?;
    if !open {
        // RFC 7591 §3: the initial access token, as a bearer token; each
        // registration spends one of its uses.
        let Some(token) = bearer else {
            return Ok(error(
                401,
                "invalid_token",
                "an initial access token is required",
            ));
        };
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
    }
    let new = match new_client(body) {
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
            let new = match new_client(body) {
                Ok(n) => n,
                Err(a) => return Ok(a),
            };
            let m: Map<String, Value> = serde_json::from_slice(body).unwrap_or_default();
            if m.get("client_id").and_then(Value::as_str) != Some(client_id) {
                return Ok(metadata_error("client_id: must be the registration's own"));
            }
            if new.public != client.is_public() {
                return Ok(metadata_error(
                    "token_endpoint_auth_method: a public client stays public, a confidential one confidential",
                ));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<NewClient, String> {
        new_client(json.as_bytes())
            .map_err(|a| a.body["error_description"].as_str().unwrap().to_string())
    }

    #[test]
    fn members_are_read_by_their_rfc_7591_names_and_unknown_ones_ignored() {
        let n = parse(
            r#"{"client_name":"MCP","redirect_uris":["http://127.0.0.1:3000/cb"],
                "token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],
                "scope":"tools:read","x-unknown":{"a":1},"application_type":"native"}"#,
        )
        .unwrap();
        assert!(n.public);
        assert_eq!(n.grants, ["authorization_code", "refresh_token"]);
        assert_eq!(n.scopes, ["tools:read"]);
        assert_eq!(n.application_type, Some(AppType::Native));
        let d = parse(r#"{"redirect_uris":["https://a.example/cb"]}"#).unwrap();
        assert_eq!(
            d.token_endpoint_auth_method.as_deref(),
            Some("client_secret_basic")
        );
        assert_eq!(d.grants, ["authorization_code"], "RFC 7591's default");
    }

    #[test]
    fn a_bad_member_is_named_with_why() {
        for (json, member) in [
            (
                r#"{"redirect_uris":"https://a.example/cb"}"#,
                "redirect_uris",
            ),
            (
                r#"{"token_endpoint_auth_method":"private_key_jwt"}"#,
                "token_endpoint_auth_method",
            ),
            (r#"{"response_types":["token"]}"#, "response_types"),
            (r#"{"application_type":"desktop"}"#, "application_type"),
            (r#"{"client_name":7}"#, "client_name"),
        ] {
            assert!(parse(json).unwrap_err().starts_with(member), "{json}");
        }
        assert!(parse("[]").is_err());
        assert!(parse(&format!("{{\"client_name\":\"{}\"}}", "x".repeat(MAX_BODY))).is_err());
    }
}
