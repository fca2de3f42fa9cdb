//! The login form: its CSRF binding, and what posting it does — check the
//! binding, sign in by a method ([`super::password`] today), start the
//! session. Where the browser goes next is the caller's ([`super::ReturnTo`]).
//!
//! No session exists before the sign-in, so the form's CSRF token is the HMAC
//! of a pre-login cookie (set with the form when the browser has none) under
//! the cookie key: a value an attacker cannot compute for a cookie they plant.
//! The cookie itself is made by the server only (`{random}.{issued at}.{MAC}`,
//! for an hour): one the server did not make, or an old one, is replaced, so
//! a planted cookie prepares no login CSRF even on a plain-http deployment.

use super::lockout::{self, Attempter};
use super::password::{self, PasswordCheck};
use super::session::{self, DEVICE_COOKIE, LOGIN_CSRF_COOKIE};
use super::Authenticated;
use crate::crypto;
use crate::error::OAuthError;
use crate::http_util::set_cookie;
use crate::state::State;

/// A login form ready to show: its CSRF token, and the pre-login cookie to
/// set when the browser had none.
pub struct Prepared {
    pub csrf: String,
    pub set_cookie: Option<String>,
}

/// How long a pre-login cookie lives (seconds).
const COOKIE_TTL: i64 = 3600;

/// The CSRF token for the browser's pre-login cookie, making a new cookie
/// unless the browser holds a live one the server made.
pub async fn prepare(
    state: &State,
    cookie: Option<&str>,
    now: i64,
) -> Result<Prepared, OAuthError> {
    let cookie = match cookie {
        Some(c) if ours(state, c, now).await? => Some(c.to_string()),
        _ => None,
    };
    let (cookie, set) = match cookie {
        Some(c) => (c, None),
        None => {
            let random = crypto::random_token();
            let iat = now.to_string();
            let mac = cookie_mac(state, &random, &iat).await?;
            let c = format!("{random}.{iat}.{mac}");
            let name = state.config.cookie_name(LOGIN_CSRF_COOKIE);
            let header = set_cookie(&name, &c, COOKIE_TTL, state.config.secure_cookies);
            (c, Some(header))
        }
    };
    Ok(Prepared {
        csrf: token(state, &cookie).await?,
        set_cookie: set,
    })
}

async fn cookie_mac(state: &State, random: &str, iat: &str) -> Result<String, OAuthError> {
    state
        .keys
        .cookie_mac(&state.store, "login-csrf-cookie", &[random, iat])
        .await
}

/// Whether a pre-login cookie is one the server made, within its hour.
async fn ours(state: &State, cookie: &str, now: i64) -> Result<bool, OAuthError> {
    let mut parts = cookie.split('.');
    let (Some(random), Some(iat), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Ok(false);
    };
    let fresh = iat
        .parse::<i64>()
        .is_ok_and(|t| t <= now && now - t < COOKIE_TTL);
    Ok(fresh && random.len() == 43 && crypto::ct_eq(mac, &cookie_mac(state, random, iat).await?))
}

async fn token(state: &State, cookie: &str) -> Result<String, OAuthError> {
    state
        .keys
        .cookie_mac(&state.store, "login-csrf", &[cookie])
        .await
}

/// What the browser posted with the login form.
pub struct Submitted<'a> {
    pub tenant: &'a str,
    pub csrf: Option<&'a str>,
    pub email: Option<&'a str>,
    pub password: Option<&'a str>,
    pub login_csrf_cookie: Option<&'a str>,
    pub device_cookie: Option<&'a str>,
    /// The browser's session before this sign-in, which the new one ends
    /// (a new sign-in never leaves an older session of the browser usable).
    pub replacing: Option<&'a str>,
    /// The browser's `User-Agent`, shown with the session on the account page.
    pub user_agent: Option<&'a str>,
}

/// What a posted login form came to.
pub enum Outcome {
    /// Signed in, the session stored: the cookies to set on the way back.
    SignedIn {
        person: Authenticated,
        set_cookies: Vec<String>,
    },
    /// Show the form again with this message.
    Refused(Refusal),
}

/// Why the form is shown again.
pub struct Refusal {
    pub message: String,
    pub status: u16,
    /// For the log line.
    pub label: &'static str,
    /// Whether the pre-login cookie is spent (the form then gets a new one).
    pub new_csrf_cookie: bool,
}

fn refused(message: impl Into<String>, status: u16, label: &'static str) -> Outcome {
    Outcome::Refused(Refusal {
        message: message.into(),
        status,
        label,
        new_csrf_cookie: false,
    })
}

/// Checks the form and signs the person in.
pub async fn submit(state: &State, form: Submitted<'_>, now: i64) -> Result<Outcome, OAuthError> {
    let csrf_ok = match (form.csrf, form.login_csrf_cookie) {
        (Some(sent), Some(cookie)) => {
            ours(state, cookie, now).await? && crypto::ct_eq(sent, &token(state, cookie).await?)
        }
        _ => false,
    };
    if !csrf_ok {
        return Ok(Outcome::Refused(Refusal {
            message: "Your sign-in form expired. Please try again.".into(),
            status: 403,
            label: "csrf_rejected",
            new_csrf_cookie: true,
        }));
    }
    let (Some(email), Some(password)) = (form.email, form.password) else {
        return Ok(refused("Enter your email and password.", 400, "login_page"));
    };
    let device = lockout::device_of(state, form.device_cookie, form.tenant, email).await?;
    let attempt = Attempter {
        tenant: form.tenant,
        email,
        device,
    };
    let (user, reserved) = password::read(state, &attempt, now).await?;
    let user = match password::check(&attempt, password, user, reserved).await? {
        PasswordCheck::Ok(u) => u,
        PasswordCheck::Wrong => {
            return Ok(refused("Invalid email or password.", 400, "login_failed"))
        }
        PasswordCheck::Locked => {
            return Ok(refused(lockout::locked_message(), 429, "login_locked"))
        }
    };
    let person = password::authenticated(user, now);
    let (cookie, stored) = session::new(state, &person, form.user_agent, now);
    let device_cookie = match &attempt.device {
        Some(_) => None,
        None => Some(lockout::device_cookie(state, form.tenant, email).await?),
    };
    let (saved, released, ended) = tokio::join!(
        session::save(state, &stored),
        attempt.release(state),
        async {
            match form.replacing {
                Some(old) => session::end(state, old).await,
                None => Ok(()),
            }
        }
    );
    saved?;
    released?;
    ended?;
    let (config, secure) = (&state.config, state.config.secure_cookies);
    let mut set_cookies = vec![
        session::cookie_header(state, Some(&cookie)),
        set_cookie(&config.cookie_name(LOGIN_CSRF_COOKIE), "", 0, secure),
    ];
    if let Some(d) = device_cookie {
        let name = config.cookie_name(DEVICE_COOKIE);
        set_cookies.push(set_cookie(&name, &d, lockout::DEVICE_COOKIE_TTL, secure));
    }
    Ok(Outcome::SignedIn {
        person,
        set_cookies,
    })
}
