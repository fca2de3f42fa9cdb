//! Redirect URIs: registration's check, and appending the response's
//! parameters to any URI. Never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::admin::valid_redirect_uri;
use shared::authorize::redirect_with;

fuzz_target!(|s: &str| {
    let ok = valid_redirect_uri(s);
    let out = redirect_with(s, &[("code", "c"), ("state", s), ("iss", "https://op.example")]);
    if ok {
        assert!(url::Url::parse(&out).is_ok() || out == s);
    }
});
