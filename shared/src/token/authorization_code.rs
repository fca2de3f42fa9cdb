//! RFC 6749 §4.1.3 with RFC 7636 (PKCE) and RFC 9700 §4.14 (a replayed code
//! revokes its grant).

use super::issue::{grant_end, IdToken, TokenResponse};
use super::redeem::{mint_and_commit, read, Issue, Step};
use super::{legacy, GrantType, TokenRequest};
use crate::credential;
use crate::crypto;
use crate::error::OAuthError;
use crate::grant::{self, CodeUse, Issued};
use crate::oidc::{self, OFFLINE_ACCESS};
use crate::state::State;
use crate::store::{Client, CodeState, GrantItem};

const INVALID: &str = "the authorization code is invalid, expired or was issued to another client";
pub(super) const REPLAYED: &str =
    "the authorization code has already been used; every token issued from it is revoked";

pub(super) async fn grant(
    state: &State,
    req: &TokenRequest<'_>,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let code = req.params.require("code")?;
    let Some((grant_id, client, item)) =
        read(state, req, code, GrantType::AuthorizationCode, INVALID).await?
    else {
        return legacy::authorization_code(state, req, code, now).await;
    };
    // The grant's maximum lifetime counts from the authorization.
    let ends_at = grant_end(state, &client, item.created_at);
    let is_oidc = oidc::is_oidc(&item.grant.scope);
    let issue = Issue {
        scope: item.grant.scope.clone(),
        // OpenID Connect Core §11: a refresh token only with offline access.
        with_refresh: !is_oidc || item.grant.scope.iter().any(|s| s == OFFLINE_ACCESS),
        ends_at,
        id_token: if is_oidc {
            IdToken::ForCode
        } else {
            IdToken::No
        },
    };
    let hash = credential::digest(code);
    let decide = |current: &GrantItem, issued: &Issued| match grant::code_use(
        current,
        &hash,
        &client.client_id,
        now,
    ) {
        CodeUse::Fresh(code) => {
            check_redirect_uri(&client, code, req.params.get("redirect_uri"))?;
            check_pkce(&client, code, req.params.get("code_verifier"))?;
            let next = grant::redeem_code(current, issued.clone(), ends_at, now);
            Ok(Step::Write(Box::new(next)))
        }
        CodeUse::Replayed => Ok(Step::Replay),
        CodeUse::Invalid => Err(OAuthError::invalid_grant(INVALID)),
    };
    mint_and_commit(
        state, req, &client, grant_id, item, issue, REPLAYED, now, decide,
    )
    .await
}

/// RFC 6749 §4.1.3: `redirect_uri` must be the authorization request's. Cobot's
/// clients omit it (docs/compatibility.md); that is accepted only when the
/// client has a single registered URI, so the value is unambiguous.
pub(super) fn check_redirect_uri(
    client: &Client,
    code: &CodeState,
    sent: Option<&str>,
) -> Result<(), OAuthError> {
    match sent {
        Some(uri) if uri != code.redirect_uri => Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request",
        )),
        Some(_) => Ok(()),
        None if code.redirect_uri_given && client.redirect_uris.len() != 1 => {
            Err(OAuthError::invalid_request(
                "redirect_uri is required: it was part of the authorization request",
            ))
        }
        None => Ok(()),
    }
}

/// RFC 7636 §4.6: the verifier must hash to the code's challenge (S256 only);
/// public clients must have used PKCE.
pub(super) fn check_pkce(
    client: &Client,
    code: &CodeState,
    verifier: Option<&str>,
) -> Result<(), OAuthError> {
    match (&code.challenge, verifier) {
        (Some(challenge), Some(verifier)) => {
            if crypto::is_valid_pkce_value(verifier)
                && crypto::pkce_s256_matches(verifier, challenge)
            {
                Ok(())
            } else {
                Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge",
                ))
            }
        }
        (Some(_), None) => Err(OAuthError::invalid_grant(
            "code_verifier is required (PKCE)",
        )),
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "code_verifier sent, but the authorization request had no code_challenge",
        )),
        (None, None) if client.is_public() => {
            Err(OAuthError::invalid_grant("public clients must use PKCE"))
        }
        (None, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::models::test_client;

    fn code(challenge: Option<&str>, given: bool) -> CodeState {
        CodeState {
            hash: "h".into(),
            expires_at: 0,
            used_at: None,
            redirect_uri: "https://a.example/cb".into(),
            redirect_uri_given: given,
            challenge: challenge.map(str::to_string),
        }
    }

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_redirect_uri_must_match_when_sent() {
        let c = test_client(false, &["https://a.example/cb", "https://a.example/other"]);
        let item = code(None, true);
        assert!(check_redirect_uri(&c, &item, Some("https://a.example/cb")).is_ok());
        let e = check_redirect_uri(&c, &item, Some("https://a.example/other")).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_grant");
    }

    #[test]
    fn an_omitted_redirect_uri_is_accepted_only_when_unambiguous() {
        let item = code(None, true);
        let one = test_client(false, &["https://a.example/cb"]);
        assert!(check_redirect_uri(&one, &item, None).is_ok());
        let two = test_client(false, &["https://a.example/cb", "https://a.example/x"]);
        let e = check_redirect_uri(&two, &item, None).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_request");
        assert!(
            check_redirect_uri(&two, &code(None, false), None).is_ok(),
            "the authorization request had none either"
        );
    }

    #[test]
    fn pkce_s256_is_checked_and_public_clients_need_it() {
        let conf = test_client(false, &[]);
        let with = code(Some(CHALLENGE), true);
        assert!(check_pkce(&conf, &with, Some(VERIFIER)).is_ok());
        assert!(check_pkce(&conf, &with, Some(&VERIFIER.replace('d', "e"))).is_err());
        assert!(check_pkce(&conf, &with, None).is_err());
        assert!(check_pkce(&conf, &code(None, true), Some(VERIFIER)).is_err());
        assert!(check_pkce(&conf, &code(None, true), None).is_ok());
        assert!(check_pkce(&test_client(true, &[]), &code(None, true), None).is_err());
    }
}
