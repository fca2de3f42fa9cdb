//! PKCE (RFC 7636), S256 only (RFC 9700 §2.1.1): the challenge an
//! authorization request carries, the verifier its code is redeemed with, and
//! the rule that a public client must use it (RFC 9700 §2.1.1, RFC 8252 §8.1)
//! — the one home of all three.

use crate::crypto;
use crate::error::OAuthError;
use crate::store::Client;

/// Whether a client must use PKCE: a public one, whose identity is not
/// proven, and any open registration (RFC 9700 §2.1.1 recommends it for all).
pub fn required(client: &Client) -> bool {
    client.is_public() || client.require_pkce
}

/// The authorization request's challenge (RFC 7636 §4.3, §4.4.1), if any;
/// `Err` with the description sent back to the client.
pub fn challenge(
    client: &Client,
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<String>, &'static str> {
    match (challenge, method) {
        (Some(c), Some("S256")) if crypto::is_valid_pkce_value(c) => Ok(Some(c.to_string())),
        (Some(_), Some("S256")) => {
            Err("code_challenge must be 43-128 characters of [A-Za-z0-9-._~]")
        }
        (Some(_), _) | (None, Some(_)) => {
            Err("only code_challenge_method=S256 is supported, with a code_challenge")
        }
        (None, None) if required(client) => {
            Err("public clients must use PKCE (code_challenge with S256)")
        }
        (None, None) => Ok(None),
    }
}

/// RFC 7636 §4.6: the verifier must hash to the code's challenge; a code
/// issued to a public client without one is refused.
pub fn verify(
    client: &Client,
    challenge: Option<&str>,
    verifier: Option<&str>,
) -> Result<(), OAuthError> {
    match (challenge, verifier) {
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
        (None, None) if required(client) => {
            Err(OAuthError::invalid_grant("public clients must use PKCE"))
        }
        (None, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::models::test_client;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn a_challenge_is_s256_only_and_required_of_public_clients() {
        let (conf, public) = (test_client(false, &[]), test_client(true, &[]));
        assert_eq!(
            challenge(&public, Some(CHALLENGE), Some("S256")).unwrap(),
            Some(CHALLENGE.to_string())
        );
        assert!(challenge(&conf, Some(CHALLENGE), Some("plain")).is_err());
        assert!(challenge(&conf, Some("short"), Some("S256")).is_err());
        assert!(challenge(&conf, None, Some("S256")).is_err());
        assert!(challenge(&public, None, None).is_err());
        assert_eq!(challenge(&conf, None, None).unwrap(), None);
    }

    #[test]
    fn the_verifier_must_match_and_public_clients_need_one() {
        let conf = test_client(false, &[]);
        assert!(verify(&conf, Some(CHALLENGE), Some(VERIFIER)).is_ok());
        assert!(verify(&conf, Some(CHALLENGE), Some(&VERIFIER.replace('d', "e"))).is_err());
        assert!(verify(&conf, Some(CHALLENGE), None).is_err());
        assert!(verify(&conf, None, Some(VERIFIER)).is_err());
        assert!(verify(&conf, None, None).is_ok());
        assert!(verify(&test_client(true, &[]), None, None).is_err());
    }
}
