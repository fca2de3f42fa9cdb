//! Minting a grant step's tokens and the response (RFC 6749 §5.1): the access
//! token, opaque or an RFC 9068 JWT; the refresh token; and for an OpenID
//! Connect grant the ID token (Core §3.1.3.3, §12.2). The tokens are written by
//! the caller, as part of the grant item's new state.

use crate::authorization::Issued;
use crate::credential;
use crate::error::OAuthError;
use crate::grant_type::GrantType;
use crate::jose::issued::{ACCESS_TOKEN_TYP, ID_TOKEN_TYP};
use crate::oidc::{self, IdTokenInput};
use crate::resource;
use crate::scope;
use crate::state::State;
use crate::store::{AccessSlot, AccessTokenFormat, Client, Granted, RefreshSlot};
use serde::Serialize;
use serde_json::json;

/// A successful token response (RFC 6749 §5.1), plus Cloud BOT's `username`
/// and OpenID Connect's `id_token`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// A lifetime: the client's own, else the deployment's; 0 means never expires.
pub(super) fn lifetime(client_ttl: Option<i64>, default: i64) -> Option<i64> {
    match client_ttl.unwrap_or(default) {
        0 => None,
        s => Some(s),
    }
}

/// When a grant made now must end (no refresh after it): the client's maximum
/// grant lifetime, else the deployment's; 0 means never.
pub(super) fn grant_end(state: &State, client: &Client, now: i64) -> Option<i64> {
    lifetime(client.max_grant_ttl, state.config.max_grant_ttl).map(|t| now + t)
}

/// Whether an ID token comes with the tokens, and with `nonce`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IdToken {
    /// Not an OpenID Connect grant, or no user.
    No,
    /// The code's ID token (`nonce` included).
    ForCode,
    /// A refresh's (§12.2: no `nonce`).
    ForRefresh,
}

/// What the new tokens are for.
pub(super) struct Request<'a> {
    pub grant_id: &'a str,
    pub granted: &'a Granted,
    /// The access token's scope: the grant's, or narrower on a refresh.
    pub scope: &'a [String],
    /// The access token's audience (a registered resource server's tokens
    /// are in its format and lifetime).
    pub audience: &'a resource::Audience,
    /// Whether a refresh token comes too (when the client has that grant).
    pub with_refresh: bool,
    /// The grant's end, which no refresh token outlives.
    pub ends_at: Option<i64>,
    pub id_token: IdToken,
}

/// What a grant step issues: its stored form and the response.
pub(super) struct Minted {
    pub issued: Issued,
    pub response: TokenResponse,
}

/// New tokens for a grant step. A JWT access token and an ID token are signed
/// here (no DynamoDB request: the keys are cached).
pub(super) async fn mint(
    state: &State,
    client: &Client,
    req: Request<'_>,
    now: i64,
) -> Result<Minted, OAuthError> {
    let server = req.audience.registered.as_ref();
    let (format, own_ttl) = match server {
        Some(r) => (r.access_token_format, r.access_ttl),
        None => (client.access_token_format, client.access_ttl),
    };
    let jwt = format == AccessTokenFormat::Jwt;
    let default_ttl = if jwt {
        state.config.jwt_access_ttl
    } else {
        state.config.access_ttl
    };
    let access_ttl = lifetime(own_ttl, default_ttl);
    // The credential itself (opaque), or the JWT's `jti` (both name the grant).
    let id = credential::mint(req.grant_id);
    let access = if jwt {
        let mut claims = json!({
            "iss": state.config.issuer,
            "sub": req.granted.sub.as_deref().unwrap_or(&client.client_id),
            "aud": resource::aud_claim(&req.audience.aud),
            "client_id": client.client_id,
            "iat": now,
            "exp": now + access_ttl.unwrap_or(state.config.jwt_access_ttl),
            "jti": id,
            "scope": scope::join(req.scope),
        });
        if let Some(t) = req.granted.auth_time {
            claims["auth_time"] = json!(t);
        }
        state
            .keys
            .sign(&state.store, ACCESS_TOKEN_TYP, &claims, now)
            .await?
    } else {
        id.clone()
    };
    let narrowed = req.scope != req.granted.scope.as_slice();
    let access_slot = AccessSlot {
        // What is presented: the JWT itself, never its `jti`.
        hash: credential::digest(&access),
        iat: now,
        exp: access_ttl.map(|t| now + t),
        scope: narrowed.then(|| req.scope.to_vec()),
        aud: req.audience.aud.clone(),
    };
    let refresh = (req.with_refresh && client.allows_grant(GrantType::RefreshToken))
        .then(|| credential::mint(req.grant_id));
    let refresh_slot = refresh.as_ref().map(|r| {
        let exp = lifetime(client.refresh_ttl, state.config.refresh_ttl).map(|t| now + t);
        RefreshSlot {
            hash: credential::digest(r),
            exp: match (exp, req.ends_at) {
                (Some(e), Some(end)) => Some(e.min(end)),
                (e, end) => e.or(end),
            },
        }
    });
    let id_token = match (req.id_token, &req.granted.sub) {
        (IdToken::No, _) | (_, None) => None,
        (mode, Some(sub)) => {
            let claims = oidc::id_token_claims(IdTokenInput {
                issuer: &state.config.issuer,
                client_id: &client.client_id,
                sub,
                granted: req.granted,
                now,
                ttl: state.config.id_token_ttl,
                access_token: &access,
                with_nonce: mode == IdToken::ForCode,
            });
            Some(
                state
                    .keys
                    .sign(&state.store, ID_TOKEN_TYP, &claims, now)
                    .await?,
            )
        }
    };
    Ok(Minted {
        issued: Issued {
            access: access_slot,
            refresh: refresh_slot,
        },
        response: TokenResponse {
            access_token: access,
            token_type: "Bearer",
            expires_in: access_ttl,
            refresh_token: refresh,
            scope: scope::join(req.scope),
            id_token,
            // Personal data only within the consented scope, but for a
            // legacy client (Cloud BOT's `username`).
            username: req
                .granted
                .username
                .clone()
                .filter(|_| client.legacy_claims),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_lifetime_means_never_expires() {
        assert_eq!(lifetime(Some(0), 3600), None);
        assert_eq!(lifetime(None, 3600), Some(3600));
        assert_eq!(lifetime(Some(31536000), 3600), Some(31536000));
        assert_eq!(lifetime(None, 0), None, "a deployment default of 0 too");
    }
}
