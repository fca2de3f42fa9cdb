//! Token introspection (RFC 7662): `active: false` for unknown, expired, used or
//! revoked tokens. Only confidential clients may ask; a client learns about its
//! own tokens, and only a resource server (`oauthctl client create
//! --resource-server`) about other clients' (§4) — to anyone else another
//! client's token is `active: false`.

use crate::authorization;
use crate::client_auth::ClientCredentials;
use crate::error::OAuthError;
use crate::params::Params;
use crate::per_token::Kind;
use crate::resource;
use crate::state::State;
use crate::store::Granted;
use crate::token_lookup::{lookup, Found};
use serde_json::{json, Value};

/// The fields of an active token (RFC 7662 §2.2).
struct Active<'a> {
    client_id: &'a str,
    granted: &'a Granted,
    scope: &'a [String],
    token_type: &'static str,
    iat: Option<i64>,
    exp: Option<i64>,
    /// The audience the token was issued for.
    aud: Option<Vec<String>>,
}

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
    let active = match &found {
        Found::Access(g, hash) => authorization::live_access(g, hash, now).map(|a| Active {
            client_id: &g.client_id,
            granted: &g.granted,
            scope: a.scope.as_deref().unwrap_or(&g.granted.scope),
            token_type: "Bearer",
            iat: Some(a.iat),
            exp: a.exp,
            // Issued before audiences were kept: what was granted.
            aud: Some(if a.aud.is_empty() {
                g.granted.resources.clone()
            } else {
                a.aud.clone()
            })
            .filter(|aud| !aud.is_empty()),
        }),
        Found::Refresh(g, hash) => authorization::live_refresh(g, hash, now).map(|r| Active {
            client_id: &g.client_id,
            granted: &g.granted,
            scope: &g.granted.scope,
            token_type: "refresh_token",
            iat: None,
            exp: r.exp,
            // A refresh token is for this server's token endpoint only.
            aud: Some(vec![state.config.issuer.clone()]),
        }),
        Found::PerToken(t) => Some(Active {
            client_id: &t.item.client_id,
            granted: &t.item.granted,
            scope: &t.item.granted.scope,
            token_type: match t.kind {
                Kind::Access => "Bearer",
                Kind::Refresh => "refresh_token",
            },
            iat: Some(t.item.iat),
            exp: t.item.expires_at,
            aud: None,
        }),
        Found::None => None,
    };
    let Some(a) = active.filter(|a| a.client_id == client.client_id || client.resource_server)
    else {
        return Ok(json!({ "active": false }));
    };
    let mut out = json!({
        "active": true,
        "scope": a.scope.join(" "),
        "client_id": a.client_id,
        "token_type": a.token_type,
        "iss": state.config.issuer,
    });
    let fields = [
        ("iat", a.iat.map(Value::from)),
        ("exp", a.exp.map(Value::from)),
        ("sub", a.granted.sub.clone().map(Value::from)),
        // Personal data only within the consented scope (or for a legacy client).
        ("username", username(a.granted, a.scope).map(Value::from)),
        ("aud", a.aud.as_deref().map(resource::aud_claim)),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            out[k] = v;
        }
    }
    Ok(out)
}

/// The resource owner's email, when the grant may release it: the `email`
/// scope, or a legacy client's flat claims.
fn username(granted: &Granted, scope: &[String]) -> Option<String> {
    let released = granted.flat_claims.unwrap_or(!crate::oidc::is_oidc(scope))
        || scope.iter().any(|s| s == crate::oidc::EMAIL);
    granted.username.clone().filter(|_| released)
}
