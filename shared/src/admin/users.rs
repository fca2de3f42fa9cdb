//! Users: create, list, show, change claims, set a password, disable or
//! enable, delete. Changing a password, disabling or deleting a user revokes
//! every grant and browser session of theirs at once; a disabled user cannot
//! sign in or use the password grant.

use super::{invalid, AdminError};
use crate::crypto;
use crate::store::{self, Store, User};
use crate::tenant;
use serde_json::{json, Value};

/// Registers a user in a tenant; returns it.
pub async fn create_user(
    store: &Store,
    tenant: Option<&str>,
    email: &str,
    password: &str,
    claims: Option<&str>,
    now: i64,
) -> Result<User, AdminError> {
    let tenant = tenant.unwrap_or(store::DEFAULT_TENANT);
    if !tenant::is_valid(tenant) {
        return Err(invalid(
            "tenant must be 1-64 letters, digits, '-', '_' or '.'",
        ));
    }
    let email_n = store::normalize_email(email);
    if !email_n.contains('@') || email_n.len() > 254 {
        return Err(invalid("a valid email is required"));
    }
    if password.is_empty() {
        return Err(invalid("a password is required"));
    }
    let claims = claims_json(claims)?;
    let user = User {
        pk: User::key(tenant, &email_n),
        sub: crypto::random_id(),
        tenant: tenant.to_string(),
        email: email_n,
        password_hash: crypto::hash_password(password),
        claims,
        disabled: false,
        developer: false,
        created_at: now,
    };
    store.put_user(&user).await?;
    Ok(user)
}

/// How oauthctl names a user: by email (in a tenant) or by subject id.
#[derive(Debug, Clone)]
pub enum UserRef {
    Email {
        tenant: Option<String>,
        email: String,
    },
    Id(String),
}

async fn existing(store: &Store, who: &UserRef) -> Result<User, AdminError> {
    let user = match who {
        UserRef::Email { tenant, email } => {
            let tenant = tenant.as_deref().unwrap_or(store::DEFAULT_TENANT);
            store.get_user(tenant, email).await?
        }
        UserRef::Id(sub) => store.find_user_by_sub(sub).await?,
    };
    user.ok_or_else(|| invalid("no such user"))
}

/// A user as oauthctl shows it: never the password hash.
pub fn view(u: &User) -> Value {
    let claims: Value = serde_json::from_str(&u.claims).unwrap_or(Value::Null);
    json!({
        "sub": u.sub, "tenant": u.tenant, "email": u.email, "claims": claims,
        "disabled": u.disabled, "developer": u.developer, "created_at": u.created_at,
    })
}

pub async fn list_users(store: &Store, tenant: Option<&str>) -> Result<Value, AdminError> {
    let users = store.list_users().await?;
    let shown = users
        .iter()
        .filter(|u| tenant.is_none_or(|t| u.tenant == t))
        .map(view)
        .collect();
    Ok(Value::Array(shown))
}

pub async fn show_user(store: &Store, who: &UserRef) -> Result<Value, AdminError> {
    Ok(view(&existing(store, who).await?))
}

/// Replaces a user's profile claims (a JSON object) and, when given, whether
/// they are a developer in the portal; a change of role ends their sessions,
/// which carry it.
pub async fn update_user(
    store: &Store,
    who: &UserRef,
    claims: Option<&str>,
    developer: Option<bool>,
) -> Result<Value, AdminError> {
    let mut user = existing(store, who).await?;
    if let Some(c) = claims {
        user.claims = claims_json(Some(c))?;
    }
    let role_changed = developer.is_some_and(|d| d != user.developer);
    if let Some(d) = developer {
        user.developer = d;
    }
    store.replace_user(&user).await?;
    if role_changed {
        store.delete_sessions(&user.sub).await?;
    }
    Ok(view(&user))
}

fn claims_json(claims: Option<&str>) -> Result<String, AdminError> {
    match claims {
        Some(c) => match serde_json::from_str::<Value>(c) {
            Ok(Value::Object(m)) => Ok(Value::Object(m).to_string()),
            _ => Err(invalid("--claims must be a JSON object")),
        },
        None => Ok("{}".to_string()),
    }
}

/// A new password; every grant and session of the user is revoked at once.
pub async fn set_password(
    store: &Store,
    who: &UserRef,
    password: &str,
) -> Result<Value, AdminError> {
    if password.is_empty() {
        return Err(invalid("a password is required"));
    }
    let mut user = existing(store, who).await?;
    user.password_hash = crypto::hash_password(password);
    store.replace_user(&user).await?;
    let revoked = store.revoke_subject(&user.sub).await?;
    Ok(json!({ "sub": user.sub, "password_changed": true, "revoked": revoked }))
}

/// Disables a user (no sign-in, no password grant) and revokes every grant and
/// session of theirs; run again after a failure, it finishes the job.
pub async fn disable_user(store: &Store, who: &UserRef) -> Result<Value, AdminError> {
    let sub = set_disabled(store, who, true).await?;
    let revoked = store.revoke_subject(&sub).await?;
    Ok(json!({ "sub": sub, "disabled": true, "revoked": revoked }))
}

pub async fn enable_user(store: &Store, who: &UserRef) -> Result<Value, AdminError> {
    let sub = set_disabled(store, who, false).await?;
    Ok(json!({ "sub": sub, "disabled": false }))
}

/// Sets the user's `disabled` flag; the user's `sub`.
async fn set_disabled(store: &Store, who: &UserRef, disabled: bool) -> Result<String, AdminError> {
    let mut user = existing(store, who).await?;
    user.disabled = disabled;
    store.replace_user(&user).await?;
    Ok(user.sub)
}

/// Deletes a user: disabled and their grants and sessions revoked first, then
/// the item deleted; a failure part-way leaves a disabled user, and running it
/// again finishes.
pub async fn delete_user(store: &Store, who: &UserRef) -> Result<Value, AdminError> {
    let user = existing(store, who).await?;
    let revoked = disable_user(store, who).await?["revoked"].clone();
    store.delete_user(&user.tenant, &user.email).await?;
    Ok(json!({ "sub": user.sub, "deleted": true, "revoked": revoked }))
}
