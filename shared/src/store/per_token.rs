//! Items written before grant items existed (docs/architecture.md, "Upgrading
//! from per-token items"): codes `code#{sha256 hex}`, access and refresh tokens
//! `at#…`/`rt#…`, each carrying its family, found through the `family-index`
//! GSI. Nothing writes them any more (tests do, to play a table from before the
//! upgrade); they are read until the last of them expires, and a family's
//! revocation marks `grant#{family}` as well, which is where a redeemed per-token
//! code or refresh token's new tokens live.

use super::metrics::Timed;
use super::models::Granted;
use super::pk::{access_key, code_key, refresh_key};
use super::schema::FAMILY_INDEX;
use super::{capacity, condition_held, decode, n, s, unavailable, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// An authorization code.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CodeItem {
    /// `code#{sha256(code)}`
    pub pk: String,
    pub client_id: String,
    pub family: String,
    #[serde(rename = "grant")]
    pub granted: Granted,
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
    #[serde(rename = "grant")]
    pub granted: Granted,
    pub iat: i64,
    /// `None`: never expires (no TTL attribute at all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<i64>,
}

/// A single-use per-token item: a code, or a refresh token.
pub trait PerTokenItem: DeserializeOwned {
    /// The item's key for a presented credential.
    fn key(credential: &str) -> String;
    /// The family (grant id) its tokens belong to.
    fn family(&self) -> &str;
}

impl PerTokenItem for CodeItem {
    fn key(code: &str) -> String {
        code_key(code)
    }
    fn family(&self) -> &str {
        &self.family
    }
}

/// As a single-use item, a [`TokenItem`] is a refresh token.
impl PerTokenItem for TokenItem {
    fn key(token: &str) -> String {
        refresh_key(token)
    }
    fn family(&self) -> &str {
        &self.family
    }
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

impl Store {
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
            .update(pk)
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
            .timed(&self.calls)
            .await;
        self.calls.charge(capacity::write(match &res {
            Ok(out) => out.attributes.as_ref().map_or(0, capacity::item_size),
            Err(_) => 0,
        }));
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
            .update(pk)
            .update_expression("REMOVE used_at")
            .condition_expression("used_at = :stamp")
            .expression_attribute_values(":stamp", n(stamp))
            .send()
            .timed(&self.calls)
            .await;
        self.calls.charge(capacity::write(0));
        // Not there any more as we consumed it: nothing to give back.
        condition_held(res).map(drop)
    }

    /// Test helper: writes a code item as it was written before the upgrade.
    pub async fn put_per_token_code(&self, code: &CodeItem) -> Result<(), StoreError> {
        self.put(code, true).await
    }

    /// Test helper: writes a token item as it was written before the upgrade.
    pub async fn put_per_token_item(&self, item: &TokenItem) -> Result<(), StoreError> {
        self.put(item, false).await
    }

    /// Consumes a per-token code or refresh token for `client_id` (one
    /// conditional update).
    pub async fn consume_per_token<T: PerTokenItem>(
        &self,
        credential: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Consumed<T>, StoreError> {
        self.consume(&T::key(credential), client_id, now).await
    }

    /// Gives back a consumption of [`Store::consume_per_token`].
    pub async fn release_per_token<T: PerTokenItem>(
        &self,
        credential: &str,
        stamp: i64,
    ) -> Result<(), StoreError> {
        self.release(&T::key(credential), stamp).await
    }

    /// The live per-token access token for a bearer value.
    pub async fn get_per_token_access(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<TokenItem>, StoreError> {
        self.get_live(&access_key(token), now).await
    }

    /// The live per-token refresh token for a value (used or not).
    pub async fn get_per_token_refresh(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<TokenItem>, StoreError> {
        self.get_live(&refresh_key(token), now).await
    }

    /// Deletes one per-token access token (RFC 7009 revocation of an access token).
    pub async fn delete_per_token_access(&self, token: &str) -> Result<(), StoreError> {
        self.delete(&access_key(token)).await
    }

    /// Deletes every per-token code and token of a family, found through the GSI.
    pub async fn delete_per_token_family(&self, family: &str) -> Result<usize, StoreError> {
        self.delete_found(|start| {
            self.ddb
                .query()
                .table_name(&self.table)
                .index_name(FAMILY_INDEX)
                .key_condition_expression("#f = :f")
                .expression_attribute_names("#f", "family")
                .expression_attribute_values(":f", s(family))
                .set_exclusive_start_key(start)
                .send()
        })
        .await
    }
}
