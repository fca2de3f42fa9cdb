//! Token introspection (RFC 7662): `active: false` for unknown, expired, used or
//! revoked tokens; only confidential clients may ask.

use crate::client_auth::ClientCredentials;
use crate::error::OAuthError;
use crate::params::Params;
use crate::state::State;
use crate::token_lookup::{lookup, Found};
use serde_json::{json, Value};

pub async fn introspect(
    state: &State,
    params: &Params,
    creds: &ClientCredentials,
    now: i64,
) -> Result<Value, OAuthError> {
    let (client, found) = lookup(state, params, creds, now).await?;
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
    // RFC 7662 §2.2.
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
