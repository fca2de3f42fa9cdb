//! RFC 6749 §4.4: a confidential client acting for itself; no refresh token
//! (§4.4.3).

use super::issue::TokenResponse;
use super::{new_grant, require_grant, GrantType, TokenRequest};
use crate::client_auth::authenticate;
use crate::error::OAuthError;
use crate::scope;
use crate::state::State;
use crate::store::Grant;

pub(super) async fn grant(
    state: &State,
    req: &TokenRequest<'_>,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let client = state.store.get_client(&req.client.client_id).await?;
    let client = authenticate(client.as_ref(), &req.client)?;
    if client.is_public() {
        return Err(OAuthError::unauthorized_client(
            "public clients cannot use client_credentials",
        ));
    }
    require_grant(client, GrantType::ClientCredentials)?;
    let scopes = scope::resolve(
        req.params.get("scope"),
        &client.scopes,
        &client.default_scopes,
    )?;
    let audience = super::issue::audience(state, client, &[], req.params)?;
    let grant = Grant {
        scope: scopes,
        resources: req
            .params
            .get_all("resource")
            .into_iter()
            .map(str::to_string)
            .collect(),
        ..Grant::default()
    };
    let (id, scope) = (crate::credential::new_grant_id(), grant.scope.clone());
    new_grant(state, client, &id, grant, &scope, &audience, false, now).await
}
