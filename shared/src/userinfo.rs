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
use crate::resource;
use crate::state::State;
use crate::store::Granted;
use serde_json::{Map, Value};

fn invalid(d: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidToken, d)
}

const INVALID: &str = "the access token is invalid or has expired";

/// What a live access token was granted, and its own scope. The token must
/// be for userinfo ([`resource::for_userinfo`]): one minted for an API alone
/// is refused here.
async fn grant_of(
    state: &State,
    token: &str,
    now: i64,
) -> Result<(Granted, Vec<String>), OAuthError> {
    // A JWT names its authorization by its `jti`; what is stored and compared
    // is the token as presented, so a bare `jti` is no credential.
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
    let access = authorization::live_access(&item, &credential::digest(token), now)
        .ok_or_else(|| invalid(INVALID))?;
    if !resource::for_userinfo(state, &access.aud) {
        return Err(invalid(
            "the access token is not for userinfo: its audience is another resource",
        ));
    }
    let scope = access
        .scope
        .clone()
        .unwrap_or_else(|| item.granted.scope.clone());
    Ok((item.granted, scope))
}

/// The claims for a bearer token: `sub` and the claims its scope releases
/// (OpenID Connect Core §5.3.2, §5.4), for every token. A client registered
/// with `legacy_claims` keeps the legacy APIs' behaviour whatever its scope:
/// the user's stored claims with their JSON types intact, then `sub` and
/// `email` (docs/compatibility.md, Comm100). Authorizations from before that
/// setting keep the rule they had: flat claims unless `openid`.
pub async fn claims(state: &State, token: &str, now: i64) -> Result<Value, OAuthError> {
    let (grant, scope) = grant_of(state, token, now).await?;
    let sub = grant
        .sub
        .clone()
        .ok_or_else(|| invalid("the access token does not represent a user"))?;
    let flat = grant.flat_claims.unwrap_or(!oidc::is_oidc(&scope));
    if !flat {
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
