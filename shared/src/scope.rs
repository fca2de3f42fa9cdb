//! Scopes (RFC 6749 §3.3): space-delimited, case-sensitive strings of NQCHAR.

use crate::error::OAuthError;

/// Parses a scope parameter into a sorted, de-duplicated list (one pass into
/// a set: n log n, whatever the input).
pub fn parse(scope: &str) -> Result<Vec<String>, OAuthError> {
    let mut out = std::collections::BTreeSet::new();
    for token in scope.split(' ').filter(|s| !s.is_empty()) {
        if !token
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
        {
            return Err(OAuthError::invalid_scope(
                "scope contains characters RFC 6749 §3.3 does not allow",
            ));
        }
        out.insert(token);
    }
    Ok(out.into_iter().map(str::to_string).collect())
}

/// Joins scopes with single spaces.
pub fn join(scopes: &[String]) -> String {
    scopes.join(" ")
}

/// The scopes to grant: the requested ones if every one is allowed, the default
/// ones if none were requested.
pub fn resolve(
    requested: Option<&str>,
    allowed: &[String],
    default: &[String],
) -> Result<Vec<String>, OAuthError> {
    resolve_with(requested, allowed, default, &[])
}

/// Like [`resolve`], with scopes every client may ask for (`also`: OpenID
/// Connect's at the authorization endpoint).
pub fn resolve_with(
    requested: Option<&str>,
    allowed: &[String],
    default: &[String],
    also: &[&str],
) -> Result<Vec<String>, OAuthError> {
    let requested = match requested {
        Some(s) => parse(s)?,
        None => Vec::new(),
    };
    if requested.is_empty() {
        let mut d = default.to_vec();
        d.sort();
        return Ok(d);
    }
    let permitted = |s: &String| allowed.contains(s) || also.contains(&s.as_str());
    if let Some(bad) = requested.iter().find(|s| !permitted(s)) {
        // OpenID Connect's scopes are `also` at the authorization endpoint only:
        // a token-endpoint grant that signs no one in cannot have them.
        return Err(OAuthError::invalid_scope(
            if also.is_empty() && crate::oidc::STANDARD_SCOPES.contains(&bad.as_str()) {
                "OpenID Connect scopes are granted only through the authorization endpoint (a sign-in)"
            } else {
                "a requested scope is not allowed for this client"
            },
        ));
    }
    Ok(requested)
}

/// For refresh: the requested scope must be a subset of the original grant.
pub fn narrow(requested: Option<&str>, granted: &[String]) -> Result<Vec<String>, OAuthError> {
    match requested {
        None => Ok(granted.to_vec()),
        Some(s) => {
            let req = parse(s)?;
            if req.iter().any(|s| !granted.contains(s)) {
                return Err(OAuthError::invalid_scope(
                    "a requested scope exceeds the scope originally granted",
                ));
            }
            Ok(req)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn parses_space_separated_scopes_sorted_and_deduplicated() {
        assert_eq!(
            parse("refer execute refer").unwrap(),
            v(&["execute", "refer"])
        );
    }

    #[test]
    fn rejects_scope_with_quote_or_backslash() {
        assert!(parse("a\"b").is_err());
        assert!(parse("a\\b").is_err());
    }

    #[test]
    fn missing_scope_gets_the_default() {
        let allowed = v(&["a", "b"]);
        assert_eq!(resolve(None, &allowed, &v(&["a"])).unwrap(), v(&["a"]));
    }

    #[test]
    fn an_openid_connect_scope_at_the_token_endpoint_says_where_it_is_granted() {
        let e = resolve(Some("openid read"), &v(&["read"]), &[]).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_scope");
        assert!(
            e.description.contains("authorization endpoint"),
            "{}",
            e.description
        );
        let ok = resolve_with(Some("openid read"), &v(&["read"]), &[], &["openid"]);
        assert_eq!(ok.unwrap(), v(&["openid", "read"]));
    }

    #[test]
    fn scope_outside_the_allowed_set_is_invalid_scope() {
        let e = resolve(Some("a c"), &v(&["a", "b"]), &[]).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_scope");
    }

    #[test]
    fn refresh_may_narrow_but_not_widen() {
        let g = v(&["a", "b"]);
        assert_eq!(narrow(Some("a"), &g).unwrap(), v(&["a"]));
        assert!(narrow(Some("a c"), &g).is_err());
        assert_eq!(narrow(None, &g).unwrap(), g);
    }
}
