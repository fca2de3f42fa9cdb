//! Token revocation (RFC 7009): 200 for unknown or already revoked tokens; a
//! refresh token revokes its whole grant (§2.1: "SHOULD also invalidate all
//! access tokens based on the same authorization grant"); a token of another
//! client is refused and left alone.

use crate::client_auth::ClientCredentials;
use crate::error::OAuthError;
use crate::params::Params;
use crate::state::State;
use crate::token_lookup::{lookup, Found};

pub async fn revoke(
    state: &State,
    params: &Params,
    creds: &ClientCredentials,
    now: i64,
) -> Result<(), OAuthError> {
    let (client, found) = lookup(state, params, creds, now).await?;
    let token = params.require("token")?;
    match found {
        Found::None => Ok(()),
        Found::Access(t) | Found::Refresh(t) if t.client_id != client.client_id => Err(
            OAuthError::invalid_request("the token was not issued to this client"),
        ),
        Found::Access(_) => Ok(state.store.delete_access_token(token).await?),
        Found::Refresh(t) => {
            state.store.revoke_family(&t.family, now).await?;
            Ok(())
        }
    }
}
