//! JWTs presented to us (access tokens, ID-token hints) and the `claims`
//! parameter: strict RS256 verification never panics and never accepts
//! anything but a token signed by the key.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::jose::{verify, Jwk};

fuzz_target!(|s: &str| {
    let key = Jwk::rsa("k1", &[0xc5; 256], &[1, 0, 1]);
    assert!(verify(s, [&key], &[Some("JWT"), Some("at+jwt"), None]).is_err());
    let _ = shared::jose::issued::looks_like_jwt(s);
    let _ = shared::oidc::parse_claims_param(s);
});
