//! Initial access tokens (RFC 7591 §3) for `CLIENT_REGISTRATION=token`:
//! `oauthctl registration-token create`, and the portal's.

use super::AdminError;
use crate::store::{RegistrationTokenItem, Store};
use serde_json::{json, Value};

/// Makes an initial access token living `ttl` seconds (`None`: until used
/// up), good for `uses` registrations (`None`: any number), whose clients
/// may have `scopes` (`None`: the registration scopes). The token is shown
/// once and stored as SHA-256.
pub async fn create(
    store: &Store,
    ttl: Option<i64>,
    uses: Option<i64>,
    scopes: Option<Vec<String>>,
    owner: Option<String>,
    now: i64,
) -> Result<Value, AdminError> {
    if ttl.is_some_and(|t| t <= 0) || uses.is_some_and(|u| u <= 0) {
        return Err(super::invalid("--ttl and --uses must be positive"));
    }
    if ttl.is_none() && uses.is_none() {
        return Err(super::invalid(
            "give --ttl, --uses or both: a token that never ends is a standing open door",
        ));
    }
    let token = crate::crypto::random_token();
    let item = RegistrationTokenItem {
        pk: crate::store::pk::registration_token_key(&token),
        scopes,
        max_uses: uses,
        uses: 0,
        owner,
        created_at: now,
        expires_at: ttl.map(|t| now + t),
    };
    store.put_registration_token(&item).await?;
    Ok(
        json!({ "token": token, "expires_at": item.expires_at, "uses": uses, "scopes": item.scopes }),
    )
}
