//! Finding a presented token for revocation and introspection: the client is
//! authenticated like at the token endpoint, and the token is looked up as an
//! access and as a refresh token in parallel with the client (one round trip).

use crate::client_auth::{authenticate, ClientCredentials};
use crate::error::OAuthError;
use crate::params::Params;
use crate::state::State;
use crate::store::{Client, TokenItem};

/// What a presented token turned out to be.
pub enum Found {
    Access(TokenItem),
    Refresh(TokenItem),
    None,
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
    let (client, at, rt) = tokio::join!(
        store.get_client(&creds.client_id),
        store.get_access_token(token, now),
        store.get_refresh_token(token, now)
    );
    let client = authenticate(client?.as_ref(), creds)?.clone();
    let (at, rt) = (at?, rt?);
    Ok((client, pick(params.get("token_type_hint"), at, rt)))
}

/// The hint only orders the search (RFC 7009 §2.1, RFC 7662 §2.1); both types
/// are looked up anyway, and an unknown hint is ignored.
fn pick(hint: Option<&str>, at: Option<TokenItem>, rt: Option<TokenItem>) -> Found {
    match (hint, at, rt) {
        (Some("refresh_token"), _, Some(rt)) => Found::Refresh(rt),
        (_, Some(at), _) => Found::Access(at),
        (_, None, Some(rt)) => Found::Refresh(rt),
        _ => Found::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Grant;

    fn item(pk: &str) -> TokenItem {
        TokenItem {
            pk: pk.into(),
            client_id: "c".into(),
            family: "f".into(),
            grant: Grant::default(),
            iat: 0,
            expires_at: None,
            used_at: None,
        }
    }

    #[test]
    fn the_hint_orders_the_search_and_an_unknown_hint_is_ignored() {
        let both = || (Some(item("at")), Some(item("rt")));
        let (a, r) = both();
        assert!(matches!(
            pick(Some("refresh_token"), a, r),
            Found::Refresh(_)
        ));
        let (a, r) = both();
        assert!(matches!(pick(Some("id_token"), a, r), Found::Access(_)));
        assert!(matches!(
            pick(Some("access_token"), None, Some(item("rt"))),
            Found::Refresh(_)
        ));
        assert!(matches!(pick(None, None, None), Found::None));
    }
}
