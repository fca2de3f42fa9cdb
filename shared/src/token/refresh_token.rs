//! RFC 6749 §6 with rotation: the refresh token is replaced and a second use of
//! it revokes the grant (RFC 9700 §4.14.2), except one retry within the
//! configured grace period. A narrower `scope` narrows only the new access
//! token: the grant, and so the new refresh token, keep the original scope
//! (RFC 6749 §6: "MUST be identical").

use super::issue::{IdToken, TokenResponse};
use super::redeem::{mint_and_commit, read, Issue, Step};
use super::{legacy, GrantType, TokenRequest};
use crate::credential;
use crate::error::OAuthError;
use crate::grant::{self, Issued, RefreshUse};
use crate::oidc;
use crate::scope;
use crate::state::State;
use crate::store::GrantItem;

pub(super) const INVALID: &str =
    "the refresh token is invalid, expired or was issued to another client";
pub(super) const REPLAYED: &str =
    "the refresh token has already been used; every token of its grant is revoked";

pub(super) async fn grant(
    state: &State,
    req: &TokenRequest<'_>,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let token = req.params.require("refresh_token")?;
    let Some((grant_id, client, item)) =
        read(state, req, token, GrantType::RefreshToken, INVALID).await?
    else {
        return legacy::refresh_token(state, req, token, now).await;
    };
    let is_oidc = oidc::is_oidc(&item.grant.scope);
    let issue = Issue {
        scope: scope::narrow(req.params.get("scope"), &item.grant.scope)?,
        with_refresh: true,
        ends_at: item.ends_at,
        id_token: if is_oidc {
            IdToken::ForRefresh
        } else {
            IdToken::No
        },
    };
    let hash = credential::digest(token);
    let grace = state.config.refresh_grace;
    let decide = |current: &GrantItem, issued: &Issued| match grant::refresh_use(
        current,
        &hash,
        &client.client_id,
        now,
        grace,
    ) {
        u @ (RefreshUse::Fresh | RefreshUse::Retry) => {
            if u == RefreshUse::Retry {
                tracing::info!(client_id = %client.client_id, "refresh token retried within the grace period");
            }
            let next = grant::rotate(current, issued.clone(), &u, now);
            Ok(Step::Write(Box::new(next)))
        }
        RefreshUse::Replayed => Ok(Step::Replay),
        RefreshUse::Invalid => Err(OAuthError::invalid_grant(INVALID)),
    };
    mint_and_commit(
        state, req, &client, grant_id, item, issue, REPLAYED, now, decide,
    )
    .await
}
