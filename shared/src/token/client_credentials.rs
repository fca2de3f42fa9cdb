//! RFC 6749 §4.4: a confidential client acting for itself; no refresh token
//! (§4.4.3).

use super::direct::{self, Direct};
use super::issue::TokenResponse;
use super::request::TokenRequest;
use crate::client_auth::{authenticate, require_grant};
use crate::error::OAuthError;
use crate::grant_type::GrantType;
use crate::resource;
use crate::scope;
use crate::state::State;
use crate::store::Granted;

pub(super) async fn exchange(
    state: &State,
    req: &TokenRequest<'_>,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let client = crate::client_auth::find(state, &req.client.client_id, now).await?;
    let client = authenticate(client.as_ref(), &req.client, now)?;
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
    let asked = req.params.get_all("resource");
    let registered = resource::registered_for(state, Some(client), &asked).await?;
    let audience = resource::audience(state, client, &scopes, &[], req.params, &registered)?;
    let granted = Granted {
        scope: scopes,
        resources: resource::asked(req.params),
        ..Granted::default()
    };
    direct::start(state, client, Direct::new(granted, audience, false), now).await
}
