//! The admin CLI's rules (`oauthctl`), shared with the tests: the lifecycle of
//! clients ([`clients`]) and users ([`users`]), and the signing keys
//! ([`keys`]). Output is JSON; secrets (client secret hashes, password hashes)
//! never appear in it.

pub mod clients;
#[cfg(feature = "signing")]
pub mod keys;
pub mod registration_tokens;
pub mod resources;
pub mod users;

pub use clients::{create_client, disable_client, rotate_secret, ClientChange, NewClient};
pub use users::{create_user, UserRef};

use crate::error::StoreError;

#[derive(Debug)]
pub enum AdminError {
    Invalid(String),
    Exists,
    Store(StoreError),
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(m) => write!(f, "{m}"),
            Self::Exists => write!(f, "already exists"),
            Self::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AdminError {}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::AlreadyExists => Self::Exists,
            e => Self::Store(e),
        }
    }
}

pub(crate) fn invalid(m: impl Into<String>) -> AdminError {
    AdminError::Invalid(m.into())
}

/// An absolute URI without a fragment (a resource, RFC 8707 §2).
pub fn valid_absolute_uri(uri: &str) -> bool {
    matches!(url::Url::parse(uri), Ok(u) if u.fragment().is_none() && !u.cannot_be_a_base())
}
