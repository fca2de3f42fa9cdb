//! The generic requests every entity's queries are built from.

use super::metrics::Timed;
use super::models::Consumed;
use super::{decode, encode, is_expired, n, s, unavailable, Item, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    DeleteRequest, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
    WriteRequest,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

impl Store {
    /// One strongly consistent GetItem.
    pub(super) async fn get_raw(&self, pk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .consistent_read(true)
            .send()
            .timed(&self.calls)
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }

    /// Reads an item that has not expired at `now`.
    pub(super) async fn get_live<T: DeserializeOwned>(
        &self,
        pk: &str,
        now: i64,
    ) -> Result<Option<T>, StoreError> {
        match self.get_raw(pk).await? {
            Some(item) if !is_expired(&item, now) => decode(item).map(Some),
            _ => Ok(None),
        }
    }

    /// Writes an item; with `only_new`, fails with `AlreadyExists` if the key is taken.
    pub(super) async fn put<T: Serialize>(
        &self,
        value: &T,
        only_new: bool,
    ) -> Result<(), StoreError> {
        let mut req = self
            .ddb
            .put_item()
            .table_name(&self.table)
            .set_item(Some(encode(value)?));
        if only_new {
            req = req.condition_expression("attribute_not_exists(pk)");
        }
        match req.send().timed(&self.calls).await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    pub(super) async fn delete(&self, pk: &str) -> Result<(), StoreError> {
        self.ddb
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .send()
            .timed(&self.calls)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Marks a single-use item used with one conditional update, so that of any
    /// number of concurrent callers exactly one gets `Fresh`.
    pub(super) async fn consume<T: DeserializeOwned>(
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
            .timed(&self.calls)
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
    pub(super) async fn release(&self, pk: &str, stamp: i64) -> Result<(), StoreError> {
        let res = self
            .ddb
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .update_expression("REMOVE used_at")
            .condition_expression("used_at = :stamp")
            .expression_attribute_values(":stamp", n(stamp))
            .send()
            .timed(&self.calls)
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

    /// A transaction's `Put` of an item under a key not taken yet.
    pub(super) fn put_new_in_transaction<T: Serialize>(
        &self,
        value: &T,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(encode(value)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// One `TransactWriteItems`; a condition that failed is `Err(AlreadyExists)`.
    pub(super) async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        let res = self
            .ddb
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .timed(&self.calls)
            .await;
        let Err(e) = res else { return Ok(()) };
        let cancelled_by_condition = match e.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(tc)) => tc
                .cancellation_reasons()
                .iter()
                .any(|r| r.code() == Some("ConditionalCheckFailed")),
            _ => false,
        };
        if cancelled_by_condition {
            Err(StoreError::AlreadyExists)
        } else {
            Err(unavailable(e))
        }
    }

    /// Follows a paginated Query or Scan (`page` fetches the page after a start
    /// key) and collects every item's `pk`.
    pub(super) async fn collect_pks<F, Fut>(&self, mut page: F) -> Result<Vec<String>, StoreError>
    where
        F: FnMut(Option<Item>) -> Fut,
        Fut: std::future::Future<Output = Result<(Vec<Item>, Option<Item>), StoreError>>,
    {
        let mut keys = Vec::new();
        let mut start = None;
        loop {
            let (items, last) = page(start.take()).await?;
            keys.extend(items.iter().filter_map(|item| match item.get("pk") {
                Some(aws_sdk_dynamodb::types::AttributeValue::S(pk)) => Some(pk.clone()),
                _ => None,
            }));
            match last {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(keys),
            }
        }
    }

    /// Deletes items by key, 25 per BatchWriteItem, retrying unprocessed ones.
    pub(super) async fn delete_keys(&self, keys: &[String]) -> Result<(), StoreError> {
        for chunk in keys.chunks(25) {
            let mut pending = chunk
                .iter()
                .map(|pk| {
                    let delete = DeleteRequest::builder()
                        .key("pk", s(pk.clone()))
                        .build()
                        .map_err(unavailable)?;
                    Ok(WriteRequest::builder().delete_request(delete).build())
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            for attempt in 0..5 {
                let out = self
                    .ddb
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .timed(&self.calls)
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
}
