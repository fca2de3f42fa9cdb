//! The shape of a presented code or token: never panics, and a bound
//! credential's grant id is a prefix of it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::credential::{shape, Shape};

fuzz_target!(|s: &str| {
    if let Shape::Bound { grant_id } = shape(s) {
        assert!(s.starts_with(grant_id));
    }
});
