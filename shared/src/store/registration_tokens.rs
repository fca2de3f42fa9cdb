//! Initial access tokens (RFC 7591 §3): `regtoken#{sha256(token)}`, made by
//! `oauthctl registration-token create` or in the portal, each registration
//! spending one use, gone by TTL when it expires.

use super::metrics::Timed;
use super::models::RegistrationTokenItem;
use super::pk::registration_token_key;
use super::{capacity, decode, n, unavailable, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValue;

impl Store {
    pub async fn put_registration_token(
        &self,
        item: &RegistrationTokenItem,
    ) -> Result<(), StoreError> {
        self.put(item, true).await
    }

    /// Spends one use of an initial access token, if it is live and has one
    /// left (one conditional update: of concurrent registrations at most its
    /// uses get through). `None`: unknown, expired or spent.
    pub async fn spend_registration_token(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<RegistrationTokenItem>, StoreError> {
        self.calls.charge(capacity::write(0));
        let res = self
            .update(registration_token_key(token))
            .update_expression("ADD uses :one")
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(expires_at) OR expires_at > :now) \
                 AND (attribute_not_exists(max_uses) OR uses < max_uses)",
            )
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .timed(&self.calls)
            .await;
        match res {
            Ok(out) => out.attributes.map(decode).transpose(),
            Err(e) => match e.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(_) => Ok(None),
                other => Err(unavailable(other)),
            },
        }
    }
}
