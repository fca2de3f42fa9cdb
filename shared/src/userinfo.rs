//! The userinfo endpoint's rules (OpenID Connect Core §5.3; RFC 6750 for the
//! bearer token): one strongly consistent read of the token's grant item, so a
//! revoked grant is refused at once — JWT access tokens included, whose `jti`
//! names their grant.

use crate::authorization;
use crate::credential::{self, Shape};
use crate::error::{ErrorCode, OAuthError};
use crate::jose::issued as jwt;
use crate::oidc;
use crate::per_token;
use crate::state::State;
use crate::store::Granted;
use serde_json::{Map, Value};

fn invalid(d: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidToken, d)
}

const INVALID: &str = "the access token is invalid or has expired";

/// What a live access token was granted, and its own scope.
async fn grant_of(
    state: &State,
    token: &str,
    now: i64,
) -> Result<(Granted, Vec<String>), OAuthError> {
    let id = match credential::shape(token) {
        Shape::Bound { .. } => token.to_string(),
        Shape::Jwt => jwt::access_token_jti(state, token, now)
            .await?
            .ok_or_else(|| invalid(INVALID))?,
        // Issued before authorization items: its own item, then its family's
        // state (a second read, for these tokens only).
        Shape::PerToken => {
            let granted = per_token::access_granted(state, token, now)
                .await?
                .ok_or_else(|| invalid(INVALID))?;
            let scope = granted.scope.clone();
            return Ok((granted, scope));
        }
        Shape::Unknown => return Err(invalid(INVALID)),
    };
    let Shape::Bound { grant_id } = credential::shape(&id) else {
        return Err(invalid(INVALID));
    };
    let item = state
        .store
        .get_authorization(grant_id)
        .await?
        .ok_or_else(|| invalid(INVALID))?;
    let access = authorization::live_access(&item, &credential::digest(&id), now)
        .ok_or_else(|| invalid(INVALID))?;
    let scope = access
        .scope
        .clone()
        .unwrap_or_else(|| item.granted.scope.clone());
    Ok((item.granted, scope))
}

/// The claims for a bearer token. An OpenID Connect token gets `sub` and the
/// claims its scope releases (Core §5.3.2, §5.4); any other keeps this
/// server's OAuth behaviour: the user's stored claims with their JSON types
/// intact, then `sub` and `email` (docs/compatibility.md, Comm100).
pub async fn claims(state: &State, token: &str, now: i64) -> Result<Value, OAuthError> {
    let (grant, scope) = grant_of(state, token, now).await?;
    let sub = grant
        .sub
        .clone()
        .ok_or_else(|| invalid("the access token does not represent a user"))?;
    if oidc::is_oidc(&scope) {
        return Ok(oidc::userinfo(&Granted { scope, ..grant }, &sub));
    }
    let mut out: Map<String, Value> =
        match grant.claims.as_deref().map(serde_json::from_str::<Value>) {
            Some(Ok(Value::Object(m))) => m,
            _ => Map::new(),
        };
    out.insert("sub".into(), Value::String(sub));
    if let Some(email) = grant.username {
        out.insert("email".into(), Value::String(email));
    }
    Ok(Value::Object(out))
}
