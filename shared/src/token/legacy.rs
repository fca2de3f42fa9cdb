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
use crate::store::{Client, CodeItem, CodeState, Consumed, Grant, LegacyItem, TokenItem};

const INVALID_CODE: &str =
    "the authorization code is invalid, expired or was issued to another client";

/// Reads the client while consuming the credential; gives the credential back
/// when client authentication fails (a caller without the client's secret
/// cannot burn it); a second use revokes the family.
async fn consume<T: LegacyItem>(
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
        store.get_client(&creds.client_id),
        store.consume_legacy::<T>(credential, &creds.client_id, now)
    );
    let (client, consumed) = (client?, consumed?);
    let client = match authenticate(client.as_ref(), creds) {
        Ok(c) => c.clone(),
        Err(e) => {
            if let Consumed::Fresh(_, stamp) = consumed {
                store.release_legacy::<T>(credential, stamp).await?;
            }
            return Err(e);
        }
    };
    require_grant(&client, grant_type)?;
    match consumed {
        Consumed::Fresh(item, _) => Ok((client, item)),
        Consumed::Replayed(item) => {
            revoke_grant(state, item.family(), now).await?;
            Err(OAuthError::invalid_grant(replayed))
        }
        Consumed::Invalid => Err(OAuthError::invalid_grant(invalid)),
    }
}

pub(super) async fn authorization_code(
    state: &State,
    req: &TokenRequest<'_>,
    code: &str,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let messages = (INVALID_CODE, authorization_code::REPLAYED);
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
    check_redirect_uri(&client, &as_code, req.params.get("redirect_uri"))?;
    check_pkce(&client, &as_code, req.params.get("code_verifier"))?;
    let scope = item.grant.scope.clone();
    continue_family(state, req, &client, &item.family, item.grant, &scope, now).await
}

pub(super) async fn refresh_token(
    state: &State,
    req: &TokenRequest<'_>,
    token: &str,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let messages = (refresh_token::INVALID, refresh_token::REPLAYED);
    let (client, item): (_, TokenItem) =
        consume(state, req, token, GrantType::RefreshToken, messages, now).await?;
    let scope = scope::narrow(req.params.get("scope"), &item.grant.scope)?;
    continue_family(state, req, &client, &item.family, item.grant, &scope, now).await
}

/// The family goes on as a grant item of the same id, holding the new tokens.
async fn continue_family(
    state: &State,
    req: &TokenRequest<'_>,
    client: &Client,
    family: &str,
    grant: Grant,
    scope: &[String],
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let audience = super::issue::audience(state, client, &[], req.params)?;
    new_grant(state, client, family, grant, scope, &audience, true, now).await
}
