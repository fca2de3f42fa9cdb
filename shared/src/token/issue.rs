//! Writing a grant's new tokens, all or nothing, and the response (RFC 6749 §5.1).

use super::GrantType;
use crate::crypto;
use crate::error::{OAuthError, StoreError};
use crate::scope;
use crate::state::State;
use crate::store::{self, Client, Grant, TokenItem};
use serde::Serialize;

/// A successful token response (RFC 6749 §5.1), plus Cloud BOT's `username`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// The grant family the issued tokens belong to.
#[derive(Clone, Copy)]
pub(super) enum Family<'a> {
    /// A code's or refresh token's family: a replay may revoke it while we issue.
    Existing(&'a str),
    /// A family that starts with this request (password, client_credentials).
    New,
}

/// A lifetime: the client's own, else the deployment's; 0 means never expires.
pub(super) fn lifetime(client_ttl: Option<i64>, default: i64) -> Option<i64> {
    match client_ttl.unwrap_or(default) {
        0 => None,
        s => Some(s),
    }
}

/// Writes a new access token (and a refresh token when the client has that grant
/// and `with_refresh`), all or nothing.
pub(super) async fn issue(
    state: &State,
    client: &Client,
    family: Family<'_>,
    grant: Grant,
    with_refresh: bool,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let family_id = match family {
        Family::Existing(id) => id.to_string(),
        Family::New => crypto::random_id(),
    };
    let access = crypto::random_token();
    let access_ttl = lifetime(client.access_ttl, state.config.access_ttl);
    let at = TokenItem {
        pk: store::access_key(&access),
        client_id: client.client_id.clone(),
        family: family_id,
        grant,
        iat: now,
        expires_at: access_ttl.map(|t| now + t),
        used_at: None,
    };
    let refresh =
        (with_refresh && client.allows_grant(GrantType::RefreshToken)).then(crypto::random_token);
    let rt = refresh.as_ref().map(|r| TokenItem {
        pk: store::refresh_key(r),
        expires_at: lifetime(client.refresh_ttl, state.config.refresh_ttl).map(|t| now + t),
        ..at.clone()
    });
    let written = match family {
        Family::Existing(_) => state.store.put_tokens(&at, rt.as_ref()).await,
        Family::New => state.store.put_new_family_tokens(&at, rt.as_ref()).await,
    };
    match written {
        Ok(()) => {}
        // A replay of this grant's code or refresh token revoked the family while
        // this request, which consumed it first, was in flight. Linearised, this
        // issuance came before that revocation: the response stands, and the tokens
        // are revoked with the family, so they are never stored.
        Err(StoreError::AlreadyExists) if matches!(family, Family::Existing(_)) => {
            tracing::warn!(client_id = %client.client_id, "tokens issued into a family revoked meanwhile: not stored");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in: access_ttl,
        refresh_token: refresh,
        scope: scope::join(&at.grant.scope),
        username: at.grant.username,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_lifetime_means_never_expires() {
        assert_eq!(lifetime(Some(0), 3600), None);
        assert_eq!(lifetime(None, 3600), Some(3600));
        assert_eq!(lifetime(Some(31536000), 3600), Some(31536000));
        assert_eq!(lifetime(None, 0), None, "a deployment default of 0 too");
    }
}
