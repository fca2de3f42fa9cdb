//! Authorizations: `grant#{id}`, one item per authorization, holding its
//! code, its current and previous tokens (as SHA-256) and its revocation.
//! Reads are strongly consistent, so a revocation is seen by the next use of
//! any of its credentials. Writes replace the whole item, conditioned on the
//! version read (compare-and-swap, [`Store::swap_authorization`]): of
//! concurrent writers exactly one wins, and the others get the item as it now
//! is to decide again.

use super::metrics::Timed;
use super::models::Authorization;
use super::ops::pks;
use super::pk::{authorizations_csk_of, grant_key};
use super::schema::CLIENT_INDEX;
use super::{capacity, decode, encode, n, unavailable, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};

/// The outcome of a conditional replace.
#[derive(Debug)]
pub enum Replaced {
    Done,
    /// Another write came first: the item as it is now (`None`: gone).
    Conflict(Option<Box<Authorization>>),
}

/// What a compare-and-swap step decides, for the item as it is now.
pub enum Swap<T> {
    /// Write this next state (conditioned on the version decided on), then
    /// answer `T`.
    Write(Box<Authorization>, T),
    /// Write nothing; answer `T`.
    Keep(T),
}

/// How many times a compare-and-swap decides again. Each retry follows
/// another request's successful write: a handful at most.
const SWAP_ATTEMPTS: usize = 8;

impl Authorization {
    /// Its id: what every credential of it starts with.
    pub fn id(&self) -> &str {
        self.pk.strip_prefix("grant#").unwrap_or(&self.pk)
    }
}

impl Store {
    /// The authorizations of a client: of one person, or of everyone (the
    /// client index, one Query; keys only).
    pub async fn authorization_keys(
        &self,
        client_id: &str,
        sub: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        let prefix = authorizations_csk_of(sub);
        let items = self
            .query_index(CLIENT_INDEX, ("client_id", client_id), ("csk", &prefix))
            .await?;
        Ok(pks(&items))
    }

    /// Every item of a client in the client index (its authorizations and
    /// consents), by key.
    pub async fn client_index_keys(&self, client_id: &str) -> Result<Vec<String>, StoreError> {
        let items = self
            .query_index(CLIENT_INDEX, ("client_id", client_id), ("csk", ""))
            .await?;
        Ok(pks(&items))
    }

    /// These authorizations as they are (strongly consistent).
    pub async fn get_authorizations(
        &self,
        keys: &[String],
    ) -> Result<Vec<Authorization>, StoreError> {
        self.batch_get(keys)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    /// Deletes items by key (a revoked app's authorizations and consent, a
    /// deleted client's): every credential of them is refused from then on.
    pub async fn delete_items(&self, keys: &[String]) -> Result<(), StoreError> {
        self.delete_keys(keys).await
    }

    /// The one compare-and-swap loop over an authorization: `decide` looks at
    /// the item as read (`None`: there is none) and says what to write; when
    /// another write came first, it decides again on the item as it now is.
    pub async fn swap_authorization<T, E: From<StoreError>>(
        &self,
        mut item: Option<Authorization>,
        mut decide: impl FnMut(Option<&Authorization>) -> Result<Swap<T>, E>,
    ) -> Result<T, E> {
        for _ in 0..SWAP_ATTEMPTS {
            let (next, answer) = match decide(item.as_ref())? {
                Swap::Keep(answer) => return Ok(answer),
                Swap::Write(next, answer) => (next, answer),
            };
            match self.put_grant_if(&next, item.as_ref().map(|i| i.v)).await? {
                None => return Ok(answer),
                Some(current) => item = current,
            }
        }
        Err(StoreError::Unavailable(format!(
            "authorization contended beyond {SWAP_ATTEMPTS} writes"
        ))
        .into())
    }

    /// The grant, whatever its state (callers check expiry and revocation).
    pub async fn get_authorization(
        &self,
        grant_id: &str,
    ) -> Result<Option<Authorization>, StoreError> {
        self.get_raw(&grant_key(grant_id))
            .await?
            .map(decode)
            .transpose()
    }

    /// Writes a new grant; `AlreadyExists` if its id is taken (a revoked
    /// legacy family's marker, or a 2^-128 collision).
    pub async fn create_authorization(&self, item: &Authorization) -> Result<(), StoreError> {
        match self.put_grant_if(item, None).await? {
            None => Ok(()),
            Some(_) => Err(StoreError::AlreadyExists),
        }
    }

    /// Replaces the grant if it is still at version `expected` (one PutItem).
    pub async fn replace_authorization(
        &self,
        item: &Authorization,
        expected: u64,
    ) -> Result<Replaced, StoreError> {
        match self.put_grant_if(item, Some(expected)).await? {
            None => Ok(Replaced::Done),
            Some(current) => Ok(Replaced::Conflict(current.map(Box::new))),
        }
    }

    /// Puts the grant if there is none (`expected` `None`) or it is at version
    /// `expected`. `None`: written. Otherwise the item there now, returned by
    /// the failed condition itself (no read). A write the SDK retried after a
    /// lost response finds its own item there: that is written too.
    async fn put_grant_if(
        &self,
        item: &Authorization,
        expected: Option<u64>,
    ) -> Result<Option<Option<Authorization>>, StoreError> {
        let encoded = encode(item)?;
        // The item only grows within a grant, so the new size is the larger one.
        self.calls
            .charge(capacity::write(capacity::item_size(&encoded)));
        // A new authorization's entry in the client index (keys only); its
        // rewrites keep the keys and write no index.
        if expected.is_none() && item.csk.is_some() {
            self.calls.charge(capacity::write(0));
        }
        let req = self
            .ddb
            .put_item()
            .table_name(&self.table)
            .set_item(Some(encoded))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        let req = match expected {
            None => req.condition_expression("attribute_not_exists(pk)"),
            Some(v) => req
                .condition_expression("v = :v")
                .expression_attribute_values(":v", n(v as i64)),
        };
        match req.send().timed(&self.calls).await {
            Ok(_) => Ok(None),
            Err(e) => match e.into_service_error() {
                PutItemError::ConditionalCheckFailedException(c) => {
                    let current: Option<Authorization> = c.item.map(decode).transpose()?;
                    if current.as_ref() == Some(item) {
                        return Ok(None);
                    }
                    Ok(Some(current))
                }
                other => Err(unavailable(other)),
            },
        }
    }

    /// Revokes a grant: every credential of it is refused from now on. Creates
    /// the marker when there is no item (a legacy family), living `marker_ttl`
    /// seconds; an existing item keeps its own expiry, which is its last
    /// credential's (RFC 9700 §4.14.2: the whole family is revoked).
    pub async fn revoke_authorization(
        &self,
        grant_id: &str,
        now: i64,
        marker_ttl: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut req = self
            .update(grant_key(grant_id))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1));
        req = match marker_ttl {
            Some(ttl) => req
                .update_expression(
                    "SET revoked_at = if_not_exists(revoked_at, :now), v = if_not_exists(v, :zero) + :one, \
                     expires_at = if_not_exists(expires_at, :ttl)",
                )
                .expression_attribute_values(":ttl", n(now + ttl)),
            None => req.update_expression(
                "SET revoked_at = if_not_exists(revoked_at, :now), v = if_not_exists(v, :zero) + :one",
            ),
        };
        let out = req
            .return_values(ReturnValue::AllNew)
            .send()
            .timed(&self.calls)
            .await
            .map_err(unavailable)?;
        let size = out.attributes.as_ref().map_or(0, capacity::item_size);
        self.calls.charge(capacity::write(size));
        Ok(())
    }
}
