//! Tenants: one user base per tenant, named by `partnerId` (the Comm100 API's
//! parameter, docs/compatibility.md). Requests without one use the default tenant.

use crate::error::OAuthError;
use crate::params::Params;
use crate::store::DEFAULT_TENANT;

/// The tenant a request names.
pub fn from_params(params: &Params) -> Result<String, OAuthError> {
    match params.get("partnerId") {
        None => Ok(DEFAULT_TENANT.to_string()),
        Some(t) if is_valid(t) => Ok(t.to_string()),
        Some(_) => Err(OAuthError::invalid_request(
            "partnerId must be 1-64 letters, digits, '-', '_' or '.'",
        )),
    }
}

/// Tenants are short identifiers.
pub fn is_valid(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 64
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_partner_id_is_the_default_tenant() {
        let p = Params::parse("", b"").unwrap();
        assert_eq!(from_params(&p).unwrap(), DEFAULT_TENANT);
        let p = Params::parse("partnerId=10000", b"").unwrap();
        assert_eq!(from_params(&p).unwrap(), "10000");
    }

    #[test]
    fn a_tenant_is_at_most_64_safe_characters() {
        assert!(is_valid(&"a".repeat(64)));
        assert!(!is_valid(&"a".repeat(65)));
        assert!(!is_valid("a#b"), "'#' would reach into another key");
        let p = Params::parse("partnerId=a%23b", b"").unwrap();
        assert_eq!(
            from_params(&p).unwrap_err().code.as_str(),
            "invalid_request"
        );
    }
}
