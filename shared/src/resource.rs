//! Resource indicators (RFC 8707): which resources a request may name — at
//! the authorization endpoint (§2.1) and at the token endpoint (§2.2) — and
//! the audience of the access tokens issued for them (RFC 9068 §3). The one
//! home of the rule.

use crate::error::{ErrorCode, OAuthError};
use crate::params::Params;
use crate::state::State;
use crate::store::Client;

fn is_absolute_without_fragment(uri: &str) -> bool {
    matches!(url::Url::parse(uri), Ok(u) if u.fragment().is_none())
}

/// The resources an authorization request asks for (§2): each an absolute URI
/// without a fragment, and one the client registered. `Err`: the description
/// of the `invalid_target` sent back to the client.
pub fn at_authorization(params: &Params, client: &Client) -> Result<Vec<String>, &'static str> {
    let asked = params.get_all("resource");
    if asked.iter().any(|r| !is_absolute_without_fragment(r)) {
        return Err("resource must be an absolute URI without a fragment");
    }
    if asked
        .iter()
        .any(|r| !client.resources.iter().any(|c| c == r))
    {
        return Err("a resource is not registered for this client");
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

/// The access token's audience (§2.2, RFC 9068 §3): the `resource`s the token
/// request names, which must be among those granted (or, for a grant without
/// any, the client's); without one, what was granted, else every resource the
/// client registered, else the deployment's default audience.
pub fn audience(
    state: &State,
    client: &Client,
    granted: &[String],
    params: &Params,
) -> Result<Vec<String>, OAuthError> {
    let asked = params.get_all("resource");
    let allowed = if granted.is_empty() {
        &client.resources
    } else {
        granted
    };
    if let Some(bad) = asked.iter().find(|r| !allowed.iter().any(|a| a == *r)) {
        return Err(OAuthError::new(
            ErrorCode::InvalidTarget,
            format!(
                "resource {} is not granted to this client",
                bad.chars().take(200).collect::<String>()
            ),
        ));
    }
    Ok(if !asked.is_empty() {
        asked.into_iter().map(str::to_string).collect()
    } else if !granted.is_empty() {
        granted.to_vec()
    } else if !client.resources.is_empty() {
        client.resources.clone()
    } else {
        vec![state.config.default_audience.clone()]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::models::test_client;

    #[test]
    fn resources_must_be_registered_absolute_uris() {
        let mut c = test_client(false, &[]);
        c.resources = vec!["https://api.example".into()];
        let p = |q: &str| Params::parse(q, b"").unwrap();
        assert_eq!(
            at_authorization(&p("resource=https%3A%2F%2Fapi.example"), &c).unwrap(),
            ["https://api.example"]
        );
        for r in [
            "https%3A%2F%2Fother.example",
            "relative",
            "https%3A%2F%2Fapi.example%23f",
        ] {
            assert!(
                at_authorization(&p(&format!("resource={r}")), &c).is_err(),
                "{r}"
            );
        }
    }
}
