//! Token revocation (RFC 7009) and introspection (RFC 7662). Both authenticate
//! the client like the token endpoint, and look the token up as an access and a
//! refresh token in parallel with the client (one round trip).

use crate::error::OAuthError;
use crate::params::Params;
use crate::state::State;
use crate::store::TokenItem;
use crate::token::{authenticate, client_credentials, Outcome};
use serde_json::{json, Value};

enum Found {
    Access(TokenItem),
    Refresh(TokenItem),
    None,
}

async fn lookup(
    state: &State,
    params: &Params,
    basic: Option<(String, String)>,
    outcome: &mut Outcome,
) -> Result<(crate::store::Client, Found), OAuthError> {
    let creds = client_credentials(basic, params)?;
    outcome.client_id = Some(creds.client_id.clone());
    let token = params.require("token")?;
    let store = &state.store;
    let (client, at, rt) = tokio::join!(
        store.get_client(&creds.client_id),
        store.get_access_token(token),
        store.get_refresh_token(token)
    );
    let client = authenticate(client?.as_ref(), &creds)?.clone();
    let hint = params.get("token_type_hint");
    let (at, rt) = (at?, rt?);
    // The hint only orders the search (RFC 7009 §2.1); both are looked up anyway.
    let found = match (hint, at, rt) {
        (Some("refresh_token"), _, Some(rt)) => Found::Refresh(rt),
        (_, Some(at), _) => Found::Access(at),
        (_, None, Some(rt)) => Found::Refresh(rt),
        _ => Found::None,
    };
    Ok((client, found))
}

/// RFC 7009: 200 for unknown or already revoked tokens; a refresh token revokes
/// its whole grant; a token of another client is refused and left alone.
pub async fn revoke(
    state: &State,
    params: &Params,
    basic: Option<(String, String)>,
    outcome: &mut Outcome,
) -> Result<(), OAuthError> {
    let (client, found) = lookup(state, params, basic, outcome).await?;
    let token = params.require("token")?;
    match found {
        Found::None => Ok(()),
        Found::Access(t) | Found::Refresh(t) if t.client_id != client.client_id => Err(
            OAuthError::invalid_request("the token was not issued to this client"),
        ),
        Found::Access(_) => Ok(state.store.delete_access_token(token).await?),
        Found::Refresh(t) => {
            state.store.revoke_family(&t.family).await?;
            Ok(())
        }
    }
}

/// RFC 7662: `active: false` for unknown, expired, used or revoked tokens.
pub async fn introspect(
    state: &State,
    params: &Params,
    basic: Option<(String, String)>,
    outcome: &mut Outcome,
) -> Result<Value, OAuthError> {
    let (client, found) = lookup(state, params, basic, outcome).await?;
    if client.is_public() {
        return Err(OAuthError::unauthorized_client(
            "public clients cannot introspect tokens",
        ));
    }
    let (item, token_type) = match found {
        Found::Access(t) => (t, "Bearer"),
        Found::Refresh(t) if t.used_at.is_none() => (t, "refresh_token"),
        _ => return Ok(json!({ "active": false })),
    };
    let mut out = json!({
        "active": true,
        "scope": item.grant.scope.join(" "),
        "client_id": item.client_id,
        "token_type": token_type,
        "iat": item.iat,
        "iss": state.config.issuer,
    });
    if let Some(exp) = item.expires_at {
        out["exp"] = json!(exp);
    }
    if let Some(sub) = item.grant.sub {
        out["sub"] = json!(sub);
    }
    if let Some(username) = item.grant.username {
        out["username"] = json!(username);
    }
    Ok(out)
}

/// RFC 8414 metadata, built from the configured issuer.
pub fn metadata(state: &State) -> Value {
    let iss = &state.config.issuer;
    let scopes: Vec<&String> = state.config.scope_descriptions.keys().collect();
    let mut m = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth/authorize"),
        "token_endpoint": format!("{iss}/oauth/token"),
        "userinfo_endpoint": format!("{iss}/oauth/userinfo"),
        "revocation_endpoint": format!("{iss}/oauth/revoke"),
        "introspection_endpoint": format!("{iss}/oauth/introspect"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": crate::token::GRANT_TYPES,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    });
    if !scopes.is_empty() {
        m["scopes_supported"] = json!(scopes);
    }
    m
}
