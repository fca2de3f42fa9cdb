//! The authorization endpoint (`GET|POST /oauth/authorize` and the legacy
//! APIs' aliases) and RP-initiated logout (`GET|POST /oauth/logout`): HTTP in,
//! HTTP out. The rules live in `shared::authorize`; the pages in the `pages`
//! crate.

use lambda_http::http::{header, HeaderValue, Method};
use lambda_http::{Body, Request, Response};
use shared::authn::{DEVICE_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use shared::authorize::logout::{self, LogoutInput};
use shared::authorize::{self, Answer, Input, Page, View};
use shared::http_util::{cookie, params, query_string};
use shared::params::Params;
use shared::telemetry::RequestLog;
use shared::State;

/// The paths this function answers.
#[derive(Debug, PartialEq, Eq)]
enum Endpoint {
    Authorize,
    Logout,
    /// The sign-in page of the other pages (`/login`).
    SignIn,
    /// Changing one's password (`/account/password`).
    Password,
}

/// RFC 6749's path and the legacy APIs' aliases; the template routes
/// `/auth/oauth/{action}` here for BellaDati's `/auth/oauth/request:new` (API
/// Gateway takes no `:` in a static route).
fn endpoint(path: &str) -> Option<Endpoint> {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    match decoded.as_ref() {
        "/oauth/authorize" | "/auth/oauth/request" | "/auth/oauth/request:new" => {
            Some(Endpoint::Authorize)
        }
        "/oauth/logout" => Some(Endpoint::Logout),
        "/login" => Some(Endpoint::SignIn),
        "/account/password" => Some(Endpoint::Password),
        _ => None,
    }
}

/// Handles one request.
pub async fn handle(state: &State, req: Request) -> Response<Body> {
    let mut log = RequestLog::start("authorize", &req);
    let answer = answer(state, &req).await;
    let mut resp = render(state, &answer);
    if answer.result == "method_not_allowed" {
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    }
    log.client_id = answer.client_id;
    log.outcome = answer.result;
    log.cause = answer.cause;
    log.finish(resp.status().as_u16());
    resp
}

async fn answer(state: &State, req: &Request) -> Answer {
    let Some(endpoint) = endpoint(req.uri().path()) else {
        return Answer {
            result: "not_found",
            ..authorize::error_page(404, "Not found", "There is no page at this address.")
        };
    };
    let is_post = match *req.method() {
        Method::GET => false,
        Method::POST => true,
        _ => {
            return Answer {
                result: "method_not_allowed",
                ..authorize::error_page(405, "Method not allowed", "Use GET or POST.")
            }
        }
    };
    // Both endpoints take their parameters by GET or POST (OpenID Connect Core
    // §3.1.2.1, RP-Initiated Logout §2).
    let params = if is_post {
        params(req)
    } else {
        Params::parse(query_string(req), b"")
    };
    let named = |base: &str| cookie(req.headers(), &state.config.cookie_name(base));
    let session_cookie = named(SESSION_COOKIE);
    let now = state.clock.now();
    let input = |params, session_cookie| Input {
        is_post,
        path: req.uri().path().to_string(),
        params,
        session_cookie,
        login_csrf_cookie: named(LOGIN_CSRF_COOKIE),
        device_cookie: named(DEVICE_COOKIE),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    };
    match endpoint {
        Endpoint::Authorize => authorize::handle(state, input(params, session_cookie), now).await,
        Endpoint::SignIn => {
            authorize::sign_in_page(state, input(params, session_cookie), now).await
        }
        Endpoint::Password => {
            authorize::password_page(state, input(params, session_cookie), now).await
        }
        Endpoint::Logout => {
            let input = LogoutInput {
                is_post,
                params,
                session_cookie,
            };
            logout::handle(state, input, now).await
        }
    }
}

/// Where a page's forms may go, its response included.
fn form_targets(page: &Page) -> Vec<String> {
    let own = || "'self'".to_string();
    match page {
        Page::Login { .. } => vec![own()],
        Page::Consent { answer_to, .. } => std::iter::once(own())
            .chain(answer_to.as_deref().and_then(pages::csp_source))
            .collect(),
        Page::LogoutConfirm { fields, .. } => std::iter::once(own())
            .chain(
                fields
                    .iter()
                    .filter(|(k, _)| k == "post_logout_redirect_uri")
                    .filter_map(|(_, v)| pages::csp_source(v)),
            )
            .collect(),
        Page::ChangePassword { .. } => vec![own()],
        Page::Error { .. } | Page::LoggedOut => vec![],
    }
}

fn render(state: &State, out: &Answer) -> Response<Body> {
    let cookies = &out.set_cookies;
    match &out.view {
        View::Page(page) => {
            let (status, body) = pages::authorize::render(page, &state.config);
            let images: Vec<String> = match page {
                Page::Consent { client, .. } => pages::authorize::logo(client)
                    .and_then(pages::csp_source)
                    .into_iter()
                    .collect(),
                _ => vec![],
            };
            let csp = pages::csp_with_images(&form_targets(page), None, &images);
            pages::respond(status, body, &csp, cookies)
        }
        View::FormPost { action, fields } => {
            let targets: Vec<String> = pages::csp_source(action).into_iter().collect();
            let csp = pages::csp(&targets, Some(pages::FORM_POST_SCRIPT));
            pages::respond(200, pages::form_post(action, fields), &csp, cookies)
        }
        View::Redirect { location, status } => pages::redirect(location, *status, cookies),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_the_rfc_path_the_legacy_aliases_and_logout_only() {
        for p in [
            "/oauth/authorize",
            "/auth/oauth/request",
            "/auth/oauth/request:new",
            "/auth/oauth/request%3Anew",
            "/auth/oauth/request%3anew",
        ] {
            assert_eq!(endpoint(p), Some(Endpoint::Authorize), "{p}");
        }
        assert_eq!(endpoint("/oauth/logout"), Some(Endpoint::Logout));
        for p in [
            "/auth/oauth/other",
            "/auth/oauth/request:old",
            "/oauth/authorize/x",
            "/",
        ] {
            assert_eq!(endpoint(p), None, "{p}");
        }
    }
}
