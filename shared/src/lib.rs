//! The library every function uses: configuration, the OAuth rules, the one
//! DynamoDB store module, HTTP parsing helpers and crypto.
//!
//! Handlers (in `functions/*`) only translate HTTP to calls here and back.

pub mod admin;
pub mod authorize;
pub mod config;
pub mod crypto;
pub mod error;
pub mod http_util;
pub mod introspect;
pub mod params;
pub mod scope;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod token;
pub mod userinfo;

pub use config::Config;
pub use error::{OAuthError, StoreError};
pub use state::State;

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod fuzz;
