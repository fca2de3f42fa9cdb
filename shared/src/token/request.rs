//! A token request (RFC 6749 §3.2): its grant type and the client's
//! credentials, read before any grant runs.

use crate::client_auth::{self, ClientCredentials};
use crate::error::{ErrorCode, OAuthError};
use crate::grant_type::GrantType;
use crate::params::Params;
use crate::state::State;

/// A token request whose grant type and client credentials have been read.
/// An unknown or missing grant type is kept as its error: the client is
/// authenticated first (RFC 6749 §5.2, `invalid_client` whatever else is
/// wrong), so that a caller without the secret learns nothing more.
pub struct TokenRequest<'a> {
    pub grant_type: Result<GrantType, OAuthError>,
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
        if !state.config.query_params_allowed && params.query_names().any(|n| n != "partnerId") {
            return Err(OAuthError::invalid_request(
                "token parameters must be sent in the form body: this deployment does not accept them in the query string",
            ));
        }
        let grant_type = params.require("grant_type").and_then(|g| {
            GrantType::parse(g).ok_or_else(|| {
                OAuthError::new(
                    ErrorCode::UnsupportedGrantType,
                    "grant_type must be authorization_code, refresh_token, password or client_credentials",
                )
            })
        });
        Ok(Self {
            grant_type,
            client: client_auth::credentials(basic, params)?,
            params,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

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
        let e = TokenRequest::parse(&st, &p, None)
            .unwrap()
            .grant_type
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::UnsupportedGrantType);
        let p = Params::parse("", b"client_id=c").unwrap();
        let e = TokenRequest::parse(&st, &p, None)
            .unwrap()
            .grant_type
            .unwrap_err();
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
