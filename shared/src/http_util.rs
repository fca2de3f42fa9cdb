//! HTTP helpers shared by the handlers: parameters, credentials, cookies and
//! response builders. Parsing is done by well-kept crates (`form_urlencoded`,
//! `base64`, `cookie`).

use crate::error::OAuthError;
use crate::params::Params;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use lambda_http::http::header::{
    HeaderMap, HeaderValue, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, COOKIE, PRAGMA,
    WWW_AUTHENTICATE,
};
use lambda_http::{Body, Request, Response};

/// The raw query string of a request (API Gateway's rawQueryString ends up in the URI).
pub fn query_string(req: &Request) -> &str {
    req.uri().query().unwrap_or("")
}

/// The body bytes (lambda_http has already base64-decoded it).
pub fn body_bytes(req: &Request) -> &[u8] {
    req.body().as_ref()
}

/// Whether the body is read as a form: declared `application/x-www-form-urlencoded`,
/// or sent with no `Content-Type` at all (a client that posts the body text Cobot's
/// documentation shows, "the request body should look like this", as is). A body
/// declared as anything else (JSON, text) is not a form and is ignored.
pub fn is_form(req: &Request) -> bool {
    match req.headers().get(CONTENT_TYPE) {
        None => true,
        Some(v) => v.to_str().is_ok_and(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        }),
    }
}

/// Query and form parameters merged (see [`Params::parse`]). A body that is
/// declared as something other than a form is ignored.
pub fn params(req: &Request) -> Result<Params, OAuthError> {
    let body: &[u8] = if is_form(req) { body_bytes(req) } else { b"" };
    Params::parse(query_string(req), body)
}

/// Client credentials from `Authorization: Basic` (RFC 6749 §2.3.1: both parts
/// are form-urlencoded before base64). `Ok(None)` when no Basic header was sent.
pub fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| bad_basic())?;
    let Some((scheme, rest)) = value.trim().split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    // The id and secret's limits (params::LIMITS), base64-encoded.
    if rest.len() > 2048 {
        return Err(OAuthError::invalid_request(
            "the HTTP Basic credentials are longer than 2048 bytes",
        ));
    }
    let decoded = STANDARD.decode(rest.trim()).map_err(|_| bad_basic())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad_basic())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad_basic)?;
    let id = form_decode(id);
    let secret = form_decode(secret);
    if id.is_empty() {
        return Err(bad_basic());
    }
    if id.len() > crate::params::limit("client_id")
        || secret.len() > crate::params::limit("client_secret")
    {
        return Err(OAuthError::invalid_request(
            "the HTTP Basic client id or secret is too long",
        ));
    }
    Ok(Some((id, secret)))
}

fn form_decode(s: &str) -> String {
    // `form_urlencoded` decodes `+` and percent-escapes exactly as §2.3.1 asks.
    form_urlencoded::parse(format!("v={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn bad_basic() -> OAuthError {
    let mut e = OAuthError::invalid_client("malformed HTTP Basic credentials");
    e.basic_auth_attempted = true;
    e
}

/// Where a bearer token was presented (RFC 6750 §2).
#[derive(Debug, PartialEq, Eq)]
pub enum Bearer {
    None,
    Token(String),
}

/// Extracts the bearer token from the header or the `access_token` parameter
/// (in a form body, RFC 6750 §2.2; in the query, §2.3, only when
/// `query_allowed`). More than one method is `invalid_request` (§2).
pub fn bearer(req: &Request, query_allowed: bool) -> Result<Bearer, OAuthError> {
    let header = match req.headers().get(AUTHORIZATION) {
        Some(v) => {
            let v = v
                .to_str()
                .map_err(|_| OAuthError::invalid_request("malformed Authorization header"))?;
            match v.trim().split_once(' ') {
                Some((scheme, tok))
                    if scheme.eq_ignore_ascii_case("bearer") && !tok.trim().is_empty() =>
                {
                    if tok.len() > crate::params::limit("access_token") {
                        return Err(OAuthError::invalid_request("the access token is too long"));
                    }
                    Some(tok.trim().to_string())
                }
                _ => {
                    return Err(OAuthError::invalid_request(
                        "Authorization header must use the Bearer scheme",
                    ))
                }
            }
        }
        None => None,
    };
    let params = params(req)?;
    if !query_allowed && params.query_names().any(|n| n == "access_token") {
        return Err(OAuthError::invalid_request(
            "send the access token in the Authorization header: this deployment does not accept it in the query string",
        ));
    }
    let param = params.get("access_token").map(str::to_string);
    match (header, param) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "the access token must be sent by one method only",
        )),
        (Some(t), None) | (None, Some(t)) => Ok(Bearer::Token(t)),
        (None, None) => Ok(Bearer::None),
    }
}

/// The value of a named cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure when configured.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    cookie::Cookie::build((name, value))
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .path("/")
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age))
        .build()
        .to_string()
}

/// The Content-Security-Policy of every response that is not a page: it
/// loads nothing and is never framed.
pub const DOCUMENT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The headers every response that is not a page carries: no MIME sniffing
/// and [`DOCUMENT_CSP`].
pub fn harden(h: &mut HeaderMap) {
    h.insert(
        lambda_http::http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        lambda_http::http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCUMENT_CSP),
    );
}

/// A JSON response with the token endpoint's cache headers (RFC 6749 §5.1).
pub fn json_no_store(status: u16, body: String) -> Response<Body> {
    let mut resp = Response::new(Body::Text(body));
    *resp.status_mut() = lambda_http::http::StatusCode::from_u16(status).unwrap_or_default();
    let h = resp.headers_mut();
    harden(h);
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// CORS for the endpoints a browser client calls directly (token, userinfo):
/// any origin, no cookies (these endpoints authenticate by header or body only).
pub fn with_cors(mut resp: Response<Body>) -> Response<Body> {
    resp.headers_mut().insert(
        lambda_http::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp
}

/// The answer to a CORS preflight (`OPTIONS`) on token and userinfo.
pub fn preflight(methods: &'static str) -> Response<Body> {
    use lambda_http::http::header;
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = lambda_http::http::StatusCode::NO_CONTENT;
    let h = resp.headers_mut();
    harden(h);
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(methods),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    with_cors(resp)
}

/// An RFC 6749 §5.2 error response, with `WWW-Authenticate: Basic` on a 401
/// when the client tried Basic.
pub fn oauth_error(e: &OAuthError) -> Response<Body> {
    let mut resp = json_no_store(e.status(), e.to_json());
    if e.status() == 401 {
        let v = if e.basic_auth_attempted {
            "Basic realm=\"oauth\", charset=\"UTF-8\""
        } else {
            "Basic realm=\"oauth\""
        };
        resp.headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static(v));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http;

    fn req_with(header: Option<(&str, &str)>, uri: &str) -> Request {
        let mut b = http::Request::builder().uri(uri);
        if let Some((k, v)) = header {
            b = b.header(k, v);
        }
        b.body(Body::Empty).unwrap()
    }

    #[test]
    fn a_body_is_a_form_when_declared_so_or_undeclared() {
        let with = |ct: Option<&str>| {
            let mut b = http::Request::builder()
                .method("POST")
                .uri("/oauth/token?scope=read");
            if let Some(ct) = ct {
                b = b.header(CONTENT_TYPE, ct);
            }
            let req: Request = b.body(Body::from("grant_type=password")).unwrap();
            params(&req).unwrap()
        };
        let form = with(Some("application/x-www-form-urlencoded; charset=UTF-8"));
        assert_eq!(form.get("grant_type"), Some("password"));
        assert_eq!(with(None).get("grant_type"), Some("password"));
        for other in ["application/json", "text/plain"] {
            let p = with(Some(other));
            assert_eq!(p.get("grant_type"), None, "{other}");
            assert_eq!(
                p.get("scope"),
                Some("read"),
                "{other}: the query still counts"
            );
        }
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        // id "a b", secret "p:w+" encoded as RFC 6749 §2.3.1 asks.
        let raw = STANDARD.encode("a+b:p%3Aw%2B");
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, format!("Basic {raw}").parse().unwrap());
        assert_eq!(
            basic_credentials(&h).unwrap(),
            Some(("a b".into(), "p:w+".into()))
        );
    }

    #[test]
    fn malformed_basic_is_invalid_client_with_basic_challenge() {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, "Basic !!!".parse().unwrap());
        let e = basic_credentials(&h).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_client");
        assert!(e.basic_auth_attempted);
    }

    #[test]
    fn bearer_from_header_or_query_but_not_both() {
        let r = req_with(Some(("authorization", "Bearer abc")), "/oauth/userinfo");
        assert_eq!(bearer(&r, false).unwrap(), Bearer::Token("abc".into()));
        let r = req_with(None, "/oauth/userinfo?access_token=xyz");
        assert_eq!(bearer(&r, true).unwrap(), Bearer::Token("xyz".into()));
        let r = req_with(
            Some(("authorization", "Bearer abc")),
            "/oauth/userinfo?access_token=xyz",
        );
        assert!(bearer(&r, true).is_err());
        let r = req_with(None, "/oauth/userinfo");
        assert_eq!(bearer(&r, false).unwrap(), Bearer::None);
    }

    #[test]
    fn f7_an_access_token_in_the_query_is_refused_unless_the_deployment_allows_it() {
        let r = req_with(None, "/oauth/userinfo?access_token=xyz");
        let e = bearer(&r, false).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_request");
        assert!(!e.description.contains("xyz"));
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, "a=1; oauth_session=xyz; b=2".parse().unwrap());
        assert_eq!(cookie(&h, "oauth_session").as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}
