//! `GET|POST /oauth/userinfo` (OpenID Connect Core §5.3, RFC 6750), the
//! discovery documents (`/.well-known/openid-configuration` and
//! `/.well-known/oauth-authorization-server`), the JWKS
//! (`/.well-known/jwks.json`) and `GET /openapi.yaml`: HTTP in, HTTP out.

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::error::ErrorCode;
use shared::http_util::{bearer, json_no_store, preflight, with_cors, Bearer};
use shared::telemetry::RequestLog;
use shared::{userinfo, OAuthError, State};

/// The OpenAPI document of every endpoint, served at `GET /openapi.yaml`.
pub const OPENAPI: &str = include_str!("../../../openapi.yaml");

/// Handles one request.
pub async fn handle(state: &State, req: Request) -> Response<Body> {
    if req.method() == Method::OPTIONS {
        return preflight("GET, POST");
    }
    let mut log = RequestLog::start("userinfo", &req);
    let path = req.uri().path();
    let resp = if path.ends_with("/.well-known/oauth-authorization-server")
        || path.ends_with("/.well-known/openid-configuration")
    {
        public_document(
            "application/json; charset=utf-8",
            shared::discovery::metadata(state).to_string(),
            3600,
        )
    } else if path.ends_with(shared::discovery::JWKS_PATH) {
        match state.keys.jwks(&state.store, state.clock.now()).await {
            // 15 minutes: short enough that a key published for its window
            // (hours) is seen everywhere before it signs. Not cached at all
            // while no key signs (a fresh deployment): the first token's key
            // signs as soon as it exists.
            Ok((jwks, cacheable)) => public_document(
                "application/json; charset=utf-8",
                jwks.to_string(),
                if cacheable { 900 } else { 0 },
            ),
            Err(e) => {
                let e = OAuthError::from(e);
                log.cause = e.cause.clone();
                error(&e)
            }
        }
    } else if path.ends_with("/openapi.yaml") {
        public_document("application/yaml; charset=utf-8", OPENAPI.to_string(), 3600)
    } else if req.method() == Method::GET || req.method() == Method::POST {
        match bearer(&req, state.config.query_params_allowed) {
            Ok(Bearer::Token(t)) => match userinfo::claims(state, &t, state.clock.now()).await {
                Ok(claims) => json_no_store(200, claims.to_string()),
                Err(e) => {
                    log.cause = e.cause.clone();
                    error(&e)
                }
            },
            // RFC 6750 §3.1: no credentials at all gets a challenge without an error code.
            Ok(Bearer::None) => challenge(
                json_no_store(
                    401,
                    OAuthError::new(ErrorCode::InvalidToken, "an access token is required")
                        .to_json(),
                ),
                "Bearer realm=\"oauth\"".to_string(),
            ),
            Err(e) => error(&e),
        }
    } else {
        let mut r = error(&OAuthError::invalid_request("use GET or POST"));
        *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        r
    };
    let resp = with_cors(resp);
    log.outcome = if resp.status() == StatusCode::OK {
        "ok"
    } else {
        "refused"
    };
    log.finish(resp.status().as_u16());
    resp
}

/// A document that is the same for everyone: cacheable, no credentials looked at.
/// The charset must be named: lambda_http decodes a text body by it, and without
/// one a UTF-8 body (the OpenAPI document has `§`) would be mangled.
fn public_document(content_type: &'static str, body: String, max_age: u32) -> Response<Body> {
    let mut r = Response::new(Body::Text(body));
    let h = r.headers_mut();
    shared::http_util::harden(h);
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    r
}

fn challenge(mut resp: Response<Body>, value: String) -> Response<Body> {
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// RFC 6750 §3: the error in the `WWW-Authenticate: Bearer` challenge and the body.
fn error(e: &OAuthError) -> Response<Body> {
    let status = match e.code {
        ErrorCode::InvalidToken => 401,
        ErrorCode::TemporarilyUnavailable => 503,
        ErrorCode::ServerError => 500,
        _ => 400,
    };
    let resp = json_no_store(status, e.to_json());
    if status >= 500 {
        return resp;
    }
    // Descriptions are fixed ASCII text without quotes.
    challenge(
        resp,
        format!(
            "Bearer realm=\"oauth\", error=\"{}\", error_description=\"{}\"",
            e.code.as_str(),
            e.description.replace('"', "'")
        ),
    )
}
