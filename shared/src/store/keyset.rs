//! Signing keys: `keyset` (public halves) and `keyset#secret` (private halves,
//! KMS-encrypted). Written together, rarely (creation, rotation), in one
//! transaction conditioned on the keyset's version: of concurrent rotations
//! exactly one is written.

use super::metrics::Timed;
use super::models::{CookieKeyItem, KeySecretsItem, KeySetItem};
use super::pk::{COOKIE_KEY, KEYSET, KEYSET_SECRETS};
use super::{capacity, decode, encode, n, unavailable, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

impl Store {
    /// The published keys (strongly consistent: a rotation is seen at once).
    pub async fn get_keyset(&self) -> Result<Option<KeySetItem>, StoreError> {
        self.get_raw(KEYSET).await?.map(decode).transpose()
    }

    /// The encrypted private halves.
    pub async fn get_key_secrets(&self) -> Result<Option<KeySecretsItem>, StoreError> {
        self.get_raw(KEYSET_SECRETS).await?.map(decode).transpose()
    }

    /// The cookie key (KMS ciphertext).
    pub async fn get_cookie_key(&self) -> Result<Option<CookieKeyItem>, StoreError> {
        self.get_raw(COOKIE_KEY).await?.map(decode).transpose()
    }

    /// Writes the cookie key unless there is one (`AlreadyExists`).
    pub async fn put_cookie_key(&self, item: &CookieKeyItem) -> Result<(), StoreError> {
        self.put(item, true).await
    }

    /// Writes both, if the keyset is still at version `expected` (`None`: if
    /// there is none yet). `Ok(false)`: another writer came first.
    pub async fn put_keyset(
        &self,
        keyset: &KeySetItem,
        secrets: &KeySecretsItem,
        expected: Option<u64>,
    ) -> Result<bool, StoreError> {
        let (public, private) = (encode(keyset)?, encode(secrets)?);
        // Transactional writes cost twice their size.
        for item in [&public, &private] {
            let u = capacity::write(capacity::item_size(item));
            self.calls.charge(capacity::Units {
                wru: 2.0 * u.wru,
                ..u
            });
        }
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(public));
        put = match expected {
            Some(v) => put
                .condition_expression("v = :v")
                .expression_attribute_values(":v", n(v as i64)),
            None => put.condition_expression("attribute_not_exists(pk)"),
        };
        let items = vec![
            TransactWriteItem::builder()
                .put(put.build().map_err(unavailable)?)
                .build(),
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(private))
                        .build()
                        .map_err(unavailable)?,
                )
                .build(),
        ];
        let res = self
            .ddb
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .timed(&self.calls)
            .await;
        let Err(e) = res else { return Ok(true) };
        let lost = match e.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(tc)) => tc
                .cancellation_reasons()
                .iter()
                .any(|r| r.code() == Some("ConditionalCheckFailed")),
            _ => false,
        };
        if lost {
            Ok(false)
        } else {
            Err(unavailable(e))
        }
    }
}

/// The items' keys, for callers building them.
pub fn keyset_pk() -> String {
    KEYSET.to_string()
}

pub fn secrets_pk() -> String {
    KEYSET_SECRETS.to_string()
}
