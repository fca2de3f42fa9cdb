//! The token endpoint (RFC 6749 §3.2): one file per grant type, dispatched here.
//!
//! - [`authorization_code`]: RFC 6749 §4.1.3 with RFC 7636 (PKCE);
//! - [`refresh_token`]: RFC 6749 §6, with rotation and replay detection;
//! - [`password`]: RFC 6749 §4.3 (legacy, per client);
//! - [`client_credentials`]: RFC 6749 §4.4;
//! - [`redeem`]: the path the code and refresh grants share (read the client
//!   and the grant, authenticate, write the grant's next state, detect replay);
//! - [`issue`]: minting the new tokens and the response (§5.1);
//! - [`legacy`]: codes and refresh tokens issued before grant items.
//!
//! Each grant costs two sequential DynamoDB round trips on its success path: the
//! reads (the client in parallel with the grant item, or with the user and the
//! throttle counter), then one write of the grant item.

mod authorization_code;
mod client_credentials;
mod issue;
mod legacy;
mod password;
mod redeem;
mod refresh_token;

pub use crate::grant_type::GrantType;
pub use issue::TokenResponse;

use crate::client_auth::{self, ClientCredentials};
use crate::error::{ErrorCode, OAuthError, StoreError};
use crate::grant::{self, Issued};
use crate::params::Params;
use crate::state::State;
use crate::store::{grant_key, Client, Grant, GrantItem};

/// A token request whose grant type and client credentials have been read.
pub struct TokenRequest<'a> {
    pub grant_type: GrantType,
    pub client: ClientCredentials,
    pub params: &'a Params,
}

impl<'a> TokenRequest<'a> {
    /// Reads the grant type and the client's credentials; the deployment may
    /// refuse parameters in the query string (`TOKEN_QUERY_PARAMS=deny`).
    pub fn parse(
        state: &State,
        params: &'a Params,
        basic: Option<(String, String)>,
    ) -> Result<Self, OAuthError> {
        if !state.config.query_params_allowed {
            if let Some(name) = params.query_names().find(|n| *n != "partnerId") {
                return Err(OAuthError::invalid_request(format!(
                    "parameter '{name}' must be sent in the form body; this deployment does not accept token parameters in the query string"
                )));
            }
        }
        let grant_type = GrantType::parse(params.require("grant_type")?).ok_or_else(|| {
            OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                "grant_type must be authorization_code, refresh_token, password or client_credentials",
            )
        })?;
        Ok(Self {
            grant_type,
            client: client_auth::credentials(basic, params)?,
            params,
        })
    }
}

/// Runs the request's grant.
pub async fn exchange(
    state: &State,
    req: &TokenRequest<'_>,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    // Each grant's future boxed: the handler's stays small whatever the grant.
    match req.grant_type {
        GrantType::AuthorizationCode => Box::pin(authorization_code::grant(state, req, now)).await,
        GrantType::RefreshToken => Box::pin(refresh_token::grant(state, req, now)).await,
        GrantType::Password => Box::pin(password::grant(state, req, now)).await,
        GrantType::ClientCredentials => Box::pin(client_credentials::grant(state, req, now)).await,
    }
}

/// A grant item that starts with this request's tokens, no code: a password
/// or client-credentials grant (under a new id), or a legacy family continuing
/// (under its own id; a revoked family's marker there refuses it).
#[allow(clippy::too_many_arguments)]
async fn new_grant(
    state: &State,
    client: &Client,
    grant_id: &str,
    grant: Grant,
    scope: &[String],
    audience: &[String],
    with_refresh: bool,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let ends_at = issue::grant_end(state, client, now);
    let minted = issue::mint(
        state,
        client,
        issue::Request {
            grant_id,
            grant: &grant,
            scope,
            audience,
            with_refresh,
            ends_at,
            id_token: issue::IdToken::No,
        },
        now,
    )
    .await?;
    let Issued { access, refresh } = minted.issued;
    let mut item = GrantItem {
        pk: grant_key(grant_id),
        v: 1,
        client_id: client.client_id.clone(),
        grant,
        created_at: now,
        ends_at,
        code: None,
        access: Some(access),
        prev_access: None,
        refresh,
        prev_refresh: None,
        revoked_at: None,
        expires_at: None,
    };
    item.expires_at = grant::expiry(&item);
    match state.store.create_grant(&item).await {
        Ok(()) => Ok(minted.response),
        Err(StoreError::AlreadyExists) => {
            Err(OAuthError::invalid_grant("the grant has been revoked"))
        }
        Err(e) => Err(e.into()),
    }
}

/// `unauthorized_client` unless the client registered this grant type.
fn require_grant(client: &Client, grant: GrantType) -> Result<(), OAuthError> {
    if client.allows_grant(grant) {
        Ok(())
    } else {
        Err(OAuthError::unauthorized_client(format!(
            "this client may not use the {grant} grant"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, State};

    async fn state(query_params_allowed: bool) -> State {
        let config =
            Config::new("t", "http://127.0.0.1:9000").with_query_params(query_params_allowed);
        let store = crate::store::Store::with_endpoint("t", "http://127.0.0.1:9").await;
        State::new(config, store)
    }

    #[tokio::test]
    async fn an_unknown_grant_type_is_unsupported_grant_type() {
        let st = state(true).await;
        let p = Params::parse("", b"grant_type=urn:x&client_id=c").unwrap();
        let e = TokenRequest::parse(&st, &p, None).err().unwrap();
        assert_eq!(e.code, ErrorCode::UnsupportedGrantType);
        let p = Params::parse("", b"client_id=c").unwrap();
        let e = TokenRequest::parse(&st, &p, None).err().unwrap();
        assert_eq!(e.code, ErrorCode::InvalidRequest, "grant_type is required");
    }

    #[tokio::test]
    async fn query_parameters_are_refused_when_the_deployment_denies_them_but_partner_id() {
        let st = state(false).await;
        let p = Params::parse("partnerId=1", b"grant_type=password&client_id=c").unwrap();
        assert!(TokenRequest::parse(&st, &p, None).is_ok());
        let p = Params::parse("grant_type=password", b"client_id=c").unwrap();
        let e = TokenRequest::parse(&st, &p, None).err().unwrap();
        assert!(e.description.contains("query string"));
    }
}
