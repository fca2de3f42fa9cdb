//! Registration of clients and users, and the signing keys: the admin CLI's
//! rules, shared with tests.

#[cfg(feature = "signing")]
pub mod keys;

use crate::crypto;
use crate::error::StoreError;
use crate::grant_type::GrantType;
use crate::store::{self, AccessTokenFormat, Client, Store, User};
use crate::tenant;

/// What `oauthctl client create` asks for.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    pub id: Option<String>,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    /// `None`: the default scope is every allowed scope.
    pub default_scopes: Option<Vec<String>>,
    /// Empty: `authorization_code` and `refresh_token`.
    pub grants: Vec<String>,
    pub public: bool,
    pub access_ttl: Option<i64>,
    pub refresh_ttl: Option<i64>,
    pub max_grant_ttl: Option<i64>,
    pub access_token_format: AccessTokenFormat,
    pub post_logout_redirect_uris: Vec<String>,
    /// RFC 8707 resources its tokens may be for.
    pub resources: Vec<String>,
}

#[derive(Debug)]
pub enum AdminError {
    Invalid(String),
    Exists,
    Store(StoreError),
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(m) => write!(f, "{m}"),
            Self::Exists => write!(f, "already exists"),
            Self::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AdminError {}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::AlreadyExists => Self::Exists,
            e => Self::Store(e),
        }
    }
}

pub(crate) fn invalid(m: impl Into<String>) -> AdminError {
    AdminError::Invalid(m.into())
}

/// A redirect URI must be absolute and carry no fragment (RFC 6749 §3.1.2).
pub fn valid_redirect_uri(uri: &str) -> bool {
    matches!(url::Url::parse(uri), Ok(u) if u.fragment().is_none() && !u.cannot_be_a_base())
}

/// Registers a client; returns it and its secret (shown once, stored hashed).
pub async fn create_client(
    store: &Store,
    new: NewClient,
    now: i64,
) -> Result<(Client, Option<String>), AdminError> {
    let id = new.id.unwrap_or_else(crypto::random_id);
    if id.is_empty() || id.len() > 128 || id.contains(char::is_control) {
        return Err(invalid("client id must be 1-128 printable characters"));
    }
    if new.name.trim().is_empty() {
        return Err(invalid("--name is required"));
    }
    if let Some(bad) = new.redirect_uris.iter().find(|u| !valid_redirect_uri(u)) {
        return Err(invalid(format!(
            "redirect URI {bad:?} must be an absolute URL without a fragment"
        )));
    }
    let scopes = crate::scope::parse(&new.scopes.join(" ")).map_err(|e| invalid(e.description))?;
    let default_scopes = match new.default_scopes {
        Some(d) => crate::scope::parse(&d.join(" ")).map_err(|e| invalid(e.description))?,
        None => scopes.clone(),
    };
    if let Some(bad) = default_scopes.iter().find(|s| !scopes.contains(s)) {
        return Err(invalid(format!(
            "default scope {bad:?} is not among the allowed scopes"
        )));
    }
    let grants = if new.grants.is_empty() {
        vec![
            "authorization_code".to_string(),
            "refresh_token".to_string(),
        ]
    } else {
        new.grants
    };
    if let Some(bad) = grants.iter().find(|g| GrantType::parse(g).is_none()) {
        return Err(invalid(format!(
            "unknown grant {bad:?}; use one of {}",
            GrantType::names().join(", ")
        )));
    }
    if new.public && grants.iter().any(|g| g == "client_credentials") {
        return Err(invalid(
            "a public client cannot have the client_credentials grant",
        ));
    }
    if grants.iter().any(|g| g == "authorization_code") && new.redirect_uris.is_empty() {
        return Err(invalid(
            "the authorization_code grant needs at least one --redirect-uri",
        ));
    }
    if let Some(bad) = new
        .post_logout_redirect_uris
        .iter()
        .find(|u| !valid_redirect_uri(u))
    {
        return Err(invalid(format!(
            "post-logout redirect URI {bad:?} must be an absolute URL without a fragment"
        )));
    }
    if let Some(bad) = new.resources.iter().find(|u| !valid_redirect_uri(u)) {
        return Err(invalid(format!(
            "resource {bad:?} must be an absolute URI without a fragment (RFC 8707)"
        )));
    }
    let max = crate::config::MAX_SIGNED_TTL;
    if new.access_token_format == AccessTokenFormat::Jwt
        && !new.access_ttl.is_none_or(|t| (1..=max).contains(&t))
    {
        return Err(invalid(format!(
            "a jwt client's access tokens must expire, within {max} seconds: an API that validates them sees a revocation only then"
        )));
    }
    for ttl in [new.access_ttl, new.refresh_ttl, new.max_grant_ttl]
        .into_iter()
        .flatten()
    {
        if ttl < 0 {
            return Err(invalid(
                "token lifetimes are seconds >= 0 (0 = never expires)",
            ));
        }
    }
    let secret = (!new.public).then(crypto::random_token);
    let client = Client {
        pk: Client::key(&id),
        client_id: id,
        name: new.name.trim().to_string(),
        secret_hash: secret.as_deref().map(crypto::sha256_hex),
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
        disabled: false,
        created_at: now,
    };
    store.put_client(&client, true).await?;
    Ok((client, secret))
}

/// Replaces a confidential client's secret; returns the new one.
pub async fn rotate_secret(store: &Store, client_id: &str) -> Result<String, AdminError> {
    let mut client = store
        .get_client(client_id)
        .await?
        .ok_or_else(|| invalid("no such client"))?;
    if client.is_public() {
        return Err(invalid("a public client has no secret"));
    }
    let secret = crypto::random_token();
    client.secret_hash = Some(crypto::sha256_hex(&secret));
    store.put_client(&client, false).await?;
    Ok(secret)
}

/// Disables a client: new grants and token requests are refused, then every
/// outstanding code and token of the client is revoked. Returns how many.
pub async fn disable_client(store: &Store, client_id: &str) -> Result<usize, AdminError> {
    let mut client = store
        .get_client(client_id)
        .await?
        .ok_or_else(|| invalid("no such client"))?;
    client.disabled = true;
    store.put_client(&client, false).await?;
    Ok(store.revoke_client_tokens(client_id).await?)
}

/// Registers a user in a tenant; returns it.
pub async fn create_user(
    store: &Store,
    tenant: Option<&str>,
    email: &str,
    password: &str,
    claims: Option<&str>,
    now: i64,
) -> Result<User, AdminError> {
    let tenant = tenant.unwrap_or(store::DEFAULT_TENANT);
    if !tenant::is_valid(tenant) {
        return Err(invalid(
            "tenant must be 1-64 letters, digits, '-', '_' or '.'",
        ));
    }
    let email_n = store::normalize_email(email);
    if !email_n.contains('@') || email_n.len() > 254 {
        return Err(invalid("a valid email is required"));
    }
    if password.is_empty() {
        return Err(invalid("a password is required"));
    }
    let claims = match claims {
        Some(c) => match serde_json::from_str::<serde_json::Value>(c) {
            Ok(serde_json::Value::Object(m)) => serde_json::Value::Object(m).to_string(),
            _ => return Err(invalid("--claims must be a JSON object")),
        },
        None => "{}".to_string(),
    };
    let user = User {
        pk: User::key(tenant, &email_n),
        sub: crypto::random_id(),
        tenant: tenant.to_string(),
        email: email_n,
        password_hash: crypto::hash_password(password),
        claims,
        disabled: false,
        created_at: now,
    };
    store.put_user(&user).await?;
    Ok(user)
}
