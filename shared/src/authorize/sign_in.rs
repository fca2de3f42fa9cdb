//! The sign-in page of the pages that are not an authorization request
//! (`/login?return_to=/account`): the same login form and sign-in method as
//! the authorization endpoint's ([`crate::authn::login_form`]), coming back
//! to the page that sent the browser here — only ever a path of this server
//! ([`ReturnTo::page`]).

use super::{Answer, Input, Page};
use crate::authn::login_form::{self, Outcome, Submitted};
use crate::authn::ReturnTo;
use crate::error::OAuthError;
use crate::state::State;
use crate::store::DEFAULT_TENANT;

/// Where a sign-in comes back to when `return_to` is missing or not ours.
const HOME: &str = "/account";

pub(super) async fn run(state: &State, input: &Input, now: i64) -> Result<Answer, OAuthError> {
    let params = match &input.params {
        Ok(p) => p,
        Err(e) => {
            return Ok(super::error_page(
                400,
                "Invalid request",
                e.description.clone(),
            ))
        }
    };
    let return_to = params
        .get("return_to")
        .and_then(ReturnTo::page)
        .unwrap_or_else(|| ReturnTo::Page(HOME.into()));
    let page =
        |csrf: String, error: Option<String>, email: Option<String>, status: u16| Page::Login {
            app: None,
            return_to: return_to.clone(),
            csrf,
            error,
            email,
            status,
        };
    let mut cookie = input.login_csrf_cookie.as_deref();
    let (mut error, mut status, mut label) = (None, 200, "login_page");
    if input.is_post && params.get("action") == Some("login") {
        let form = Submitted {
            tenant: DEFAULT_TENANT,
            csrf: params.get("csrf"),
            email: params.get("email"),
            password: params.get("password"),
            login_csrf_cookie: input.login_csrf_cookie.as_deref(),
            device_cookie: input.device_cookie.as_deref(),
            replacing: input.session_cookie.as_deref(),
            user_agent: input.user_agent.as_deref(),
        };
        match login_form::submit(state, form, now).await? {
            Outcome::SignedIn { set_cookies, .. } => {
                let mut a = Answer::redirect(return_to.url(), 303, "login_ok");
                a.set_cookies = set_cookies;
                return Ok(a);
            }
            Outcome::Refused(r) => {
                if r.new_csrf_cookie {
                    cookie = None;
                }
                (error, status, label) = (Some(r.message), r.status, r.label);
            }
        }
    }
    let prepared = login_form::prepare(state, cookie, now).await?;
    let email = params.get("email").map(str::to_string);
    let mut a = Answer::page(page(prepared.csrf, error, email, status), label);
    a.set_cookies = prepared.set_cookie.into_iter().collect();
    Ok(a)
}
