//! Codes and refresh tokens issued before authorization items, redeemed as
//! they always were — consumed by one conditional update while the client is
//! read, released again when client authentication fails, a second use
//! revoking the family — after which their family continues as an
//! authorization of the same id, holding the new tokens, so that a later
//! replay of the old credential revokes those too.

use crate::authorization;
use crate::client_auth::{authenticate, require_grant};
use crate::error::OAuthError;
use crate::grant_type::GrantType;
use crate::pkce;
use crate::resource;
use crate::revocation::revoke_authorization;
use crate::scope;
use crate::state::State;
use crate::store::{Client, CodeItem, CodeState, Consumed, Granted, PerTokenItem, TokenItem};
use crate::token::direct;
use crate::token::issue::TokenResponse;
use crate::token::redeem::{CODE_INVALID, CODE_REPLAYED, REFRESH_INVALID, REFRESH_REPLAYED};
use crate::token::request::TokenRequest;

/// Reads the client while consuming the credential; gives the credential back
/// when client authentication fails (a caller without the client's secret
/// cannot burn it); a second use revokes the family.
async fn consume<T: PerTokenItem>(
    state: &State,
    req: &TokenRequest<'_>,
    credential: &str,
    grant_type: GrantType,
    (invalid, replayed): (&'static str, &'static str),
    now: i64,
) -> Result<(Client, T), OAuthError> {
    let store = &state.store;
    let creds = &req.client;
    let (client, consumed) = tokio::join!(
        crate::client_auth::find(state, &creds.client_id, now),
        store.consume_per_token::<T>(credential, &creds.client_id, now)
    );
    let (client, consumed) = (client?, consumed?);
    let client = match authenticate(client.as_ref(), creds, now) {
        Ok(c) => c.clone(),
        Err(e) => {
            if let Consumed::Fresh(_, stamp) = consumed {
                store.release_per_token::<T>(credential, stamp).await?;
            }
            return Err(e);
        }
    };
    require_grant(&client, grant_type)?;
    match consumed {
        Consumed::Fresh(item, _) => Ok((client, item)),
        Consumed::Replayed(item) => {
            revoke_authorization(state, item.family(), now).await?;
            Err(OAuthError::invalid_grant(replayed))
        }
        Consumed::Invalid => Err(OAuthError::invalid_grant(invalid)),
    }
}

/// A per-token authorization code (RFC 6749 §4.1.3).
pub async fn code(
    state: &State,
    req: &TokenRequest<'_>,
    code: &str,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let messages = (CODE_INVALID, CODE_REPLAYED);
    let (client, item): (_, CodeItem) = consume(
        state,
        req,
        code,
        GrantType::AuthorizationCode,
        messages,
        now,
    )
    .await?;
    let as_code = CodeState {
        hash: String::new(),
        expires_at: item.expires_at,
        used_at: None,
        redirect_uri: item.redirect_uri.clone(),
        redirect_uri_given: item.redirect_uri_given,
        challenge: item.code_challenge.clone(),
    };
    authorization::check_redirect_uri(&client, &as_code, req.params.get("redirect_uri"))?;
    pkce::verify(
        &client,
        as_code.challenge.as_deref(),
        req.params.get("code_verifier"),
    )?;
    let scope = item.granted.scope.clone();
    continue_family(state, req, &client, &item.family, item.granted, &scope, now).await
}

/// A per-token refresh token (RFC 6749 §6).
pub async fn refresh(
    state: &State,
    req: &TokenRequest<'_>,
    token: &str,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let messages = (REFRESH_INVALID, REFRESH_REPLAYED);
    let (client, item): (_, TokenItem) =
        consume(state, req, token, GrantType::RefreshToken, messages, now).await?;
    let scope = scope::narrow(req.params.get("scope"), &item.granted.scope)?;
    continue_family(state, req, &client, &item.family, item.granted, &scope, now).await
}

/// The family goes on as an authorization of the same id, holding the new
/// tokens (a revoked family's marker there refuses it).
async fn continue_family(
    state: &State,
    req: &TokenRequest<'_>,
    client: &Client,
    family: &str,
    granted: Granted,
    scope: &[String],
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    // Per-token families predate registered resource servers.
    let audience = resource::audience(state, client, scope, &[], req.params, &[])?;
    let start = direct::Direct {
        id: family.to_string(),
        granted,
        scope: scope.to_vec(),
        audience,
        with_refresh: true,
    };
    direct::start(state, client, start, now).await
}
