//! `POST /oauth/token` (and its aliases), `POST /oauth/revoke` and
//! `POST /oauth/introspect`: HTTP in, HTTP out. The rules live in
//! `shared::token` and `shared::introspect`.

use lambda_http::http::{header, HeaderValue, Method};
use lambda_http::{Body, Request, Response};
use shared::http_util::{
    basic_credentials, json_no_store, oauth_error, params, preflight, with_cors,
};
use shared::{introspect, telemetry, token, OAuthError, State};

/// Handles one request.
pub async fn handle(state: &State, req: Request) -> Response<Body> {
    if req.method() == Method::OPTIONS {
        return preflight("POST");
    }
    let started = std::time::Instant::now();
    let mut outcome = token::Outcome::default();
    let result = if req.method() != Method::POST {
        Err(OAuthError::invalid_request(
            "the token endpoint accepts POST only",
        ))
    } else {
        exchange(state, &req, &mut outcome).await
    };
    let (resp, label) = match result {
        Ok(t) => (
            json_no_store(200, serde_json::to_string(&t).unwrap_or_default()),
            "issued",
        ),
        Err(e) => (oauth_error(&e), e.code.as_str()),
    };
    let mut resp = resp;
    if req.method() != Method::POST {
        *resp.status_mut() = lambda_http::http::StatusCode::METHOD_NOT_ALLOWED;
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    let resp = with_cors(resp);
    telemetry::request_done(
        "token",
        telemetry::request_id(&req).as_deref(),
        req.method().as_str(),
        req.uri().path(),
        resp.status().as_u16(),
        outcome.client_id.as_deref(),
        outcome.grant_type.as_deref(),
        label,
        started,
    );
    resp
}

/// Which endpoint of this function a path names.
enum Endpoint {
    Token,
    Revoke,
    Introspect,
}

fn endpoint(path: &str) -> Endpoint {
    if path.ends_with("/oauth/revoke") {
        Endpoint::Revoke
    } else if path.ends_with("/oauth/introspect") {
        Endpoint::Introspect
    } else {
        Endpoint::Token
    }
}

async fn exchange(
    state: &State,
    req: &Request,
    outcome: &mut token::Outcome,
) -> Result<serde_json::Value, OAuthError> {
    let params = params(req)?;
    let basic = basic_credentials(req.headers())?;
    match endpoint(req.uri().path()) {
        Endpoint::Token => {
            let t = token::exchange(state, &params, basic, outcome).await?;
            Ok(serde_json::to_value(t).unwrap_or_default())
        }
        Endpoint::Revoke => {
            introspect::revoke(state, &params, basic, outcome).await?;
            Ok(serde_json::json!({}))
        }
        Endpoint::Introspect => introspect::introspect(state, &params, basic, outcome).await,
    }
}
