//! Codes and refresh tokens issued before grant items (docs/architecture.md,
//! "Upgrading from per-token items"). They are redeemed as they always were —
//! consumed by one conditional update while the client is read, released again
//! when client authentication fails, a second use revoking the family — and
//! their family then continues as a grant item of the same id, holding the new
//! tokens, so that a later replay of the old credential revokes those too.

use super::authorization_code::{self, check_pkce, check_redirect_uri};
use super::issue::TokenResponse;
use super::{new_grant, refresh_token, require_grant, GrantType, TokenRequest};
use crate::client_auth::authenticate;
use crate::error::OAuthError;
use crate::revocation::revoke_grant;
use crate::scope;
use crate::state::State;
use crate::store::{CodeState, Consumed};

const INVALID_CODE: &str =
    "the authorization code is invalid, expired or was issued to another client";

pub(super) async fn authorization_code(
    state: &State,
    req: &TokenRequest<'_>,
    code: &str,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let store = &state.store;
    let creds = &req.client;
    let (client, consumed) = tokio::join!(
        store.get_client(&creds.client_id),
        store.consume_legacy_code(code, &creds.client_id, now)
    );
    let (client, consumed) = (client?, consumed?);
    let client = match authenticate(client.as_ref(), creds) {
        Ok(c) => c.clone(),
        Err(e) => {
            if let Consumed::Fresh(_, stamp) = consumed {
                store.release_legacy_code(code, stamp).await?;
            }
            return Err(e);
        }
    };
    require_grant(&client, GrantType::AuthorizationCode)?;
    let item = match consumed {
        Consumed::Fresh(item, _) => item,
        Consumed::Replayed(item) => {
            revoke_grant(state, &item.family, now).await?;
            return Err(OAuthError::invalid_grant(authorization_code::REPLAYED));
        }
        Consumed::Invalid => return Err(OAuthError::invalid_grant(INVALID_CODE)),
    };
    let as_code = CodeState {
        hash: String::new(),
        expires_at: item.expires_at,
        used_at: None,
        redirect_uri: item.redirect_uri.clone(),
        redirect_uri_given: item.redirect_uri_given,
        challenge: item.code_challenge.clone(),
    };
    check_redirect_uri(&client, &as_code, req.params.get("redirect_uri"))?;
    check_pkce(&client, &as_code, req.params.get("code_verifier"))?;
    let scope = item.grant.scope.clone();
    let audience = super::issue::audience(state, &client, &[], req.params)?;
    new_grant(
        state,
        &client,
        &item.family,
        item.grant,
        &scope,
        &audience,
        true,
        now,
    )
    .await
}

pub(super) async fn refresh_token(
    state: &State,
    req: &TokenRequest<'_>,
    token: &str,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let store = &state.store;
    let creds = &req.client;
    let (client, consumed) = tokio::join!(
        store.get_client(&creds.client_id),
        store.consume_legacy_refresh(token, &creds.client_id, now)
    );
    let (client, consumed) = (client?, consumed?);
    let client = match authenticate(client.as_ref(), creds) {
        Ok(c) => c.clone(),
        Err(e) => {
            if let Consumed::Fresh(_, stamp) = consumed {
                store.release_legacy_refresh(token, stamp).await?;
            }
            return Err(e);
        }
    };
    require_grant(&client, GrantType::RefreshToken)?;
    let item = match consumed {
        Consumed::Fresh(item, _) => item,
        Consumed::Replayed(item) => {
            revoke_grant(state, &item.family, now).await?;
            return Err(OAuthError::invalid_grant(refresh_token::REPLAYED));
        }
        Consumed::Invalid => return Err(OAuthError::invalid_grant(refresh_token::INVALID)),
    };
    let scope = scope::narrow(req.params.get("scope"), &item.grant.scope)?;
    let audience = super::issue::audience(state, &client, &[], req.params)?;
    new_grant(
        state,
        &client,
        &item.family,
        item.grant,
        &scope,
        &audience,
        true,
        now,
    )
    .await
}
