//! Query and form parsing (RFC 6749 §3.1/§3.2 rules, size limits): never
//! panics, and what it accepts is within the limits.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::params::{limit, Params};

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0xff).unwrap_or(data.len());
    let query = String::from_utf8_lossy(&data[..split]);
    let body = data.get(split + 1..).unwrap_or(&[]);
    if let Ok(p) = Params::parse(&query, body) {
        for (k, v) in p.iter() {
            assert!(v.len() <= limit(k));
        }
    }
});
