//! Failed password checks per key: `throttle#{key}`, a counter in a window that
//! starts at the first failure and expires by TTL.

use super::metrics::Timed;
use super::pk::throttle_key;
use super::{capacity, is_expired, n, s, unavailable, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

impl Store {
    /// Failed password checks recorded for `key` in the window live at `now`.
    pub async fn failures(&self, key: &str, now: i64) -> Result<u32, StoreError> {
        Ok(match self.get_raw(&throttle_key(key)).await? {
            Some(item) if !is_expired(&item, now) => match item.get("fails") {
                Some(AttributeValue::N(v)) => v.parse().unwrap_or(0),
                _ => 0,
            },
            _ => 0,
        })
    }

    /// Records one failure; the window starts at the first failure and lasts `window` seconds.
    pub async fn record_failure(
        &self,
        key: &str,
        window: i64,
        now: i64,
    ) -> Result<u32, StoreError> {
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
            .timed(&self.calls)
            .await;
        self.calls.charge(capacity::write(0));
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
                self.calls.charge(capacity::write(0));
                self.ddb
                    .put_item()
                    .table_name(&self.table)
                    .item("pk", s(throttle_key(key)))
                    .item("fails", n(1))
                    .item("expires_at", n(now + window))
                    .send()
                    .timed(&self.calls)
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
