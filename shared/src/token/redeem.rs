//! What the authorization-code and refresh-token grants share: two round
//! trips. First the client and the grant item are read in parallel and the
//! client is authenticated — before anything is consumed, so a caller without
//! the client's secret changes nothing. Then the grant's next state is written
//! conditioned on the version read; of concurrent uses exactly one wins, and
//! each loser decides again on the item as it now is, which turns a second use
//! into a replay that revokes the whole grant (RFC 9700 §4.14).

use super::{require_grant, GrantType};
use crate::client_auth::{authenticate, ClientCredentials};
use crate::error::OAuthError;
use crate::state::State;
use crate::store::{Client, GrantItem, Replaced};

/// Round one: the authenticated client, allowed `grant_type`, and the grant.
pub(super) async fn read(
    state: &State,
    creds: &ClientCredentials,
    grant_id: &str,
    grant_type: GrantType,
) -> Result<(Client, Option<GrantItem>), OAuthError> {
    let store = &state.store;
    let (client, item) = tokio::join!(
        store.get_client(&creds.client_id),
        store.get_grant(grant_id)
    );
    let client = authenticate(client?.as_ref(), creds)?.clone();
    require_grant(&client, grant_type)?;
    Ok((client, item?))
}

/// What a use of the grant does.
pub(super) enum Step {
    /// Write this next state.
    Write(Box<GrantItem>),
    /// A second use of a single-use credential: revoke the grant.
    Replay,
}

/// Round two: writes the state `decide` picks for the grant as read; when
/// another write came first, decides again on the item as it now is.
pub(super) async fn commit(
    state: &State,
    client: &Client,
    mut item: GrantItem,
    replayed: &'static str,
    now: i64,
    decide: impl Fn(&GrantItem) -> Result<Step, OAuthError>,
) -> Result<(), OAuthError> {
    // Each retry follows another request's successful write: a handful at most.
    for _ in 0..8 {
        match decide(&item)? {
            Step::Write(next) => match state.store.replace_grant(&next, item.v).await? {
                Replaced::Done => return Ok(()),
                Replaced::Conflict(Some(current)) => item = *current,
                Replaced::Conflict(None) => {
                    return Err(OAuthError::invalid_grant("the grant no longer exists"))
                }
            },
            Step::Replay => {
                revoke(state, &item, now).await?;
                tracing::warn!(client_id = %client.client_id, "single-use credential replayed: grant revoked");
                return Err(OAuthError::invalid_grant(replayed));
            }
        }
    }
    Err(OAuthError::unavailable().with_cause("grant item contended beyond 8 writes"))
}

/// Revokes the whole grant (and a legacy family of the same id).
pub(super) async fn revoke(state: &State, item: &GrantItem, now: i64) -> Result<(), OAuthError> {
    let id = item.pk.trim_start_matches("grant#");
    Ok(crate::revocation::revoke_grant(state, id, now).await?)
}
