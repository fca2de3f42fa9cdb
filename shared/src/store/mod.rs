//! The one module that talks to DynamoDB. Every request the server makes to the
//! table is a method of [`Store`]; nothing else builds a DynamoDB request.
//!
//! Single-table design (docs/architecture.md, "The table"): key `pk`, TTL
//! attribute `expires_at`. Secrets (codes, tokens, session cookies, client
//! secrets) are stored only as their SHA-256.
//!
//! - [`models`]: the items, as structs mapped by `serde_dynamo`;
//! - [`pk`]: how each item's `pk` is built;
//! - [`ops`]: the generic requests (get, put, conditional consume, transaction);
//! - one file per entity with its queries: [`clients`], [`users`], [`sessions`],
//!   [`consents`], [`authorizations`] (codes and tokens, and the one
//!   compare-and-swap loop), [`throttle`];
//! - [`per_token`]: the per-token items written before authorization items,
//!   read until they expire;
//! - [`schema`]: the table definition; [`sdk`]: client setup; [`metrics`]:
//!   request timing for tests and the benchmark.

mod admin;
pub mod authorizations;
pub mod capacity;
mod clients;
pub mod consents;
pub mod keyset;
pub mod metrics;
pub mod models;
mod ops;
pub mod owned;
pub mod per_token;
pub mod pk;
mod registration_tokens;
mod resources;
pub mod schema;
pub mod sdk;
mod sessions;
pub mod throttle;
mod users;

pub use authorizations::{Replaced, Swap};
pub use metrics::RoundTrips;
pub use models::{
    normalize_email, About, AccessSlot, AccessTokenFormat, Authorization, Client, CodeState,
    CookieKeyItem, Granted, KeySecret, KeySecretsItem, KeySetItem, MetadataDocumentItem,
    PreviousSecret, RefreshSlot, RegisteredBy, RegistrationTokenItem, Resource, ResourcesItem,
    Session, SigningKey, UsedRefresh, User, DEFAULT_TENANT,
};
pub use per_token::{CodeItem, Consumed, PerTokenItem, TokenItem};
pub use pk::{access_key, authorization_csk, code_key, grant_key, refresh_key, session_key};
pub use schema::{CLIENT_INDEX, FAMILY_INDEX, OWNER_INDEX};
pub use throttle::Attempt;

use crate::error::StoreError;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client as Ddb;
use metrics::Calls;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// A raw DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// DynamoDB access for one table. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    ddb: Ddb,
    table: String,
    /// When recording, each request's interval: for the benchmark and the
    /// round-trip tests.
    calls: Arc<Calls>,
}

impl Store {
    pub fn new(ddb: Ddb, table: impl Into<String>) -> Self {
        Self {
            ddb,
            table: table.into(),
            calls: Arc::new(Calls::default()),
        }
    }

    /// Builds the client once per cold start from the environment
    /// (`AWS_ENDPOINT_URL_DYNAMODB` locally, nothing in AWS).
    pub async fn from_env(table: impl Into<String>) -> Self {
        Self::new(Ddb::new(&sdk::sdk_config().await), table)
    }

    /// A store on an explicit endpoint (tests of outages point it at a closed
    /// port or a server that never answers).
    pub async fn with_endpoint(table: impl Into<String>, endpoint: &str) -> Self {
        let conf = aws_sdk_dynamodb::config::Builder::from(&sdk::sdk_config().await)
            .endpoint_url(endpoint)
            .build();
        Self::new(Ddb::from_conf(conf), table)
    }

    /// The same store, recording each request's interval (tests and the benchmark;
    /// never in the functions, where the record would grow without bound).
    pub fn recording(mut self) -> Self {
        self.calls = Arc::new(Calls::recording());
        self
    }

    /// The requests recorded since the last call (needs [`Store::recording`]).
    pub fn round_trips(&self) -> RoundTrips {
        self.calls.take()
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

/// An SDK failure: the service is unavailable to us, whatever the reason.
fn unavailable<E: std::error::Error + 'static>(e: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(e).to_string())
}

/// A conditional write's outcome: `Ok(true)` written, `Ok(false)` its
/// condition did not hold, an error when DynamoDB could not be reached.
fn condition_held<T, E, R>(
    res: Result<T, aws_sdk_dynamodb::error::SdkError<E, R>>,
) -> Result<bool, StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    match res {
        Ok(_) => Ok(true),
        Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(false),
        Err(e) => Err(unavailable(e)),
    }
}

fn decode<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn encode<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Corrupt(format!("encode: {e}")))
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// Whether a raw item is past its `expires_at` (TTL deletes late: every read checks).
fn is_expired(item: &Item, now: i64) -> bool {
    match item.get("expires_at") {
        Some(AttributeValue::N(v)) => v.parse::<i64>().map(|e| e <= now).unwrap_or(true),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_expires_at_its_expires_at_second_exactly() {
        let item: Item = [("expires_at".to_string(), n(1_000))].into();
        assert!(!is_expired(&item, 999));
        assert!(is_expired(&item, 1_000));
        assert!(!is_expired(&Item::new(), i64::MAX), "no TTL: never expires");
        let bad: Item = [("expires_at".to_string(), AttributeValue::N("soon".into()))].into();
        assert!(
            is_expired(&bad, 0),
            "an unreadable expiry counts as expired"
        );
    }

    #[test]
    fn an_item_that_does_not_decode_is_corrupt_not_an_outage() {
        let item: Item = [("pk".to_string(), s("client#x"))].into();
        assert!(matches!(
            decode::<Client>(item),
            Err(StoreError::Corrupt(_))
        ));
    }
}
