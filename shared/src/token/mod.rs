//! The token endpoint (RFC 6749 §3.2): one file per grant type, dispatched here.
//!
//! - [`authorization_code`]: RFC 6749 §4.1.3 with RFC 7636 (PKCE);
//! - [`refresh_token`]: RFC 6749 §6, with rotation and replay detection;
//! - [`password`]: RFC 6749 §4.3 (per client, for the legacy APIs);
//! - [`client_credentials`]: RFC 6749 §4.4;
//! - [`request`]: the request's grant type and client credentials;
//! - [`redeem`]: the path the code and refresh grants share (read the client
//!   and the authorization, authenticate, write its next state, detect replay);
//! - [`direct`]: the authorization a password or client-credentials grant starts;
//! - [`issue`]: minting the new tokens and the response (§5.1).
//!
//! No grant's file imports another's. Codes and refresh tokens from before
//! authorization items are routed here, in [`exchange`], to
//! [`crate::per_token::redeem`].
//!
//! Each grant costs two sequential DynamoDB round trips on its success path: the
//! reads (the client in parallel with the authorization, or with the user and
//! the throttle counter), then one write of the authorization.

mod authorization_code;
mod client_credentials;
pub mod direct;
pub mod issue;
mod password;
pub mod redeem;
mod refresh_token;
pub mod request;

pub use crate::grant_type::GrantType;
pub use issue::TokenResponse;
pub use request::TokenRequest;

use crate::client_auth;
use crate::credential::{self, Shape};
use crate::error::OAuthError;
use crate::per_token;
use crate::state::State;

/// Runs the request's grant.
pub async fn exchange(
    state: &State,
    req: &TokenRequest<'_>,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let per_token = |name| {
        req.params
            .get(name)
            .filter(|v| credential::shape(v) == Shape::PerToken)
    };
    let grant_type = match &req.grant_type {
        Ok(g) => *g,
        // Unknown or missing: said only to the client that authenticates.
        Err(e) => {
            client_auth::authenticated(state, &req.client, now).await?;
            return Err(e.clone());
        }
    };
    // Each grant's future boxed: the handler's stays small whatever the grant.
    match grant_type {
        GrantType::AuthorizationCode => match per_token("code") {
            Some(code) => Box::pin(per_token::redeem::code(state, req, code, now)).await,
            None => Box::pin(authorization_code::exchange(state, req, now)).await,
        },
        GrantType::RefreshToken => match per_token("refresh_token") {
            Some(t) => Box::pin(per_token::redeem::refresh(state, req, t, now)).await,
            None => Box::pin(refresh_token::exchange(state, req, now)).await,
        },
        GrantType::Password => Box::pin(password::exchange(state, req, now)).await,
        GrantType::ClientCredentials => {
            Box::pin(client_credentials::exchange(state, req, now)).await
        }
    }
}
