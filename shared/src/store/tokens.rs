//! Access and refresh tokens (`at#…`, `rt#…`) and their grant families
//! (`family#…` revocation markers, the `family-index` GSI).

use super::keys::{access_key, family_key, refresh_key};
use super::metrics::Timed;
use super::models::{Consumed, FamilyMarker, TokenItem};
use super::schema::FAMILY_INDEX;
use super::{n, s, unavailable, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem};

/// How long a family's revocation marker outlives the revocation.
const MARKER_TTL: i64 = 24 * 3600;

impl Store {
    /// Writes a new access token and optional refresh token in one transaction,
    /// conditioned on the family not having been revoked meanwhile (a replay
    /// racing with this issuance). `Err(AlreadyExists)` means the family is revoked.
    pub async fn put_tokens(
        &self,
        access: &TokenItem,
        refresh: Option<&TokenItem>,
    ) -> Result<(), StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .key("pk", s(family_key(&access.family)))
            .condition_expression("attribute_not_exists(revoked_at)")
            .build()
            .map_err(unavailable)?;
        let mut items = vec![TransactWriteItem::builder().condition_check(check).build()];
        for t in std::iter::once(access).chain(refresh) {
            items.push(self.put_new_in_transaction(t)?);
        }
        self.transact(items).await
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
    pub async fn get_access_token(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<TokenItem>, StoreError> {
        self.get_live(&access_key(token), now).await
    }

    /// The live refresh token for a value (used or not).
    pub async fn get_refresh_token(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<TokenItem>, StoreError> {
        self.get_live(&refresh_key(token), now).await
    }

    /// Consumes a refresh token for `client_id` (one conditional update).
    pub async fn consume_refresh_token(
        &self,
        token: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Consumed<TokenItem>, StoreError> {
        self.consume(&refresh_key(token), client_id, now).await
    }

    pub async fn release_refresh_token(&self, token: &str, stamp: i64) -> Result<(), StoreError> {
        self.release(&refresh_key(token), stamp).await
    }

    /// Lets a refresh token that was consumed at or after `since` (epoch seconds)
    /// be used once more: the retry grace period. True when this call won it.
    pub async fn allow_refresh_retry(
        &self,
        token: &str,
        client_id: &str,
        since: i64,
        now: i64,
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
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":cid", s(client_id))
            .expression_attribute_values(":since", n(since * 1000))
            .send()
            .timed(&self.calls)
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

    /// Deletes one access token (RFC 7009 revocation of an access token).
    pub async fn delete_access_token(&self, token: &str) -> Result<(), StoreError> {
        self.delete(&access_key(token)).await
    }

    /// Test and admin helper: writes a token item as given.
    pub async fn put_token_item(&self, item: &TokenItem) -> Result<(), StoreError> {
        self.put(item, false).await
    }

    /// Revokes a grant family: first a marker that makes any in-flight issuance
    /// of the family fail, then every code and token of the family is deleted.
    pub async fn revoke_family(&self, family: &str, now: i64) -> Result<usize, StoreError> {
        let marker = FamilyMarker {
            pk: family_key(family),
            revoked_at: now,
            expires_at: now + MARKER_TTL,
        };
        self.put(&marker, false).await?;
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
                    .timed(&self.calls)
                    .await
                    .map_err(unavailable)?;
                Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
            })
            .await?;
        self.delete_keys(&keys).await?;
        Ok(keys.len())
    }
}
