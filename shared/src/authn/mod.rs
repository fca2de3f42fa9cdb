//! Who is signed in: the one home of browser sessions and of the ways a person
//! proves who they are. Nothing outside this module sees a credential of a
//! person (a password, a session cookie's meaning, a lockout counter).
//!
//! A page asks [`signed_in`] for the person behind the browser's session,
//! given what it requires of the sign-in ([`Freshness`]: `prompt=login`,
//! `max_age`, `id_token_hint`, decided here and nowhere else). It gets an
//! [`Authenticated`] person, or `None`: then it sends the browser to sign in,
//! with a [`ReturnTo`] saying where to come back — an authorization request,
//! or any other page of this server (an account page, a device verification
//! page).
//!
//! - [`session`]: starting, reading and ending browser sessions, and the
//!   tokens of forms bound to one;
//! - [`login_form`]: the login page's CSRF binding and what a posted login
//!   form does (check it, sign in by a method, start the session);
//! - one file per sign-in method, each yielding an [`Authenticated`]:
//!   [`password`] (email and password);
//! - [`lockout`]: the brute-force protection every guessable secret shares.

pub mod lockout;
pub mod login_form;
pub mod password;
pub mod session;

use crate::store::Session;

pub use session::{BrowserSession, DEVICE_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE};

/// A person who proved who they are, by any method.
#[derive(Debug, Clone, PartialEq)]
pub struct Authenticated {
    /// The subject id (`sub`): random, never the email.
    pub sub: String,
    pub tenant: String,
    pub email: String,
    /// The user's claims (JSON object text), copied to what they authorize.
    pub claims: String,
    /// How they proved it (RFC 8176 values, e.g. `pwd`).
    pub amr: Vec<String>,
    /// When (OpenID Connect `auth_time`).
    pub auth_time: i64,
    /// May register apps in the developer portal.
    pub developer: bool,
}

impl Authenticated {
    /// The person a stored session is for.
    pub fn of_session(s: &Session) -> Self {
        Self {
            sub: s.sub.clone(),
            tenant: s.tenant.clone(),
            email: s.email.clone(),
            claims: s.claims.clone(),
            amr: s.amr(),
            auth_time: s.auth_time,
            developer: s.developer,
        }
    }
}

/// What a page requires of the sign-in behind a session (OpenID Connect Core
/// §3.1.2.1): the tenant it was made in, no more than `max_age` seconds ago
/// unless a new sign-in is asked for (`prompt=login`), and the user an
/// `id_token_hint` names.
#[derive(Debug, Clone, Copy, Default)]
pub struct Freshness<'a> {
    pub tenant: &'a str,
    /// Sign in again whatever the session (`prompt=login`).
    pub sign_in_again: bool,
    pub max_age: Option<i64>,
    /// The subject an `id_token_hint` names.
    pub hinted_sub: Option<&'a str>,
}

impl Freshness<'_> {
    /// Any sign-in in this tenant will do (the account pages).
    pub fn any(tenant: &str) -> Freshness<'_> {
        Freshness {
            tenant,
            ..Freshness::default()
        }
    }

    /// Whether a session's sign-in satisfies these requirements at `now`.
    pub fn satisfied_by(&self, s: &Session, now: i64) -> bool {
        s.tenant == self.tenant
            && !self.sign_in_again
            && self.max_age.is_none_or(|max| now - s.auth_time <= max)
            && self.hinted_sub.is_none_or(|sub| sub == s.sub)
    }
}

/// The browser's session, if there is one and it satisfies `fresh`.
pub async fn signed_in(
    state: &crate::State,
    cookie: Option<&str>,
    fresh: &Freshness<'_>,
    now: i64,
) -> Result<Option<BrowserSession>, crate::StoreError> {
    let session = session::read(state, cookie, now).await?;
    Ok(session.filter(|s| fresh.satisfied_by(&s.session, now)))
}

/// Where the browser goes back to once signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnTo {
    /// An authorization request: the endpoint's path and the request's
    /// parameters, posted back by the login form.
    AuthorizationRequest {
        path: String,
        fields: Vec<(String, String)>,
    },
    /// Another page of this server, by its local path and query.
    Page(String),
}

impl ReturnTo {
    /// A page to come back to, from a `return_to` parameter: only a path of
    /// this server (`/…`, never `//host` or a URL), so a sign-in can never
    /// send the browser elsewhere.
    pub fn page(path: &str) -> Option<Self> {
        let local = path.starts_with('/')
            && !path.starts_with("//")
            && !path.contains('\\')
            && path.len() <= 2048
            && !path.chars().any(char::is_control);
        local.then(|| Self::Page(path.to_string()))
    }

    /// The URL to redirect to after the sign-in. For an authorization
    /// request, the sign-in was made for this request, so its demands for one
    /// are met and dropped: `prompt=login` (and `select_account`), and
    /// `max_age` (OpenID Connect Core §3.1.2.1: `max_age=0` is `prompt=login`;
    /// the ID token still carries `auth_time`).
    pub fn url(&self) -> String {
        match self {
            Self::Page(path) => path.clone(),
            Self::AuthorizationRequest { path, fields } => {
                let fields = fields.iter().filter_map(|(k, v)| {
                    if k == "max_age" {
                        return None;
                    }
                    if k != "prompt" {
                        return Some((k.as_str(), v.clone()));
                    }
                    let kept: Vec<&str> = v
                        .split(' ')
                        .filter(|p| !p.is_empty() && *p != "login" && *p != "select_account")
                        .collect();
                    (!kept.is_empty()).then(|| (k.as_str(), kept.join(" ")))
                });
                let q: String = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish();
                format!("{path}?{q}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(auth_time: i64) -> Session {
        Session {
            pk: "session#x".into(),
            sub: "u1".into(),
            tenant: "default".into(),
            email: "a@b.c".into(),
            claims: "{}".into(),
            sid: "s".into(),
            auth_time,
            amr: vec![],
            owner: "u1".into(),
            developer: false,
            created_at: 0,
            user_agent: String::new(),
            expires_at: i64::MAX,
        }
    }

    fn fresh(sign_in_again: bool, max_age: Option<i64>) -> Freshness<'static> {
        Freshness {
            tenant: "default",
            sign_in_again,
            max_age,
            hinted_sub: None,
        }
    }

    #[test]
    fn max_age_asks_for_a_sign_in_older_than_it_and_prompt_login_always() {
        let s = session(1_000);
        assert!(fresh(false, Some(60)).satisfied_by(&s, 1_060));
        assert!(!fresh(false, Some(60)).satisfied_by(&s, 1_061));
        assert!(
            !fresh(false, Some(0)).satisfied_by(&s, 1_001),
            "max_age=0 is prompt=login"
        );
        assert!(!fresh(true, None).satisfied_by(&s, 1_000));
        assert!(fresh(false, None).satisfied_by(&s, i64::MAX));
    }

    #[test]
    fn a_hint_for_another_user_or_another_tenant_asks_for_a_sign_in() {
        let hinted = |sub| Freshness {
            hinted_sub: Some(sub),
            ..Freshness::any("default")
        };
        assert!(hinted("u1").satisfied_by(&session(0), 0));
        assert!(!hinted("u2").satisfied_by(&session(0), 0));
        assert!(!Freshness::any("other").satisfied_by(&session(0), 0));
    }

    #[test]
    fn a_page_to_return_to_is_a_local_path_only() {
        assert_eq!(
            ReturnTo::page("/account?tab=apps").unwrap().url(),
            "/account?tab=apps"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "account",
            "/a\nb",
            "",
        ] {
            assert!(ReturnTo::page(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn f4_after_signing_in_for_a_request_its_demands_for_a_sign_in_are_dropped() {
        let fields = [
            ("response_type", "code"),
            ("state", "a b"),
            ("prompt", "login consent"),
            ("max_age", "0"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .to_vec();
        let r = ReturnTo::AuthorizationRequest {
            path: "/oauth/authorize".into(),
            fields,
        };
        assert_eq!(
            r.url(),
            "/oauth/authorize?response_type=code&state=a+b&prompt=consent"
        );
    }
}
