//! Clients: `client#{client_id}`.

use super::metrics::Timed;
use super::models::Client;
use super::{s, Store};
use crate::error::StoreError;

impl Store {
    pub async fn put_client(&self, client: &Client, only_new: bool) -> Result<(), StoreError> {
        self.put(client, only_new).await
    }

    /// An eventually consistent read (half the price of a strong one): clients
    /// change rarely, and a change (a rotated secret, a disabled client) reaches
    /// every endpoint within DynamoDB's replication lag, typically under a
    /// second. Disabling a client also revokes its grants, which every token use
    /// reads strongly consistently, so its tokens stop at once.
    pub async fn get_client(&self, client_id: &str) -> Result<Option<Client>, StoreError> {
        self.get_item(&Client::key(client_id), false)
            .await?
            .map(super::decode)
            .transpose()
    }

    /// Moves an open registration's TTL on (its use): its expiry and nothing
    /// else, and only while it exists.
    pub async fn touch_client(&self, client_id: &str, expires_at: i64) -> Result<(), StoreError> {
        self.calls.charge(super::capacity::write(0));
        let res = self
            .update(Client::key(client_id))
            .update_expression("SET expires_at = :e")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":e", super::n(expires_at))
            .send()
            .timed(&self.calls)
            .await;
        super::condition_held(res).map(drop)
    }

    /// Admin (oauthctl, not the functions): deletes every grant of a client (its
    /// codes and tokens), and its items from before grant items. A Scan, paid
    /// once per disable, so the hot path carries no index for it.
    pub async fn revoke_client_tokens(&self, client_id: &str) -> Result<usize, StoreError> {
        self.delete_found(|start| {
            self.ddb
                .scan()
                .table_name(&self.table)
                .projection_expression("pk")
                .filter_expression(
                    "client_id = :c AND (begins_with(pk, :grant) OR begins_with(pk, :at) OR begins_with(pk, :rt) OR begins_with(pk, :code))",
                )
                .expression_attribute_values(":c", s(client_id))
                .expression_attribute_values(":grant", s("grant#"))
                .expression_attribute_values(":at", s("at#"))
                .expression_attribute_values(":rt", s("rt#"))
                .expression_attribute_values(":code", s("code#"))
                .set_exclusive_start_key(start)
                .send()
        })
        .await
    }
}
