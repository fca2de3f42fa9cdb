//! Registering a client: the one place where a registration's rules live,
//! whoever registers — the operator (`oauthctl`), a developer in the portal,
//! or the app itself (RFC 7591, [`dynamic`]) — and what each may register.
//! A client ID metadata document is read into a client by the same rules
//! ([`metadata_document`]).
//!
//! Every registrar gets the same checks (redirect URIs by
//! [`crate::redirect_uri`], grants, authentication methods, scopes, sizes);
//! only the operator may set what the legacy APIs need (the password grant,
//! lifetimes, token format, `http` redirect URIs, the legacy claims) or name
//! the client id.

pub mod dynamic;
pub mod members;
pub mod metadata_document;

use crate::config::Config;
use crate::grant_type::GrantType;
use crate::redirect_uri::{self, AppType};
use crate::store::{About, AccessTokenFormat, Client, RegisteredBy};

/// Who registers, and so what they may register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registrar {
    /// `oauthctl`: everything.
    Operator,
    /// A developer in the portal: the code flow, refresh and client
    /// credentials; scopes from the registration set.
    Developer { owner: String },
    /// The app itself (RFC 7591), with an initial access token (`open`
    /// false) or with none (`open`: PKCE required, the code flow only, the
    /// consent page always with a warning, removed when unused).
    App { open: bool },
}

/// Why a registration is refused (RFC 7591 §3.2.2): the member and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `invalid_redirect_uri` rather than `invalid_client_metadata`.
    pub redirect: bool,
    pub description: String,
}

fn refuse(member: &str, why: impl std::fmt::Display) -> Refusal {
    Refusal {
        redirect: member.contains("redirect_uri"),
        description: format!("{member}: {why}"),
    }
}

/// A registration: RFC 7591 metadata, and the operator's own settings.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    /// A client id of the operator's choosing (`oauthctl --id`).
    pub id: Option<String>,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    /// `None`: the default scope is every allowed scope.
    pub default_scopes: Option<Vec<String>>,
    /// Empty: `authorization_code` and `refresh_token`.
    pub grants: Vec<String>,
    /// `token_endpoint_auth_method` `none`: no secret, PKCE required.
    pub public: bool,
    /// `client_secret_basic` or `client_secret_post`, when the client named one.
    pub token_endpoint_auth_method: Option<String>,
    pub application_type: Option<AppType>,
    pub about: About,
    pub post_logout_redirect_uris: Vec<String>,
    pub access_ttl: Option<i64>,
    pub refresh_ttl: Option<i64>,
    pub max_grant_ttl: Option<i64>,
    pub access_token_format: AccessTokenFormat,
    /// RFC 8707 resources its tokens may be for.
    pub resources: Vec<String>,
    /// The audience when a request names no resource (one of `resources`).
    pub default_resource: Option<String>,
    /// May introspect other clients' tokens (RFC 7662 §4).
    pub resource_server: bool,
    /// Flat stored claims at userinfo and `username` in token responses.
    pub legacy_claims: bool,
    /// `http` redirect URIs off loopback (legacy clients only).
    pub allow_http_redirect: bool,
}

/// The most redirect URIs (and post-logout ones) anyone but the operator registers.
pub const MAX_REDIRECT_URIS: usize = 10;
/// The longest name, and the longest URI, anyone registers.
const MAX_NAME: usize = 200;
const MAX_URI: usize = 2048;
const MAX_CONTACTS: usize = 10;

/// The grant types a registrar may register.
fn grants_allowed(registrar: &Registrar) -> &'static [GrantType] {
    match registrar {
        Registrar::Operator => &[
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::Password,
            GrantType::ClientCredentials,
        ],
        Registrar::Developer { .. } | Registrar::App { open: false } => &[
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials,
        ],
        Registrar::App { open: true } => &[GrantType::AuthorizationCode, GrantType::RefreshToken],
    }
}

/// What anyone but the operator may register as scope here: the deployment's
/// registration scopes and the scopes of the registered resources.
pub async fn registrable(
    state: &crate::state::State,
) -> Result<Vec<String>, crate::error::StoreError> {
    let registered = state.resources.load(&state.store).await?;
    let scopes: Vec<String> = registered.iter().flat_map(|r| r.scopes.clone()).collect();
    Ok(registrable_scopes(&state.config, &scopes))
}

/// What anyone but the operator may register as scope: the deployment's
/// registration scopes and the scopes of the registered resources.
pub fn registrable_scopes(config: &Config, resource_scopes: &[String]) -> Vec<String> {
    let mut all: Vec<String> = config.registration_scopes.clone();
    for s in resource_scopes {
        if !all.contains(s) {
            all.push(s.clone());
        }
    }
    all
}

fn check_uri(member: &str, uri: &str) -> Result<(), Refusal> {
    if uri.len() > MAX_URI {
        return Err(refuse(member, format!("longer than {MAX_URI} bytes")));
    }
    match url::Url::parse(uri) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.host_str().is_some() => Ok(()),
        _ => Err(refuse(member, "must be an absolute http(s) URL")),
    }
}

/// A changed registration keeps its kind: a secret changes by rotation, and a
/// public client never gets one (RFC 7592 §2.2 lets the server refuse a change).
pub fn keeps_kind(new: &NewClient, client: &Client) -> Result<(), &'static str> {
    (new.public == client.is_public()).then_some(()).ok_or(
        "token_endpoint_auth_method: a public client stays public, a confidential one confidential",
    )
}

/// A registration's settings checked for this registrar: the client to
/// store (its id `id`; secret and registration token are the caller's).
/// `registrable` is what anyone but the operator may have as scope
/// ([`registrable_scopes`]); scopes outside it are dropped (RFC 7591
/// §3.2.1: the server may replace requested values).
pub fn settle(
    new: NewClient,
    id: String,
    registrar: &Registrar,
    registrable: &[String],
    now: i64,
) -> Result<Client, Refusal> {
    let operator = *registrar == Registrar::Operator;
    let name = new.name.trim();
    if name.is_empty() {
        return Err(refuse("client_name", "is required"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(refuse(
            "client_name",
            format!("longer than {MAX_NAME} characters"),
        ));
    }
    // Grants.
    let grants = if new.grants.is_empty() {
        vec![
            "authorization_code".to_string(),
            "refresh_token".to_string(),
        ]
    } else {
        new.grants
    };
    for g in &grants {
        let allowed = grants_allowed(registrar);
        match GrantType::parse(g) {
            Some(t) if allowed.contains(&t) => {}
            Some(_) => {
                return Err(refuse(
                    "grant_types",
                    format!("{g} may not be registered here"),
                ))
            }
            None => {
                return Err(refuse(
                    "grant_types",
                    format!(
                        "unknown grant {g:?}; use one of {}",
                        GrantType::names().join(", ")
                    ),
                ))
            }
        }
    }
    let code_flow = grants.iter().any(|g| g == "authorization_code");
    if new.public && grants.iter().any(|g| g == "client_credentials") {
        return Err(refuse(
            "grant_types",
            "a public client (token_endpoint_auth_method none) cannot have client_credentials",
        ));
    }
    if let Some(m) = &new.token_endpoint_auth_method {
        if !matches!(m.as_str(), "client_secret_basic" | "client_secret_post") {
            return Err(refuse(
                "token_endpoint_auth_method",
                "must be none, client_secret_basic or client_secret_post",
            ));
        }
    }
    // Redirect URIs.
    if code_flow && new.redirect_uris.is_empty() {
        return Err(refuse(
            "redirect_uris",
            "the authorization_code grant needs at least one redirect URI",
        ));
    }
    if !operator
        && (new.redirect_uris.len() > MAX_REDIRECT_URIS
            || new.post_logout_redirect_uris.len() > MAX_REDIRECT_URIS)
    {
        return Err(refuse(
            "redirect_uris",
            format!("at most {MAX_REDIRECT_URIS}"),
        ));
    }
    let rules = redirect_uri::Rules {
        app_type: new.application_type,
        allow_http: operator && new.allow_http_redirect,
    };
    for (member, uris) in [
        ("redirect_uris", &new.redirect_uris),
        ("post_logout_redirect_uris", &new.post_logout_redirect_uris),
    ] {
        for uri in uris {
            if uri.len() > MAX_URI {
                return Err(refuse(member, format!("longer than {MAX_URI} bytes")));
            }
            redirect_uri::check(uri, rules)
                .map_err(|why| refuse(member, format!("{uri:?} {why}")))?;
        }
    }
    // What it shows people.
    for (member, uri) in [
        ("client_uri", &new.about.client_uri),
        ("logo_uri", &new.about.logo_uri),
        ("tos_uri", &new.about.tos_uri),
        ("policy_uri", &new.about.policy_uri),
    ] {
        if let Some(uri) = uri {
            check_uri(member, uri)?;
        }
    }
    if new.about.contacts.len() > MAX_CONTACTS
        || new
            .about
            .contacts
            .iter()
            .any(|c| c.len() > 254 || c.chars().any(char::is_control))
    {
        return Err(refuse(
            "contacts",
            format!("at most {MAX_CONTACTS} addresses of 254 bytes"),
        ));
    }
    for (member, v) in [
        ("software_id", &new.about.software_id),
        ("software_version", &new.about.software_version),
    ] {
        if v.as_ref()
            .is_some_and(|v| v.len() > 256 || v.chars().any(char::is_control))
        {
            return Err(refuse(member, "at most 256 printable characters"));
        }
    }
    // Scopes.
    let mut scopes =
        crate::scope::parse(&new.scopes.join(" ")).map_err(|e| refuse("scope", e.description))?;
    if !operator {
        scopes.retain(|s| registrable.contains(s));
    }
    let default_scopes = match new.default_scopes {
        Some(d) => crate::scope::parse(&d.join(" ")).map_err(|e| refuse("scope", e.description))?,
        None => scopes.clone(),
    };
    if let Some(bad) = default_scopes.iter().find(|s| !scopes.contains(s)) {
        return Err(refuse(
            "default_scope",
            format!("{bad:?} is not among the allowed scopes"),
        ));
    }
    // The operator's own settings.
    let operator_only = new.access_ttl.is_some()
        || new.refresh_ttl.is_some()
        || new.max_grant_ttl.is_some()
        || new.access_token_format != AccessTokenFormat::Opaque
        || !new.resources.is_empty()
        || new.resource_server
        || new.legacy_claims
        || new.allow_http_redirect;
    if operator_only && !operator {
        return Err(refuse(
            "client",
            "lifetimes, token format, resources and legacy settings are the operator's",
        ));
    }
    if let Some(bad) = new
        .resources
        .iter()
        .find(|u| !crate::admin::valid_absolute_uri(u))
    {
        return Err(refuse(
            "resources",
            format!("{bad:?} must be an absolute URI without a fragment (RFC 8707)"),
        ));
    }
    if let Some(d) = &new.default_resource {
        if !new.resources.contains(d) {
            return Err(refuse(
                "default_resource",
                format!("{d:?} must be one of the client's resources"),
            ));
        }
    }
    let max = crate::config::MAX_SIGNED_TTL;
    if new.access_token_format == AccessTokenFormat::Jwt
        && !new.access_ttl.is_none_or(|t| (1..=max).contains(&t))
    {
        return Err(refuse("access_ttl", format!(
            "a jwt client's access tokens must expire, within {max} seconds: an API that validates them sees a revocation only then"
        )));
    }
    if [new.access_ttl, new.refresh_ttl, new.max_grant_ttl]
        .into_iter()
        .flatten()
        .any(|t| t < 0)
    {
        return Err(refuse(
            "access_ttl",
            "token lifetimes are seconds >= 0 (0 = never expires)",
        ));
    }
    let (registered_by, owner, open) = match registrar {
        Registrar::Operator => (RegisteredBy::Operator, None, false),
        Registrar::Developer { owner } => (RegisteredBy::Portal, Some(owner.clone()), false),
        Registrar::App { open } => (RegisteredBy::Dynamic, None, *open),
    };
    Ok(Client {
        pk: Client::key(&id),
        client_id: id,
        name: name.to_string(),
        secret_hash: None,
        redirect_uris: new.redirect_uris,
        scopes,
        default_scopes,
        grants,
        access_ttl: new.access_ttl,
        refresh_ttl: new.refresh_ttl,
        max_grant_ttl: new.max_grant_ttl,
        access_token_format: new.access_token_format,
        post_logout_redirect_uris: new.post_logout_redirect_uris,
        resources: new.resources,
        default_resource: new.default_resource,
        resource_server: new.resource_server,
        legacy_claims: new.legacy_claims,
        allow_http_redirect: new.allow_http_redirect,
        disabled: false,
        created_at: now,
        registered_by,
        owner,
        about: new.about,
        application_type: new.application_type.map(|t| match t {
            AppType::Web => "web".to_string(),
            AppType::Native => "native".to_string(),
        }),
        token_endpoint_auth_method: new.token_endpoint_auth_method,
        previous_secret: None,
        registration_token_hash: None,
        unverified: open,
        require_pkce: open,
        expires_at: None,
    })
}

/// The secret and its hash for a confidential client: 256 random bits,
/// shown once, stored as SHA-256.
pub fn new_secret() -> (String, String) {
    let secret = crate::crypto::random_token();
    let hash = crate::crypto::sha256_hex(&secret);
    (secret, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new() -> NewClient {
        NewClient {
            name: "App".into(),
            redirect_uris: vec!["https://app.example/cb".into()],
            scopes: vec!["read".into(), "admin".into()],
            ..NewClient::default()
        }
    }

    const OPEN: Registrar = Registrar::App { open: true };

    #[test]
    fn an_open_registration_is_fenced_to_the_code_flow_with_pkce_and_the_registrable_scopes() {
        let c = settle(new(), "id".into(), &OPEN, &["read".into()], 0).unwrap();
        assert_eq!(c.scopes, ["read"], "admin is not registrable");
        assert!(c.require_pkce && c.unverified);
        assert_eq!(c.registered_by, RegisteredBy::Dynamic);
        for grant in ["password", "client_credentials"] {
            let n = NewClient {
                grants: vec!["authorization_code".into(), grant.into()],
                ..new()
            };
            let e = settle(n, "id".into(), &OPEN, &[], 0).unwrap_err();
            assert!(e.description.starts_with("grant_types"), "{e:?}");
            assert!(!e.redirect);
        }
        let many = NewClient {
            redirect_uris: (0..11)
                .map(|i| format!("https://app.example/cb{i}"))
                .collect(),
            ..new()
        };
        assert!(
            settle(many, "id".into(), &OPEN, &[], 0)
                .unwrap_err()
                .redirect
        );
    }

    #[test]
    fn a_bad_member_is_named_with_why_and_redirect_uris_get_their_own_error() {
        let bad = NewClient {
            redirect_uris: vec!["http://app.example/cb".into()],
            ..new()
        };
        let e = settle(bad, "id".into(), &OPEN, &[], 0).unwrap_err();
        assert!(
            e.redirect && e.description.contains("redirect_uris"),
            "{e:?}"
        );
        let logo = NewClient {
            about: About {
                logo_uri: Some("javascript:alert(1)".into()),
                ..About::default()
            },
            ..new()
        };
        let e = settle(logo, "id".into(), &OPEN, &[], 0).unwrap_err();
        assert!(
            !e.redirect && e.description.starts_with("logo_uri"),
            "{e:?}"
        );
        let web = NewClient {
            application_type: Some(AppType::Web),
            redirect_uris: vec!["http://127.0.0.1/cb".into()],
            ..new()
        };
        assert!(
            settle(web, "id".into(), &OPEN, &[], 0)
                .unwrap_err()
                .redirect
        );
    }

    #[test]
    fn only_the_operator_sets_the_legacy_settings_and_http_redirects() {
        let legacy = NewClient {
            legacy_claims: true,
            ..new()
        };
        let dev = Registrar::Developer { owner: "u".into() };
        assert!(settle(legacy.clone(), "id".into(), &dev, &[], 0).is_err());
        assert!(settle(legacy, "id".into(), &Registrar::Operator, &[], 0).is_ok());
        let http = NewClient {
            allow_http_redirect: true,
            redirect_uris: vec!["http://legacy.example/cb".into()],
            ..new()
        };
        assert!(settle(http.clone(), "id".into(), &Registrar::Operator, &[], 0).is_ok());
        assert!(settle(http, "id".into(), &dev, &[], 0).is_err());
    }
}
