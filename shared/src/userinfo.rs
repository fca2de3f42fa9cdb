//! The userinfo endpoint's rules: one strongly consistent read of the token's
//! grant item, so a revoked grant is refused at once.

use crate::credential::{self, Shape};
use crate::error::{ErrorCode, OAuthError};
use crate::grant;
use crate::state::State;
use crate::store::Grant;
use serde_json::{Map, Value};

fn invalid(d: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidToken, d)
}

const INVALID: &str = "the access token is invalid or has expired";

/// What a live access token was granted.
async fn grant_of(state: &State, token: &str, now: i64) -> Result<Grant, OAuthError> {
    let store = &state.store;
    match credential::shape(token) {
        Shape::Bound { grant_id } => {
            let item = store.get_grant(grant_id).await?;
            let hash = credential::digest(token);
            match item {
                Some(g) if grant::live_access(&g, &hash, now).is_some() => Ok(g.grant),
                _ => Err(invalid(INVALID)),
            }
        }
        // Issued before grant items: its own item, then its family's state (a
        // second read, for these tokens only).
        Shape::Legacy => {
            let item = store
                .get_legacy_access(token, now)
                .await?
                .ok_or_else(|| invalid(INVALID))?;
            match store.get_grant(&item.family).await? {
                Some(g) if g.revoked_at.is_some() => Err(invalid(INVALID)),
                _ => Ok(item.grant),
            }
        }
        Shape::Jwt | Shape::Unknown => Err(invalid(INVALID)),
    }
}

/// The claims for a bearer token: the user's stored claims with their JSON
/// types intact, then `sub` and `email`.
pub async fn claims(state: &State, token: &str, now: i64) -> Result<Value, OAuthError> {
    let grant = grant_of(state, token, now).await?;
    let sub = grant
        .sub
        .ok_or_else(|| invalid("the access token does not represent a user"))?;
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
