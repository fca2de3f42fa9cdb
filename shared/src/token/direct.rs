//! A direct grant's authorization: one that starts with this request's tokens
//! and no code — a password or client-credentials grant under a new id, or a
//! per-token family continuing under its own (where a revoked family's marker
//! refuses it).

use super::issue::{self, IdToken, TokenResponse};
use crate::authorization::{self, Start};
use crate::error::{OAuthError, StoreError};
use crate::resource::{token_scope, Audience};
use crate::state::State;
use crate::store::{Client, Granted};

/// What a direct grant starts.
pub struct Direct {
    pub id: String,
    pub granted: Granted,
    /// The access token's scope.
    pub scope: Vec<String>,
    pub audience: Audience,
    pub with_refresh: bool,
}

impl Direct {
    /// A new authorization (a new id) with the granted scope (a registered
    /// resource server's share of it).
    pub fn new(granted: Granted, audience: Audience, with_refresh: bool) -> Self {
        Self {
            id: crate::credential::new_grant_id(),
            scope: token_scope(&granted.scope, &audience),
            granted,
            audience,
            with_refresh,
        }
    }
}

/// Mints the tokens and writes the new authorization (one PutItem).
pub async fn start(
    state: &State,
    client: &Client,
    d: Direct,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let ends_at = issue::grant_end(state, client, now);
    let minted = issue::mint(
        state,
        client,
        issue::Request {
            grant_id: &d.id,
            granted: &d.granted,
            scope: &d.scope,
            audience: &d.audience,
            with_refresh: d.with_refresh,
            ends_at,
            id_token: IdToken::No,
        },
        now,
    )
    .await?;
    let item = authorization::start(Start {
        id: d.id,
        client_id: client.client_id.clone(),
        granted: d.granted,
        now,
        ends_at,
        code: None,
        issued: Some(minted.issued),
    });
    match state.store.create_authorization(&item).await {
        Ok(()) => Ok(minted.response),
        Err(StoreError::AlreadyExists) => {
            Err(OAuthError::invalid_grant("the grant has been revoked"))
        }
        Err(e) => Err(e.into()),
    }
}
