//! What the authorization-code and refresh-token grants share: two round
//! trips. First the client and the grant item are read in parallel and the
//! client is authenticated — before anything is consumed, so a caller without
//! the client's secret changes nothing. Then the grant's next state is written
//! conditioned on the version read; of concurrent uses exactly one wins, and
//! each loser decides again on the item as it now is, which turns a second use
//! into a replay that revokes the whole grant (RFC 9700 §4.14).

use super::issue::{audience, mint, IdToken, Request, TokenResponse};
use super::{require_grant, GrantType, TokenRequest};
use crate::client_auth::authenticate;
use crate::credential::{self, Shape};
use crate::error::OAuthError;
use crate::grant::Issued;
use crate::state::State;
use crate::store::{Client, GrantItem, Replaced};

/// Round one for a presented code or refresh token: the grant it names and the
/// authenticated client, allowed `grant_type`, read in parallel. `None`: the
/// credential has the form of one issued before grant items (`legacy.rs`
/// redeems it).
pub(super) async fn read<'c>(
    state: &State,
    req: &TokenRequest<'_>,
    credential: &'c str,
    grant_type: GrantType,
    invalid: &'static str,
) -> Result<Option<(&'c str, Client, GrantItem)>, OAuthError> {
    let grant_id = match credential::shape(credential) {
        Shape::Bound { grant_id } => grant_id,
        Shape::Legacy => return Ok(None),
        Shape::Jwt | Shape::Unknown => return Err(OAuthError::invalid_grant(invalid)),
    };
    let store = &state.store;
    let creds = &req.client;
    let (client, item) = tokio::join!(
        store.get_client(&creds.client_id),
        store.get_grant(grant_id)
    );
    let client = authenticate(client?.as_ref(), creds)?.clone();
    require_grant(&client, grant_type)?;
    let item = item?.ok_or_else(|| OAuthError::invalid_grant(invalid))?;
    Ok(Some((grant_id, client, item)))
}

/// What a use of the grant does.
pub(super) enum Step {
    /// Write this next state.
    Write(Box<GrantItem>),
    /// A second use of a single-use credential: revoke the grant.
    Replay,
}

/// What a redemption issues beside the access token.
pub(super) struct Issue {
    /// The access token's scope: the grant's, or narrower on a refresh.
    pub scope: Vec<String>,
    pub with_refresh: bool,
    /// The grant's end (maximum lifetime), which no token outlives.
    pub ends_at: Option<i64>,
    pub id_token: IdToken,
}

/// Mints what `issue` says for the grant as read, then (round two) writes the
/// grant's next state that `decide` picks for the minted tokens, and answers.
#[allow(clippy::too_many_arguments)]
pub(super) async fn mint_and_commit(
    state: &State,
    req: &TokenRequest<'_>,
    client: &Client,
    grant_id: &str,
    item: GrantItem,
    issue: Issue,
    replayed: &'static str,
    now: i64,
    decide: impl Fn(&GrantItem, &Issued) -> Result<Step, OAuthError>,
) -> Result<TokenResponse, OAuthError> {
    let audience = audience(state, client, &item.grant.resources, req.params)?;
    let request = Request {
        grant_id,
        grant: &item.grant,
        scope: &issue.scope,
        audience: &audience,
        with_refresh: issue.with_refresh,
        ends_at: issue.ends_at,
        id_token: issue.id_token,
    };
    let minted = mint(state, client, request, now).await?;
    commit(state, client, item, replayed, now, |current| {
        decide(current, &minted.issued)
    })
    .await?;
    Ok(minted.response)
}

/// Round two: writes the state `decide` picks for the grant as read; when
/// another write came first, decides again on the item as it now is.
async fn commit(
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
