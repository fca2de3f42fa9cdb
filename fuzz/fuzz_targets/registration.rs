//! A registration request's body (RFC 7591 §2 client metadata): any bytes are
//! read as a registration or refused with the member and why, never a panic;
//! whatever is read is answered back (§3.2.1) as JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::registration::members::{read, MAX_BODY};

fuzz_target!(|data: &[u8]| {
    match read(data) {
        Ok(new) => {
            assert!(data.len() <= MAX_BODY);
            assert!(new.token_endpoint_auth_method.as_deref() != Some("none"));
        }
        Err(why) => assert!(!why.is_empty()),
    }
});
