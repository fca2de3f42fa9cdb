//! The pages where a signed-in person manages what is theirs, apart from any
//! authorization request: the account page (`/account`: the apps they
//! allowed, their sessions) and the developer portal (`/developers`: the apps
//! they registered). Who is signed in comes from the sign-in module
//! ([`crate::authn`]); a visitor who is not is sent to `/login` and back.
//!
//! - [`people`]: the account page;
//! - [`portal`]: the developer portal.
//!
//! Every form carries a token bound to the session and to what it decides
//! ([`crate::authn::BrowserSession::form_token`]). Every app a form names is
//! checked to be the person's own before anything is done.

pub mod app_form;
pub mod people;
pub mod portal;

use crate::authn::{self, BrowserSession, Freshness};
use crate::error::OAuthError;
use crate::params::Params;
use crate::state::State;
use crate::store::{Client, DEFAULT_TENANT};

/// What the handler extracted from the HTTP request.
pub struct Input {
    pub is_post: bool,
    /// The request path (and query), to come back to after signing in.
    pub path: String,
    pub params: Params,
    pub session_cookie: Option<String>,
}

/// A page for the function crate to render.
#[derive(Debug, Clone)]
pub enum Page {
    Account(Box<people::AccountPage>),
    Portal(Box<portal::PortalPage>),
    App(Box<portal::AppPage>),
    /// Signed in, but not a developer.
    NotDeveloper {
        email: String,
    },
    Error {
        status: u16,
        title: String,
        message: String,
    },
}

/// What the browser is shown.
#[derive(Debug, Clone)]
pub enum View {
    Page(Page),
    /// 303 to this server's own path (after a form, or to sign in).
    Redirect(String),
}

/// The answer: the view, cookies to set, and what the log line says.
#[derive(Debug, Clone)]
pub struct Answer {
    pub view: View,
    pub set_cookies: Vec<String>,
    pub result: &'static str,
    /// Why a 5xx happened, for the log line only.
    pub cause: Option<String>,
}

impl Answer {
    fn page(page: Page, result: &'static str) -> Self {
        Self {
            view: View::Page(page),
            set_cookies: vec![],
            result,
            cause: None,
        }
    }

    fn redirect(to: impl Into<String>, result: &'static str) -> Self {
        Self {
            view: View::Redirect(to.into()),
            set_cookies: vec![],
            result,
            cause: None,
        }
    }
}

/// An error page.
pub fn error_page(status: u16, title: &str, message: &str) -> Answer {
    let page = Page::Error {
        status,
        title: title.into(),
        message: message.into(),
    };
    Answer::page(page, "error_page")
}

/// The page for a failure of our own (503 when DynamoDB is unavailable).
fn failure(e: OAuthError) -> Answer {
    let mut a = if e.code == crate::error::ErrorCode::TemporarilyUnavailable {
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

/// The person signed in in this browser, or the way to the sign-in page and
/// back here (`/login?return_to=…`).
pub async fn signed_in_or_sign_in(
    state: &State,
    input: &Input,
    now: i64,
) -> Result<Result<BrowserSession, Answer>, OAuthError> {
    let fresh = Freshness::any(DEFAULT_TENANT);
    match authn::signed_in(state, input.session_cookie.as_deref(), &fresh, now).await? {
        Some(s) => Ok(Ok(s)),
        None => {
            let q: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("return_to", &input.path)
                .finish();
            let to = format!("{}?{q}", crate::paths::LOGIN_PATH);
            Ok(Err(Answer::redirect(to, "sign_in_first")))
        }
    }
}

/// Whether a posted form's token is this session's for `purpose` and what
/// it decides; a refusal page otherwise.
async fn verified(
    state: &State,
    session: &BrowserSession,
    params: &Params,
    purpose: &str,
    decides: &[&str],
) -> Result<Option<Answer>, OAuthError> {
    if session
        .verifies(state, purpose, decides, params.get("csrf"))
        .await?
    {
        return Ok(None);
    }
    let mut a = error_page(
        403,
        "Request not verified",
        "This form could not be verified. Go back and try again.",
    );
    a.result = "csrf_rejected";
    Ok(Some(a))
}

/// A client the person may manage: registered in the portal by them. Anyone
/// else's (or none) is "not found", alike, so ids cannot be probed.
fn own_app(client: Option<Client>, sub: &str) -> Option<Client> {
    client.filter(|c| c.owner.as_deref() == Some(sub))
}

/// Runs the account page (`/account`).
pub async fn account(state: &State, input: Input, now: i64) -> Answer {
    match Box::pin(people::run(state, &input, now)).await {
        Ok(a) => a,
        Err(e) => failure(e),
    }
}

/// Runs the developer portal (`/developers`, `/developers/apps/{id}`).
pub async fn developers(state: &State, input: Input, app: Option<&str>, now: i64) -> Answer {
    match Box::pin(portal::run(state, &input, app, now)).await {
        Ok(a) => a,
        Err(e) => failure(e),
    }
}
