//! Redirect URIs: registration's check under every rule set, matching a
//! presented URI against a registered one (RFC 8252 §7.3 loopback ports), and
//! appending the response's parameters to any URI. Never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::authorize::redirect_with;
use shared::redirect_uri::{check, matches, AppType, Rules};

fuzz_target!(|s: &str| {
    let mut ok = false;
    for app_type in [None, Some(AppType::Web), Some(AppType::Native)] {
        for allow_http in [false, true] {
            ok |= check(s, Rules { app_type, allow_http }).is_ok();
        }
    }
    let out = redirect_with(s, &[("code", "c"), ("state", s), ("iss", "https://op.example")]);
    if ok {
        assert!(url::Url::parse(&out).is_ok() || out == s);
        assert!(matches(s, s), "a registered URI matches itself");
    }
    if let Some((registered, presented)) = s.split_once('\n') {
        let _ = matches(registered, presented);
    }
});
