//! PKCE (RFC 7636): the verifier's syntax and the S256 comparison. Never
//! panics; a value that passes the syntax check is 43-128 unreserved characters.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::crypto::{is_valid_pkce_value, pkce_s256_matches};

fuzz_target!(|s: &str| {
    if is_valid_pkce_value(s) {
        assert!((43..=128).contains(&s.len()));
    }
    let _ = pkce_s256_matches(s, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
});
