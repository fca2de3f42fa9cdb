//! Users: `user#{tenant}#{normalized email}`.

use super::metrics::Timed;
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

    /// Replaces a user's password hash, and only it (an UpdateItem naming one
    /// attribute: the authorize function may change nothing else of a user).
    pub async fn set_password_hash(&self, user: &User, hash: &str) -> Result<(), StoreError> {
        self.calls.charge(super::capacity::write(0));
        self.update(User::key(&user.tenant, &user.email))
            .update_expression("SET password_hash = :h")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":h", super::s(hash))
            .send()
            .timed(&self.calls)
            .await
            .map_err(super::unavailable)?;
        Ok(())
    }
}
