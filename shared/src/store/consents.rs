//! Remembered consent: `consent#{sub}#{client_id}`, a string set of scopes.

use super::metrics::Timed;
use super::pk::consent_key;
use super::{capacity, n, unavailable, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;

impl Store {
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
        now: i64,
    ) -> Result<(), StoreError> {
        let req = self
            .update(consent_key(sub, client_id))
            .expression_attribute_values(":now", n(now));
        // A string set cannot be empty: a consent to no scopes records only the time.
        let req = if scopes.is_empty() {
            req.update_expression("SET granted_at = :now")
        } else {
            req.update_expression("SET granted_at = :now ADD scopes :s")
                .expression_attribute_values(":s", AttributeValue::Ss(scopes.to_vec()))
        };
        self.calls.charge(capacity::write(0));
        req.send().timed(&self.calls).await.map_err(unavailable)?;
        Ok(())
    }
}
