//! OpenID Connect (Core 1.0): which of a user's claims a grant releases, where,
//! and the ID token. A grant is an OpenID Connect one when its scope holds
//! `openid`; the others keep this server's OAuth-only behaviour (userinfo's
//! flat claims, docs/compatibility.md).

use crate::jose;
use crate::store::Granted;
use serde_json::{json, Map, Value};

pub const OPENID: &str = "openid";
pub const PROFILE: &str = "profile";
pub const EMAIL: &str = "email";
pub const OFFLINE_ACCESS: &str = "offline_access";

/// Scopes every client may ask for at the authorization endpoint, registered
/// or not (§3.1.2.1, §5.4, §11).
pub const STANDARD_SCOPES: [&str; 4] = [OPENID, PROFILE, EMAIL, OFFLINE_ACCESS];

/// The claims the `profile` scope releases (§5.4), from the user's claims.
pub const PROFILE_CLAIMS: &[&str] = &[
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
];

/// The claims the `email` scope releases (§5.4).
pub const EMAIL_CLAIMS: &[&str] = &["email", "email_verified"];

/// The ID token's own claims (§2) and ours (`sid`, `amr`).
pub const ID_TOKEN_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "azp",
    "amr",
    "sid",
];

pub fn is_oidc(scope: &[String]) -> bool {
    scope.iter().any(|s| s == OPENID)
}

/// The user's claims the granted scope releases, by name (§5.4): profile
/// claims the user has, and `email` with `email_verified` (false unless the
/// user's claims say otherwise).
pub fn scope_claims(grant: &Granted) -> Map<String, Value> {
    let user: Map<String, Value> = match grant.claims.as_deref().map(serde_json::from_str::<Value>)
    {
        Some(Ok(Value::Object(m))) => m,
        _ => Map::new(),
    };
    let has = |s: &str| grant.scope.iter().any(|g| g == s);
    let mut out = Map::new();
    if has(PROFILE) {
        for name in PROFILE_CLAIMS {
            if let Some(v) = user.get(*name) {
                out.insert(name.to_string(), v.clone());
            }
        }
    }
    if has(EMAIL) {
        if let Some(email) = &grant.username {
            out.insert("email".into(), json!(email));
            let verified = user
                .get("email_verified")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            out.insert("email_verified".into(), json!(verified));
        }
    }
    out
}

/// The userinfo response of an OpenID Connect grant (§5.3.2): `sub`, then
/// the claims its scope releases.
pub fn userinfo(grant: &Granted, sub: &str) -> Value {
    let mut out = Map::new();
    out.insert("sub".into(), json!(sub));
    out.extend(scope_claims(grant));
    Value::Object(out)
}

/// What an ID token is issued with.
pub struct IdTokenInput<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub sub: &'a str,
    pub granted: &'a Granted,
    pub now: i64,
    pub ttl: i64,
    /// The access token issued beside it, for `at_hash` (§3.1.3.6).
    pub access_token: &'a str,
    /// Whether this is the code's ID token (`nonce` goes only there, §12.2).
    pub with_nonce: bool,
}

/// The ID token's claims (§2; §12.2 on refresh: same `iss`, `sub`, `aud`,
/// `auth_time`, `sid`, a new `iat`, no `nonce`), with the scope-released
/// claims the client asked for in it by name (§5.5).
pub fn id_token_claims(i: IdTokenInput<'_>) -> Value {
    let mut c = Map::new();
    c.insert("iss".into(), json!(i.issuer));
    c.insert("sub".into(), json!(i.sub));
    c.insert("aud".into(), json!(i.client_id));
    c.insert("azp".into(), json!(i.client_id));
    c.insert("iat".into(), json!(i.now));
    c.insert("exp".into(), json!(i.now + i.ttl));
    c.insert("at_hash".into(), json!(jose::at_hash(i.access_token)));
    let amr = i.granted.amr.clone().unwrap_or_else(|| vec!["pwd".into()]);
    c.insert("amr".into(), json!(amr));
    if let Some(t) = i.granted.auth_time {
        c.insert("auth_time".into(), json!(t));
    }
    if let Some(sid) = &i.granted.sid {
        c.insert("sid".into(), json!(sid));
    }
    if let Some(nonce) = i.granted.nonce.as_ref().filter(|_| i.with_nonce) {
        c.insert("nonce".into(), json!(nonce));
    }
    let released = scope_claims(i.granted);
    for name in &i.granted.id_token_claims {
        if let Some(v) = released.get(name) {
            c.entry(name.clone()).or_insert_with(|| v.clone());
        }
    }
    Value::Object(c)
}

/// The names a `claims` request parameter asks for in the ID token (§5.5):
/// the keys of its `id_token` member. Other members are ignored; a value that
/// is not a JSON object is an error.
pub fn parse_claims_param(value: &str) -> Result<Vec<String>, &'static str> {
    match serde_json::from_str::<Value>(value) {
        Ok(Value::Object(m)) => Ok(match m.get("id_token") {
            Some(Value::Object(id)) => id.keys().take(64).cloned().collect(),
            _ => Vec::new(),
        }),
        _ => Err("claims must be a JSON object (OpenID Connect Core §5.5)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(scope: &[&str]) -> Granted {
        Granted {
            scope: scope.iter().map(|s| s.to_string()).collect(),
            sub: Some("u1".into()),
            username: Some("ada@example.com".into()),
            claims: Some(
                r#"{"name":"Ada","given_name":"Ada","role":"AGENT","email_verified":true}"#.into(),
            ),
            auth_time: Some(100),
            sid: Some("s1".into()),
            nonce: Some("n-0S6".into()),
            ..Granted::default()
        }
    }

    #[test]
    fn scopes_release_their_claims_and_nothing_else() {
        let c = scope_claims(&grant(&["openid"]));
        assert!(
            c.is_empty(),
            "openid alone releases no profile or email claim"
        );
        let c = scope_claims(&grant(&["openid", "profile"]));
        assert_eq!(c.get("name"), Some(&json!("Ada")));
        assert!(
            c.get("role").is_none(),
            "custom claims are not OpenID Connect claims"
        );
        assert!(c.get("email").is_none());
        let c = scope_claims(&grant(&["openid", "email"]));
        assert_eq!(
            (c["email"].as_str(), c["email_verified"].as_bool()),
            (Some("ada@example.com"), Some(true))
        );
    }

    #[test]
    fn userinfo_starts_with_sub() {
        let u = userinfo(&grant(&["openid", "email"]), "u1");
        assert_eq!(u["sub"], "u1");
        assert_eq!(u["email"], "ada@example.com");
    }

    #[test]
    fn the_code_id_token_carries_nonce_and_a_refreshed_one_does_not() {
        let g = grant(&["openid", "profile"]);
        let input = |with_nonce| IdTokenInput {
            issuer: "https://op.example",
            client_id: "c",
            sub: "u1",
            granted: &g,
            now: 1_000,
            ttl: 3600,
            access_token: "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y",
            with_nonce,
        };
        let c = id_token_claims(input(true));
        assert_eq!(c["nonce"], "n-0S6");
        assert_eq!(c["at_hash"], "77QmUPtjPfzWtF2AnpK9RQ");
        assert_eq!(
            (c["aud"].as_str(), c["azp"].as_str()),
            (Some("c"), Some("c"))
        );
        assert_eq!(
            (c["auth_time"].as_i64(), c["exp"].as_i64()),
            (Some(100), Some(4600))
        );
        assert!(
            c.get("name").is_none(),
            "profile claims go to userinfo unless asked for"
        );
        assert!(id_token_claims(input(false)).get("nonce").is_none());
    }

    #[test]
    fn claims_asked_for_in_the_id_token_come_only_when_the_scope_releases_them() {
        let mut g = grant(&["openid", "profile"]);
        g.id_token_claims = vec!["name".into(), "email".into()];
        let c = id_token_claims(IdTokenInput {
            issuer: "i",
            client_id: "c",
            sub: "u1",
            granted: &g,
            now: 0,
            ttl: 1,
            access_token: "a",
            with_nonce: false,
        });
        assert_eq!(c["name"], "Ada");
        assert!(c.get("email").is_none(), "email scope not granted");
    }

    #[test]
    fn the_claims_parameter_names_id_token_claims() {
        let v = parse_claims_param(
            r#"{"id_token":{"email":{"essential":true},"name":null},"userinfo":{"x":null}}"#,
        );
        assert_eq!(v.unwrap(), ["email", "name"]);
        assert!(parse_claims_param("[]").is_err());
        assert!(parse_claims_param("{}").unwrap().is_empty());
    }
}
