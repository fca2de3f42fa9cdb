//! The library every function uses: configuration, the OAuth rules, the one
//! DynamoDB store module, HTTP parsing helpers and crypto. docs/architecture.md
//! maps where each rule lives.
//!
//! Handlers (in `functions/*`) only translate HTTP to calls here and back.

pub mod account;
pub mod admin;
pub mod authn;
pub mod authorization;
pub mod authorize;
pub mod client_auth;
pub mod clock;
pub mod config;
pub mod credential;
pub mod crypto;
pub mod discovery;
pub mod error;
pub mod grant_type;
pub mod http_util;
pub mod introspection;
pub mod jose;
pub mod keys;
pub mod oidc;
#[cfg(feature = "outbound")]
pub mod outbound;
pub mod params;
pub mod paths;
pub mod per_token;
pub mod pkce;
#[cfg(all(feature = "signing", feature = "outbound"))]
pub mod provision;
pub mod redirect_uri;
pub mod registration;
pub mod resource;
pub mod revocation;
pub mod scope;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod tenant;
pub mod token;
pub mod token_lookup;
pub mod userinfo;

pub use clock::Clock;
pub use config::Config;
pub use error::{OAuthError, StoreError};
pub use grant_type::GrantType;
pub use state::State;

#[cfg(test)]
mod fuzz;
