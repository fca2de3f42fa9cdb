//! Deployment configuration, read once per cold start from the environment.

use std::env;

/// Every setting a function reads. See README "Configuration".
#[derive(Clone, Debug)]
pub struct Config {
    /// DynamoDB table name (`TABLE_NAME`).
    pub table_name: String,
    /// Public base URL of the server, e.g. `https://auth.example.com` (`ISSUER`).
    pub issuer: String,
    /// Authorization code lifetime in seconds (`CODE_TTL`, default 300, at most 600).
    pub code_ttl: i64,
    /// Default access-token lifetime in seconds when a client sets none (`ACCESS_TOKEN_TTL`, default 3600).
    pub access_ttl: i64,
    /// Default refresh-token lifetime in seconds when a client sets none (`REFRESH_TOKEN_TTL`, default 30 days).
    pub refresh_ttl: i64,
    /// Browser session lifetime in seconds (`SESSION_TTL`, default 8 hours).
    pub session_ttl: i64,
    /// The longest a grant may be refreshed, from its start, when a client sets
    /// none (`MAX_GRANT_LIFETIME`, default 90 days; 0 = no limit).
    pub max_grant_ttl: i64,
    /// Seconds after a refresh token's rotation during which one retry with the same
    /// token is honoured instead of treated as replay (`REFRESH_GRACE_SECONDS`, default 0 = off).
    pub refresh_grace: i64,
    /// Whether credentials may come in the query string: the token endpoint's
    /// parameters, and userinfo's `access_token` (`TOKEN_QUERY_PARAMS=allow|deny`,
    /// default deny: URLs end up in logs and browser histories; Cobot and
    /// BellaDati clients need allow, docs/compatibility.md).
    pub query_params_allowed: bool,
    /// Whether cookies get the `Secure` attribute: always, unless the issuer is plain
    /// http on a loopback host.
    pub secure_cookies: bool,
    /// ID token lifetime in seconds (`ID_TOKEN_TTL`, default 1 hour).
    pub id_token_ttl: i64,
    /// JWT access-token lifetime when a `jwt` client sets none
    /// (`JWT_ACCESS_TOKEN_TTL`, default 10 minutes): an API that validates the
    /// token itself sees a revocation only at its expiry.
    pub jwt_access_ttl: i64,
    /// The audience of a JWT access token when the request names no `resource`
    /// and the client registered none (`DEFAULT_AUDIENCE`, default: the issuer).
    pub default_audience: String,
    /// The KMS key that encrypts the signing keys' private halves (`KMS_KEY_ID`:
    /// id, ARN or alias). Only the token function needs it.
    pub kms_key_id: Option<String>,
    /// Signing-key rotation (`KEY_ROTATION_DAYS`, default 90;
    /// `KEY_PUBLICATION_WINDOW` seconds, default 3 hours, at least 2).
    pub key_policy: crate::keys::Policy,
    /// Who may register clients at the registration endpoint (RFC 7591):
    /// `CLIENT_REGISTRATION=off|token|open`, default off.
    pub client_registration: RegistrationPolicy,
    /// The scopes anyone but the operator may register (the portal, RFC
    /// 7591), beside the registered resources' own (`REGISTRATION_SCOPES`,
    /// space-separated; default `openid profile email offline_access`).
    pub registration_scopes: Vec<String>,
    /// How long an open registration lives unused (`CLIENT_IDLE_TTL`,
    /// seconds, default 30 days): each use pushes it forward.
    pub client_idle_ttl: i64,
    /// Whether every signed-in person is a developer in the portal
    /// (`PORTAL_DEVELOPERS=everyone|role`, default role: users with
    /// `oauthctl user update --developer`).
    pub everyone_develops: bool,
    /// Extra root certificates (a PEM bundle) for the server's own outbound
    /// requests, e.g. behind a private CA (`OUTBOUND_CA_FILE`).
    pub outbound_ca_file: Option<String>,
    /// Human descriptions of scopes for the consent page (`SCOPE_DESCRIPTIONS`, a
    /// JSON object such as `{"refer":"Read your bots"}`); unknown scopes show their name.
    pub scope_descriptions: std::collections::BTreeMap<String, String>,
}

/// Who may register clients at the registration endpoint (RFC 7591 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationPolicy {
    /// Nobody: the endpoint answers that registration is closed.
    Off,
    /// Whoever holds an initial access token (`oauthctl registration-token
    /// create`, or the portal).
    Token,
    /// Anyone (what MCP clients need), fenced (`crate::registration`); a
    /// registration that brings an initial access token is not fenced.
    Open,
}

/// The longest anything signed may live (an ID token or a JWT access token):
/// a key stays published this long after it stops signing.
pub const MAX_SIGNED_TTL: i64 = 24 * 3600;

fn int_var(name: &str, default: i64) -> Result<i64, String> {
    match env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| format!("{name} must be a non-negative integer, got {v:?}")),
        _ => Ok(default),
    }
}

impl Config {
    /// Reads the configuration from the environment; fails with a message naming the bad variable.
    pub fn from_env() -> Result<Self, String> {
        let table_name = env::var("TABLE_NAME").unwrap_or_else(|_| "oauth".to_string());
        let issuer = match env::var("ISSUER") {
            Err(_) => "http://127.0.0.1:9000".to_string(),
            Ok(v) => check_issuer(&v)?,
        };
        let query_params_allowed = match env::var("TOKEN_QUERY_PARAMS")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "allow" | "true" | "on" | "1" => true,
            "" | "deny" | "false" | "off" | "0" => false,
            other => {
                return Err(format!(
                    "TOKEN_QUERY_PARAMS must be allow or deny, got {other:?}"
                ))
            }
        };
        let code_ttl = int_var("CODE_TTL", 300)?;
        if !(1..=600).contains(&code_ttl) {
            return Err("CODE_TTL must be between 1 and 600 seconds".into());
        }
        let scope_descriptions = match env::var("SCOPE_DESCRIPTIONS") {
            Ok(v) if !v.trim().is_empty() => serde_json::from_str(&v)
                .map_err(|e| format!("SCOPE_DESCRIPTIONS must be a JSON object of strings: {e}"))?,
            _ => Default::default(),
        };
        let window = int_var("KEY_PUBLICATION_WINDOW", 3 * 3600)?;
        if window < 2 * 3600 {
            return Err("KEY_PUBLICATION_WINDOW must be at least 7200 seconds: API Gateway caches a JWKS for up to two hours".into());
        }
        let rotation = int_var("KEY_ROTATION_DAYS", 90)? * 86_400;
        if rotation <= window {
            return Err("KEY_ROTATION_DAYS must be longer than the publication window".into());
        }
        let mut config = Self::new(table_name, issuer)
            .with_code_ttl(code_ttl)
            .with_access_ttl(int_var("ACCESS_TOKEN_TTL", 3600)?)
            .with_refresh_ttl(int_var("REFRESH_TOKEN_TTL", 30 * 24 * 3600)?)
            .with_session_ttl(int_var("SESSION_TTL", 8 * 3600)?)
            .with_max_grant_ttl(int_var("MAX_GRANT_LIFETIME", 90 * 24 * 3600)?)
            .with_refresh_grace(int_var("REFRESH_GRACE_SECONDS", 0)?.min(300))
            .with_query_params(query_params_allowed);
        config.scope_descriptions = scope_descriptions;
        config.id_token_ttl = int_var("ID_TOKEN_TTL", 3600)?.clamp(60, MAX_SIGNED_TTL);
        config.jwt_access_ttl = int_var("JWT_ACCESS_TOKEN_TTL", 600)?.clamp(60, MAX_SIGNED_TTL);
        if let Ok(a) = env::var("DEFAULT_AUDIENCE") {
            if !a.trim().is_empty() {
                config.default_audience = a.trim().to_string();
            }
        }
        config.kms_key_id = env::var("KMS_KEY_ID").ok().filter(|k| !k.trim().is_empty());
        config.client_registration = match env::var("CLIENT_REGISTRATION")
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "" | "off" => RegistrationPolicy::Off,
            "token" => RegistrationPolicy::Token,
            "open" => RegistrationPolicy::Open,
            other => {
                return Err(format!(
                    "CLIENT_REGISTRATION must be off, token or open, got {other:?}"
                ))
            }
        };
        if let Ok(v) = env::var("REGISTRATION_SCOPES") {
            if !v.trim().is_empty() {
                config.registration_scopes = v.split_whitespace().map(str::to_string).collect();
            }
        }
        config.client_idle_ttl = int_var("CLIENT_IDLE_TTL", 30 * 86_400)?.max(3600);
        config.everyone_develops = match env::var("PORTAL_DEVELOPERS").unwrap_or_default().trim() {
            "" | "role" => false,
            "everyone" => true,
            other => {
                return Err(format!(
                    "PORTAL_DEVELOPERS must be role or everyone, got {other:?}"
                ))
            }
        };
        config.outbound_ca_file = env::var("OUTBOUND_CA_FILE")
            .ok()
            .filter(|f| !f.trim().is_empty());
        config.key_policy.rotation = rotation;
        config.key_policy.window = window;
        Ok(config)
    }

    /// A configuration with defaults for everything but the table and issuer.
    pub fn new(table_name: impl Into<String>, issuer: impl Into<String>) -> Self {
        let issuer = issuer.into().trim_end_matches('/').to_string();
        let secure_cookies = !is_loopback_http(&issuer);
        Self {
            id_token_ttl: 3600,
            jwt_access_ttl: 600,
            default_audience: issuer.clone(),
            kms_key_id: None,
            key_policy: crate::keys::Policy {
                rotation: 90 * 86_400,
                window: 3 * 3600,
                signed_ttl: MAX_SIGNED_TTL,
            },
            table_name: table_name.into(),
            issuer,
            code_ttl: 300,
            access_ttl: 3600,
            refresh_ttl: 30 * 24 * 3600,
            session_ttl: 8 * 3600,
            max_grant_ttl: 90 * 24 * 3600,
            refresh_grace: 0,
            query_params_allowed: false,
            secure_cookies,
            scope_descriptions: Default::default(),
            outbound_ca_file: None,
            client_registration: RegistrationPolicy::Off,
            registration_scopes: ["openid", "profile", "email", "offline_access"]
                .map(String::from)
                .to_vec(),
            client_idle_ttl: 30 * 86_400,
            everyone_develops: false,
        }
    }

    pub fn with_code_ttl(mut self, s: i64) -> Self {
        self.code_ttl = s;
        self
    }
    pub fn with_access_ttl(mut self, s: i64) -> Self {
        self.access_ttl = s;
        self
    }
    pub fn with_refresh_ttl(mut self, s: i64) -> Self {
        self.refresh_ttl = s;
        self
    }
    pub fn with_session_ttl(mut self, s: i64) -> Self {
        self.session_ttl = s;
        self
    }
    pub fn with_max_grant_ttl(mut self, s: i64) -> Self {
        self.max_grant_ttl = s;
        self
    }
    pub fn with_refresh_grace(mut self, s: i64) -> Self {
        self.refresh_grace = s;
        self
    }
    pub fn with_query_params(mut self, allowed: bool) -> Self {
        self.query_params_allowed = allowed;
        self
    }
}

/// A deployed issuer must be set, and be an absolute http(s) URL without query
/// or fragment (OpenID Connect Discovery §3): every token and document names it.
fn check_issuer(v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(
            "ISSUER is empty: set the stack's IssuerUrl parameter to the server's public URL \
             (your custom domain, or the ApiUrl output of the first deploy) and deploy again"
                .into(),
        );
    }
    match url::Url::parse(v) {
        Ok(u)
            if matches!(u.scheme(), "https" | "http")
                && u.query().is_none()
                && u.fragment().is_none() =>
        {
            Ok(v.to_string())
        }
        _ => Err(format!(
            "ISSUER must be an absolute https URL without query or fragment, got {v:?}"
        )),
    }
}

impl Config {
    /// A cookie's name: with the `__Host-` prefix whenever cookies are `Secure`,
    /// so that no other host (a sibling subdomain) can set or shadow it.
    pub fn cookie_name(&self, base: &str) -> String {
        if self.secure_cookies {
            format!("__Host-{base}")
        } else {
            base.to_string()
        }
    }
}

/// Whether an issuer is plain http on a loopback host (local development).
pub fn is_loopback_http(issuer: &str) -> bool {
    match url::Url::parse(issuer) {
        Ok(u) if u.scheme() == "http" => matches!(
            u.host_str(),
            Some("localhost") | Some("127.0.0.1") | Some("[::1]")
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_unless_issuer_is_loopback_http() {
        assert!(!Config::new("t", "http://127.0.0.1:9000").secure_cookies);
        assert!(!Config::new("t", "http://localhost:9000").secure_cookies);
        assert!(Config::new("t", "https://auth.example.com").secure_cookies);
        assert!(Config::new("t", "http://auth.example.com").secure_cookies);
    }

    #[test]
    fn an_empty_issuer_fails_fast_with_a_clear_message() {
        let e = check_issuer("  ").unwrap_err();
        assert!(e.contains("IssuerUrl"), "{e}");
        assert!(check_issuer("https://auth.example.com").is_ok());
        assert!(check_issuer("auth.example.com").is_err());
        assert!(check_issuer("https://a.example/?x=1").is_err());
    }

    #[test]
    fn secure_cookies_get_the_host_prefix() {
        assert_eq!(
            Config::new("t", "https://a.example").cookie_name("s"),
            "__Host-s"
        );
        assert_eq!(
            Config::new("t", "http://127.0.0.1:9000").cookie_name("s"),
            "s"
        );
    }

    #[test]
    fn issuer_loses_its_trailing_slash() {
        assert_eq!(
            Config::new("t", "https://a.example/").issuer,
            "https://a.example"
        );
    }
}
