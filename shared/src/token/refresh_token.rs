//! RFC 6749 §6 with rotation: the refresh token is replaced and a second use of
//! it revokes the authorization (RFC 9700 §4.14.2), except one retry within
//! the configured grace period. A narrower `scope` narrows only the new access
//! token: the authorization, and so the new refresh token, keep the original
//! scope (RFC 6749 §6: "MUST be identical").

use super::issue::{IdToken, TokenResponse};
use super::redeem::{read, redeem, Issue, Use, REFRESH_INVALID, REFRESH_REPLAYED};
use super::request::TokenRequest;
use crate::authorization::{self, Issued, RefreshUse};
use crate::credential;
use crate::error::OAuthError;
use crate::grant_type::GrantType;
use crate::oidc;
use crate::scope;
use crate::state::State;
use crate::store::Authorization;

pub(super) async fn exchange(
    state: &State,
    req: &TokenRequest<'_>,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let (token, client, item) = read(
        state,
        req,
        "refresh_token",
        GrantType::RefreshToken,
        REFRESH_INVALID,
    )
    .await?;
    let issue = Issue {
        scope: scope::narrow(req.params.get("scope"), &item.granted.scope)?,
        with_refresh: true,
        ends_at: item.ends_at,
        id_token: if oidc::is_oidc(&item.granted.scope) {
            IdToken::ForRefresh
        } else {
            IdToken::No
        },
    };
    let hash = credential::digest(token);
    let grace = state.config.refresh_grace;
    let client_id = client.client_id.clone();
    let use_of = |current: &Authorization| {
        authorization::refresh_use(current, &hash, &client_id, now, grace)
    };
    let check = |current: &Authorization| check(use_of(current));
    let next = |current: &Authorization, issued: &Issued| {
        let u = use_of(current);
        if u == RefreshUse::Retry {
            tracing::info!(client_id = %client_id, "refresh token retried within the grace period");
        }
        authorization::rotate(current, issued.clone(), &u, now)
    };
    redeem(
        state,
        req,
        &client,
        item,
        issue,
        REFRESH_REPLAYED,
        now,
        check,
        next,
    )
    .await
}

/// What a use of the refresh token means for the token endpoint.
fn check(u: RefreshUse) -> Result<Use, OAuthError> {
    match u {
        RefreshUse::Fresh | RefreshUse::Retry => Ok(Use::Redeem),
        RefreshUse::Replayed => Ok(Use::Replay),
        RefreshUse::Invalid => Err(OAuthError::invalid_grant(REFRESH_INVALID)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_token_or_its_one_retry_rotates_and_the_replaced_one_is_a_replay() {
        assert_eq!(check(RefreshUse::Fresh).unwrap(), Use::Redeem);
        assert_eq!(check(RefreshUse::Retry).unwrap(), Use::Redeem);
        assert_eq!(check(RefreshUse::Replayed).unwrap(), Use::Replay);
        let e = check(RefreshUse::Invalid).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.description.as_str()),
            ("invalid_grant", REFRESH_INVALID)
        );
    }
}
