//! What the authorization-code and refresh-token grants share: a single-use
//! credential consumed by one conditional update while the client is read (one
//! round trip), then client authentication, then replay detection (RFC 9700
//! §4.14: a second use revokes every token of the grant, its family).

use super::{require_grant, GrantType};
use crate::client_auth::{authenticate, ClientCredentials};
use crate::error::{OAuthError, StoreError};
use crate::state::State;
use crate::store::{Client, CodeItem, Consumed, Store, TokenItem};

/// A credential that can be used once: an authorization code or a refresh token.
pub(super) trait SingleUse {
    type Item;
    /// The grant type that redeems it.
    const GRANT: GrantType;
    /// `invalid_grant` description for an unknown, expired or foreign credential.
    const INVALID: &'static str;
    /// `invalid_grant` description for a second use.
    const REPLAYED: &'static str;
    fn family(item: &Self::Item) -> &str;
    async fn consume(
        store: &Store,
        value: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Consumed<Self::Item>, StoreError>;
    async fn release(store: &Store, value: &str, stamp: i64) -> Result<(), StoreError>;
}

pub(super) struct Code;

impl SingleUse for Code {
    type Item = CodeItem;
    const GRANT: GrantType = GrantType::AuthorizationCode;
    const INVALID: &'static str =
        "the authorization code is invalid, expired or was issued to another client";
    const REPLAYED: &'static str =
        "the authorization code has already been used; every token issued from it is revoked";
    fn family(item: &CodeItem) -> &str {
        &item.family
    }
    async fn consume(
        store: &Store,
        value: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Consumed<CodeItem>, StoreError> {
        store.consume_code(value, client_id, now).await
    }
    async fn release(store: &Store, value: &str, stamp: i64) -> Result<(), StoreError> {
        store.release_code(value, stamp).await
    }
}

pub(super) struct RefreshToken;

impl SingleUse for RefreshToken {
    type Item = TokenItem;
    const GRANT: GrantType = GrantType::RefreshToken;
    const INVALID: &'static str =
        "the refresh token is invalid, expired or was issued to another client";
    const REPLAYED: &'static str =
        "the refresh token has already been used; every token of its grant is revoked";
    fn family(item: &TokenItem) -> &str {
        &item.family
    }
    async fn consume(
        store: &Store,
        value: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Consumed<TokenItem>, StoreError> {
        store.consume_refresh_token(value, client_id, now).await
    }
    async fn release(store: &Store, value: &str, stamp: i64) -> Result<(), StoreError> {
        store.release_refresh_token(value, stamp).await
    }
}

/// A credential this request consumed, or one that had been consumed before.
pub(super) enum Redeemed<T> {
    Fresh(T),
    Replayed(T),
}

/// Consumes `value` for the authenticated client. A failed client
/// authentication releases what it consumed, so a caller without the client's
/// secret cannot burn a stolen code.
pub(super) async fn redeem<S: SingleUse>(
    state: &State,
    creds: &ClientCredentials,
    value: &str,
    now: i64,
) -> Result<(Client, Redeemed<S::Item>), OAuthError> {
    let store = &state.store;
    let (client, consumed) = tokio::join!(
        store.get_client(&creds.client_id),
        S::consume(store, value, &creds.client_id, now)
    );
    let (client, consumed) = (client?, consumed?);
    let client = match authenticate(client.as_ref(), creds) {
        Ok(c) => c.clone(),
        Err(e) => {
            if let Consumed::Fresh(_, stamp) = consumed {
                S::release(store, value, stamp).await?;
            }
            return Err(e);
        }
    };
    require_grant(&client, S::GRANT)?;
    match consumed {
        Consumed::Fresh(item, _) => Ok((client, Redeemed::Fresh(item))),
        Consumed::Replayed(item) => Ok((client, Redeemed::Replayed(item))),
        Consumed::Invalid => Err(OAuthError::invalid_grant(S::INVALID)),
    }
}

/// A replay: revokes the item's family and answers `invalid_grant`.
pub(super) async fn refuse_replay<S: SingleUse>(
    state: &State,
    client: &Client,
    item: &S::Item,
    now: i64,
) -> OAuthError {
    match state.store.revoke_family(S::family(item), now).await {
        Ok(revoked) => {
            tracing::warn!(client_id = %client.client_id, grant = %S::GRANT, revoked, "single-use credential replayed: grant family revoked");
            OAuthError::invalid_grant(S::REPLAYED)
        }
        Err(e) => e.into(),
    }
}
