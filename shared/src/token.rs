//! The token endpoint's rules (RFC 6749 §3.2, §4.1.3, §4.3, §4.4, §6; RFC 7636).
//!
//! One function per grant type; `exchange` picks it. Each grant costs two
//! sequential DynamoDB round trips on its success path: the reads (client lookup
//! in parallel with consuming the code / refresh token, or with the user and
//! throttle reads) and then one transactional write of the new tokens.

use crate::crypto;
use crate::error::OAuthError;
use crate::params::Params;
use crate::scope;
use crate::state::State;
use crate::store::{self, Client, Consumed, Grant, TokenItem, DEFAULT_TENANT};
use serde::Serialize;

/// Failed password checks allowed per user in a window before the account locks.
pub const MAX_PASSWORD_FAILURES: u32 = 5;
/// The lockout window in seconds.
pub const LOCKOUT_WINDOW: i64 = 15 * 60;

/// The grant types this server implements.
pub const GRANT_TYPES: &[&str] = &[
    "authorization_code",
    "refresh_token",
    "password",
    "client_credentials",
];

/// A successful token response (RFC 6749 §5.1), plus seed 000's `username`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// How the client presented itself.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub secret: Option<String>,
    pub via_basic: bool,
}

/// What the handler learnt about the request, for its log line.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
}

/// Works out the client's credentials from the Basic header and the body
/// (`client_secret_basic` or `client_secret_post`; never both).
pub fn client_credentials(
    basic: Option<(String, String)>,
    params: &Params,
) -> Result<ClientCredentials, OAuthError> {
    let post_id = params.get("client_id");
    let post_secret = params.get("client_secret");
    match basic {
        Some((id, secret)) => {
            if post_secret.is_some() {
                let mut e = OAuthError::invalid_request(
                    "use one client authentication method: HTTP Basic or client_secret in the body, not both",
                );
                e.basic_auth_attempted = true;
                return Err(e);
            }
            if post_id.is_some_and(|p| p != id) {
                let mut e =
                    OAuthError::invalid_request("client_id differs from the HTTP Basic user");
                e.basic_auth_attempted = true;
                return Err(e);
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

fn client_error(creds: &ClientCredentials, description: &str) -> OAuthError {
    let mut e = OAuthError::invalid_client(description);
    e.basic_auth_attempted = creds.via_basic;
    e
}

/// Authenticates the client: confidential clients by secret (compared in constant
/// time on its SHA-256), public clients by `client_id` alone.
pub fn authenticate<'a>(
    client: Option<&'a Client>,
    creds: &ClientCredentials,
) -> Result<&'a Client, OAuthError> {
    let bad = || client_error(creds, "client authentication failed");
    let client = client.filter(|c| !c.disabled).ok_or_else(bad)?;
    match (&client.secret_hash, &creds.secret) {
        (Some(hash), Some(secret)) if crypto::ct_eq(&crypto::sha256_hex(secret), hash) => {
            Ok(client)
        }
        (Some(_), _) => Err(bad()),
        (None, None) => Ok(client),
        (None, Some(_)) => Err(client_error(
            creds,
            "a public client has no secret; send client_id only",
        )),
    }
}

/// The token endpoint: validates the request and runs its grant.
pub async fn exchange(
    state: &State,
    params: &Params,
    basic: Option<(String, String)>,
    outcome: &mut Outcome,
) -> Result<TokenResponse, OAuthError> {
    if !state.config.query_params_allowed {
        if let Some(name) = params.query_names().find(|n| *n != "partnerId") {
            return Err(OAuthError::invalid_request(format!(
                "parameter '{name}' must be sent in the form body; this deployment does not accept token parameters in the query string"
            )));
        }
    }
    let grant_type = params.require("grant_type")?;
    outcome.grant_type = Some(grant_type.to_string()).filter(|_| GRANT_TYPES.contains(&grant_type));
    let creds = client_credentials(basic, params)?;
    outcome.client_id = Some(creds.client_id.clone());
    match grant_type {
        "authorization_code" => authorization_code(state, params, &creds).await,
        "refresh_token" => refresh_token(state, params, &creds).await,
        "password" => password(state, params, &creds).await,
        "client_credentials" => client_credentials_grant(state, params, &creds).await,
        _ => Err(OAuthError::new(
            crate::error::ErrorCode::UnsupportedGrantType,
            "grant_type must be authorization_code, refresh_token, password or client_credentials",
        )),
    }
}

fn require_grant(client: &Client, grant: &str) -> Result<(), OAuthError> {
    if client.allows_grant(grant) {
        Ok(())
    } else {
        Err(OAuthError::unauthorized_client(format!(
            "this client may not use the {grant} grant"
        )))
    }
}

/// RFC 6749 §4.1.3 with RFC 7636 and RFC 9700 §4.14 (replay revokes the family).
async fn authorization_code(
    state: &State,
    params: &Params,
    creds: &ClientCredentials,
) -> Result<TokenResponse, OAuthError> {
    let code = params.require("code")?;
    let store = &state.store;
    let (client, consumed) = tokio::join!(
        store.get_client(&creds.client_id),
        store.consume_code(code, &creds.client_id)
    );
    let (client, consumed) = (client?, consumed?);
    let client = match authenticate(client.as_ref(), creds) {
        Ok(c) => c,
        Err(e) => {
            if let Consumed::Fresh(_, stamp) = consumed {
                store.release_code(code, stamp).await?;
            }
            return Err(e);
        }
    };
    require_grant(client, "authorization_code")?;
    let item = match consumed {
        Consumed::Fresh(item, _) => item,
        Consumed::Replayed(item) => {
            let revoked = store.revoke_family(&item.family).await?;
            tracing::warn!(client_id = %client.client_id, revoked, "authorization code replayed: grant family revoked");
            return Err(OAuthError::invalid_grant(
                "the authorization code has already been used; every token issued from it is revoked",
            ));
        }
        Consumed::Invalid => {
            return Err(OAuthError::invalid_grant(
                "the authorization code is invalid, expired or was issued to another client",
            ))
        }
    };
    match params.get("redirect_uri") {
        Some(uri) if uri != item.redirect_uri => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request",
            ))
        }
        Some(_) => {}
        // RFC 6749 §4.1.3 wants redirect_uri back when the authorization request had
        // one. Seed 001's clients omit it; we accept that only when the client has a
        // single registered URI, so the value is unambiguous.
        None if item.redirect_uri_given && client.redirect_uris.len() != 1 => {
            return Err(OAuthError::invalid_request(
                "redirect_uri is required: it was part of the authorization request",
            ))
        }
        None => {}
    }
    match (&item.code_challenge, params.get("code_verifier")) {
        (Some(challenge), Some(verifier)) => {
            if !crypto::is_valid_pkce_value(verifier)
                || !crypto::pkce_s256_matches(verifier, challenge)
            {
                return Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge",
                ));
            }
        }
        (Some(_), None) => {
            return Err(OAuthError::invalid_grant(
                "code_verifier is required (PKCE)",
            ))
        }
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant(
                "code_verifier sent, but the authorization request had no code_challenge",
            ))
        }
        (None, None) if client.is_public() => {
            return Err(OAuthError::invalid_grant("public clients must use PKCE"))
        }
        (None, None) => {}
    }
    issue(
        state,
        client,
        Family::Existing(&item.family),
        item.grant,
        true,
    )
    .await
}

/// RFC 6749 §6 with rotation: the old refresh token is consumed; its replay revokes the family.
async fn refresh_token(
    state: &State,
    params: &Params,
    creds: &ClientCredentials,
) -> Result<TokenResponse, OAuthError> {
    let token = params.require("refresh_token")?;
    let store = &state.store;
    let (client, consumed) = tokio::join!(
        store.get_client(&creds.client_id),
        store.consume_refresh_token(token, &creds.client_id)
    );
    let (client, consumed) = (client?, consumed?);
    let client = match authenticate(client.as_ref(), creds) {
        Ok(c) => c,
        Err(e) => {
            if let Consumed::Fresh(_, stamp) = consumed {
                store.release_refresh_token(token, stamp).await?;
            }
            return Err(e);
        }
    };
    require_grant(client, "refresh_token")?;
    let item = match consumed {
        Consumed::Fresh(item, _) => item,
        // Grace period: a client that lost the response to its refresh may retry
        // once, shortly after; anything else is a replay.
        Consumed::Replayed(item)
            if state.config.refresh_grace > 0
                && store
                    .allow_refresh_retry(
                        token,
                        &client.client_id,
                        crate::now() - state.config.refresh_grace,
                    )
                    .await? =>
        {
            tracing::info!(client_id = %client.client_id, "refresh token retried within the grace period");
            item
        }
        Consumed::Replayed(item) => {
            let revoked = store.revoke_family(&item.family).await?;
            tracing::warn!(client_id = %client.client_id, revoked, "refresh token replayed: grant family revoked");
            return Err(OAuthError::invalid_grant(
                "the refresh token has already been used; every token of its grant is revoked",
            ));
        }
        Consumed::Invalid => {
            return Err(OAuthError::invalid_grant(
                "the refresh token is invalid, expired or was issued to another client",
            ))
        }
    };
    let mut grant = item.grant;
    grant.scope = scope::narrow(params.get("scope"), &grant.scope)?;
    issue(state, client, Family::Existing(&item.family), grant, true).await
}

/// Tenants are short identifiers (seed 002's `partnerId`).
pub fn tenant(params: &Params) -> Result<String, OAuthError> {
    match params.get("partnerId") {
        None => Ok(DEFAULT_TENANT.to_string()),
        Some(t) if valid_tenant(t) => Ok(t.to_string()),
        Some(_) => Err(OAuthError::invalid_request(
            "partnerId must be 1-64 letters, digits, '-', '_' or '.'",
        )),
    }
}

pub fn valid_tenant(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 64
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The throttle key for a user's password failures.
pub fn throttle_key(tenant: &str, email: &str) -> String {
    format!("{tenant}#{}", store::normalize_email(email))
}

/// The result of checking a password with brute-force protection.
pub enum PasswordCheck {
    Ok(store::User),
    Wrong,
    Locked,
}

/// Checks a user's password: refuses without checking while the account is
/// locked, records failures, clears them on success. `user` and `failures` are
/// read by the caller in parallel with its other reads.
pub async fn check_password(
    state: &State,
    tenant: &str,
    email: &str,
    password: &str,
    user: Option<store::User>,
    failures: u32,
) -> Result<PasswordCheck, OAuthError> {
    let key = throttle_key(tenant, email);
    if failures >= MAX_PASSWORD_FAILURES {
        return Ok(PasswordCheck::Locked);
    }
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| crypto::dummy_password_hash().to_string());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || crypto::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    match (ok, user) {
        (true, Some(user)) => {
            if failures > 0 {
                state.store.clear_failures(&key).await?;
            }
            Ok(PasswordCheck::Ok(user))
        }
        _ => {
            let n = state.store.record_failure(&key, LOCKOUT_WINDOW).await?;
            tracing::info!(failures = n, "password check failed");
            Ok(PasswordCheck::Wrong)
        }
    }
}

/// The message shown while an account is locked.
pub const LOCKED_MESSAGE: &str =
    "the account is temporarily locked after too many failed sign-in attempts; try again in 15 minutes";

/// RFC 6749 §4.3 (legacy, per client): `username` or `email`, `password`.
async fn password(
    state: &State,
    params: &Params,
    creds: &ClientCredentials,
) -> Result<TokenResponse, OAuthError> {
    let username = match (params.get("username"), params.get("email")) {
        (Some(u), Some(e)) if u != e => {
            return Err(OAuthError::invalid_request(
                "send username or email, not both",
            ))
        }
        (Some(u), _) | (None, Some(u)) => u,
        (None, None) => {
            return Err(OAuthError::invalid_request(
                "missing parameter 'username' (or 'email')",
            ))
        }
    };
    let password = params.require("password")?;
    let tenant = tenant(params)?;
    let store = &state.store;
    let key = throttle_key(&tenant, username);
    let (client, user, failures) = tokio::join!(
        store.get_client(&creds.client_id),
        store.get_user(&tenant, username),
        store.failures(&key)
    );
    let client = authenticate(client?.as_ref(), creds)?.clone();
    require_grant(&client, "password")?;
    let scopes = scope::resolve(params.get("scope"), &client.scopes, &client.default_scopes)?;
    let user = match check_password(state, &tenant, username, password, user?, failures?).await? {
        PasswordCheck::Ok(u) => u,
        PasswordCheck::Wrong => {
            return Err(OAuthError::invalid_grant("invalid username or password"))
        }
        PasswordCheck::Locked => return Err(OAuthError::invalid_grant(LOCKED_MESSAGE)),
    };
    let grant = Grant {
        scope: scopes,
        sub: Some(user.sub),
        username: Some(user.email),
        tenant: Some(user.tenant),
        claims: Some(user.claims),
    };
    issue(state, &client, Family::New, grant, true).await
}

/// RFC 6749 §4.4: confidential clients acting for themselves; no refresh token.
async fn client_credentials_grant(
    state: &State,
    params: &Params,
    creds: &ClientCredentials,
) -> Result<TokenResponse, OAuthError> {
    let client = state.store.get_client(&creds.client_id).await?;
    let client = authenticate(client.as_ref(), creds)?;
    if client.is_public() {
        return Err(OAuthError::unauthorized_client(
            "public clients cannot use client_credentials",
        ));
    }
    require_grant(client, "client_credentials")?;
    let scopes = scope::resolve(params.get("scope"), &client.scopes, &client.default_scopes)?;
    let grant = Grant {
        scope: scopes,
        ..Grant::default()
    };
    issue(state, client, Family::New, grant, false).await
}

/// A lifetime: the client's own, else the deployment's; 0 means never expires.
fn lifetime(client_ttl: Option<i64>, default: i64) -> Option<i64> {
    match client_ttl.unwrap_or(default) {
        0 => None,
        s => Some(s),
    }
}

/// The grant family the issued tokens belong to.
#[derive(Clone, Copy)]
enum Family<'a> {
    /// A code's or refresh token's family: a replay may revoke it while we issue.
    Existing(&'a str),
    /// A family that starts with this request (password, client_credentials).
    New,
}

/// Writes a new access token (and refresh token when the client has that grant
/// and `with_refresh`), all or nothing.
async fn issue(
    state: &State,
    client: &Client,
    family: Family<'_>,
    grant: Grant,
    with_refresh: bool,
) -> Result<TokenResponse, OAuthError> {
    let now = crate::now();
    let family_id = match family {
        Family::Existing(id) => id.to_string(),
        Family::New => crypto::random_id(),
    };
    let access = crypto::random_token();
    let access_ttl = lifetime(client.access_ttl, state.config.access_ttl);
    let at = TokenItem {
        pk: store::access_key(&access),
        client_id: client.client_id.clone(),
        family: family_id,
        grant: grant.clone(),
        iat: now,
        expires_at: access_ttl.map(|t| now + t),
        used_at: None,
    };
    let refresh = (with_refresh && client.allows_grant("refresh_token")).then(crypto::random_token);
    let rt = refresh.as_ref().map(|r| TokenItem {
        pk: store::refresh_key(r),
        expires_at: lifetime(client.refresh_ttl, state.config.refresh_ttl).map(|t| now + t),
        ..at.clone()
    });
    let written = match family {
        Family::Existing(_) => state.store.put_tokens(&at, rt.as_ref()).await,
        Family::New => state.store.put_new_family_tokens(&at, rt.as_ref()).await,
    };
    match written {
        Ok(()) => {}
        // A replay of this grant's code or refresh token revoked the family while
        // this request, which consumed it first, was in flight. Linearised, this
        // issuance came before that revocation: the response stands, and the tokens
        // are revoked with the family, so they are never stored.
        Err(crate::error::StoreError::AlreadyExists) if matches!(family, Family::Existing(_)) => {
            tracing::warn!(client_id = %client.client_id, "tokens issued into a family revoked meanwhile: not stored");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in: access_ttl,
        refresh_token: refresh,
        scope: scope::join(&grant.scope),
        username: grant.username,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(secret: Option<&str>) -> Client {
        Client {
            pk: Client::key("c"),
            client_id: "c".into(),
            name: "C".into(),
            secret_hash: secret.map(crypto::sha256_hex),
            redirect_uris: vec![],
            scopes: vec![],
            default_scopes: vec![],
            grants: vec![],
            access_ttl: None,
            refresh_ttl: None,
            disabled: false,
            created_at: 0,
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
        assert!(authenticate(Some(&c), &creds(Some("s3cret"), false)).is_ok());
        assert!(authenticate(Some(&c), &creds(Some("nope"), false)).is_err());
        assert!(authenticate(Some(&c), &creds(None, false)).is_err());
    }

    #[test]
    fn failed_basic_authentication_asks_for_basic() {
        let c = client(Some("s3cret"));
        let e = authenticate(Some(&c), &creds(Some("nope"), true)).unwrap_err();
        assert_eq!(e.status(), 401);
        assert!(e.basic_auth_attempted);
    }

    #[test]
    fn public_client_authenticates_by_id_alone_and_may_not_send_a_secret() {
        let c = client(None);
        assert!(authenticate(Some(&c), &creds(None, false)).is_ok());
        assert!(authenticate(Some(&c), &creds(Some("x"), false)).is_err());
    }

    #[test]
    fn disabled_or_unknown_client_fails() {
        let mut c = client(Some("s"));
        c.disabled = true;
        assert!(authenticate(Some(&c), &creds(Some("s"), false)).is_err());
        assert!(authenticate(None, &creds(Some("s"), false)).is_err());
    }

    #[test]
    fn both_authentication_methods_at_once_is_invalid_request() {
        let p = Params::parse("", b"client_id=c&client_secret=s").unwrap();
        let e = client_credentials(Some(("c".into(), "s".into())), &p).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_request");
    }

    #[test]
    fn zero_lifetime_means_never_expires() {
        assert_eq!(lifetime(Some(0), 3600), None);
        assert_eq!(lifetime(None, 3600), Some(3600));
        assert_eq!(lifetime(Some(31536000), 3600), Some(31536000));
    }
}
