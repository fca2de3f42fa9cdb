//! RFC 6749 §4.1.3 with RFC 7636 (PKCE) and RFC 9700 §4.14 (a replayed code
//! revokes its family).

use super::issue::{issue, Family, TokenResponse};
use super::redeem::{redeem, refuse_replay, Code, Redeemed};
use super::TokenRequest;
use crate::crypto;
use crate::error::OAuthError;
use crate::state::State;
use crate::store::{Client, CodeItem};

pub(super) async fn grant(
    state: &State,
    req: &TokenRequest<'_>,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let code = req.params.require("code")?;
    let (client, item) = match redeem::<Code>(state, &req.client, code, now).await? {
        (client, Redeemed::Fresh(item)) => (client, item),
        (client, Redeemed::Replayed(item)) => {
            return Err(refuse_replay::<Code>(state, &client, &item, now).await)
        }
    };
    check_redirect_uri(&client, &item, req.params.get("redirect_uri"))?;
    check_pkce(&client, &item, req.params.get("code_verifier"))?;
    let family = Family::Existing(&item.family);
    issue(state, &client, family, item.grant.clone(), true, now).await
}

/// RFC 6749 §4.1.3: `redirect_uri` must be the authorization request's. Cobot's
/// clients omit it (docs/compatibility.md); that is accepted only when the
/// client has a single registered URI, so the value is unambiguous.
fn check_redirect_uri(
    client: &Client,
    item: &CodeItem,
    sent: Option<&str>,
) -> Result<(), OAuthError> {
    match sent {
        Some(uri) if uri != item.redirect_uri => Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request",
        )),
        Some(_) => Ok(()),
        None if item.redirect_uri_given && client.redirect_uris.len() != 1 => {
            Err(OAuthError::invalid_request(
                "redirect_uri is required: it was part of the authorization request",
            ))
        }
        None => Ok(()),
    }
}

/// RFC 7636 §4.6: the verifier must hash to the code's challenge (S256 only);
/// public clients must have used PKCE.
fn check_pkce(client: &Client, item: &CodeItem, verifier: Option<&str>) -> Result<(), OAuthError> {
    match (&item.code_challenge, verifier) {
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
    use crate::store::Grant;

    fn client(public: bool, uris: &[&str]) -> Client {
        Client {
            pk: Client::key("c"),
            client_id: "c".into(),
            name: "C".into(),
            secret_hash: (!public).then(|| crypto::sha256_hex("s")),
            redirect_uris: uris.iter().map(|u| u.to_string()).collect(),
            scopes: vec![],
            default_scopes: vec![],
            grants: vec![],
            access_ttl: None,
            refresh_ttl: None,
            disabled: false,
            created_at: 0,
        }
    }

    fn code(challenge: Option<&str>, given: bool) -> CodeItem {
        CodeItem {
            pk: "code#x".into(),
            client_id: "c".into(),
            family: "f".into(),
            grant: Grant::default(),
            redirect_uri: "https://a.example/cb".into(),
            redirect_uri_given: given,
            code_challenge: challenge.map(str::to_string),
            expires_at: 0,
            used_at: None,
        }
    }

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_redirect_uri_must_match_when_sent() {
        let c = client(false, &["https://a.example/cb", "https://a.example/other"]);
        let item = code(None, true);
        assert!(check_redirect_uri(&c, &item, Some("https://a.example/cb")).is_ok());
        let e = check_redirect_uri(&c, &item, Some("https://a.example/other")).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_grant");
    }

    #[test]
    fn an_omitted_redirect_uri_is_accepted_only_when_unambiguous() {
        let item = code(None, true);
        assert!(check_redirect_uri(&client(false, &["https://a.example/cb"]), &item, None).is_ok());
        let two = client(false, &["https://a.example/cb", "https://a.example/x"]);
        assert_eq!(
            check_redirect_uri(&two, &item, None)
                .unwrap_err()
                .code
                .as_str(),
            "invalid_request"
        );
        assert!(
            check_redirect_uri(&two, &code(None, false), None).is_ok(),
            "the authorization request had none either"
        );
    }

    #[test]
    fn pkce_s256_is_checked_and_public_clients_need_it() {
        let conf = client(false, &[]);
        assert!(check_pkce(&conf, &code(Some(CHALLENGE), true), Some(VERIFIER)).is_ok());
        assert!(check_pkce(
            &conf,
            &code(Some(CHALLENGE), true),
            Some(&VERIFIER.replace('d', "e"))
        )
        .is_err());
        assert!(check_pkce(&conf, &code(Some(CHALLENGE), true), None).is_err());
        assert!(check_pkce(&conf, &code(None, true), Some(VERIFIER)).is_err());
        assert!(check_pkce(&conf, &code(None, true), None).is_ok());
        assert!(check_pkce(&client(true, &[]), &code(None, true), None).is_err());
    }
}
