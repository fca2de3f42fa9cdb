//! Finding a presented token for revocation and introspection: the client is
//! authenticated like at the token endpoint, and the token's grant item is read
//! in parallel with the client (one round trip). A token from before grant
//! items is looked up as an access and as a refresh token instead.

use crate::client_auth::{authenticate, ClientCredentials};
use crate::credential::{self, Shape};
use crate::error::OAuthError;
use crate::grant;
use crate::jwt;
use crate::params::Params;
use crate::state::State;
use crate::store::{Client, GrantItem, TokenItem};

/// What a presented token turned out to be: live, or `None`.
pub enum Found {
    /// A live access token of this grant, with its stored digest.
    Access(GrantItem, String),
    /// The live refresh token of this grant, with its stored digest.
    Refresh(GrantItem, String),
    LegacyAccess(TokenItem),
    LegacyRefresh(TokenItem),
    None,
}

impl Found {
    /// The client the token was issued to.
    pub fn client_id(&self) -> Option<&str> {
        match self {
            Found::Access(g, _) | Found::Refresh(g, _) => Some(&g.client_id),
            Found::LegacyAccess(t) | Found::LegacyRefresh(t) => Some(&t.client_id),
            Found::None => None,
        }
    }
}

/// The authenticated client and what its `token` parameter names.
pub async fn lookup(
    state: &State,
    params: &Params,
    creds: &ClientCredentials,
    now: i64,
) -> Result<(Client, Found), OAuthError> {
    let token = params.require("token")?;
    let store = &state.store;
    // A JWT access token is found by its `jti`, once its signature checks out.
    let id = match credential::shape(token) {
        Shape::Jwt => jwt::access_token_jti(state, token, now).await?,
        _ => Some(token.to_string()),
    };
    let (client, found) = match id.as_deref().map(credential::shape) {
        Some(Shape::Bound { grant_id }) => {
            let (client, item) = tokio::join!(
                store.get_client(&creds.client_id),
                store.get_grant(grant_id)
            );
            let hash = id.as_deref().map(credential::digest).unwrap_or_default();
            let found = match item? {
                Some(g) if grant::live_access(&g, &hash, now).is_some() => Found::Access(g, hash),
                Some(g) if grant::live_refresh(&g, &hash, now).is_some() => Found::Refresh(g, hash),
                _ => Found::None,
            };
            (client, found)
        }
        Some(Shape::Legacy) => {
            let (client, at, rt) = tokio::join!(
                store.get_client(&creds.client_id),
                store.get_legacy_access(token, now),
                store.get_legacy_refresh(token, now)
            );
            let found = pick_legacy(params.get("token_type_hint"), at?, rt?);
            (client, found)
        }
        _ => (store.get_client(&creds.client_id).await, Found::None),
    };
    let client = authenticate(client?.as_ref(), creds)?.clone();
    Ok((client, found))
}

/// The hint only orders the search (RFC 7009 §2.1, RFC 7662 §2.1); both types
/// are looked up anyway, and an unknown hint is ignored. A used legacy refresh
/// token is no longer live.
fn pick_legacy(hint: Option<&str>, at: Option<TokenItem>, rt: Option<TokenItem>) -> Found {
    let rt = rt.filter(|t| t.used_at.is_none());
    match (hint, at, rt) {
        (Some("refresh_token"), _, Some(rt)) => Found::LegacyRefresh(rt),
        (_, Some(at), _) => Found::LegacyAccess(at),
        (_, None, Some(rt)) => Found::LegacyRefresh(rt),
        _ => Found::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Grant;

    fn item(pk: &str, used: bool) -> TokenItem {
        TokenItem {
            pk: pk.into(),
            client_id: "c".into(),
            family: "f".into(),
            grant: Grant::default(),
            iat: 0,
            expires_at: None,
            used_at: used.then_some(1),
        }
    }

    #[test]
    fn the_hint_orders_the_search_and_an_unknown_hint_is_ignored() {
        let both = || (Some(item("at", false)), Some(item("rt", false)));
        let (a, r) = both();
        assert!(matches!(
            pick_legacy(Some("refresh_token"), a, r),
            Found::LegacyRefresh(_)
        ));
        let (a, r) = both();
        assert!(matches!(
            pick_legacy(Some("id_token"), a, r),
            Found::LegacyAccess(_)
        ));
        let rt = Some(item("rt", false));
        assert!(matches!(
            pick_legacy(Some("access_token"), None, rt),
            Found::LegacyRefresh(_)
        ));
        assert!(matches!(pick_legacy(None, None, None), Found::None));
        assert!(matches!(
            pick_legacy(None, None, Some(item("rt", true))),
            Found::None
        ));
    }
}
