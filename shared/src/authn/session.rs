//! Browser sessions: a 256-bit random cookie, stored only as its SHA-256
//! (`session#…`, expiring by TTL), naming the person who signed in, when and
//! how. Started by a sign-in, read by every page, ended by logout.

use super::Authenticated;
use crate::crypto;
use crate::error::StoreError;
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

    /// The token of a form bound to this session: SHA-256 of the cookie
    /// under a domain-separation prefix ([`crypto::csrf_token`]), useless
    /// without the cookie it came from.
    pub fn form_token(&self) -> String {
        crypto::csrf_token(&self.cookie)
    }

    /// Whether a posted form's token is this session's.
    pub fn verifies(&self, sent: Option<&str>) -> bool {
        sent.is_some_and(|t| crypto::ct_eq(t, &self.form_token()))
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

/// A new session for a person who just signed in: the cookie to set and the
/// item to store ([`save`]).
pub fn new(state: &State, person: &Authenticated, now: i64) -> (String, Session) {
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
