//! Remembered consent: `consent#{sub}#{client_id}`, a string set of scopes,
//! with when it was first and last given. In the owner index (the person's
//! "apps I allowed", one Query) and the client index (an app's people).

use super::metrics::Timed;
use super::pk::{consent_csk, consent_key, owned};
use super::schema::{CLIENT_INDEX, OWNER_INDEX};
use super::{capacity, decode, n, s, unavailable, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use serde::Deserialize;

/// A remembered consent, as the account page lists it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Consent {
    pub pk: String,
    /// The client it was given to (absent in consents from before it was kept).
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// When it was first given (`granted_at` for consents from before).
    #[serde(default)]
    pub first_at: Option<i64>,
    pub granted_at: i64,
}

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

    /// Adds scopes to the remembered consent (set union, one update), keeping
    /// when it was first given.
    pub async fn put_consent(
        &self,
        sub: &str,
        client_id: &str,
        scopes: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        let set = "SET granted_at = :now, first_at = if_not_exists(first_at, :now), \
                   #o = :sub, client_id = :c, csk = :csk";
        let req = self
            .update(consent_key(sub, client_id))
            .expression_attribute_names("#o", "owner")
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":sub", s(sub))
            .expression_attribute_values(":c", s(client_id))
            .expression_attribute_values(":csk", s(consent_csk(sub)))
            .return_values(ReturnValue::UpdatedOld);
        // A string set cannot be empty: a consent to no scopes records only the time.
        let req = if scopes.is_empty() {
            req.update_expression(set)
        } else {
            req.update_expression(format!("{set} ADD scopes :s"))
                .expression_attribute_values(":s", AttributeValue::Ss(scopes.to_vec()))
        };
        let out = req.send().timed(&self.calls).await.map_err(unavailable)?;
        // The item, and its copy in the owner index (everything projected);
        // the client index's entry only when the consent is new.
        self.calls.charge(capacity::write(0));
        self.calls.charge(capacity::write(0));
        let was_new = out.attributes.is_none_or(|a| !a.contains_key("csk"));
        if was_new {
            self.calls.charge(capacity::write(0));
        }
        Ok(())
    }

    /// A person's remembered consents (the owner index, one Query).
    pub async fn list_consents(&self, sub: &str) -> Result<Vec<Consent>, StoreError> {
        self.query_index(OWNER_INDEX, ("owner", sub), ("pk", owned::CONSENTS))
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    /// Forgets a consent (the app asks again next time).
    pub async fn delete_consent(&self, sub: &str, client_id: &str) -> Result<(), StoreError> {
        self.delete(&consent_key(sub, client_id)).await
    }

    /// How many people have a remembered consent for a client.
    pub async fn count_consents(&self, client_id: &str) -> Result<usize, StoreError> {
        let every = consent_csk("");
        self.count_index(CLIENT_INDEX, ("client_id", client_id), ("csk", &every))
            .await
    }
}
