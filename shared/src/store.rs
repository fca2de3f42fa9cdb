//! The one module that talks to DynamoDB. Every request the server makes to the
//! table is a method here; nothing else builds a DynamoDB request.
//!
//! Single-table design (see DESIGN.md): key `pk`, TTL attribute `expires_at`,
//! GSI `family-index` on `family`. Secrets (codes, tokens, session cookies,
//! client secrets) are stored only as their SHA-256.

use crate::error::StoreError;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, DeleteRequest,
    GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, Put, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TimeToLiveSpecification,
    TransactWriteItem, WriteRequest,
};
use aws_sdk_dynamodb::Client as Ddb;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Name of the GSI used to find every item of a grant family.
pub const FAMILY_INDEX: &str = "family-index";
/// The tenant used when a request names none.
pub const DEFAULT_TENANT: &str = "default";

type Item = HashMap<String, AttributeValue>;

// ---------------------------------------------------------------------------
// Items
// ---------------------------------------------------------------------------

/// A registered OAuth client.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Client {
    pub pk: String,
    pub client_id: String,
    pub name: String,
    /// SHA-256 of the secret; `None` for a public client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    /// Scopes the client may be granted.
    pub scopes: Vec<String>,
    /// Scopes granted when a request names none.
    pub default_scopes: Vec<String>,
    /// Grant types the client may use (`authorization_code`, `refresh_token`, `password`, …).
    pub grants: Vec<String>,
    /// Access-token lifetime in seconds; `None` = deployment default, `Some(0)` = never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_ttl: Option<i64>,
    /// Refresh-token lifetime in seconds; `None` = deployment default, `Some(0)` = never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_ttl: Option<i64>,
    #[serde(default)]
    pub disabled: bool,
    pub created_at: i64,
}

impl Client {
    pub fn key(client_id: &str) -> String {
        format!("client#{client_id}")
    }
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }
    pub fn allows_grant(&self, grant: &str) -> bool {
        self.grants.iter().any(|g| g == grant)
    }
}

/// A resource owner.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub pk: String,
    pub sub: String,
    pub tenant: String,
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Profile claims as a JSON object, stored as JSON text so every JSON type
    /// (numbers, strings, booleans, nesting) comes back exactly as it went in.
    pub claims: String,
    pub created_at: i64,
}

impl User {
    pub fn key(tenant: &str, email: &str) -> String {
        format!("user#{tenant}#{}", normalize_email(email))
    }
}

/// Emails are matched case-insensitively.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A browser session at the authorize endpoint.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Session {
    /// `session#{sha256(cookie)}`
    pub pk: String,
    pub sub: String,
    pub tenant: String,
    pub email: String,
    /// The user's claims (JSON object text), copied to codes issued in this session.
    pub claims: String,
    /// CSRF token bound to this session, derived from the cookie when the session
    /// is read ([`crate::crypto::csrf_token`]); never stored.
    #[serde(skip)]
    pub csrf: String,
    pub expires_at: i64,
}

/// What a grant is about: the resource owner (if any) and the scope. Copied from
/// the code to every token of the family so userinfo needs one read.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct Grant {
    pub scope: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The resource owner's email, reported as `username`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The user's claims (JSON object text) for userinfo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<String>,
}

/// An authorization code.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CodeItem {
    /// `code#{sha256(code)}`
    pub pk: String,
    pub client_id: String,
    pub family: String,
    pub grant: Grant,
    /// The redirect URI the code was issued for.
    pub redirect_uri: String,
    /// Whether the authorization request carried `redirect_uri` explicitly.
    pub redirect_uri_given: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    pub expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<i64>,
}

/// An access or refresh token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TokenItem {
    /// `at#{sha256(token)}` or `rt#{sha256(token)}`
    pub pk: String,
    pub client_id: String,
    pub family: String,
    pub grant: Grant,
    pub iat: i64,
    /// `None`: never expires (no TTL attribute at all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct FamilyMarker {
    pk: String,
    revoked_at: i64,
    expires_at: i64,
}

/// The outcome of consuming a single-use item (code or refresh token).
#[derive(Debug, PartialEq)]
pub enum Consumed<T> {
    /// This request consumed it; the stamp releases it again if the caller must.
    Fresh(T, i64),
    /// It had been consumed before: a replay.
    Replayed(T),
    /// No such item, expired, or issued to another client.
    Invalid,
}

/// Key prefixes.
pub fn code_key(code: &str) -> String {
    format!("code#{}", crate::crypto::sha256_hex(code))
}
pub fn access_key(token: &str) -> String {
    format!("at#{}", crate::crypto::sha256_hex(token))
}
pub fn refresh_key(token: &str) -> String {
    format!("rt#{}", crate::crypto::sha256_hex(token))
}
pub fn session_key(cookie: &str) -> String {
    format!("session#{}", crate::crypto::sha256_hex(cookie))
}
fn consent_key(sub: &str, client_id: &str) -> String {
    format!("consent#{sub}#{client_id}")
}
fn family_key(family: &str) -> String {
    format!("family#{family}")
}
fn throttle_key(key: &str) -> String {
    format!("throttle#{key}")
}

// ---------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------

/// DynamoDB access for one table. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    ddb: Ddb,
    table: String,
    /// Requests sent, and (when recording) when each ran: for the benchmark and
    /// the round-trip tests.
    calls: Arc<Calls>,
}

/// With recording on, keeps each DynamoDB request's interval so that concurrent
/// requests can be told from sequential round trips.
#[derive(Debug, Default)]
pub struct Calls {
    recording: bool,
    intervals: std::sync::Mutex<Vec<(std::time::Instant, std::time::Instant)>>,
}

/// What a stretch of work cost in DynamoDB requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RoundTrips {
    /// Requests sent.
    pub requests: usize,
    /// Sequential round trips: groups of requests that overlapped in time.
    pub sequential: usize,
    /// Wall time with at least one request in flight.
    pub waiting: Duration,
}

impl Calls {
    /// Takes the intervals recorded since the last call.
    pub fn take(&self) -> RoundTrips {
        let mut v = std::mem::take(&mut *self.intervals.lock().expect("calls lock"));
        v.sort();
        let mut out = RoundTrips {
            requests: v.len(),
            ..Default::default()
        };
        let mut current: Option<(std::time::Instant, std::time::Instant)> = None;
        for (start, end) in v {
            match current {
                Some((s, e)) if start <= e => current = Some((s, e.max(end))),
                Some((s, e)) => {
                    out.sequential += 1;
                    out.waiting += e - s;
                    current = Some((start, end));
                }
                None => current = Some((start, end)),
            }
        }
        if let Some((s, e)) = current {
            out.sequential += 1;
            out.waiting += e - s;
        }
        out
    }
}

/// Wraps a request future so the store can time it (when recording).
trait Timed: std::future::Future + Sized {
    fn timed(self, store: &Store) -> impl std::future::Future<Output = Self::Output> {
        let calls = store.calls.clone();
        // The SDK's request futures are large; one heap allocation per request
        // keeps every caller's future (and stack) small.
        let request = Box::pin(self);
        async move {
            if !calls.recording {
                return request.await;
            }
            let start = std::time::Instant::now();
            let out = request.await;
            calls
                .intervals
                .lock()
                .expect("calls lock")
                .push((start, std::time::Instant::now()));
            out
        }
    }
}

impl<F: std::future::Future> Timed for F {}

/// SDK timeouts and retries: every endpoint answers within ~5 s even when
/// DynamoDB is unreachable or stalls (1 s connect, 1.5 s per attempt, 4 s in all,
/// at most 3 attempts with short backoff).
pub async fn sdk_config() -> aws_config::SdkConfig {
    use aws_config::retry::RetryConfig;
    use aws_config::timeout::TimeoutConfig;
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(1000))
                .read_timeout(Duration::from_millis(1500))
                .operation_attempt_timeout(Duration::from_millis(1500))
                .operation_timeout(Duration::from_millis(4000))
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(50))
                .with_max_backoff(Duration::from_millis(400)),
        )
        .load()
        .await
}

fn unavailable<E: std::error::Error + 'static>(e: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(e).to_string())
}

fn decode<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Unavailable(format!("bad item: {e}")))
}

fn encode<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Unavailable(format!("encode: {e}")))
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The `pk` of each item of a page of results.
fn pk_values(items: &[Item]) -> impl Iterator<Item = String> + '_ {
    items.iter().filter_map(|item| match item.get("pk") {
        Some(AttributeValue::S(pk)) => Some(pk.clone()),
        _ => None,
    })
}

/// Whether a raw item is past its `expires_at` (TTL deletes late: every read checks).
fn is_expired(item: &Item, now: i64) -> bool {
    match item.get("expires_at") {
        Some(AttributeValue::N(v)) => v.parse::<i64>().map(|e| e <= now).unwrap_or(true),
        _ => false,
    }
}

impl Store {
    pub fn new(ddb: Ddb, table: impl Into<String>) -> Self {
        Self {
            ddb,
            table: table.into(),
            calls: Arc::new(Calls::default()),
        }
    }

    /// The same store, recording each request's interval (tests and the benchmark;
    /// never in the functions, where the record would grow without bound).
    pub fn recording(mut self) -> Self {
        self.calls = Arc::new(Calls {
            recording: true,
            ..Calls::default()
        });
        self
    }

    /// The requests recorded since the last call (needs [`Store::recording`]).
    pub fn round_trips(&self) -> RoundTrips {
        self.calls.take()
    }

    /// Builds the client once per cold start from the environment
    /// (`AWS_ENDPOINT_URL_DYNAMODB` locally, nothing in AWS).
    pub async fn from_env(table: impl Into<String>) -> Self {
        Self::new(Ddb::new(&sdk_config().await), table)
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    // -- generic -----------------------------------------------------------

    async fn get_raw(&self, pk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .consistent_read(true)
            .send()
            .timed(self)
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }

    /// Reads an item that has not expired.
    async fn get_live<T: DeserializeOwned>(&self, pk: &str) -> Result<Option<T>, StoreError> {
        match self.get_raw(pk).await? {
            Some(item) if !is_expired(&item, crate::now()) => decode(item).map(Some),
            _ => Ok(None),
        }
    }

    /// Writes an item; with `only_new`, fails with `AlreadyExists` if the key is taken.
    async fn put<T: Serialize>(&self, value: &T, only_new: bool) -> Result<(), StoreError> {
        let mut req = self
            .ddb
            .put_item()
            .table_name(&self.table)
            .set_item(Some(encode(value)?));
        if only_new {
            req = req.condition_expression("attribute_not_exists(pk)");
        }
        match req.send().timed(self).await {
            Ok(_) => Ok(()),
            Err(e) => {
                if let Some(se) = e.as_service_error() {
                    if se.is_conditional_check_failed_exception() {
                        return Err(StoreError::AlreadyExists);
                    }
                }
                Err(unavailable(e))
            }
        }
    }

    async fn delete(&self, pk: &str) -> Result<(), StoreError> {
        self.ddb
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .send()
            .timed(self)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Marks a single-use item used with one conditional update, so that of any
    /// number of concurrent callers exactly one gets `Fresh`.
    async fn consume<T: DeserializeOwned>(
        &self,
        pk: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Consumed<T>, StoreError> {
        // A stamp unique enough to release exactly our own consumption.
        let stamp = now * 1000 + (rand::random::<u16>() % 1000) as i64;
        let res = self
            .ddb
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .update_expression("SET used_at = :stamp")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(used_at) AND client_id = :cid \
                 AND (attribute_not_exists(expires_at) OR expires_at > :now)",
            )
            .expression_attribute_values(":stamp", n(stamp))
            .expression_attribute_values(":cid", s(client_id))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .timed(self)
            .await;
        match res {
            Ok(out) => match out.attributes {
                Some(item) => Ok(Consumed::Fresh(decode(item)?, stamp)),
                None => Ok(Consumed::Invalid),
            },
            Err(e) => match e.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(c) => match c.item {
                    Some(old)
                        if old.contains_key("used_at")
                            && old.get("client_id") == Some(&s(client_id)) =>
                    {
                        Ok(Consumed::Replayed(decode(old)?))
                    }
                    _ => Ok(Consumed::Invalid),
                },
                other => Err(unavailable(other)),
            },
        }
    }

    /// Undoes `consume` when the request turned out not to come from the client
    /// (failed client authentication), so a stolen code cannot be burnt by a
    /// caller that does not hold the client's secret.
    async fn release(&self, pk: &str, stamp: i64) -> Result<(), StoreError> {
        let res = self
            .ddb
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .update_expression("REMOVE used_at")
            .condition_expression("used_at = :stamp")
            .expression_attribute_values(":stamp", n(stamp))
            .send()
            .timed(self)
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    // -- table admin ---------------------------------------------------------

    /// Creates the table with its GSI and TTL; idempotent.
    pub async fn create_table(&self) -> Result<bool, StoreError> {
        let created = match self
            .ddb
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr_def("pk"))
            .attribute_definitions(attr_def("family"))
            .key_schema(key_elem("pk"))
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(FAMILY_INDEX)
                    .key_schema(key_elem("family"))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::KeysOnly)
                            .build(),
                    )
                    .build()
                    .map_err(unavailable)?,
            )
            .send()
            .timed(self)
            .await
        {
            Ok(_) => true,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_resource_in_use_exception()) =>
            {
                false
            }
            Err(e) => return Err(unavailable(e)),
        };
        // Wait until ACTIVE (moto is immediate; AWS takes seconds).
        for _ in 0..60 {
            let d = self
                .ddb
                .describe_table()
                .table_name(&self.table)
                .send()
                .timed(self)
                .await
                .map_err(unavailable)?;
            if d.table()
                .and_then(|t| t.table_status())
                .map(|s| s.as_str() == "ACTIVE")
                .unwrap_or(false)
            {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let ttl = self
            .ddb
            .describe_time_to_live()
            .table_name(&self.table)
            .send()
            .timed(self)
            .await
            .map_err(unavailable)?;
        let enabled = ttl
            .time_to_live_description()
            .and_then(|d| d.time_to_live_status())
            .map(|s| matches!(s.as_str(), "ENABLED" | "ENABLING"))
            .unwrap_or(false);
        if !enabled {
            self.ddb
                .update_time_to_live()
                .table_name(&self.table)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .enabled(true)
                        .attribute_name("expires_at")
                        .build()
                        .map_err(unavailable)?,
                )
                .send()
                .timed(self)
                .await
                .map_err(unavailable)?;
        }
        Ok(created)
    }

    /// Deletes the table (tests and the benchmark clean up after themselves).
    pub async fn delete_table(&self) -> Result<(), StoreError> {
        self.ddb
            .delete_table()
            .table_name(&self.table)
            .send()
            .timed(self)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// The raw item under a key, for tests and the admin CLI.
    pub async fn raw_item(&self, pk: &str) -> Result<Option<Item>, StoreError> {
        self.get_raw(pk).await
    }

    // -- clients -----------------------------------------------------------

    pub async fn put_client(&self, client: &Client, only_new: bool) -> Result<(), StoreError> {
        self.put(client, only_new).await
    }

    pub async fn get_client(&self, client_id: &str) -> Result<Option<Client>, StoreError> {
        self.get_live(&Client::key(client_id)).await
    }

    // -- users -------------------------------------------------------------

    pub async fn put_user(&self, user: &User) -> Result<(), StoreError> {
        self.put(user, true).await
    }

    pub async fn get_user(&self, tenant: &str, email: &str) -> Result<Option<User>, StoreError> {
        self.get_live(&User::key(tenant, email)).await
    }

    // -- sessions ----------------------------------------------------------

    pub async fn put_session(&self, session: &Session) -> Result<(), StoreError> {
        self.put(session, true).await
    }

    /// The live session for a cookie value.
    pub async fn get_session(&self, cookie: &str) -> Result<Option<Session>, StoreError> {
        self.get_live(&session_key(cookie)).await
    }

    // -- consent -----------------------------------------------------------

    /// Scopes the user has consented to for this client (a string set).
    /// `None` when the user never consented to this client.
    pub async fn get_consent(
        &self,
        sub: &str,
        client_id: &str,
    ) -> Result<Option<Vec<String>>, StoreError> {
        Ok(self
            .get_raw(&consent_key(sub, client_id))
            .await?
            .map(|item| match item.get("scopes") {
                Some(AttributeValue::Ss(v)) => v.clone(),
                _ => Vec::new(),
            }))
    }

    /// Adds scopes to the remembered consent (set union, one update).
    pub async fn put_consent(
        &self,
        sub: &str,
        client_id: &str,
        scopes: &[String],
    ) -> Result<(), StoreError> {
        let mut req = self
            .ddb
            .update_item()
            .table_name(&self.table)
            .key("pk", s(consent_key(sub, client_id)))
            .expression_attribute_values(":now", n(crate::now()));
        // A string set cannot be empty: a consent to no scopes records only the time.
        req = if scopes.is_empty() {
            req.update_expression("SET granted_at = :now")
        } else {
            req.update_expression("SET granted_at = :now ADD scopes :s")
                .expression_attribute_values(":s", AttributeValue::Ss(scopes.to_vec()))
        };
        req.send().timed(self).await.map_err(unavailable)?;
        Ok(())
    }

    // -- codes ---------------------------------------------------------------

    pub async fn put_code(&self, code: &CodeItem) -> Result<(), StoreError> {
        self.put(code, true).await
    }

    /// Consumes a code for `client_id` (one conditional update).
    pub async fn consume_code(
        &self,
        code: &str,
        client_id: &str,
    ) -> Result<Consumed<CodeItem>, StoreError> {
        self.consume(&code_key(code), client_id, crate::now()).await
    }

    pub async fn release_code(&self, code: &str, stamp: i64) -> Result<(), StoreError> {
        self.release(&code_key(code), stamp).await
    }

    // -- tokens --------------------------------------------------------------

    /// Writes a new access token and optional refresh token in one transaction,
    /// conditioned on the family not having been revoked meanwhile (a replay
    /// racing with this issuance). `Err(AlreadyExists)` means the family is revoked.
    pub async fn put_tokens(
        &self,
        access: &TokenItem,
        refresh: Option<&TokenItem>,
    ) -> Result<(), StoreError> {
        let mut items = vec![TransactWriteItem::builder()
            .condition_check(
                ConditionCheck::builder()
                    .table_name(&self.table)
                    .key("pk", s(family_key(&access.family)))
                    .condition_expression("attribute_not_exists(revoked_at)")
                    .build()
                    .map_err(unavailable)?,
            )
            .build()];
        for t in std::iter::once(access).chain(refresh) {
            items.push(self.put_new_in_transaction(t)?);
        }
        self.transact(items).await
    }

    /// A transaction's `Put` of a token under a key not taken yet.
    fn put_new_in_transaction(&self, token: &TokenItem) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(encode(token)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// One `TransactWriteItems`; a condition that failed is `Err(AlreadyExists)`.
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        match self
            .ddb
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .timed(self)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let cancelled_by_condition = e
                    .as_service_error()
                    .and_then(|se| match se {
                        TransactWriteItemsError::TransactionCanceledException(tc) => Some(tc),
                        _ => None,
                    })
                    .is_some_and(|tc| {
                        tc.cancellation_reasons()
                            .iter()
                            .any(|r| r.code() == Some("ConditionalCheckFailed"))
                    });
                if cancelled_by_condition {
                    Err(StoreError::AlreadyExists)
                } else {
                    Err(unavailable(e))
                }
            }
        }
    }

    /// Writes the tokens of a grant family that starts with this request (password
    /// and client_credentials grants): no replay can have revoked it, so there is
    /// no family condition to check. A lone access token is one `PutItem` (1 WRU
    /// instead of a transaction's 4); with a refresh token, both are written in one
    /// transaction so that a grant is never half written.
    pub async fn put_new_family_tokens(
        &self,
        access: &TokenItem,
        refresh: Option<&TokenItem>,
    ) -> Result<(), StoreError> {
        let Some(refresh) = refresh else {
            return self.put(access, true).await;
        };
        let items = vec![
            self.put_new_in_transaction(access)?,
            self.put_new_in_transaction(refresh)?,
        ];
        self.transact(items).await
    }

    /// The live access token for a bearer value.
    pub async fn get_access_token(&self, token: &str) -> Result<Option<TokenItem>, StoreError> {
        self.get_live(&access_key(token)).await
    }

    /// The live refresh token for a value (used or not).
    pub async fn get_refresh_token(&self, token: &str) -> Result<Option<TokenItem>, StoreError> {
        self.get_live(&refresh_key(token)).await
    }

    /// Consumes a refresh token for `client_id` (one conditional update).
    pub async fn consume_refresh_token(
        &self,
        token: &str,
        client_id: &str,
    ) -> Result<Consumed<TokenItem>, StoreError> {
        self.consume(&refresh_key(token), client_id, crate::now())
            .await
    }

    pub async fn release_refresh_token(&self, token: &str, stamp: i64) -> Result<(), StoreError> {
        self.release(&refresh_key(token), stamp).await
    }

    /// Test and admin helper: writes a token item as given.
    pub async fn put_token_item(&self, item: &TokenItem) -> Result<(), StoreError> {
        self.put(item, false).await
    }

    /// Revokes a grant family: first a marker that makes any in-flight issuance
    /// of the family fail, then every code and token of the family is deleted.
    pub async fn revoke_family(&self, family: &str) -> Result<usize, StoreError> {
        let now = crate::now();
        self.put(
            &FamilyMarker {
                pk: family_key(family),
                revoked_at: now,
                expires_at: now + 24 * 3600,
            },
            false,
        )
        .await?;
        let keys = self
            .collect_pks(|start| async move {
                let out = self
                    .ddb
                    .query()
                    .table_name(&self.table)
                    .index_name(FAMILY_INDEX)
                    .key_condition_expression("#f = :f")
                    .expression_attribute_names("#f", "family")
                    .expression_attribute_values(":f", s(family))
                    .set_exclusive_start_key(start)
                    .send()
                    .timed(self)
                    .await
                    .map_err(unavailable)?;
                Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
            })
            .await?;
        self.delete_keys(&keys).await?;
        Ok(keys.len())
    }

    /// Follows a paginated Query or Scan (`page` fetches the page after a start
    /// key) and collects every item's `pk`.
    async fn collect_pks<F, Fut>(&self, mut page: F) -> Result<Vec<String>, StoreError>
    where
        F: FnMut(Option<Item>) -> Fut,
        Fut: std::future::Future<Output = Result<(Vec<Item>, Option<Item>), StoreError>>,
    {
        let mut keys = Vec::new();
        let mut start = None;
        loop {
            let (items, last) = page(start.take()).await?;
            keys.extend(pk_values(&items));
            match last {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(keys),
            }
        }
    }

    /// Deletes items by key, 25 per BatchWriteItem, retrying unprocessed ones.
    async fn delete_keys(&self, keys: &[String]) -> Result<(), StoreError> {
        for chunk in keys.chunks(25) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|pk| {
                    WriteRequest::builder()
                        .delete_request(
                            DeleteRequest::builder()
                                .key("pk", s(pk.clone()))
                                .build()
                                .expect("key set"),
                        )
                        .build()
                })
                .collect();
            for attempt in 0..5 {
                let out = self
                    .ddb
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .timed(self)
                    .await
                    .map_err(unavailable)?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(&self.table))
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
            }
            if !pending.is_empty() {
                return Err(StoreError::Unavailable(
                    "revocation left items unprocessed".into(),
                ));
            }
        }
        Ok(())
    }

    /// Admin (oauthctl, not the functions): deletes every code, access token and
    /// refresh token of a client. A Scan, paid once per disable, so the hot path
    /// carries no index for it.
    pub async fn revoke_client_tokens(&self, client_id: &str) -> Result<usize, StoreError> {
        let keys = self
            .collect_pks(|start| async move {
                let out = self
                    .ddb
                    .scan()
                    .table_name(&self.table)
                    .projection_expression("pk")
                    .filter_expression(
                        "client_id = :c AND (begins_with(pk, :at) OR begins_with(pk, :rt) OR begins_with(pk, :code))",
                    )
                    .expression_attribute_values(":c", s(client_id))
                    .expression_attribute_values(":at", s("at#"))
                    .expression_attribute_values(":rt", s("rt#"))
                    .expression_attribute_values(":code", s("code#"))
                    .set_exclusive_start_key(start)
                    .send()
                    .timed(self)
                    .await
                    .map_err(unavailable)?;
                Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
            })
            .await?;
        self.delete_keys(&keys).await?;
        Ok(keys.len())
    }

    // -- brute-force throttle -------------------------------------------------

    /// Failed password checks recorded for `key` in the current window.
    pub async fn failures(&self, key: &str) -> Result<u32, StoreError> {
        Ok(match self.get_raw(&throttle_key(key)).await? {
            Some(item) if !is_expired(&item, crate::now()) => match item.get("fails") {
                Some(AttributeValue::N(v)) => v.parse().unwrap_or(0),
                _ => 0,
            },
            _ => 0,
        })
    }

    /// Records one failure; the window starts at the first failure and lasts `window` seconds.
    pub async fn record_failure(&self, key: &str, window: i64) -> Result<u32, StoreError> {
        let now = crate::now();
        let res = self
            .ddb
            .update_item()
            .table_name(&self.table)
            .key("pk", s(throttle_key(key)))
            .update_expression("SET expires_at = if_not_exists(expires_at, :exp) ADD fails :one")
            .condition_expression("attribute_not_exists(pk) OR expires_at > :now")
            .expression_attribute_values(":exp", n(now + window))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .timed(self)
            .await;
        match res {
            Ok(out) => Ok(out
                .attributes
                .and_then(|a| match a.get("fails") {
                    Some(AttributeValue::N(v)) => v.parse().ok(),
                    _ => None,
                })
                .unwrap_or(1)),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                // The previous window has expired but TTL has not deleted it yet: start anew.
                self.ddb
                    .put_item()
                    .table_name(&self.table)
                    .item("pk", s(throttle_key(key)))
                    .item("fails", n(1))
                    .item("expires_at", n(now + window))
                    .send()
                    .timed(self)
                    .await
                    .map_err(unavailable)?;
                Ok(1)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    pub async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        self.delete(&throttle_key(key)).await
    }
}

fn attr_def(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("name and type set")
}

fn key_elem(name: &str) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(KeyType::Hash)
        .build()
        .expect("name and type set")
}

impl Store {
    /// Deletes one access token (RFC 7009 revocation of an access token).
    pub async fn delete_access_token(&self, token: &str) -> Result<(), StoreError> {
        self.delete(&access_key(token)).await
    }

    /// Lets a refresh token that was consumed at or after `since` (epoch seconds)
    /// be used once more: the retry grace period. True when this call won it.
    pub async fn allow_refresh_retry(
        &self,
        token: &str,
        client_id: &str,
        since: i64,
    ) -> Result<bool, StoreError> {
        let res = self
            .ddb
            .update_item()
            .table_name(&self.table)
            .key("pk", s(refresh_key(token)))
            .update_expression("SET retried_at = :now")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(retried_at) AND client_id = :cid AND used_at >= :since",
            )
            .expression_attribute_values(":now", n(crate::now()))
            .expression_attribute_values(":cid", s(client_id))
            .expression_attribute_values(":since", n(since * 1000))
            .send().timed(self)
            .await;
        match res {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}

impl Store {
    /// A store on an explicit endpoint (tests of outages point it at a closed
    /// port or a server that never answers).
    pub async fn with_endpoint(table: impl Into<String>, endpoint: &str) -> Self {
        let conf = aws_sdk_dynamodb::config::Builder::from(&sdk_config().await)
            .endpoint_url(endpoint)
            .build();
        Self::new(Ddb::from_conf(conf), table)
    }
}
