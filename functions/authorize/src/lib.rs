//! `GET|POST /oauth/authorize` (and `/auth/oauth/request`): HTTP in, HTTP out.
//! The rules live in `shared::authorize`; the pages in [`pages`].

pub mod pages;

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::authorize::{self, Input, Outcome, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use shared::http_util::{cookie, params, query_string};
use shared::params::Params;
use shared::{telemetry, State};

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
    let started = std::time::Instant::now();
    let (resp, client_id, result) = if !is_authorize_path(req.uri().path()) {
        let out = authorize::Response {
            result: "not_found",
            ..authorize::error_page(404, "Not found", "There is no page at this address.")
        };
        (render(state, &out), None, out.result)
    } else if req.method() == Method::GET || req.method() == Method::POST {
        let is_post = req.method() == Method::POST;
        let input = Input {
            is_post,
            path: req.uri().path().to_string(),
            params: if is_post {
                params(&req)
            } else {
                Params::parse(query_string(&req), b"")
            },
            session_cookie: cookie(req.headers(), SESSION_COOKIE),
            login_csrf_cookie: cookie(req.headers(), LOGIN_CSRF_COOKIE),
        };
        let out = authorize::handle(state, input).await;
        (render(state, &out), out.client_id, out.result)
    } else {
        let out = authorize::error_page(405, "Method not allowed", "Use GET or POST.");
        let mut r = render(state, &out);
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        (r, None, out.result)
    };
    telemetry::request_done(
        "authorize",
        telemetry::request_id(&req).as_deref(),
        req.method().as_str(),
        req.uri().path(),
        resp.status().as_u16(),
        client_id.as_deref(),
        None,
        result,
        started,
    );
    resp
}

fn render(state: &State, out: &authorize::Response) -> Response<Body> {
    let mut resp = match &out.outcome {
        Outcome::Page(page) => {
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
        Outcome::Redirect { location, status } => {
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
