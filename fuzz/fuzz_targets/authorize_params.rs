//! The authorization request's own values: `prompt`, `max_age`-like numbers,
//! resources. Never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::authorize::Prompt;
use shared::params::Params;

fuzz_target!(|s: &str| {
    let _ = Prompt::parse(Some(s));
    if let Ok(p) = Params::parse(s, b"") {
        let _ = p.get_all("resource");
        let _ = shared::tenant::from_params(&p);
    }
});
