//! The admin CLI's queries (`oauthctl`): listing, finding and revoking by
//! Scans. Paid once per command, so the hot paths carry no index for them.

use super::metrics::Timed;
use super::models::{Client, User};
use super::ops::pks;
use super::{decode, s, unavailable, Item, Store};
use crate::error::StoreError;
use serde::de::DeserializeOwned;

impl Store {
    /// Every item whose key starts with `prefix` and that passes `filter` (a
    /// filter expression over `:p`, the given `#names` and `:values`).
    async fn scan_items(
        &self,
        prefix: &str,
        filter: &str,
        names: &[(&str, &str)],
        values: &[(&str, &str)],
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let mut req = self
                .ddb
                .scan()
                .table_name(&self.table)
                .filter_expression(filter)
                .expression_attribute_values(":p", s(prefix))
                .set_exclusive_start_key(start.take());
            for (k, v) in names {
                req = req.expression_attribute_names(*k, *v);
            }
            for (k, v) in values {
                req = req.expression_attribute_values(*k, s(*v));
            }
            let out = req.send().timed(&self.calls).await.map_err(unavailable)?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }

    async fn scan_models<T: DeserializeOwned>(&self, prefix: &str) -> Result<Vec<T>, StoreError> {
        self.scan_items(prefix, "begins_with(pk, :p)", &[], &[])
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    pub async fn list_clients(&self) -> Result<Vec<Client>, StoreError> {
        self.scan_models("client#").await
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        self.scan_models("user#").await
    }

    /// The user with this subject id, in any tenant.
    pub async fn find_user_by_sub(&self, sub: &str) -> Result<Option<User>, StoreError> {
        let items = self.scan_items_named("user#", "sub", sub).await?;
        items.into_iter().next().map(decode).transpose()
    }

    /// Items under `prefix` whose attribute `name` equals `value`.
    async fn scan_items_named(
        &self,
        prefix: &str,
        name: &str,
        value: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let filter = "begins_with(pk, :p) AND #n = :v";
        self.scan_items(prefix, filter, &[("#n", name)], &[(":v", value)])
            .await
    }

    pub async fn delete_client(&self, client_id: &str) -> Result<(), StoreError> {
        self.delete(&Client::key(client_id)).await
    }

    pub async fn delete_user(&self, tenant: &str, email: &str) -> Result<(), StoreError> {
        self.delete(&User::key(tenant, email)).await
    }

    /// Replaces a user's item (a new password hash, claims, the disabled flag).
    pub async fn replace_user(&self, user: &User) -> Result<(), StoreError> {
        self.put(user, false).await
    }

    /// Deletes every grant (codes and tokens), legacy token and browser session
    /// of a user. Returns how many items went.
    pub async fn revoke_subject(&self, sub: &str) -> Result<usize, StoreError> {
        let mut keys = Vec::new();
        for prefix in ["grant#", "at#", "rt#", "code#"] {
            let filter = "begins_with(pk, :p) AND #g.#s = :v";
            let names = [("#g", "grant"), ("#s", "sub")];
            keys.extend(pks(&self
                .scan_items(prefix, filter, &names, &[(":v", sub)])
                .await?));
        }
        keys.extend(pks(&self.scan_items_named("session#", "sub", sub).await?));
        self.delete_keys(&keys).await?;
        Ok(keys.len())
    }
}
