//! RFC 6749 §4.1.3 with RFC 7636 (PKCE) and RFC 9700 §4.14 (a replayed code
//! revokes its authorization).

use super::issue::{grant_end, IdToken, TokenResponse};
use super::redeem::{read, redeem, Issue, Use, CODE_INVALID, CODE_REPLAYED};
use super::request::TokenRequest;
use crate::authorization::{self, CodeUse};
use crate::credential;
use crate::error::OAuthError;
use crate::grant_type::GrantType;
use crate::oidc::{self, OFFLINE_ACCESS};
use crate::params::Params;
use crate::pkce;
use crate::state::State;
use crate::store::{Authorization, Client, Granted};

pub(super) async fn exchange(
    state: &State,
    req: &TokenRequest<'_>,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let (code, client, item) = read(
        state,
        req,
        "code",
        GrantType::AuthorizationCode,
        CODE_INVALID,
    )
    .await?;
    // The grant's maximum lifetime counts from the authorization.
    let ends_at = grant_end(state, &client, item.created_at);
    let issue = issue(&item.granted, ends_at);
    let hash = credential::digest(code);
    let check = |current: &Authorization| check(current, &hash, &client, req.params, now);
    let next = |current: &Authorization, issued: &authorization::Issued| {
        authorization::redeem_code(current, issued.clone(), ends_at, now)
    };
    redeem(
        state,
        req,
        &client,
        item,
        issue,
        CODE_REPLAYED,
        now,
        check,
        next,
    )
    .await
}

/// What a code's redemption issues: an ID token for an OpenID Connect grant,
/// and a refresh token — for one, only with offline access (Core §11).
fn issue(granted: &Granted, ends_at: Option<i64>) -> Issue {
    let is_oidc = oidc::is_oidc(&granted.scope);
    Issue {
        scope: granted.scope.clone(),
        with_refresh: !is_oidc || granted.scope.iter().any(|s| s == OFFLINE_ACCESS),
        ends_at,
        id_token: if is_oidc {
            IdToken::ForCode
        } else {
            IdToken::No
        },
    }
}

/// What presenting this code (its hash) with these parameters comes to.
fn check(
    item: &Authorization,
    hash: &str,
    client: &Client,
    params: &Params,
    now: i64,
) -> Result<Use, OAuthError> {
    match authorization::code_use(item, hash, &client.client_id, now) {
        CodeUse::Fresh(code) => {
            authorization::check_redirect_uri(client, code, params.get("redirect_uri"))?;
            pkce::verify(
                client,
                code.challenge.as_deref(),
                params.get("code_verifier"),
            )?;
            Ok(Use::Redeem)
        }
        CodeUse::Replayed => Ok(Use::Replay),
        CodeUse::Invalid => Err(OAuthError::invalid_grant(CODE_INVALID)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorization::test_code;
    use crate::store::models::test_client;

    const NOW: i64 = 1_000;
    const CB: &str = "https://a.example/cb";

    fn code_item(challenge: Option<&str>) -> Authorization {
        test_code("h", challenge, NOW)
    }

    fn params(q: &str) -> Params {
        Params::parse("", q.as_bytes()).unwrap()
    }

    #[test]
    fn a_fresh_code_redeems_with_its_redirect_uri_and_verifier_only() {
        let c = test_client(false, &[CB, "https://a.example/other"]);
        let item = code_item(None);
        let ok = params("redirect_uri=https%3A%2F%2Fa.example%2Fcb");
        assert_eq!(check(&item, "h", &c, &ok, NOW).unwrap(), Use::Redeem);
        let other = params("redirect_uri=https%3A%2F%2Fa.example%2Fother");
        let e = check(&item, "h", &c, &other, NOW).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_grant");
        let e = check(&code_item(Some("x")), "h", &c, &ok, NOW).unwrap_err();
        assert!(e.description.contains("code_verifier"), "{}", e.description);
        let e = check(&item, "guess", &c, &ok, NOW).unwrap_err();
        assert_eq!(e.description, CODE_INVALID);
    }

    #[test]
    fn a_used_code_is_a_replay_and_another_clients_is_invalid() {
        let c = test_client(false, &[CB]);
        let mut used = code_item(None);
        used.code.as_mut().unwrap().used_at = Some(NOW);
        assert_eq!(
            check(&used, "h", &c, &params(""), NOW).unwrap(),
            Use::Replay
        );
        let mut other = test_client(false, &[CB]);
        other.client_id = "other".into();
        assert!(check(&code_item(None), "h", &other, &params(""), NOW).is_err());
    }

    #[test]
    fn an_openid_code_gets_an_id_token_and_a_refresh_token_only_with_offline_access() {
        let granted = |scope: &[&str]| Granted {
            scope: scope.iter().map(|s| s.to_string()).collect(),
            ..Granted::default()
        };
        let i = issue(&granted(&["read"]), None);
        assert!(i.with_refresh && i.id_token == IdToken::No);
        let i = issue(&granted(&["openid"]), Some(5));
        assert!(!i.with_refresh && i.id_token == IdToken::ForCode && i.ends_at == Some(5));
        assert!(issue(&granted(&["openid", "offline_access"]), None).with_refresh);
    }
}
