//! RFC 6749 §6 with rotation: the refresh token is consumed and a new one
//! issued; a second use revokes the family (RFC 9700 §4.14.2), except one retry
//! within the configured grace period.

use super::issue::{issue, Family, TokenResponse};
use super::redeem::{redeem, refuse_replay, Redeemed, RefreshToken};
use super::TokenRequest;
use crate::error::OAuthError;
use crate::scope;
use crate::state::State;

pub(super) async fn grant(
    state: &State,
    req: &TokenRequest<'_>,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let token = req.params.require("refresh_token")?;
    let (client, item) = match redeem::<RefreshToken>(state, &req.client, token, now).await? {
        (client, Redeemed::Fresh(item)) => (client, item),
        // Grace period: a client that lost the response to its refresh may retry
        // once, shortly after; anything else is a replay.
        (client, Redeemed::Replayed(item))
            if state.config.refresh_grace > 0
                && state
                    .store
                    .allow_refresh_retry(
                        token,
                        &client.client_id,
                        now - state.config.refresh_grace,
                        now,
                    )
                    .await? =>
        {
            tracing::info!(client_id = %client.client_id, "refresh token retried within the grace period");
            (client, item)
        }
        (client, Redeemed::Replayed(item)) => {
            return Err(refuse_replay::<RefreshToken>(state, &client, &item, now).await)
        }
    };
    let mut grant = item.grant;
    grant.scope = scope::narrow(req.params.get("scope"), &grant.scope)?;
    issue(
        state,
        &client,
        Family::Existing(&item.family),
        grant,
        true,
        now,
    )
    .await
}
