//! What belongs to a person, from the owner index in one Query: their
//! remembered consents ("apps I allowed"), their browser sessions and the
//! apps they registered in the portal.

use super::consents::Consent;
use super::models::{Client, MetadataDocumentItem, Session};
use super::pk::{metadata_document_key, owned};
use super::schema::OWNER_INDEX;
use super::{decode, Item, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;

/// A person's items, by kind.
#[derive(Debug, Default)]
pub struct Owned {
    pub consents: Vec<Consent>,
    pub sessions: Vec<Session>,
    pub clients: Vec<Client>,
}

fn pk_of(item: &Item) -> &str {
    match item.get("pk") {
        Some(AttributeValue::S(pk)) => pk,
        _ => "",
    }
}

impl Store {
    /// Everything a person owns (expired sessions left out).
    pub async fn owned_by(&self, sub: &str, now: i64) -> Result<Owned, StoreError> {
        let items = self
            .query_index(OWNER_INDEX, ("owner", sub), ("pk", ""))
            .await?;
        let mut out = Owned::default();
        for item in items {
            let pk = pk_of(&item).to_string();
            if pk.starts_with(owned::CONSENTS) {
                out.consents.push(decode(item)?);
            } else if pk.starts_with(owned::SESSIONS) {
                let s: Session = decode(item)?;
                if s.expires_at > now {
                    out.sessions.push(s);
                }
            } else if pk.starts_with(owned::CLIENTS) {
                let c: Client = decode(item)?;
                if !c.is_expired(now) {
                    out.clients.push(c);
                }
            }
        }
        Ok(out)
    }

    /// The apps a developer registered in the portal.
    pub async fn owned_clients(&self, sub: &str, now: i64) -> Result<Vec<Client>, StoreError> {
        let items = self
            .query_index(OWNER_INDEX, ("owner", sub), ("pk", owned::CLIENTS))
            .await?;
        let clients: Vec<Client> = items.into_iter().map(decode).collect::<Result<_, _>>()?;
        Ok(clients.into_iter().filter(|c| !c.is_expired(now)).collect())
    }

    /// Clients by id, as they are now (one BatchGetItem).
    pub async fn get_clients(&self, ids: &[String]) -> Result<Vec<Client>, StoreError> {
        Ok(self.get_clients_and_documents(ids, &[], 0).await?.0)
    }

    /// Registered clients by id and the cached metadata documents of
    /// metadata-document clients by URL, live ones only, in one BatchGetItem.
    pub async fn get_clients_and_documents(
        &self,
        ids: &[String],
        urls: &[String],
        now: i64,
    ) -> Result<(Vec<Client>, Vec<MetadataDocumentItem>), StoreError> {
        let keys: Vec<String> = ids
            .iter()
            .map(|id| Client::key(id))
            .chain(urls.iter().map(|u| metadata_document_key(u)))
            .collect();
        let (mut clients, mut documents) = (Vec::new(), Vec::new());
        for item in self.batch_get(&keys).await? {
            let pk = item.get("pk").and_then(|v| v.as_s().ok());
            if pk.is_some_and(|pk| pk.starts_with(owned::CLIENTS)) {
                clients.push(decode(item)?);
            } else if !super::is_expired(&item, now) {
                documents.push(decode(item)?);
            }
        }
        Ok((clients, documents))
    }
}
