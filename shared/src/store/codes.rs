//! Authorization codes: `code#{sha256(code)}`, single use, expiring by TTL.

use super::keys::code_key;
use super::models::{CodeItem, Consumed};
use super::Store;
use crate::error::StoreError;

impl Store {
    pub async fn put_code(&self, code: &CodeItem) -> Result<(), StoreError> {
        self.put(code, true).await
    }

    /// Consumes a code for `client_id` (one conditional update).
    pub async fn consume_code(
        &self,
        code: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Consumed<CodeItem>, StoreError> {
        self.consume(&code_key(code), client_id, now).await
    }

    pub async fn release_code(&self, code: &str, stamp: i64) -> Result<(), StoreError> {
        self.release(&code_key(code), stamp).await
    }
}
