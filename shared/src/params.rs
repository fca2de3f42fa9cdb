//! Request parameters: query string and form body merged, with RFC 6749 §3.1/§3.2
//! rules (a parameter at most once; empty means omitted).

use crate::error::OAuthError;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Query,
    Body,
}

/// Parameters that may be given more than once: RFC 8707 §2's `resource`.
const MULTI_VALUED: &[&str] = &["resource", "grant_types"];

/// The largest query string, and the largest body, read (bytes): far above
/// any legitimate request, and refused before any work is done.
pub const MAX_INPUT: usize = 16 * 1024;
/// The most parameters a request may carry, and the longest name.
const MAX_PARAMS: usize = 64;
const MAX_NAME: usize = 64;
/// The most `resource` values (RFC 8707) one request may name.
const MAX_RESOURCES: usize = 10;
/// The longest value of each parameter (bytes); any other gets
/// [`DEFAULT_LIMIT`]. Every limit keeps keys well under DynamoDB's 2,048 bytes
/// and echoed values (`state`) within what a redirect URL can carry.
pub const LIMITS: &[(&str, usize)] = &[
    ("client_id", 256),
    ("client_secret", 512),
    ("grant_type", 64),
    ("response_type", 64),
    ("scope", 1024),
    ("state", 1024),
    ("nonce", 512),
    ("redirect_uri", 2048),
    ("post_logout_redirect_uri", 2048),
    ("code_challenge", 128),
    ("code_challenge_method", 16),
    ("code_verifier", 128),
    ("email", 254),
    ("username", 254),
    ("login_hint", 254),
    ("password", 1024),
    ("partnerId", 64),
    ("code", 256),
    ("refresh_token", 256),
    ("token", 8192),
    ("token_type_hint", 64),
    ("access_token", 8192),
    ("id_token_hint", 8192),
    ("claims", 4096),
    ("resource", 2048),
    ("csrf", 128),
    ("action", 32),
    ("prompt", 128),
    ("max_age", 16),
    // The portal's registration form (RFC 7591 names).
    ("client_name", 800),
    ("redirect_uris", 8192),
    ("client_uri", 2048),
    ("logo_uri", 2048),
    ("tos_uri", 2048),
    ("policy_uri", 2048),
    ("return_to", 2048),
];
/// The longest value of a parameter not in [`LIMITS`].
pub const DEFAULT_LIMIT: usize = 2048;

/// The limit of one parameter's value.
pub fn limit(name: &str) -> usize {
    LIMITS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(DEFAULT_LIMIT, |(_, l)| *l)
}

/// Parsed parameters with where each came from.
#[derive(Clone, Debug, Default)]
pub struct Params {
    values: BTreeMap<String, (String, Source)>,
    /// The values of a multi-valued parameter, in order, without repeats.
    multi: BTreeMap<String, Vec<String>>,
}

impl Params {
    /// Merges `query` and `body` (both `application/x-www-form-urlencoded`).
    /// A name given twice in one place, or in both places with different values,
    /// is `invalid_request`. Empty values are treated as omitted (RFC 6749 §3.1).
    pub fn parse(query: &str, body: &[u8]) -> Result<Self, OAuthError> {
        if query.len() > MAX_INPUT || body.len() > MAX_INPUT {
            return Err(OAuthError::invalid_request(format!(
                "the query string and the body may each be at most {MAX_INPUT} bytes"
            )));
        }
        let mut p = Params::default();
        p.add(form_urlencoded::parse(query.as_bytes()), Source::Query)?;
        p.add(form_urlencoded::parse(body), Source::Body)?;
        Ok(p)
    }

    fn add<'a>(
        &mut self,
        pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
        source: Source,
    ) -> Result<(), OAuthError> {
        let mut seen_here = std::collections::BTreeSet::new();
        for (k, v) in pairs {
            if v.is_empty() {
                continue;
            }
            if k.len() > MAX_NAME || self.values.len() >= MAX_PARAMS {
                return Err(OAuthError::invalid_request(format!(
                    "at most {MAX_PARAMS} parameters, with names of at most {MAX_NAME} bytes"
                )));
            }
            if v.len() > limit(&k) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {} is longer than {} bytes",
                    printable(&k),
                    limit(&k)
                )));
            }
            if MULTI_VALUED.contains(&k.as_ref()) {
                let all = self.multi.entry(k.to_string()).or_default();
                if !all.iter().any(|x| x == v.as_ref()) {
                    all.push(v.to_string());
                }
                if all.len() > MAX_RESOURCES {
                    return Err(OAuthError::invalid_request(format!(
                        "at most {MAX_RESOURCES} values of {}",
                        printable(&k)
                    )));
                }
                self.values
                    .entry(k.into_owned())
                    .or_insert((v.into_owned(), source));
                continue;
            }
            if !seen_here.insert(k.to_string()) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {} is given more than once",
                    printable(&k)
                )));
            }
            match self.values.get(k.as_ref()) {
                Some((existing, _)) if existing != v.as_ref() => {
                    return Err(OAuthError::invalid_request(format!(
                        "parameter {} is given in both the query string and the body with different values",
                        printable(&k)
                    )));
                }
                Some(_) => {}
                None => {
                    self.values.insert(k.into_owned(), (v.into_owned(), source));
                }
            }
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|(v, _)| v.as_str())
    }

    /// Every value of a multi-valued parameter (`resource`), or the one value
    /// of another.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        match self.multi.get(name) {
            Some(v) => v.iter().map(String::as_str).collect(),
            None => self.get(name).into_iter().collect(),
        }
    }

    pub fn source(&self, name: &str) -> Option<Source> {
        self.values.get(name).map(|(_, s)| *s)
    }

    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("missing parameter '{name}'")))
    }

    /// Names of parameters that arrived in the query string.
    pub fn query_names(&self) -> impl Iterator<Item = &str> {
        self.values
            .iter()
            .filter(|(_, (_, s))| *s == Source::Query)
            .map(|(k, _)| k.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values
            .iter()
            .map(|(k, (v, _))| (k.as_str(), v.as_str()))
    }
}

/// A parameter name for an error message: bounded and printable, so a hostile
/// name cannot inject into logs or pages.
/// How an error names a parameter: by its name when it is one this server
/// knows ([`LIMITS`]), else as "a parameter" — a description never echoes
/// what the caller sent.
fn printable(name: &str) -> String {
    match LIMITS.iter().find(|(n, _)| *n == name) {
        Some((known, _)) => format!("'{known}'"),
        None => "a parameter".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_query_and_body() {
        let p = Params::parse("grant_type=password&scope=a+b", b"username=u%40x.io").unwrap();
        assert_eq!(p.get("scope"), Some("a b"));
        assert_eq!(p.get("username"), Some("u@x.io"));
        assert_eq!(p.source("grant_type"), Some(Source::Query));
        assert_eq!(p.source("username"), Some(Source::Body));
    }

    #[test]
    fn a_parameter_twice_is_invalid_request() {
        let e = Params::parse("", b"code=a&code=b").unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_request");
        let e = Params::parse("code=a&code=a", b"").unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_request");
    }

    #[test]
    fn query_and_body_may_repeat_the_same_value_but_not_differ() {
        assert!(Params::parse("client_id=1", b"client_id=1").is_ok());
        assert!(Params::parse("client_id=1", b"client_id=2").is_err());
    }

    #[test]
    fn resource_may_be_given_several_times() {
        let p = Params::parse(
            "resource=https%3A%2F%2Fa",
            b"resource=https://b&resource=https://a",
        )
        .unwrap();
        assert_eq!(p.get_all("resource"), ["https://a", "https://b"]);
        assert_eq!(p.get_all("scope"), Vec::<&str>::new());
    }

    #[test]
    fn every_parameter_has_a_length_limit_checked_before_anything_else() {
        let long = |n: usize| "a".repeat(n);
        assert!(Params::parse(&format!("state={}", long(1024)), b"").is_ok());
        let e = Params::parse(&format!("state={}", long(1025)), b"").unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_request");
        assert!(e.description.contains("'state'") && e.description.contains("1024"));
        let e = Params::parse("", format!("client_id={}", long(3000)).as_bytes()).unwrap_err();
        assert!(e.description.contains("client_id"));
        assert!(Params::parse("", long(MAX_INPUT + 1).as_bytes()).is_err());
        assert!(
            Params::parse(&format!("x={}", long(DEFAULT_LIMIT + 1)), b"").is_err(),
            "unknown ones too"
        );
        let many: String = (0..100).map(|i| format!("p{i}=1&")).collect();
        assert!(Params::parse(&many, b"").is_err());
        let resources: String = (0..11).map(|i| format!("resource=https://r{i}&")).collect();
        assert!(Params::parse(&resources, b"").is_err());
    }

    #[test]
    fn empty_values_count_as_omitted() {
        let p = Params::parse("scope=", b"scope=x").unwrap();
        assert_eq!(p.get("scope"), Some("x"));
    }
}
