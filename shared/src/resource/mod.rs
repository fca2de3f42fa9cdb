//! Resource indicators (RFC 8707): which resources a request may name — at
//! the authorization endpoint (§2.1) and at the token endpoint (§2.2) — and
//! the audience of the access tokens issued for them (RFC 9068 §3). The one
//! home of the rule.
//!
//! A resource is one the client registered (`oauthctl client --resource`),
//! or a resource server the operator registered for everyone (`oauthctl
//! resource create`, [`Registered`]): a token for one of those carries it as
//! its only audience, in its format and lifetime, with only its scopes.

use crate::error::{ErrorCode, OAuthError, StoreError};
use crate::params::Params;
use crate::state::State;
use crate::store::{AccessTokenFormat, Client, Resource};
use std::sync::Arc;

pub mod registered;
pub use registered::Registered;

/// The registered resources a request may need: none (and no read) when every
/// resource it names is the client's own.
pub async fn registered_for(
    state: &State,
    client: Option<&Client>,
    named: &[&str],
) -> Result<Arc<[Resource]>, StoreError> {
    let own = |r: &&str| client.is_some_and(|c| c.resources.iter().any(|o| o == r));
    if named.iter().all(own) {
        return Ok(Arc::from(Vec::new()));
    }
    state.resources.load(&state.store).await
}

/// The scopes the registered resources among `asked` define: any client may
/// ask for them with their resource.
pub fn scopes_of(asked: &[String], registered: &[Resource]) -> Vec<String> {
    let mut scopes = Vec::new();
    for r in registered.iter().filter(|r| asked.contains(&r.uri)) {
        for s in &r.scopes {
            if !scopes.contains(s) {
                scopes.push(s.clone());
            }
        }
    }
    scopes
}

fn is_absolute_without_fragment(uri: &str) -> bool {
    matches!(url::Url::parse(uri), Ok(u) if u.fragment().is_none())
}

/// The resources an authorization request asks for (§2): each an absolute URI
/// without a fragment, and one the client registered or a registered
/// resource server. `Err`: the description of the `invalid_target` sent back
/// to the client.
pub fn at_authorization(
    params: &Params,
    client: &Client,
    registered: &[Resource],
) -> Result<Vec<String>, &'static str> {
    let asked = params.get_all("resource");
    if asked.iter().any(|r| !is_absolute_without_fragment(r)) {
        return Err("resource must be an absolute URI without a fragment");
    }
    let known = |r: &&str| {
        client.resources.iter().any(|c| c == r) || registered.iter().any(|g| g.uri == *r)
    };
    if !asked.iter().all(known) {
        return Err("the resource is not registered");
    }
    Ok(asked.into_iter().map(str::to_string).collect())
}

/// The resources a direct grant (password, client credentials) asks for.
pub fn asked(params: &Params) -> Vec<String> {
    params
        .get_all("resource")
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The audience of an access token, and the registered resource it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Audience {
    pub aud: Vec<String>,
    /// A registered resource server: the token is in its format, lifetime
    /// and scopes.
    pub registered: Option<Resource>,
}

/// The access token's audience (§2.2, RFC 9068 §3):
/// - the `resource`s the token request names, which must be among those
///   granted (or, for a grant without any, the client's registered ones or
///   the registered resource servers);
/// - else those granted at authorization;
/// - else one value: the client's default resource, else the deployment's
///   `DEFAULT_AUDIENCE` — never every resource the client registered.
///
/// A registered resource server is named alone, and is then the token's only
/// audience. Otherwise the issuer is among the audiences too when the
/// authorization is an OpenID Connect one (its access token is for userinfo
/// as well), or when an opaque token was asked for no resource at all (the
/// legacy APIs' clients call userinfo with it). A token for an API alone is
/// refused at userinfo.
pub fn audience(
    state: &State,
    client: &Client,
    scope: &[String],
    granted: &[String],
    params: &Params,
    registered: &[Resource],
) -> Result<Audience, OAuthError> {
    let asked = params.get_all("resource");
    let allowed = |r: &str| {
        if granted.is_empty() {
            client.resources.iter().any(|c| c == r) || registered.iter().any(|g| g.uri == r)
        } else {
            granted.iter().any(|g| g == r)
        }
    };
    if asked.iter().any(|r| !allowed(r)) {
        return Err(OAuthError::new(
            ErrorCode::InvalidTarget,
            "a requested resource is not granted to this client",
        ));
    }
    let nothing_asked = asked.is_empty() && granted.is_empty();
    let mut aud: Vec<String> = if !asked.is_empty() {
        asked.into_iter().map(str::to_string).collect()
    } else if !granted.is_empty() {
        granted.to_vec()
    } else {
        vec![client
            .default_resource
            .clone()
            .unwrap_or_else(|| state.config.default_audience.clone())]
    };
    let server = registered
        .iter()
        .find(|r| aud.contains(&r.uri) && !client.resources.contains(&r.uri));
    if let Some(server) = server {
        if aud.len() > 1 {
            return Err(OAuthError::new(
                ErrorCode::InvalidTarget,
                "a registered resource server is asked for alone, one per token",
            ));
        }
        return Ok(Audience {
            aud,
            registered: Some(server.clone()),
        });
    }
    let issuer = &state.config.issuer;
    let for_userinfo = crate::oidc::is_oidc(scope)
        || (nothing_asked && client.access_token_format == AccessTokenFormat::Opaque);
    if for_userinfo && !aud.contains(issuer) {
        aud.push(issuer.clone());
    }
    Ok(Audience {
        aud,
        registered: None,
    })
}

/// The access token's scope for its audience: a registered resource
/// server's tokens carry only the scopes it defines.
pub fn token_scope(scope: &[String], audience: &Audience) -> Vec<String> {
    match &audience.registered {
        Some(r) => scope
            .iter()
            .filter(|s| r.scopes.contains(s))
            .cloned()
            .collect(),
        None => scope.to_vec(),
    }
}

/// A JSON claim of one audience as a string, of several as an array (RFC 7519 §4.1.3).
pub fn aud_claim(audience: &[String]) -> serde_json::Value {
    match audience {
        [one] => serde_json::json!(one),
        many => serde_json::json!(many),
    }
}

/// Whether an access token of this audience may be used at userinfo: the
/// issuer (or the userinfo endpoint itself) is among its audiences. Tokens
/// issued before audiences were kept (`aud` empty) keep working.
pub fn for_userinfo(state: &State, aud: &[String]) -> bool {
    let issuer = &state.config.issuer;
    let endpoint = format!("{issuer}{}", crate::paths::USERINFO_PATH);
    aud.is_empty() || aud.iter().any(|a| a == issuer || *a == endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::models::test_client;

    async fn state() -> State {
        let store = crate::store::Store::with_endpoint("t", "http://127.0.0.1:9").await;
        let mut config = crate::Config::new("t", "https://op.example");
        config.default_audience = "https://default.example".into();
        State::new(config, store)
    }

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test]
    async fn f2_without_a_resource_asked_the_audience_is_one_value_not_every_registered_resource() {
        let st = state().await;
        let mut c = test_client(false, &[]);
        c.access_token_format = AccessTokenFormat::Jwt;
        c.resources = strings(&["https://a.example", "https://b.example"]);
        let none = Params::parse("", b"").unwrap();
        let read = strings(&["read"]);
        assert_eq!(
            audience(&st, &c, &read, &[], &none, &[]).unwrap().aud,
            ["https://default.example"]
        );
        c.default_resource = Some("https://b.example".into());
        assert_eq!(
            audience(&st, &c, &read, &[], &none, &[]).unwrap().aud,
            ["https://b.example"]
        );
        let a = Params::parse("", b"resource=https%3A%2F%2Fa.example").unwrap();
        assert_eq!(
            audience(&st, &c, &read, &[], &a, &[]).unwrap().aud,
            ["https://a.example"]
        );
        let granted = strings(&["https://a.example", "https://b.example"]);
        assert_eq!(
            audience(&st, &c, &read, &granted, &a, &[]).unwrap().aud,
            ["https://a.example"],
            "narrowed to what the token request names"
        );
        let other = Params::parse("", b"resource=https%3A%2F%2Fc.example").unwrap();
        let e = audience(&st, &c, &read, &granted, &other, &[]).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidTarget);
        assert!(!e.description.contains("c.example"), "no echo");
    }

    #[test]
    fn one_audience_is_a_string_several_an_array() {
        assert_eq!(aud_claim(&strings(&["a"])), serde_json::json!("a"));
        assert_eq!(
            aud_claim(&strings(&["a", "b"])),
            serde_json::json!(["a", "b"])
        );
    }

    #[tokio::test]
    async fn f2_an_openid_authorization_or_a_legacy_opaque_token_carries_the_issuer() {
        let st = state().await;
        let mut c = test_client(false, &[]);
        c.resources = strings(&["https://a.example"]);
        let none = Params::parse("", b"").unwrap();
        let a = Params::parse("", b"resource=https%3A%2F%2Fa.example").unwrap();
        let openid = strings(&["openid"]);
        let read = strings(&["read"]);
        assert_eq!(
            audience(&st, &c, &openid, &[], &a, &[]).unwrap().aud,
            ["https://a.example", "https://op.example"]
        );
        assert_eq!(
            audience(&st, &c, &read, &[], &a, &[]).unwrap().aud,
            ["https://a.example"]
        );
        assert_eq!(
            audience(&st, &c, &read, &[], &none, &[]).unwrap().aud,
            ["https://default.example", "https://op.example"],
            "an opaque token asked for no resource: the legacy APIs' userinfo"
        );
        assert!(for_userinfo(&st, &strings(&["https://op.example"])));
        assert!(for_userinfo(
            &st,
            &strings(&["https://op.example/oauth/userinfo"])
        ));
        assert!(!for_userinfo(&st, &strings(&["https://a.example"])));
    }

    #[test]
    fn resources_must_be_registered_absolute_uris() {
        let mut c = test_client(false, &[]);
        c.resources = vec!["https://api.example".into()];
        let p = |q: &str| Params::parse(q, b"").unwrap();
        assert_eq!(
            at_authorization(&p("resource=https%3A%2F%2Fapi.example"), &c, &[]).unwrap(),
            ["https://api.example"]
        );
        for r in [
            "https%3A%2F%2Fother.example",
            "relative",
            "https%3A%2F%2Fapi.example%23f",
        ] {
            assert!(
                at_authorization(&p(&format!("resource={r}")), &c, &[]).is_err(),
                "{r}"
            );
        }
    }
}
