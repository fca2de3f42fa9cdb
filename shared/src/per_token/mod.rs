//! Credentials issued before authorization items (docs/architecture.md,
//! "Upgrading from per-token items"): codes, access and refresh tokens that
//! each had an item of their own (`code#…`, `at#…`, `rt#…`, found through
//! the `family-index` GSI). They keep working until they expire.
//!
//! Everything that exists only for them is here and in `store/per_token.rs`:
//! once the longest refresh-token lifetime has passed since the upgrade, both
//! go in one step, with the `family-index` GSI and the `Shape::PerToken` arms
//! that call in here.
//!
//! - [`redeem`]: a code or refresh token redeemed as it always was, its family
//!   continuing as an authorization of the same id;
//! - reading an access or refresh token (userinfo, introspection, revocation).

pub mod redeem;

use crate::error::StoreError;
use crate::state::State;
use crate::store::{Granted, TokenItem};

/// Whether an authorization id is a per-token family's (128 bits as 32 hex
/// digits): a redeemed per-token code or refresh token continues its family
/// as the authorization of that id, and the family may still have items.
pub fn is_family(id: &str) -> bool {
    crate::credential::is_per_token_family(id)
}

/// What a per-token value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Access,
    Refresh,
}

/// A live per-token access or refresh token.
#[derive(Debug, Clone)]
pub struct Token {
    pub item: TokenItem,
    pub kind: Kind,
}

/// The live token a value is. The hint only orders the search (RFC 7009
/// §2.1, RFC 7662 §2.1): both kinds are looked up (in parallel), and an
/// unknown hint is ignored. A used refresh token is no longer live.
pub async fn lookup(
    state: &State,
    value: &str,
    hint: Option<&str>,
    now: i64,
) -> Result<Option<Token>, StoreError> {
    let store = &state.store;
    let (at, rt) = tokio::join!(
        store.get_per_token_access(value, now),
        store.get_per_token_refresh(value, now)
    );
    Ok(pick(hint, at?, rt?))
}

fn pick(hint: Option<&str>, at: Option<TokenItem>, rt: Option<TokenItem>) -> Option<Token> {
    let rt = rt.filter(|t| t.used_at.is_none());
    let (item, kind) = match (hint, at, rt) {
        (Some("refresh_token"), _, Some(rt)) => (rt, Kind::Refresh),
        (_, Some(at), _) => (at, Kind::Access),
        (_, None, Some(rt)) => (rt, Kind::Refresh),
        _ => return None,
    };
    Some(Token { item, kind })
}

/// What a live per-token access token grants (userinfo), unless its family
/// was revoked since (a second read, for these tokens only).
pub async fn access_granted(
    state: &State,
    value: &str,
    now: i64,
) -> Result<Option<Granted>, StoreError> {
    let store = &state.store;
    let Some(item) = store.get_per_token_access(value, now).await? else {
        return Ok(None);
    };
    Ok(match store.get_authorization(&item.family).await? {
        Some(g) if g.revoked_at.is_some() => None,
        _ => Some(item.granted),
    })
}

/// Revokes a per-token access token (itself only, RFC 7009 §2.1).
pub async fn delete_access(state: &State, value: &str) -> Result<(), StoreError> {
    state.store.delete_per_token_access(value).await
}

/// Deletes what is left of a revoked family's per-token items.
pub async fn delete_family(state: &State, family: &str) -> Result<(), StoreError> {
    let deleted = state.store.delete_per_token_family(family).await?;
    tracing::info!(deleted, "per-token items of a revoked family deleted");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(pk: &str, used: bool) -> TokenItem {
        TokenItem {
            pk: pk.into(),
            client_id: "c".into(),
            family: "f".into(),
            granted: Granted::default(),
            iat: 0,
            expires_at: None,
            used_at: used.then_some(1),
        }
    }

    fn kind(t: Option<Token>) -> Option<Kind> {
        t.map(|t| t.kind)
    }

    #[test]
    fn the_hint_orders_the_search_and_an_unknown_hint_is_ignored() {
        let both = || (Some(item("at", false)), Some(item("rt", false)));
        let (a, r) = both();
        assert_eq!(kind(pick(Some("refresh_token"), a, r)), Some(Kind::Refresh));
        let (a, r) = both();
        assert_eq!(kind(pick(Some("id_token"), a, r)), Some(Kind::Access));
        let rt = Some(item("rt", false));
        assert_eq!(
            kind(pick(Some("access_token"), None, rt)),
            Some(Kind::Refresh)
        );
        assert_eq!(kind(pick(None, None, None)), None);
        assert_eq!(kind(pick(None, None, Some(item("rt", true)))), None);
    }
}
