//! Password attempts per key: `throttle#{key}`, a counter of attempts not
//! (yet) known to have succeeded, in a window that starts with the first and
//! expires by TTL. An attempt is reserved by one conditional update *before*
//! the password is checked, so concurrent guesses cannot all pass a "fewer than
//! the limit" test: of any number of them, at most the limit get a check.

use super::metrics::Timed;
use super::pk::throttle_key;
use super::{capacity, condition_held, n, s, unavailable, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Reserved: the password may be checked. The number of attempts in the
    /// window, this one included.
    Reserved(u32),
    /// The window holds `max` attempts already.
    Locked,
}

fn number(item: &super::Item, name: &str) -> Option<i64> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().ok(),
        _ => None,
    }
}

impl Store {
    /// Reserves one attempt under `key`, unless `max` are reserved in the live
    /// window; a window that has ended (TTL deletes late) starts anew.
    pub async fn reserve_attempt(
        &self,
        key: &str,
        max: u32,
        window: i64,
        now: i64,
    ) -> Result<Attempt, StoreError> {
        for _ in 0..3 {
            self.calls.charge(capacity::write(0));
            let res = self
                .update(throttle_key(key))
                .update_expression(
                    "SET expires_at = if_not_exists(expires_at, :exp) ADD fails :one",
                )
                .condition_expression(
                    "attribute_not_exists(pk) OR (expires_at > :now AND fails < :max)",
                )
                .expression_attribute_values(":exp", n(now + window))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":max", n(max as i64))
                .return_values(ReturnValue::AllNew)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .send()
                .timed(&self.calls)
                .await;
            let old = match res {
                Ok(out) => {
                    let count = out
                        .attributes
                        .as_ref()
                        .and_then(|a| number(a, "fails"))
                        .unwrap_or(1);
                    return Ok(Attempt::Reserved(count as u32));
                }
                Err(e) => match e.into_service_error() {
                    UpdateItemError::ConditionalCheckFailedException(c) => {
                        c.item.unwrap_or_default()
                    }
                    other => return Err(unavailable(other)),
                },
            };
            let ended = number(&old, "expires_at");
            if ended.is_some_and(|exp| exp > now) {
                return Ok(Attempt::Locked);
            }
            // The window has ended: start a new one with this attempt, unless
            // another request did (then reserve again).
            self.calls.charge(capacity::write(0));
            let restart = self
                .ddb
                .put_item()
                .table_name(&self.table)
                .item("pk", s(throttle_key(key)))
                .item("fails", n(1))
                .item("expires_at", n(now + window))
                .condition_expression("expires_at = :ended")
                .expression_attribute_values(":ended", n(ended.unwrap_or(0)))
                .send()
                .timed(&self.calls)
                .await;
            if condition_held(restart)? {
                return Ok(Attempt::Reserved(1));
            }
        }
        Err(StoreError::Unavailable("throttle counter contended".into()))
    }

    /// Gives back an attempt that succeeded: it is not a failure.
    pub async fn release_attempt(&self, key: &str) -> Result<(), StoreError> {
        self.calls.charge(capacity::write(0));
        let res = self
            .update(throttle_key(key))
            .update_expression("ADD fails :minus_one")
            .condition_expression("fails > :zero")
            .expression_attribute_values(":minus_one", n(-1))
            .expression_attribute_values(":zero", n(0))
            .send()
            .timed(&self.calls)
            .await;
        // No reservation left to give back (the window ended): nothing to do.
        condition_held(res).map(drop)
    }
}
