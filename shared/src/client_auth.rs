//! Client authentication at the token, revocation and introspection endpoints
//! (RFC 6749 §2.3.1): `client_secret_basic`, `client_secret_post`, or a public
//! client's `client_id` alone (`none`).

use crate::crypto;
use crate::error::OAuthError;
use crate::grant_type::GrantType;
use crate::params::Params;
use crate::store::Client;

/// How the client presented itself.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub secret: Option<String>,
    pub via_basic: bool,
}

/// Works out the client's credentials from the Basic header and the body
/// (`client_secret_basic` or `client_secret_post`; never both, RFC 6749 §2.3).
pub fn credentials(
    basic: Option<(String, String)>,
    params: &Params,
) -> Result<ClientCredentials, OAuthError> {
    let post_id = params.get("client_id");
    let post_secret = params.get("client_secret");
    match basic {
        Some((id, secret)) => {
            let with_basic = |e: OAuthError| OAuthError {
                basic_auth_attempted: true,
                ..e
            };
            if post_secret.is_some() {
                return Err(with_basic(OAuthError::invalid_request(
                    "use one client authentication method: HTTP Basic or client_secret in the body, not both",
                )));
            }
            if post_id.is_some_and(|p| p != id) {
                return Err(with_basic(OAuthError::invalid_request(
                    "client_id differs from the HTTP Basic user",
                )));
            }
            Ok(ClientCredentials {
                client_id: id,
                secret: Some(secret).filter(|s| !s.is_empty()),
                via_basic: true,
            })
        }
        None => match post_id {
            Some(id) => Ok(ClientCredentials {
                client_id: id.to_string(),
                secret: post_secret.map(str::to_string),
                via_basic: false,
            }),
            None => Err(OAuthError::invalid_client(
                "client authentication is required",
            )),
        },
    }
}

impl ClientCredentials {
    /// `invalid_client`, asking for Basic again when Basic was tried (RFC 6749 §5.2).
    pub fn error(&self, description: &str) -> OAuthError {
        let mut e = OAuthError::invalid_client(description);
        e.basic_auth_attempted = self.via_basic;
        e
    }
}

/// The client a request names: a registered one (an unused open
/// registration past its TTL is none), or the one a client ID metadata
/// document describes (`client_id` an https URL,
/// [`crate::registration::metadata_document`]).
pub async fn find(
    state: &crate::State,
    client_id: &str,
    now: i64,
) -> Result<Option<Client>, OAuthError> {
    use crate::registration::metadata_document;
    if metadata_document::is_document_url(client_id) {
        return metadata_document::client(state, client_id, now)
            .await
            .map(Some);
    }
    Ok(state
        .store
        .get_client(client_id)
        .await?
        .filter(|c| !c.is_expired(now)))
}

/// Authenticates the client: confidential clients by secret (compared in
/// constant time on its SHA-256; during a rotation's overlap the previous
/// secret too), by the method it registered if it registered one; public
/// clients by `client_id` alone.
pub fn authenticate<'a>(
    client: Option<&'a Client>,
    creds: &ClientCredentials,
    now: i64,
) -> Result<&'a Client, OAuthError> {
    let bad = || creds.error("client authentication failed");
    let client = client.filter(|c| !c.disabled).ok_or_else(bad)?;
    let matches = |secret: &str| {
        let hash = crypto::sha256_hex(secret);
        client
            .secret_hash
            .as_deref()
            .is_some_and(|h| crypto::ct_eq(&hash, h))
            || client
                .previous_secret
                .as_ref()
                .is_some_and(|p| p.until > now && crypto::ct_eq(&hash, &p.hash))
    };
    let method_ok = match client.token_endpoint_auth_method.as_deref() {
        Some("client_secret_basic") => creds.via_basic,
        Some("client_secret_post") => !creds.via_basic,
        _ => true,
    };
    match (&client.secret_hash, &creds.secret) {
        (Some(_), Some(secret)) if matches(secret) && method_ok => Ok(client),
        (Some(_), _) => Err(bad()),
        (None, None) => Ok(client),
        (None, Some(_)) => Err(creds.error("a public client has no secret; send client_id only")),
    }
}

/// Reads and authenticates the client (one eventually consistent read).
pub async fn authenticated(
    state: &crate::State,
    creds: &ClientCredentials,
    now: i64,
) -> Result<Client, OAuthError> {
    let client = find(state, &creds.client_id, now).await?;
    authenticate(client.as_ref(), creds, now).cloned()
}

/// `unauthorized_client` unless the client registered this grant type.
pub fn require_grant(client: &Client, grant: GrantType) -> Result<(), OAuthError> {
    if client.allows_grant(grant) {
        Ok(())
    } else {
        Err(OAuthError::unauthorized_client(format!(
            "this client may not use the {grant} grant"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::models::test_client;

    /// The test client, with secret `secret` (public with none).
    fn client(secret: Option<&str>) -> Client {
        Client {
            secret_hash: secret.map(crypto::sha256_hex),
            ..test_client(secret.is_none(), &[])
        }
    }

    fn creds(secret: Option<&str>, via_basic: bool) -> ClientCredentials {
        ClientCredentials {
            client_id: "c".into(),
            secret: secret.map(str::to_string),
            via_basic,
        }
    }

    #[test]
    fn confidential_client_needs_its_secret() {
        let c = client(Some("s3cret"));
        assert!(authenticate(Some(&c), &creds(Some("s3cret"), false), 0).is_ok());
        assert!(authenticate(Some(&c), &creds(Some("nope"), false), 0).is_err());
        assert!(authenticate(Some(&c), &creds(None, false), 0).is_err());
    }

    #[test]
    fn failed_basic_authentication_asks_for_basic() {
        let c = client(Some("s3cret"));
        let e = authenticate(Some(&c), &creds(Some("nope"), true), 0).unwrap_err();
        assert_eq!(e.status(), 401);
        assert!(e.basic_auth_attempted);
    }

    #[test]
    fn public_client_authenticates_by_id_alone_and_may_not_send_a_secret() {
        let c = client(None);
        assert!(authenticate(Some(&c), &creds(None, false), 0).is_ok());
        assert!(authenticate(Some(&c), &creds(Some("x"), false), 0).is_err());
    }

    #[test]
    fn disabled_or_unknown_client_fails() {
        let mut c = client(Some("s"));
        c.disabled = true;
        assert!(authenticate(Some(&c), &creds(Some("s"), false), 0).is_err());
        assert!(authenticate(None, &creds(Some("s"), false), 0).is_err());
    }

    #[test]
    fn both_authentication_methods_at_once_is_invalid_request() {
        let p = Params::parse("", b"client_id=c&client_secret=s").unwrap();
        let e = credentials(Some(("c".into(), "s".into())), &p).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_request");
        assert!(e.basic_auth_attempted);
    }

    #[test]
    fn no_credentials_at_all_is_invalid_client() {
        let p = Params::parse("", b"grant_type=client_credentials").unwrap();
        assert_eq!(credentials(None, &p).unwrap_err().status(), 401);
    }
}
