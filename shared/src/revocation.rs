//! Token revocation (RFC 7009): 200 for unknown or already revoked tokens; a
//! refresh token revokes its whole grant (§2.1: "SHOULD also invalidate all
//! access tokens based on the same authorization grant"); an access token only
//! itself; a token of another client is refused and left alone.

use crate::client_auth::ClientCredentials;
use crate::credential;
use crate::error::{OAuthError, StoreError};
use crate::grant;
use crate::params::Params;
use crate::state::State;
use crate::store::Replaced;
use crate::token_lookup::{lookup, Found};

pub async fn revoke(
    state: &State,
    params: &Params,
    creds: &ClientCredentials,
    now: i64,
) -> Result<(), OAuthError> {
    let token = params.require("token")?;
    let (client, found) = lookup(state, params, creds, now).await?;
    match found {
        Found::None => Ok(()),
        found if found.client_id() != Some(client.client_id.as_str()) => Err(
            OAuthError::invalid_request("the token was not issued to this client"),
        ),
        Found::Refresh(item, _) => Ok(revoke_grant(state, grant_id(&item.pk), now).await?),
        Found::Access(item, hash) => {
            // Conditioned on the version read; a concurrent write wins and the
            // token is looked at again.
            let mut item = item;
            for _ in 0..8 {
                let Some(next) = grant::without_access(&item, &hash) else {
                    return Ok(());
                };
                match state.store.replace_grant(&next, item.v).await? {
                    Replaced::Done | Replaced::Conflict(None) => return Ok(()),
                    Replaced::Conflict(Some(current)) => item = *current,
                }
            }
            Err(OAuthError::unavailable().with_cause("grant item contended beyond 8 writes"))
        }
        Found::LegacyAccess(_) => Ok(state.store.delete_legacy_access(token).await?),
        Found::LegacyRefresh(t) => Ok(revoke_grant(state, &t.family, now).await?),
    }
}

fn grant_id(pk: &str) -> &str {
    pk.trim_start_matches("grant#")
}

/// Revokes a grant: every credential of it is refused from the next read on. A
/// grant that continues a family from before grant items has its legacy items
/// deleted too; a legacy family that never became a grant gets the revoked
/// item as its marker, living as long as a default refresh token.
pub async fn revoke_grant(state: &State, grant_id: &str, now: i64) -> Result<(), StoreError> {
    let marker_ttl = Some(state.config.refresh_ttl).filter(|t| *t > 0);
    state.store.revoke_grant(grant_id, now, marker_ttl).await?;
    if credential::is_legacy_family(grant_id) {
        let deleted = state.store.delete_legacy_family(grant_id).await?;
        tracing::info!(deleted, "legacy items of a revoked family deleted");
    }
    Ok(())
}
