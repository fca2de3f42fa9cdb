//! Browser sessions: `session#{sha256(cookie)}`, expiring by TTL.

use super::models::Session;
use super::pk::session_key;
use super::Store;
use crate::error::StoreError;

impl Store {
    pub async fn put_session(&self, session: &Session) -> Result<(), StoreError> {
        self.put(session, true).await
    }

    /// The live session for a cookie value.
    pub async fn get_session(&self, cookie: &str, now: i64) -> Result<Option<Session>, StoreError> {
        self.get_live(&session_key(cookie), now).await
    }
}

impl Store {
    /// Ends a session (logout).
    pub async fn delete_session(&self, cookie: &str) -> Result<(), StoreError> {
        self.delete(&session_key(cookie)).await
    }
}
