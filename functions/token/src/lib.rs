//! `POST /oauth/token` (and its aliases), `POST /oauth/revoke` and
//! `POST /oauth/introspect`: HTTP in, HTTP out. The rules live in
//! `shared::token`, `shared::revocation` and `shared::introspection`.

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::lambda_runtime::LambdaEvent;
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, Request, Response, Service};
use serde_json::{json, Value};
use shared::client_auth;
use shared::http_util::{
    basic_credentials, json_no_store, oauth_error, params, preflight, with_cors,
};
use shared::telemetry::RequestLog;
use shared::token::{self, TokenRequest};
use shared::{introspection, revocation, OAuthError, State};

/// One Lambda event: an HTTP API request (through lambda_http's own
/// conversion), or CloudFormation's custom-resource request that prepares the
/// deployment's first signing key ([`shared::provision`]).
pub async fn event(state: &State, event: LambdaEvent<Value>) -> Result<Value, lambda_http::Error> {
    let (payload, context) = (event.payload, event.context);
    if shared::provision::is_custom_resource(&payload) {
        let cfn: shared::provision::Event = serde_json::from_value(payload)?;
        return Ok(shared::provision::handle(state, &cfn, state.clock.now()).await?);
    }
    let request: LambdaRequest = serde_json::from_value(payload)?;
    let mut adapter =
        lambda_http::Adapter::from(lambda_http::service_fn(|req: Request| async move {
            Ok::<_, std::convert::Infallible>(handle(state, req).await)
        }));
    let response = adapter.call(LambdaEvent::new(request, context)).await?;
    Ok(serde_json::to_value(response)?)
}

/// Handles one request.
pub async fn handle(state: &State, req: Request) -> Response<Body> {
    if req.method() == Method::OPTIONS {
        return preflight("POST");
    }
    let mut log = RequestLog::start("token", &req);
    let result = if req.method() != Method::POST {
        Err(OAuthError::invalid_request(
            "the token endpoint accepts POST only",
        ))
    } else {
        dispatch(state, &req, &mut log).await
    };
    let mut resp = match result {
        Ok(body) => {
            log.outcome = "issued";
            json_no_store(200, body.to_string())
        }
        Err(e) => {
            log.outcome = e.code.as_str();
            log.cause = e.cause.clone();
            oauth_error(&e)
        }
    };
    if req.method() != Method::POST {
        *resp.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    let resp = with_cors(resp);
    log.finish(resp.status().as_u16());
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

async fn dispatch(state: &State, req: &Request, log: &mut RequestLog) -> Result<Value, OAuthError> {
    let params = params(req)?;
    let basic = basic_credentials(req.headers())?;
    let now = state.clock.now();
    match endpoint(req.uri().path()) {
        Endpoint::Token => {
            let request = TokenRequest::parse(state, &params, basic)?;
            log.grant_type = request.grant_type.as_ref().ok().map(|g| g.as_str());
            log.client_id = Some(request.client.client_id.clone());
            let t = token::exchange(state, &request, now).await?;
            Ok(serde_json::to_value(t).unwrap_or_default())
        }
        Endpoint::Revoke => {
            let creds = client_auth::credentials(basic, &params)?;
            log.client_id = Some(creds.client_id.clone());
            revocation::revoke(state, &params, &creds, now).await?;
            Ok(json!({}))
        }
        Endpoint::Introspect => {
            let creds = client_auth::credentials(basic, &params)?;
            log.client_id = Some(creds.client_id.clone());
            introspection::introspect(state, &params, &creds, now).await
        }
    }
}
