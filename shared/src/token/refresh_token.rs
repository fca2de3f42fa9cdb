//! RFC 6749 §6 with rotation: the refresh token is replaced and a second use of
//! it revokes the grant (RFC 9700 §4.14.2), except one retry within the
//! configured grace period. A narrower `scope` narrows only the new access
//! token: the grant, and so the new refresh token, keep the original scope
//! (RFC 6749 §6: "MUST be identical").

use super::issue::{audience, mint, IdToken, Request, TokenResponse};
use super::redeem::{commit, read, Step};
use super::{legacy, GrantType, TokenRequest};
use crate::credential::{self, Shape};
use crate::error::OAuthError;
use crate::grant::{self, RefreshUse};
use crate::oidc;
use crate::scope;
use crate::state::State;

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
    let grant_id = match credential::shape(token) {
        Shape::Bound { grant_id } => grant_id,
        Shape::Legacy => return legacy::refresh_token(state, req, token, now).await,
        Shape::Jwt | Shape::Unknown => return Err(OAuthError::invalid_grant(INVALID)),
    };
    let (client, item) = read(state, &req.client, grant_id, GrantType::RefreshToken).await?;
    let item = item.ok_or_else(|| OAuthError::invalid_grant(INVALID))?;
    let access_scope = scope::narrow(req.params.get("scope"), &item.grant.scope)?;
    let audience = audience(state, &client, &item.grant.resources, req.params)?;
    let is_oidc = oidc::is_oidc(&item.grant.scope);
    let minted = mint(
        state,
        &client,
        Request {
            grant_id,
            grant: &item.grant,
            scope: &access_scope,
            audience: &audience,
            with_refresh: true,
            ends_at: item.ends_at,
            id_token: if is_oidc {
                IdToken::ForRefresh
            } else {
                IdToken::No
            },
        },
        now,
    )
    .await?;
    let hash = credential::digest(token);
    let grace = state.config.refresh_grace;
    commit(state, &client, item, REPLAYED, now, |current| {
        match grant::refresh_use(current, &hash, &client.client_id, now, grace) {
            u @ (RefreshUse::Fresh | RefreshUse::Retry) => {
                if u == RefreshUse::Retry {
                    tracing::info!(client_id = %client.client_id, "refresh token retried within the grace period");
                }
                let next = grant::rotate(current, minted.issued.clone(), &u, now);
                Ok(Step::Write(Box::new(next)))
            }
            RefreshUse::Replayed => Ok(Step::Replay),
            RefreshUse::Invalid => Err(OAuthError::invalid_grant(INVALID)),
        }
    })
    .await?;
    Ok(minted.response)
}
