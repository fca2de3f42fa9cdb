//! Browser sessions: `session#{sha256(cookie)}`, expiring by TTL. In the
//! owner index: a person's sessions are one Query ("sign out everywhere").

use super::models::Session;
use super::ops::pks;
use super::pk::{owned, session_key};
use super::schema::OWNER_INDEX;
use super::{capacity, decode, Store};
use crate::error::StoreError;

impl Store {
    pub async fn put_session(&self, session: &Session) -> Result<(), StoreError> {
        // Its copy in the owner index (everything projected).
        self.calls.charge(capacity::write(0));
        self.put(session, true).await
    }

    /// The live session for a cookie value.
    pub async fn get_session(&self, cookie: &str, now: i64) -> Result<Option<Session>, StoreError> {
        self.get_live(&session_key(cookie), now).await
    }

    /// Ends a session (logout).
    pub async fn delete_session(&self, cookie: &str) -> Result<(), StoreError> {
        self.calls.charge(capacity::write(0));
        self.delete(&session_key(cookie)).await
    }

    /// A person's sessions (the owner index, one Query), the expired ones left
    /// out (TTL deletes late).
    pub async fn list_sessions(&self, sub: &str, now: i64) -> Result<Vec<Session>, StoreError> {
        let items = self
            .query_index(OWNER_INDEX, ("owner", sub), ("pk", owned::SESSIONS))
            .await?;
        let sessions: Vec<Session> = items.into_iter().map(decode).collect::<Result<_, _>>()?;
        Ok(sessions
            .into_iter()
            .filter(|s| s.expires_at > now)
            .collect())
    }

    /// Ends every session of a person but one (after a password change).
    pub async fn delete_other_sessions(&self, sub: &str, keep: &str) -> Result<usize, StoreError> {
        let items = self
            .query_index(OWNER_INDEX, ("owner", sub), ("pk", owned::SESSIONS))
            .await?;
        let keys: Vec<String> = pks(&items).into_iter().filter(|k| k != keep).collect();
        self.delete_keys(&keys).await?;
        Ok(keys.len())
    }

    /// Ends every session of a person (sign out everywhere); how many.
    pub async fn delete_sessions(&self, sub: &str) -> Result<usize, StoreError> {
        let items = self
            .query_index(OWNER_INDEX, ("owner", sub), ("pk", owned::SESSIONS))
            .await?;
        let keys = pks(&items);
        for _ in &keys {
            self.calls.charge(capacity::write(0));
        }
        self.delete_keys(&keys).await?;
        Ok(keys.len())
    }
}
