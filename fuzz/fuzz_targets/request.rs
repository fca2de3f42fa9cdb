//! A whole request's untrusted parts: Content-Type, query, body, the
//! Authorization header (Basic and Bearer) and cookies. Never panics.
#![no_main]
use lambda_http::http::{self, HeaderValue};
use lambda_http::Body;
use libfuzzer_sys::fuzz_target;
use shared::http_util::{basic_credentials, bearer, cookie, params};

fuzz_target!(|data: &[u8]| {
    let parts: Vec<&[u8]> = data.splitn(5, |b| *b == 0).collect();
    let get = |i: usize| parts.get(i).copied().unwrap_or(&[]);
    let query: String = String::from_utf8_lossy(get(0))
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != '#')
        .collect();
    let mut b = http::Request::builder().method("POST").uri(format!("/oauth/token?{query}"));
    for (name, value) in [("content-type", get(1)), ("authorization", get(2)), ("cookie", get(3))] {
        if let Ok(v) = HeaderValue::from_bytes(value) {
            b = b.header(name, v);
        }
    }
    let Ok(req) = b.body(Body::Binary(get(4).to_vec())) else { return };
    let _ = params(&req);
    let _ = basic_credentials(req.headers());
    let _ = bearer(&req, false);
    let _ = bearer(&req, true);
    let _ = cookie(req.headers(), "oauth_session");
});
