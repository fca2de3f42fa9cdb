//! Property-based fuzzing of everything that parses untrusted request input:
//! form and query decoding, Basic credentials, cookies, bearer extraction and
//! scopes. Any panic is a failure. `PROPTEST_CASES` sets the number of cases
//! (default 256 per property; README "Fuzzing" says how to run it longer).

use crate::http_util::{basic_credentials, bearer, cookie, params};
use crate::params::Params;
use lambda_http::http::{self, header::HeaderMap, HeaderValue};
use lambda_http::Body;
use proptest::prelude::*;

fn request(uri: &str, headers: &[(&str, Vec<u8>)], body: Vec<u8>) -> Option<lambda_http::Request> {
    let mut b = http::Request::builder().method("POST").uri(uri);
    for (k, v) in headers {
        b = b.header(*k, HeaderValue::from_bytes(v).ok()?);
    }
    b.body(Body::Binary(body)).ok()
}

/// Query strings made of URL-ish characters, to get past URI parsing.
fn query() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[A-Za-z0-9_=&%+.~*!'()-]{0,64}").unwrap()
}

proptest! {
    #[test]
    fn params_parse_never_panics(q in ".{0,64}", body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = Params::parse(&q, &body);
    }

    #[test]
    fn params_of_a_request_never_panic(q in query(), body in proptest::collection::vec(any::<u8>(), 0..256), ct in "[a-z/;= -]{0,40}") {
        if let Some(req) = request(&format!("/oauth/token?{q}"), &[("content-type", ct.into_bytes())], body) {
            let _ = params(&req);
        }
    }

    #[test]
    fn basic_credentials_never_panic(v in proptest::collection::vec(any::<u8>(), 0..128)) {
        let mut h = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_bytes(&v) {
            h.insert("authorization", value);
            let _ = basic_credentials(&h);
        }
    }

    #[test]
    fn basic_credentials_of_any_base64_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..96)) {
        use base64::Engine;
        let mut h = HeaderMap::new();
        let v = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw));
        h.insert("authorization", HeaderValue::from_str(&v).unwrap());
        let _ = basic_credentials(&h);
    }

    #[test]
    fn cookies_never_panic(v in proptest::collection::vec(any::<u8>(), 0..128), name in "[a-z_]{1,16}") {
        let mut h = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_bytes(&v) {
            h.insert("cookie", value);
            let _ = cookie(&h, &name);
        }
    }

    #[test]
    fn bearer_extraction_never_panics(auth in proptest::collection::vec(any::<u8>(), 0..96), q in query()) {
        if let Some(req) = request(&format!("/oauth/userinfo?{q}"), &[("authorization", auth)], vec![]) {
            let _ = bearer(&req, true);
        }
    }

    #[test]
    fn scopes_never_panic_and_round_trip(s in ".{0,64}") {
        if let Ok(scopes) = crate::scope::parse(&s) {
            prop_assert_eq!(crate::scope::parse(&crate::scope::join(&scopes)).unwrap(), scopes);
        }
    }
}
