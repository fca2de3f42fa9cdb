//! Token revocation (RFC 7009): 200 for unknown or already revoked tokens; a
//! refresh token revokes its whole authorization (§2.1: "SHOULD also
//! invalidate all access tokens based on the same authorization grant"); an
//! access token only itself; a token of another client is refused and left
//! alone.

use crate::authorization;
use crate::client_auth::ClientCredentials;
use crate::error::{OAuthError, StoreError};
use crate::params::Params;
use crate::per_token::{self, Kind};
use crate::state::State;
use crate::store::Swap;
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
        found if found.client_id() != Some(client.client_id.as_str()) => Err(
            OAuthError::invalid_request("the token was not issued to this client"),
        ),
        Found::Refresh(item, _) => Ok(revoke_authorization(state, item.id(), now).await?),
        // Conditioned on the version read; after a concurrent write the token
        // is looked for again.
        Found::Access(item, hash) => Ok(state
            .store
            .swap_authorization(Some(item), |current| {
                Ok::<_, StoreError>(
                    match current.and_then(|c| authorization::without_access(c, &hash)) {
                        Some(next) => Swap::Write(Box::new(next), ()),
                        None => Swap::Keep(()),
                    },
                )
            })
            .await?),
        Found::PerToken(t) => match t.kind {
            Kind::Access => Ok(per_token::delete_access(state, token).await?),
            Kind::Refresh => Ok(revoke_authorization(state, &t.item.family, now).await?),
        },
    }
}

/// Revokes an authorization: every credential of it is refused from the next
/// read on. A per-token family gets the revoked item as its marker, living as
/// long as a default refresh token, and its remaining items deleted.
pub async fn revoke_authorization(state: &State, id: &str, now: i64) -> Result<(), StoreError> {
    let marker_ttl = Some(state.config.refresh_ttl).filter(|t| *t > 0);
    state
        .store
        .revoke_authorization(id, now, marker_ttl)
        .await?;
    if per_token::is_family(id) {
        per_token::delete_family(state, id).await?;
    }
    Ok(())
}
