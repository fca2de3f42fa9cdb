//! The generic requests every entity's queries are built from.

use super::metrics::Timed;
use super::{capacity, condition_held, decode, encode, is_expired, s, unavailable, Item, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

impl Store {
    /// One strongly consistent GetItem: what every write before it wrote.
    pub(super) async fn get_raw(&self, pk: &str) -> Result<Option<Item>, StoreError> {
        self.get_item(pk, true).await
    }

    /// One GetItem, strongly or eventually consistent (half the price, and may
    /// miss a write of the last second or so).
    pub(super) async fn get_item(
        &self,
        pk: &str,
        consistent: bool,
    ) -> Result<Option<Item>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .consistent_read(consistent)
            .send()
            .timed(&self.calls)
            .await
            .map_err(unavailable)?;
        let size = out.item.as_ref().map_or(0, capacity::item_size);
        self.calls.charge(capacity::read(size, consistent));
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
        let item = encode(value)?;
        self.calls
            .charge(capacity::write(capacity::item_size(&item)));
        let mut req = self
            .ddb
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        if only_new {
            req = req.condition_expression("attribute_not_exists(pk)");
        }
        match condition_held(req.send().timed(&self.calls).await)? {
            true => Ok(()),
            false => Err(StoreError::AlreadyExists),
        }
    }

    /// Writes an item if it is still at version `expected` (its `v`; `None`:
    /// if there is none). `Ok(false)`: another writer came first.
    pub(super) async fn put_versioned<T: Serialize>(
        &self,
        value: &T,
        expected: Option<u64>,
    ) -> Result<bool, StoreError> {
        let item = encode(value)?;
        self.calls
            .charge(capacity::write(capacity::item_size(&item)));
        let req = self
            .ddb
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let req = match expected {
            Some(v) => req
                .condition_expression("v = :v")
                .expression_attribute_values(":v", super::n(v as i64)),
            None => req.condition_expression("attribute_not_exists(pk)"),
        };
        condition_held(req.send().timed(&self.calls).await)
    }

    /// An UpdateItem of the item `pk` (the caller adds the expressions).
    pub(super) fn update(
        &self,
        pk: impl Into<String>,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.ddb
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
    }

    pub(super) async fn delete(&self, pk: &str) -> Result<(), StoreError> {
        self.calls.charge(capacity::write(0));
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

    /// Follows a paginated Query or Scan (`page` sends the request for the page
    /// after a start key) and deletes every item it finds; how many.
    pub(super) async fn delete_found<F, Fut, O, E>(&self, mut page: F) -> Result<usize, StoreError>
    where
        F: FnMut(Option<Item>) -> Fut,
        Fut: std::future::Future<Output = Result<O, E>>,
        O: Page,
        E: std::error::Error + 'static,
    {
        let mut keys = Vec::new();
        let mut start = None;
        loop {
            let out = page(start.take()).timed(&self.calls).await;
            let (items, last) = out.map_err(unavailable)?.into_page();
            let size = items.iter().map(capacity::item_size).sum();
            self.calls.charge(capacity::read(size, false));
            keys.extend(pks(&items));
            match last {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        self.delete_keys(&keys).await?;
        Ok(keys.len())
    }

    /// Deletes items by key, 25 per BatchWriteItem, retrying unprocessed ones.
    pub(super) async fn delete_keys(&self, keys: &[String]) -> Result<(), StoreError> {
        for chunk in keys.chunks(25) {
            for _ in chunk {
                self.calls.charge(capacity::write(0));
            }
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

impl Store {
    /// Every item of an index whose `hash` is `value` and whose range key
    /// begins with `prefix` (one Query, paginated; eventually consistent, as
    /// every GSI read is).
    pub(super) async fn query_index(
        &self,
        index: &str,
        (hash, value): (&str, &str),
        (range, prefix): (&str, &str),
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let req = self
                .ddb
                .query()
                .table_name(&self.table)
                .index_name(index)
                .expression_attribute_names("#h", hash)
                .expression_attribute_values(":h", s(value));
            // Everything under the hash key, or what its range key begins with.
            let req = if prefix.is_empty() {
                req.key_condition_expression("#h = :h")
            } else {
                req.key_condition_expression("#h = :h AND begins_with(#r, :p)")
                    .expression_attribute_names("#r", range)
                    .expression_attribute_values(":p", s(prefix))
            };
            let out = req
                .set_exclusive_start_key(start.take())
                .send()
                .timed(&self.calls)
                .await
                .map_err(unavailable)?;
            let (page, last) = out.into_page();
            let size = page.iter().map(capacity::item_size).sum();
            self.calls.charge(capacity::read(size, false));
            items.extend(page);
            match last {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }

    /// How many items of an index have `hash` = `value` and a range key
    /// beginning with `prefix` (a Query with `Select=COUNT`).
    pub(super) async fn count_index(
        &self,
        index: &str,
        (hash, value): (&str, &str),
        (range, prefix): (&str, &str),
    ) -> Result<usize, StoreError> {
        let mut count = 0;
        let mut start = None;
        loop {
            let out = self
                .ddb
                .query()
                .table_name(&self.table)
                .index_name(index)
                .select(aws_sdk_dynamodb::types::Select::Count)
                .key_condition_expression("#h = :h AND begins_with(#r, :p)")
                .expression_attribute_names("#h", hash)
                .expression_attribute_names("#r", range)
                .expression_attribute_values(":h", s(value))
                .expression_attribute_values(":p", s(prefix))
                .set_exclusive_start_key(start.take())
                .send()
                .timed(&self.calls)
                .await
                .map_err(unavailable)?;
            // A count reads the keys it counts (KEYS_ONLY: ~100 bytes each).
            self.calls
                .charge(capacity::read(out.count as usize * 100, false));
            count += out.count as usize;
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(count),
            }
        }
    }

    /// The items with these keys (BatchGetItem, 100 a request, unprocessed
    /// keys retried), strongly consistent.
    pub(super) async fn batch_get(&self, keys: &[String]) -> Result<Vec<Item>, StoreError> {
        use aws_sdk_dynamodb::types::KeysAndAttributes;
        let mut items = Vec::new();
        for chunk in keys.chunks(100) {
            let mut pending: Vec<Item> = chunk
                .iter()
                .map(|pk| [("pk".to_string(), s(pk.clone()))].into())
                .collect();
            for attempt in 0..5 {
                let ka = KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .consistent_read(true)
                    .build()
                    .map_err(unavailable)?;
                let out = self
                    .ddb
                    .batch_get_item()
                    .request_items(&self.table, ka)
                    .send()
                    .timed(&self.calls)
                    .await
                    .map_err(unavailable)?;
                let got = out
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default();
                for item in &got {
                    self.calls
                        .charge(capacity::read(capacity::item_size(item), true));
                }
                items.extend(got);
                pending = out
                    .unprocessed_keys
                    .and_then(|mut m| m.remove(&self.table))
                    .map(|k| k.keys)
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
            }
        }
        Ok(items)
    }
}

/// The `pk` of each item.
pub(super) fn pks(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i.get("pk") {
            Some(aws_sdk_dynamodb::types::AttributeValue::S(pk)) => Some(pk.clone()),
            _ => None,
        })
        .collect()
}

/// One page of a Scan or a Query: its items, and the key the next page starts
/// after (none on the last).
pub(super) trait Page {
    fn into_page(self) -> (Vec<Item>, Option<Item>);
}

impl Page for aws_sdk_dynamodb::operation::scan::ScanOutput {
    fn into_page(self) -> (Vec<Item>, Option<Item>) {
        (self.items.unwrap_or_default(), self.last_evaluated_key)
    }
}

impl Page for aws_sdk_dynamodb::operation::query::QueryOutput {
    fn into_page(self) -> (Vec<Item>, Option<Item>) {
        (self.items.unwrap_or_default(), self.last_evaluated_key)
    }
}
