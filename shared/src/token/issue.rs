//! Minting a grant step's tokens and the response (RFC 6749 §5.1). The tokens
//! are written by the caller, as part of the grant item's new state.

use super::GrantType;
use crate::credential;
use crate::grant::Issued;
use crate::scope;
use crate::state::State;
use crate::store::{AccessSlot, Client, Grant, RefreshSlot};
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

/// A lifetime: the client's own, else the deployment's; 0 means never expires.
pub(super) fn lifetime(client_ttl: Option<i64>, default: i64) -> Option<i64> {
    match client_ttl.unwrap_or(default) {
        0 => None,
        s => Some(s),
    }
}

/// When a grant made now must end (no refresh after it): the client's maximum
/// grant lifetime, else the deployment's; 0 means never.
pub(super) fn grant_end(state: &State, client: &Client, now: i64) -> Option<i64> {
    lifetime(client.max_grant_ttl, state.config.max_grant_ttl).map(|t| now + t)
}

/// What a grant step issues: its stored form and the response.
pub(super) struct Minted {
    pub issued: Issued,
    pub response: TokenResponse,
}

/// What the new tokens are for.
pub(super) struct Request<'a> {
    pub grant_id: &'a str,
    pub grant: &'a Grant,
    /// The access token's scope: the grant's, or narrower on a refresh.
    pub scope: &'a [String],
    /// Whether a refresh token comes too (when the client has that grant).
    pub with_refresh: bool,
    /// The grant's end, which no refresh token outlives.
    pub ends_at: Option<i64>,
}

/// New tokens for a grant step.
pub(super) fn mint(state: &State, client: &Client, req: Request<'_>, now: i64) -> Minted {
    let access = credential::mint(req.grant_id);
    let access_ttl = lifetime(client.access_ttl, state.config.access_ttl);
    let narrowed = req.scope != req.grant.scope.as_slice();
    let access_slot = AccessSlot {
        hash: credential::digest(&access),
        iat: now,
        exp: access_ttl.map(|t| now + t),
        scope: narrowed.then(|| req.scope.to_vec()),
    };
    let refresh = (req.with_refresh && client.allows_grant(GrantType::RefreshToken))
        .then(|| credential::mint(req.grant_id));
    let refresh_slot = refresh.as_ref().map(|r| {
        let exp = lifetime(client.refresh_ttl, state.config.refresh_ttl).map(|t| now + t);
        RefreshSlot {
            hash: credential::digest(r),
            exp: match (exp, req.ends_at) {
                (Some(e), Some(end)) => Some(e.min(end)),
                (e, end) => e.or(end),
            },
        }
    });
    Minted {
        issued: Issued {
            access: access_slot,
            refresh: refresh_slot,
        },
        response: TokenResponse {
            access_token: access,
            token_type: "Bearer",
            expires_in: access_ttl,
            refresh_token: refresh,
            scope: scope::join(req.scope),
            username: req.grant.username.clone(),
        },
    }
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
