//! `GET|POST /oauth/authorize` (and `/auth/oauth/request`): HTTP in, HTTP out.
//! The rules live in `shared::authorize`; the pages in [`pages`].

pub mod pages;

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::authorize::{self, Answer, Input, View, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use shared::http_util::{cookie, params, query_string};
use shared::params::Params;
use shared::telemetry::RequestLog;
use shared::State;

/// The paths this function answers: RFC 6749's and the seeds' aliases. The
/// template routes `/auth/oauth/{action}` here for BellaDati's
/// `/auth/oauth/request:new` (API Gateway takes no `:` in a static route).
fn is_authorize_path(path: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    matches!(
        decoded.as_ref(),
        "/oauth/authorize" | "/auth/oauth/request" | "/auth/oauth/request:new"
    )
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
    if !is_authorize_path(req.uri().path()) {
        return Answer {
            result: "not_found",
            ..authorize::error_page(404, "Not found", "There is no page at this address.")
        };
    }
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
    let input = Input {
        is_post,
        path: req.uri().path().to_string(),
        params: if is_post {
            params(req)
        } else {
            Params::parse(query_string(req), b"")
        },
        session_cookie: cookie(req.headers(), SESSION_COOKIE),
        login_csrf_cookie: cookie(req.headers(), LOGIN_CSRF_COOKIE),
    };
    authorize::handle(state, input, state.clock.now()).await
}

fn render(state: &State, out: &Answer) -> Response<Body> {
    let mut resp = match &out.view {
        View::Page(page) => {
            let (status, html) = pages::render(page, &state.config);
            let mut r = Response::new(Body::Text(html));
            *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(pages::csp()),
            );
            r
        }
        View::Redirect { location, status } => {
            let mut r = Response::new(Body::Empty);
            *r.status_mut() = StatusCode::from_u16(*status).unwrap_or(StatusCode::FOUND);
            if let Ok(v) = HeaderValue::from_str(location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
    };
    let h = resp.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    for c in &out.set_cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::is_authorize_path;

    #[test]
    fn answers_the_rfc_path_and_the_seed_aliases_only() {
        for p in [
            "/oauth/authorize",
            "/auth/oauth/request",
            "/auth/oauth/request:new",
            "/auth/oauth/request%3Anew",
            "/auth/oauth/request%3anew",
        ] {
            assert!(is_authorize_path(p), "{p}");
        }
        for p in [
            "/auth/oauth/other",
            "/auth/oauth/request:old",
            "/oauth/authorize/x",
            "/",
        ] {
            assert!(!is_authorize_path(p), "{p}");
        }
    }
}
