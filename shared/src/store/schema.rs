//! The table's definition: key, TTL attribute and index. `oauthctl table create`
//! builds it locally; `infra/template.yaml` declares the same in AWS.

use super::metrics::Timed;
use super::{unavailable, Item, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use std::time::Duration;

/// Name of the GSI used to find every item of a grant family.
pub const FAMILY_INDEX: &str = "family-index";

/// The GSI of what belongs to a person (`owner` = their `sub`, sorted by
/// `pk`): their consents ("apps I allowed"), browser sessions and, for a
/// developer, their registered clients. Everything projected: each listing
/// is one Query. Its items change rarely (a consent on Allow, a session on
/// sign-in), so it adds no write to the token paths.
pub const OWNER_INDEX: &str = "owner-index";

/// The GSI of what was authorized to a client (`client_id`, sorted by `csk`:
/// `grant#{sub}#{id}` for an authorization, `consent#{sub}` for a consent):
/// the authorizations of (person, app) are one Query, all of an app's one
/// Query, its people one Query of consents. Keys only: an authorization's
/// rewrites (every code redemption and refresh) leave the index alone.
pub const CLIENT_INDEX: &str = "client-index";

/// The TTL attribute (epoch seconds).
pub const TTL_ATTRIBUTE: &str = "expires_at";

fn attr_def(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(unavailable)
}

fn key(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(unavailable)
}

fn hash_key(name: &str) -> Result<KeySchemaElement, StoreError> {
    key(name, KeyType::Hash)
}

fn index(
    name: &str,
    hash: &str,
    range: Option<&str>,
    projection: ProjectionType,
) -> Result<GlobalSecondaryIndex, StoreError> {
    let mut b = GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(hash_key(hash)?)
        .projection(Projection::builder().projection_type(projection).build());
    if let Some(r) = range {
        b = b.key_schema(key(r, KeyType::Range)?);
    }
    b.build().map_err(unavailable)
}

impl Store {
    /// Creates the table with its GSIs and TTL; idempotent.
    pub async fn create_table(&self) -> Result<bool, StoreError> {
        let family = index(FAMILY_INDEX, "family", None, ProjectionType::KeysOnly)?;
        let owner = index(OWNER_INDEX, "owner", Some("pk"), ProjectionType::All)?;
        let client = index(
            CLIENT_INDEX,
            "client_id",
            Some("csk"),
            ProjectionType::KeysOnly,
        )?;
        let created = match self
            .ddb
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr_def("pk")?)
            .attribute_definitions(attr_def("family")?)
            .attribute_definitions(attr_def("owner")?)
            .attribute_definitions(attr_def("client_id")?)
            .attribute_definitions(attr_def("csk")?)
            .key_schema(hash_key("pk")?)
            .global_secondary_indexes(family)
            .global_secondary_indexes(owner)
            .global_secondary_indexes(client)
            .send()
            .timed(&self.calls)
            .await
        {
            Ok(_) => true,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_resource_in_use_exception()) =>
            {
                false
            }
            Err(e) => return Err(unavailable(e)),
        };
        self.wait_until_active().await?;
        self.enable_ttl().await?;
        Ok(created)
    }

    /// moto is immediate; AWS takes seconds.
    async fn wait_until_active(&self) -> Result<(), StoreError> {
        for _ in 0..60 {
            let d = self
                .ddb
                .describe_table()
                .table_name(&self.table)
                .send()
                .timed(&self.calls)
                .await
                .map_err(unavailable)?;
            if d.table().and_then(|t| t.table_status()).map(|s| s.as_str()) == Some("ACTIVE") {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Ok(())
    }

    async fn enable_ttl(&self) -> Result<(), StoreError> {
        let ttl = self
            .ddb
            .describe_time_to_live()
            .table_name(&self.table)
            .send()
            .timed(&self.calls)
            .await
            .map_err(unavailable)?;
        let enabled = ttl
            .time_to_live_description()
            .and_then(|d| d.time_to_live_status())
            .is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING"));
        if enabled {
            return Ok(());
        }
        let spec = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(TTL_ATTRIBUTE)
            .build()
            .map_err(unavailable)?;
        self.ddb
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(spec)
            .send()
            .timed(&self.calls)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Deletes the table (tests and the benchmark clean up after themselves).
    pub async fn delete_table(&self) -> Result<(), StoreError> {
        self.ddb
            .delete_table()
            .table_name(&self.table)
            .send()
            .timed(&self.calls)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// The raw item under a key, for tests and the admin CLI.
    pub async fn raw_item(&self, pk: &str) -> Result<Option<Item>, StoreError> {
        self.get_raw(pk).await
    }
}
