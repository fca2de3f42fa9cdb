//! Browser sessions: a 256-bit random cookie, stored only as its SHA-256
//! (`session#…`, expiring by TTL), naming the person who signed in, when and
//! how. Started by a sign-in, read by every page, ended by logout.

use super::Authenticated;
use crate::crypto;
use crate::error::{OAuthError, StoreError};
use crate::http_util::set_cookie;
use crate::state::State;
use crate::store::{self, Session};

/// Cookie holding the browser session (`__Host-` prefixed when `Secure`:
/// [`crate::Config::cookie_name`]).
pub const SESSION_COOKIE: &str = "oauth_session";
/// Cookie the login form's CSRF token is bound to (by HMAC: no session exists yet).
pub const LOGIN_CSRF_COOKIE: &str = "oauth_login_csrf";
/// Cookie of a browser that signed in as a user before: its own lockout allowance.
pub const DEVICE_COOKIE: &str = "oauth_device";

/// The session behind a browser's cookie.
#[derive(Debug, Clone)]
pub struct BrowserSession {
    pub session: Session,
    /// The cookie's value: what binds the session's forms to it. Never logged.
    cookie: String,
}

impl BrowserSession {
    /// The person who signed in.
    pub fn person(&self) -> Authenticated {
        Authenticated::of_session(&self.session)
    }

    /// The token of a form bound to this session and to what it decides:
    /// the HMAC, under the cookie key, of the session's cookie, the form's
    /// `purpose` and `decides` (for consent: the client, the redirect URI and
    /// the scopes). A token from one form is worth nothing in another, or
    /// for another client or scope, or without the cookie.
    pub async fn form_token(
        &self,
        state: &State,
        purpose: &str,
        decides: &[&str],
    ) -> Result<String, OAuthError> {
        let mut parts = vec![self.cookie.as_str()];
        parts.extend_from_slice(decides);
        state
            .keys
            .cookie_mac(&state.store, &format!("form:{purpose}"), &parts)
            .await
    }

    /// Whether a posted form's token is this session's, for this purpose and
    /// what it decides.
    pub async fn verifies(
        &self,
        state: &State,
        purpose: &str,
        decides: &[&str],
        sent: Option<&str>,
    ) -> Result<bool, OAuthError> {
        let Some(sent) = sent else {
            return Ok(false);
        };
        let expected = self.form_token(state, purpose, decides).await?;
        Ok(crypto::ct_eq(sent, &expected))
    }

    /// The cookie value (to end the session).
    pub fn cookie(&self) -> &str {
        &self.cookie
    }
}

/// The live session behind a cookie.
pub async fn read(
    state: &State,
    cookie: Option<&str>,
    now: i64,
) -> Result<Option<BrowserSession>, StoreError> {
    let Some(cookie) = cookie else {
        return Ok(None);
    };
    let session = state.store.get_session(cookie, now).await?;
    Ok(session.map(|session| BrowserSession {
        session,
        cookie: cookie.to_string(),
    }))
}

/// A new session for a person who just signed in, in a browser that says it
/// is `user_agent`: the cookie to set and the item to store ([`save`]).
pub fn new(
    state: &State,
    person: &Authenticated,
    user_agent: Option<&str>,
    now: i64,
) -> (String, Session) {
    let cookie = crypto::random_token();
    let session = Session {
        pk: store::session_key(&cookie),
        sub: person.sub.clone(),
        tenant: person.tenant.clone(),
        email: person.email.clone(),
        claims: person.claims.clone(),
        sid: crypto::random_id(),
        auth_time: person.auth_time,
        amr: person.amr.clone(),
        owner: person.sub.clone(),
        developer: person.developer,
        created_at: now,
        // Shown to the person on the account page; bounded.
        user_agent: user_agent
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(160)
            .collect(),
        expires_at: now + state.config.session_ttl,
    };
    (cookie, session)
}

/// Stores a new session.
pub async fn save(state: &State, session: &Session) -> Result<(), StoreError> {
    state.store.put_session(session).await
}

/// Ends a session (logout).
pub async fn end(state: &State, cookie: &str) -> Result<(), StoreError> {
    state.store.delete_session(cookie).await
}

/// The `Set-Cookie` value of a session cookie (`None`: clear it).
pub fn cookie_header(state: &State, cookie: Option<&str>) -> String {
    let config = &state.config;
    let name = config.cookie_name(SESSION_COOKIE);
    match cookie {
        Some(c) => set_cookie(&name, c, config.session_ttl, config.secure_cookies),
        None => set_cookie(&name, "", 0, config.secure_cookies),
    }
}
