//! The authorization endpoint (RFC 6749 §4.1.1, §4.1.2, §4.1.2.1; RFC 7636).
//!
//! The endpoint is stateless between requests: each form posts the original
//! authorization parameters back, and they are validated again every time.
//! This module decides; the function crate renders what it decides.
//!
//! - [`request`]: validating the authorization request (which errors show a page
//!   and which go back to the client), OpenID Connect's parameters included;
//! - [`interaction`]: the steps — who is signed in (the sign-in module,
//!   [`crate::authn`]), consent, the outcome — and which comes next;
//! - [`consent`]: remembered consent and when to ask again;
//! - [`code`]: the outcome, an authorization with its code;
//! - [`reply`]: the response to the client (query or form post, with `iss`);
//! - [`logout`]: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0);
//! - [`sign_in`]: the sign-in page of the pages that are not an authorization
//!   request (`/login`), and [`password`]: changing one's password.

pub mod code;
pub mod consent;
mod interaction;
pub mod logout;
mod password;
mod reply;
mod request;
mod sign_in;

pub use reply::ClientReply;
pub use request::{AuthRequest, Prompt};

use crate::authn::ReturnTo;
use crate::error::{ErrorCode, OAuthError};
use crate::params::Params;
use crate::state::State;
use crate::store::Client;

/// A page for the function crate to render.
#[derive(Debug, Clone)]
pub enum Page {
    /// Never redirects: the client or redirect URI cannot be trusted, or the
    /// service is down.
    Error {
        status: u16,
        title: String,
        message: String,
    },
    /// The login form: for an application (`app`) or a page of this server;
    /// it posts back to where `return_to` says.
    Login {
        app: Option<String>,
        return_to: ReturnTo,
        csrf: String,
        error: Option<String>,
        email: Option<String>,
        status: u16,
    },
    /// What `client` asks for (`scopes`); the form posts `fields` back, and
    /// the answer goes on to `answer_to` (a redirect URI).
    Consent {
        client: Box<Client>,
        scopes: Vec<String>,
        fields: Vec<(String, String)>,
        answer_to: Option<String>,
        csrf: String,
        email: String,
    },
    /// RP-initiated logout without proof it came from the user's application:
    /// the user confirms. The fields are posted back with the answer.
    LogoutConfirm {
        csrf: String,
        fields: Vec<(String, String)>,
        client_name: Option<String>,
    },
    /// Signed out, and no application to go back to.
    LoggedOut,
    /// Changing one's password.
    ChangePassword {
        csrf: String,
        email: String,
        error: Option<String>,
        done: bool,
        status: u16,
    },
}

/// What the browser is shown.
#[derive(Debug, Clone)]
pub enum View {
    Page(Page),
    /// 302 to the client (code or error) or 303 back to the authorize URL.
    Redirect {
        location: String,
        status: u16,
    },
    /// OAuth 2.0 Form Post Response Mode: a form of `fields` posted to `action`
    /// by itself (and by a button when scripts are off).
    FormPost {
        action: String,
        fields: Vec<(String, String)>,
    },
}

/// The endpoint's answer: the view, cookies to set, and what the log line says.
#[derive(Debug, Clone)]
pub struct Answer {
    pub view: View,
    pub set_cookies: Vec<String>,
    /// For the log line.
    pub client_id: Option<String>,
    pub result: &'static str,
    /// Why a 5xx happened, for the log line only.
    pub cause: Option<String>,
}

impl Answer {
    pub(crate) fn new(view: View, result: &'static str) -> Self {
        Self {
            view,
            set_cookies: vec![],
            client_id: None,
            result,
            cause: None,
        }
    }

    fn page(p: Page, result: &'static str) -> Self {
        Self::new(View::Page(p), result)
    }

    fn redirect(location: String, status: u16, result: &'static str) -> Self {
        Self::new(View::Redirect { location, status }, result)
    }

    fn labelled(mut self, result: &'static str) -> Self {
        self.result = result;
        self
    }
}

/// An error page (no cookies set, no client named).
pub fn error_page(status: u16, title: &str, message: impl Into<String>) -> Answer {
    let page = Page::Error {
        status,
        title: title.into(),
        message: message.into(),
    };
    Answer::page(page, "error_page")
}

/// The page for a failure of our own: 503 when DynamoDB is unavailable, 500
/// for anything else; the cause goes to the log line.
fn failure_page(e: OAuthError) -> Answer {
    let mut a = if e.code == ErrorCode::TemporarilyUnavailable {
        error_page(
            503,
            "Temporarily unavailable",
            "The service is temporarily unavailable. Please try again in a moment.",
        )
    } else {
        error_page(
            500,
            "Something went wrong",
            "The server could not handle this request. Please try again later.",
        )
    };
    a.cause = e.cause;
    a
}

/// What the handler extracted from the HTTP request.
pub struct Input {
    pub is_post: bool,
    /// The request path, for redirecting back after sign-in.
    pub path: String,
    pub params: Result<Params, OAuthError>,
    pub session_cookie: Option<String>,
    pub login_csrf_cookie: Option<String>,
    pub device_cookie: Option<String>,
    pub user_agent: Option<String>,
}

/// Runs the authorization endpoint.
pub async fn handle(state: &State, input: Input, now: i64) -> Answer {
    let params = match &input.params {
        Ok(p) => p,
        Err(e) => return error_page(400, "Invalid request", e.description.clone()),
    };
    let client_id = params.get("client_id").map(str::to_string);
    // Boxed: the interaction's future is deep, and callers' futures stay small.
    let mut answer = match Box::pin(interaction::run(state, params, &input, now)).await {
        Ok(a) => a,
        Err(e) => failure_page(e),
    };
    answer.client_id = client_id;
    answer
}

/// Runs the sign-in page (`/login`).
pub async fn sign_in_page(state: &State, input: Input, now: i64) -> Answer {
    match Box::pin(sign_in::run(state, &input, now)).await {
        Ok(a) => a,
        Err(e) => failure_page(e),
    }
}

/// Runs the password change page (`/account/password`).
pub async fn password_page(state: &State, input: Input, now: i64) -> Answer {
    match Box::pin(password::run(state, &input, now)).await {
        Ok(a) => a,
        Err(e) => failure_page(e),
    }
}

/// Appends parameters to a redirect URI, keeping any query it already has.
pub fn redirect_with(uri: &str, pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return uri.to_string();
    }
    match url::Url::parse(uri) {
        Ok(mut u) => {
            u.query_pairs_mut().extend_pairs(pairs);
            u.to_string()
        }
        Err(_) => uri.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_parameters_are_appended_to_an_existing_query() {
        assert_eq!(
            redirect_with(
                "https://a.example/cb?x=1",
                &[("code", "a b"), ("state", "s&t")]
            ),
            "https://a.example/cb?x=1&code=a+b&state=s%26t"
        );
    }

    #[test]
    fn an_outage_is_a_503_page_and_anything_else_a_500_page_with_the_cause_logged() {
        let a = failure_page(OAuthError::unavailable().with_cause("timeout"));
        assert!(matches!(
            a.view,
            View::Page(Page::Error { status: 503, .. })
        ));
        assert_eq!(a.cause.as_deref(), Some("timeout"));
        let a = failure_page(OAuthError::server_error());
        assert!(matches!(
            a.view,
            View::Page(Page::Error { status: 500, .. })
        ));
    }
}
