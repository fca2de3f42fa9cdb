//! Scope parsing (RFC 6749 §3.3): never panics, linear-ish whatever the
//! input, and what it accepts round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::scope::{join, narrow, parse};

fuzz_target!(|s: &str| {
    if let Ok(scopes) = parse(s) {
        assert_eq!(parse(&join(&scopes)).unwrap(), scopes);
        assert!(narrow(Some(s), &scopes).is_ok());
    }
});
