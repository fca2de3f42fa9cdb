//! Users: `user#{tenant}#{normalized email}`.

use super::models::User;
use super::Store;
use crate::error::StoreError;

impl Store {
    pub async fn put_user(&self, user: &User) -> Result<(), StoreError> {
        self.put(user, true).await
    }

    /// Users do not expire: no clock needed.
    pub async fn get_user(&self, tenant: &str, email: &str) -> Result<Option<User>, StoreError> {
        self.get_live(&User::key(tenant, email), i64::MIN).await
    }
}
