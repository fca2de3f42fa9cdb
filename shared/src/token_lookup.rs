//! Finding a presented token for revocation and introspection: the client is
//! authenticated like at the token endpoint, and the token's authorization is
//! read in parallel with the client (one round trip). A token from before
//! authorization items is looked up as an access and as a refresh token
//! instead ([`crate::per_token`]).

use crate::authorization;
use crate::client_auth::{authenticate, ClientCredentials};
use crate::credential::{self, Shape};
use crate::error::OAuthError;
use crate::jose::issued as jwt;
use crate::params::Params;
use crate::per_token;
use crate::state::State;
use crate::store::{Authorization, Client};

/// What a presented token turned out to be: live, or `None`.
pub enum Found {
    /// A live access token of this authorization, with its stored digest.
    Access(Authorization, String),
    /// The live refresh token of this authorization, with its stored digest.
    Refresh(Authorization, String),
    /// A live token from before authorization items.
    PerToken(per_token::Token),
    None,
}

impl Found {
    /// The client the token was issued to.
    pub fn client_id(&self) -> Option<&str> {
        match self {
            Found::Access(g, _) | Found::Refresh(g, _) => Some(&g.client_id),
            Found::PerToken(t) => Some(&t.item.client_id),
            Found::None => None,
        }
    }
}

/// The authenticated client and what its `token` parameter names.
pub async fn lookup(
    state: &State,
    params: &Params,
    creds: &ClientCredentials,
    now: i64,
) -> Result<(Client, Found), OAuthError> {
    let Some(token) = params.get("token") else {
        // Said only to the client that authenticates (RFC 6749 §5.2).
        crate::client_auth::authenticated(state, creds, now).await?;
        return Err(OAuthError::invalid_request("missing parameter 'token'"));
    };
    let store = &state.store;
    // A JWT access token is found by its `jti`, once its signature checks out.
    let id = match credential::shape(token) {
        Shape::Jwt => jwt::access_token_jti(state, token, now).await?,
        _ => Some(token.to_string()),
    };
    let (client, found) = match id.as_deref().map(credential::shape) {
        Some(Shape::Bound { grant_id }) => {
            let (client, item) = tokio::join!(
                crate::client_auth::find(state, &creds.client_id, now),
                store.get_authorization(grant_id)
            );
            // The token as presented: a JWT's `jti` alone matches nothing.
            let hash = credential::digest(token);
            let found = match item? {
                Some(g) if authorization::live_access(&g, &hash, now).is_some() => {
                    Found::Access(g, hash)
                }
                Some(g) if authorization::live_refresh(&g, &hash, now).is_some() => {
                    Found::Refresh(g, hash)
                }
                _ => Found::None,
            };
            (client, found)
        }
        Some(Shape::PerToken) => {
            let hint = params.get("token_type_hint");
            let (client, t) = tokio::join!(
                crate::client_auth::find(state, &creds.client_id, now),
                per_token::lookup(state, token, hint, now)
            );
            (client, t?.map_or(Found::None, Found::PerToken))
        }
        _ => (
            crate::client_auth::find(state, &creds.client_id, now).await,
            Found::None,
        ),
    };
    let client = authenticate(client?.as_ref(), creds, now)?.clone();
    Ok((client, found))
}
