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

/// The TTL attribute (epoch seconds).
pub const TTL_ATTRIBUTE: &str = "expires_at";

fn attr_def(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(unavailable)
}

fn hash_key(name: &str) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(KeyType::Hash)
        .build()
        .map_err(unavailable)
}

impl Store {
    /// Creates the table with its GSI and TTL; idempotent.
    pub async fn create_table(&self) -> Result<bool, StoreError> {
        let index = GlobalSecondaryIndex::builder()
            .index_name(FAMILY_INDEX)
            .key_schema(hash_key("family")?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::KeysOnly)
                    .build(),
            )
            .build()
            .map_err(unavailable)?;
        let created = match self
            .ddb
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr_def("pk")?)
            .attribute_definitions(attr_def("family")?)
            .key_schema(hash_key("pk")?)
            .global_secondary_indexes(index)
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
