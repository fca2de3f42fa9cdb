//! What people and apps do by themselves: dynamic client registration
//! (`POST /oauth/register`, RFC 7591) and its management
//! (`/oauth/register/{client_id}`, RFC 7592), the developer portal
//! (`/developers`) and the account page (`/account`). HTTP in, HTTP out: the
//! rules live in `shared::registration` and `shared::account`, the pages in
//! the `pages` crate. The only function that writes clients.

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::account::{self, Input, View};
use shared::authn::SESSION_COOKIE;
use shared::http_util::{
    body_bytes, cookie, json_no_store, params, preflight, query_string, with_cors,
};
use shared::params::Params;
use shared::registration::dynamic::{self, Manage};
use shared::telemetry::RequestLog;
use shared::State;

/// The paths this function answers.
#[derive(Debug, PartialEq, Eq)]
enum Endpoint<'a> {
    Register,
    Registration(String),
    Account,
    Developers,
    App(&'a str),
}

fn endpoint(path: &str) -> Option<Endpoint<'_>> {
    match path {
        dynamic::PATH => Some(Endpoint::Register),
        "/account" => Some(Endpoint::Account),
        "/developers" => Some(Endpoint::Developers),
        _ => {
            if let Some(id) = path.strip_prefix("/oauth/register/") {
                let id = percent_encoding::percent_decode_str(id)
                    .decode_utf8()
                    .ok()?;
                return (!id.is_empty() && !id.contains('/'))
                    .then(|| Endpoint::Registration(id.into_owned()));
            }
            let id = path.strip_prefix("/developers/apps/")?;
            (!id.is_empty() && !id.contains('/')).then_some(Endpoint::App(id))
        }
    }
}

/// Handles one request.
pub async fn handle(state: &State, req: Request) -> Response<Body> {
    let mut log = RequestLog::start("account", &req);
    let now = state.clock.now();
    let resp = match endpoint(req.uri().path()) {
        Some(Endpoint::Register) => registration(state, &req, None, &mut log, now).await,
        Some(Endpoint::Registration(id)) => {
            log.client_id = Some(id.clone());
            registration(state, &req, Some(&id), &mut log, now).await
        }
        Some(e) => page(state, &req, e, &mut log, now).await,
        None => {
            let a = account::error_page(404, "Not found", "There is no page at this address.");
            log.outcome = "not_found";
            render(&a)
        }
    };
    log.finish(resp.status().as_u16());
    resp
}

/// The bearer token of `Authorization: Bearer …` (RFC 6750 §2.1).
fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// RFC 7591 and RFC 7592: JSON in, JSON out (CORS like the token endpoint:
/// apps running in browsers register too).
async fn registration(
    state: &State,
    req: &Request,
    client_id: Option<&str>,
    log: &mut RequestLog,
    now: i64,
) -> Response<Body> {
    if req.method() == Method::OPTIONS {
        return preflight(if client_id.is_some() {
            "GET, PUT, DELETE"
        } else {
            "POST"
        });
    }
    let token = bearer(req);
    let body = body_bytes(req);
    let wrong_type = || dynamic::Answer {
        status: 400,
        body: serde_json::json!({"error": "invalid_client_metadata", "error_description": "the request body must be application/json"}),
        challenge: None,
    };
    let answer = match (client_id, req.method().clone()) {
        (None, Method::POST) if !is_json(req) => Ok(wrong_type()),
        (None, Method::POST) => dynamic::register(state, body, token, now).await,
        (Some(id), Method::GET) => dynamic::manage(state, id, token, Manage::Read, now).await,
        (Some(_), Method::PUT) if !is_json(req) => Ok(wrong_type()),
        (Some(id), Method::PUT) => {
            dynamic::manage(state, id, token, Manage::Replace(body), now).await
        }
        (Some(id), Method::DELETE) => dynamic::manage(state, id, token, Manage::Delete, now).await,
        _ => {
            let mut r = json_no_store(
                405,
                r#"{"error":"invalid_request","error_description":"method not allowed"}"#.into(),
            );
            let allow = if client_id.is_some() {
                "GET, PUT, DELETE"
            } else {
                "POST"
            };
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
            return with_cors(r);
        }
    };
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            let e = shared::OAuthError::from(e);
            log.cause = e.cause.clone();
            return with_cors(json_no_store(e.status(), e.to_json()));
        }
    };
    log.outcome = answer.body["error"].as_str().map_or("ok", |_| "refused");
    if let Some(id) = answer.body["client_id"].as_str() {
        log.client_id = Some(id.to_string());
    }
    let mut r = if answer.status == 204 {
        let mut r = Response::new(Body::Empty);
        *r.status_mut() = StatusCode::NO_CONTENT;
        shared::http_util::harden(r.headers_mut());
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    } else {
        json_no_store(answer.status, answer.body.to_string())
    };
    if let Some(code) = answer.challenge {
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer error=\"{code}\"")) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
    }
    with_cors(r)
}

/// The account page and the portal: HTML pages.
async fn page(
    state: &State,
    req: &Request,
    endpoint: Endpoint<'_>,
    log: &mut RequestLog,
    now: i64,
) -> Response<Body> {
    let is_post = match *req.method() {
        Method::GET => false,
        Method::POST => true,
        _ => {
            let mut r = render(&account::error_page(
                405,
                "Method not allowed",
                "Use GET or POST.",
            ));
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
            return r;
        }
    };
    let parsed = if is_post {
        params(req)
    } else {
        Params::parse(query_string(req), b"")
    };
    let Ok(params) = parsed else {
        return render(&account::error_page(
            400,
            "Invalid request",
            "The request could not be read.",
        ));
    };
    let q = query_string(req);
    let path = if q.is_empty() || is_post {
        req.uri().path().to_string()
    } else {
        format!("{}?{q}", req.uri().path())
    };
    let input = Input {
        is_post,
        path,
        params,
        session_cookie: cookie(req.headers(), &state.config.cookie_name(SESSION_COOKIE)),
    };
    let answer = match endpoint {
        Endpoint::Account => account::account(state, input, now).await,
        Endpoint::Developers => account::developers(state, input, None, now).await,
        Endpoint::App(id) => {
            log.client_id = Some(id.to_string());
            account::developers(state, input, Some(id), now).await
        }
        _ => account::error_page(404, "Not found", "There is no page at this address."),
    };
    log.outcome = answer.result;
    log.cause = answer.cause.clone();
    render(&answer)
}

fn render(a: &account::Answer) -> Response<Body> {
    match &a.view {
        View::Page(p) => {
            let (status, body) = pages::account::render(p);
            let csp = pages::csp(&["'self'".to_string()], None);
            pages::respond(status, body, &csp, &a.set_cookies)
        }
        View::Redirect(to) => pages::redirect(to, 303, &a.set_cookies),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_its_own_paths_only() {
        assert_eq!(endpoint("/oauth/register"), Some(Endpoint::Register));
        assert_eq!(
            endpoint("/oauth/register/abc"),
            Some(Endpoint::Registration("abc".into()))
        );
        assert_eq!(endpoint("/developers/apps/x1"), Some(Endpoint::App("x1")));
        for p in [
            "/oauth/register/",
            "/oauth/register/a/b",
            "/developers/apps/",
            "/developers/apps/a/b",
            "/",
            "/accounts",
        ] {
            assert_eq!(endpoint(p), None, "{p}");
        }
    }
}
