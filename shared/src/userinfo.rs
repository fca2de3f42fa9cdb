//! The userinfo endpoint's rules: one GetItem by the token's hash.

use crate::error::{ErrorCode, OAuthError};
use crate::state::State;
use serde_json::{Map, Value};

/// The claims for a bearer token: the user's stored claims with their JSON
/// types intact, then `sub` and `email`.
pub async fn claims(state: &State, token: &str, now: i64) -> Result<Value, OAuthError> {
    let invalid = |d: &str| OAuthError::new(ErrorCode::InvalidToken, d);
    let item = state
        .store
        .get_access_token(token, now)
        .await?
        .ok_or_else(|| invalid("the access token is invalid or has expired"))?;
    let grant = item.grant;
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
