//! What the authorization-code and refresh-token grants share: two round
//! trips. First the client and the authorization are read in parallel and the
//! client is authenticated — before anything is consumed, so a caller without
//! the client's secret changes nothing — and the presented credential is
//! checked against the authorization as read, before anything is signed. Then
//! the authorization's next state is written conditioned on the version read
//! ([`crate::store::Store::swap_authorization`]); of concurrent uses exactly
//! one wins, and each loser checks again on the item as it now is, which turns
//! a second use into a replay that revokes the whole authorization (RFC 9700
//! §4.14).

use super::issue::{mint, IdToken, Request, TokenResponse};
use super::request::TokenRequest;
use crate::authorization::Issued;
use crate::client_auth::{authenticate, find, require_grant};
use crate::credential::{self, Shape};
use crate::error::OAuthError;
use crate::grant_type::GrantType;
use crate::resource;
use crate::revocation::revoke_authorization;
use crate::state::State;
use crate::store::{Authorization, Client, Swap};

pub const CODE_INVALID: &str =
    "the authorization code is invalid, expired or was issued to another client";
pub const CODE_REPLAYED: &str =
    "the authorization code has already been used; every token issued from it is revoked";
pub const REFRESH_INVALID: &str =
    "the refresh token is invalid, expired or was issued to another client";
pub const REFRESH_REPLAYED: &str =
    "the refresh token has already been used; every token of its grant is revoked";

/// Round one for a presented code or refresh token (parameter `name`): the
/// authenticated client, allowed `grant_type`, and the authorization the
/// credential names, read in parallel. The client is authenticated before
/// anything about the credential is said (RFC 6749 §5.2): a caller without
/// the secret cannot tell a well-formed token from garbage.
pub(super) async fn read<'p>(
    state: &State,
    req: &TokenRequest<'p>,
    name: &str,
    grant_type: GrantType,
    invalid: &'static str,
) -> Result<(&'p str, Client, Authorization), OAuthError> {
    let presented = req.params.get(name);
    let grant_id = match presented.map(credential::shape) {
        Some(Shape::Bound { grant_id }) => Some(grant_id),
        _ => None,
    };
    let store = &state.store;
    let creds = &req.client;
    let now = state.clock.now();
    let (client, item) = tokio::join!(find(state, &creds.client_id, now), async {
        match grant_id {
            Some(id) => store.get_authorization(id).await,
            None => Ok(None),
        }
    });
    let client = authenticate(client?.as_ref(), creds, now)?.clone();
    require_grant(&client, grant_type)?;
    let credential = req.params.require(name)?;
    let item = item?.ok_or_else(|| OAuthError::invalid_grant(invalid))?;
    Ok((credential, client, item))
}

/// What presenting the credential to the authorization as it is comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Use {
    /// Valid: issue the tokens and write the next state.
    Redeem,
    /// A second use of a single-use credential: revoke the authorization.
    Replay,
}

/// What a redemption issues beside the access token.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Issue {
    /// The access token's scope: the grant's, or narrower on a refresh.
    pub scope: Vec<String>,
    pub with_refresh: bool,
    /// The grant's end (maximum lifetime), which no token outlives.
    pub ends_at: Option<i64>,
    pub id_token: IdToken,
}

/// A redemption: `check` says what the credential is to the authorization
/// (on the item as read, then again on every newer version a concurrent
/// write left), `next` is the authorization once the minted tokens are its.
#[allow(clippy::too_many_arguments)]
pub(super) async fn redeem(
    state: &State,
    req: &TokenRequest<'_>,
    client: &Client,
    item: Authorization,
    issue: Issue,
    replayed: &'static str,
    now: i64,
    check: impl Fn(&Authorization) -> Result<Use, OAuthError>,
    next: impl Fn(&Authorization, &Issued) -> Authorization,
) -> Result<TokenResponse, OAuthError> {
    let id = item.id().to_string();
    // Nothing is signed for a credential the authorization refuses.
    if check(&item)? == Use::Replay {
        return replay(state, client, &id, replayed, now).await;
    }
    let granted = &item.granted;
    let mut named: Vec<&str> = req.params.get_all("resource");
    named.extend(granted.resources.iter().map(String::as_str));
    let registered = resource::registered_for(state, Some(client), &named).await?;
    let audience = resource::audience(
        state,
        client,
        &granted.scope,
        &granted.resources,
        req.params,
        &registered,
    )?;
    let scope = resource::token_scope(&issue.scope, &audience);
    let request = Request {
        grant_id: &id,
        granted: &item.granted,
        scope: &scope,
        audience: &audience,
        with_refresh: issue.with_refresh,
        ends_at: issue.ends_at,
        id_token: issue.id_token,
    };
    let minted = mint(state, client, request, now).await?;
    let swapped = state.store.swap_authorization(Some(item), |current| {
        let current =
            current.ok_or_else(|| OAuthError::invalid_grant("the grant no longer exists"))?;
        Ok::<_, OAuthError>(match check(current)? {
            Use::Redeem => Swap::Write(Box::new(next(current, &minted.issued)), Use::Redeem),
            Use::Replay => Swap::Keep(Use::Replay),
        })
    });
    // An open registration's use pushes its removal on, in the same round trip.
    let (used, touched) = tokio::join!(swapped, keep_alive(state, client, now));
    let used = used?;
    touched?;
    match used {
        Use::Redeem => Ok(minted.response),
        Use::Replay => replay(state, client, &id, replayed, now).await,
    }
}

/// Pushes an open registration's TTL on when it has used up more than a day
/// of it (at most one write a day per client).
async fn keep_alive(state: &State, client: &Client, now: i64) -> Result<(), OAuthError> {
    let idle = state.config.client_idle_ttl;
    match client.expires_at {
        Some(e) if e - now < idle - 86_400 => Ok(state
            .store
            .touch_client(&client.client_id, now + idle)
            .await?),
        _ => Ok(()),
    }
}

/// A single-use credential used again: the whole authorization is revoked.
async fn replay(
    state: &State,
    client: &Client,
    id: &str,
    replayed: &'static str,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    revoke_authorization(state, id, now).await?;
    tracing::warn!(client_id = %client.client_id, "single-use credential replayed: grant revoked");
    Err(OAuthError::invalid_grant(replayed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorization::test_code;
    use crate::client_auth::ClientCredentials;
    use crate::params::Params;
    use crate::store::models::test_client;
    use crate::store::{AccessTokenFormat, Store};
    use crate::Config;

    /// A state whose store is unreachable and which cannot sign: whatever
    /// `redeem` gets to first shows in its error.
    async fn state() -> State {
        let store = Store::with_endpoint("t", "http://127.0.0.1:9").await;
        State::new(Config::new("t", "https://op.example"), store)
    }

    async fn run(check: impl Fn(&Authorization) -> Result<Use, OAuthError>) -> OAuthError {
        let state = state().await;
        let params = Params::parse("", b"").unwrap();
        let req = TokenRequest {
            grant_type: Ok(GrantType::AuthorizationCode),
            client: ClientCredentials {
                client_id: "c".into(),
                secret: None,
                via_basic: false,
            },
            params: &params,
        };
        let mut client = test_client(false, &["https://a.example/cb"]);
        client.access_token_format = AccessTokenFormat::Jwt;
        let issue = Issue {
            scope: vec!["read".into()],
            with_refresh: false,
            ends_at: None,
            id_token: IdToken::No,
        };
        let item = test_code("h", None, 0);
        let next = |i: &Authorization, _: &Issued| i.clone();
        redeem(
            &state, &req, &client, item, issue, "replayed", 0, check, next,
        )
        .await
        .unwrap_err()
    }

    #[tokio::test]
    async fn a_credential_the_authorization_refuses_is_never_signed_for() {
        let e = run(|_| Err(OAuthError::invalid_grant("refused"))).await;
        assert_eq!(
            (e.code.as_str(), e.description.as_str()),
            ("invalid_grant", "refused")
        );
        // One it accepts goes on to sign, which this state cannot do.
        let e = run(|_| Ok(Use::Redeem)).await;
        assert_eq!(e.code.as_str(), "server_error", "{e:?}");
    }
}
