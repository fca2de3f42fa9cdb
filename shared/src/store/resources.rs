//! Registered resource servers and cached client ID metadata documents.
//!
//! Registered resource servers (`oauthctl resource`): one item, `resources`,
//! holding them all (an operator registers a handful), written conditioned on
//! its version and read once a minute per execution environment
//! ([`crate::resource::Registered`]).

use super::models::{MetadataDocumentItem, ResourcesItem};
use super::pk::{metadata_document_key, RESOURCES};
use super::{decode, Store};
use crate::error::StoreError;

impl Store {
    /// The registered resources (eventually consistent: an operator's change
    /// reaches every endpoint within the cache's minute anyway).
    pub async fn get_resources(&self) -> Result<Option<ResourcesItem>, StoreError> {
        self.get_item(RESOURCES, false)
            .await?
            .map(decode)
            .transpose()
    }

    /// Writes the registered resources if they are still at version
    /// `expected` (`None`: none yet). `Ok(false)`: another writer came first.
    pub async fn put_resources(
        &self,
        item: &ResourcesItem,
        expected: Option<u64>,
    ) -> Result<bool, StoreError> {
        self.put_versioned(item, expected).await
    }

    /// A cached metadata document, while it is live (eventually consistent).
    pub async fn get_metadata_document(
        &self,
        url: &str,
        now: i64,
    ) -> Result<Option<MetadataDocumentItem>, StoreError> {
        match self.get_item(&metadata_document_key(url), false).await? {
            Some(item) if !super::is_expired(&item, now) => decode(item).map(Some),
            _ => Ok(None),
        }
    }

    /// Caches a metadata document (replacing an older copy).
    pub async fn put_metadata_document(
        &self,
        item: &MetadataDocumentItem,
    ) -> Result<(), StoreError> {
        self.put(item, false).await
    }
}
