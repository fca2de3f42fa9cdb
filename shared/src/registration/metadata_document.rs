//! Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document,
//! as the MCP authorization specification profiles it): a `client_id` that is
//! an https URL naming the client's own RFC 7591 metadata. Such a client needs
//! no registration step; it is a public client, PKCE required, and the
//! consent page says that the operator has not verified it.
//!
//! The document is fetched through [`crate::outbound`] (public addresses
//! only, no redirects, 5 s, [`MAX_DOCUMENT`] bytes), checked, and cached in
//! the table (`cimd#…`) for as long as its `Cache-Control` says, clamped to
//! [`MIN_CACHE`]–[`MAX_CACHE`]: a sign-in with a cached client makes no
//! outbound request. A document that fails is never cached.

use super::{settle, NewClient, Registrar};
use crate::error::OAuthError;
use crate::state::State;
use crate::store::{Client, MetadataDocumentItem, RegisteredBy};
use serde::Deserialize;

/// The largest document read.
pub const MAX_DOCUMENT: usize = 8 * 1024;
/// The shortest and longest a document is cached (seconds).
pub const MIN_CACHE: i64 = 300;
pub const MAX_CACHE: i64 = 24 * 3600;

/// Whether a `client_id` names a metadata document (an https URL).
pub fn is_document_url(client_id: &str) -> bool {
    client_id.starts_with("https://")
}

/// A client id URL as the draft allows it (§3): https, a host, a path other
/// than `/`, no fragment, user name, password or dot segments.
pub fn check_url(client_id: &str) -> Result<url::Url, &'static str> {
    if client_id.len() > 2048 {
        return Err("the client_id URL is too long");
    }
    let u = url::Url::parse(client_id).map_err(|_| "the client_id is not a URL")?;
    if u.scheme() != "https" || u.host_str().is_none() {
        return Err("the client_id URL must be https");
    }
    if u.fragment().is_some() || !u.username().is_empty() || u.password().is_some() {
        return Err("the client_id URL must have no fragment, user name or password");
    }
    if u.path() == "/" || client_id.contains("/./") || client_id.contains("/../") {
        return Err("the client_id URL must name a document by its path");
    }
    if u.as_str() != client_id {
        return Err("the client_id URL must be in its normal form");
    }
    Ok(u)
}

/// The `client_name` of a cached document, for pages that list the app
/// (the account page): what the consent page showed, or `None`.
pub fn client_name(document: &str) -> Option<String> {
    let doc: Document = serde_json::from_str(document).ok()?;
    let name = doc.client_name?.trim().to_string();
    let fits = !name.is_empty() && name.chars().count() <= 200;
    (fits && !name.chars().any(char::is_control)).then_some(name)
}

/// The members of the document this server reads (RFC 7591 §2 names).
#[derive(Debug, Deserialize)]
struct Document {
    client_id: String,
    #[serde(default)]
    client_name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    grant_types: Option<Vec<String>>,
    #[serde(default)]
    response_types: Option<Vec<String>>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    client_uri: Option<String>,
    #[serde(default)]
    logo_uri: Option<String>,
    #[serde(default)]
    tos_uri: Option<String>,
    #[serde(default)]
    policy_uri: Option<String>,
    #[serde(default)]
    software_id: Option<String>,
    #[serde(default)]
    software_version: Option<String>,
    #[serde(default)]
    client_secret: Option<serde_json::Value>,
    #[serde(default)]
    client_secret_expires_at: Option<serde_json::Value>,
}

fn invalid(why: impl std::fmt::Display) -> OAuthError {
    OAuthError::invalid_client(format!("the client metadata document is not usable: {why}"))
}

/// The client a document describes, checked as an open registration is
/// ([`settle`]), then: no secret, `token_endpoint_auth_method` `none`, its
/// `client_id` the URL it was fetched from exactly (simple string comparison),
/// and that URL neither the issuer nor a registered resource.
pub fn client_of(
    state: &State,
    url: &str,
    json: &[u8],
    registrable: &[String],
    now: i64,
) -> Result<Client, OAuthError> {
    let doc: Document = serde_json::from_slice(json)
        .map_err(|_| invalid("not a JSON object of client metadata"))?;
    if doc.client_id != url {
        return Err(invalid("its client_id is not the URL it was fetched from"));
    }
    if url == state.config.issuer || url == state.config.default_audience {
        return Err(invalid("the client_id URL is this server's"));
    }
    if doc.client_secret.is_some() || doc.client_secret_expires_at.is_some() {
        return Err(invalid("it holds a client_secret"));
    }
    if doc.token_endpoint_auth_method.as_deref() != Some("none") {
        return Err(invalid("token_endpoint_auth_method must be none"));
    }
    if doc
        .response_types
        .as_ref()
        .is_some_and(|r| r.iter().any(|t| t != "code"))
    {
        return Err(invalid("response_types: only code"));
    }
    let new = NewClient {
        name: doc.client_name.unwrap_or_default(),
        redirect_uris: doc.redirect_uris,
        scopes: doc
            .scope
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_else(|| registrable.to_vec()),
        grants: doc.grant_types.unwrap_or_default(),
        public: true,
        about: crate::store::About {
            client_uri: doc.client_uri,
            logo_uri: doc.logo_uri,
            tos_uri: doc.tos_uri,
            policy_uri: doc.policy_uri,
            contacts: vec![],
            software_id: doc.software_id,
            software_version: doc.software_version,
        },
        ..NewClient::default()
    };
    let client = settle(
        new,
        url.to_string(),
        &Registrar::App { open: true },
        registrable,
        now,
    )
    .map_err(|r| invalid(r.description))?;
    Ok(Client {
        registered_by: RegisteredBy::MetadataDocument,
        ..client
    })
}

/// How long a fetched document may be kept: its `max-age` clamped, the
/// shortest when it says `no-store`/`no-cache` or nothing.
#[cfg_attr(not(feature = "outbound"), allow(dead_code))]
fn cache_for(headers: &http::HeaderMap) -> i64 {
    let cc = headers
        .get(http::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let directives: Vec<String> = cc
        .split(',')
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    if directives
        .iter()
        .any(|d| d == "no-store" || d == "no-cache")
    {
        return MIN_CACHE;
    }
    directives
        .iter()
        .find_map(|d| {
            d.strip_prefix("max-age=")
                .and_then(|v| v.parse::<i64>().ok())
        })
        .unwrap_or(MIN_CACHE)
        .clamp(MIN_CACHE, MAX_CACHE)
}

/// The client of a metadata document URL: from the table's cache when it is
/// live, else fetched, checked and cached. `Err`: `invalid_client` saying why
/// (never the document's content), or the store's failure.
pub async fn client(state: &State, url: &str, now: i64) -> Result<Client, OAuthError> {
    check_url(url).map_err(invalid)?;
    // The registered resources and the cached document in one round trip.
    let (registered, cached) = tokio::join!(
        state.resources.load(&state.store),
        state.store.get_metadata_document(url, now)
    );
    let (registered, cached) = (registered?, cached?);
    let resource_scopes: Vec<String> = registered.iter().flat_map(|r| r.scopes.clone()).collect();
    if registered.iter().any(|r| r.uri == url) {
        return Err(invalid("the client_id URL is a registered resource"));
    }
    let registrable = super::registrable_scopes(&state.config, &resource_scopes);
    if let Some(cached) = cached {
        return client_of(state, url, cached.document.as_bytes(), &registrable, now);
    }
    let (body, ttl) = fetch(state, url).await?;
    let client = client_of(state, url, &body, &registrable, now)?;
    let item =
        MetadataDocumentItem::new(url, String::from_utf8_lossy(&body).into_owned(), now, ttl);
    state.store.put_metadata_document(&item).await?;
    Ok(client)
}

#[cfg(feature = "outbound")]
async fn fetch(state: &State, url: &str) -> Result<(Vec<u8>, i64), OAuthError> {
    let out = state.outbound()?;
    let parsed = url::Url::parse(url).map_err(|_| invalid("the client_id is not a URL"))?;
    let (headers, body) = out
        .get(&parsed, false, "application/json", MAX_DOCUMENT)
        .await
        .map_err(|e| invalid(format!("fetching it failed: {e}")))?;
    Ok((body, cache_for(&headers)))
}

#[cfg(not(feature = "outbound"))]
async fn fetch(_: &State, _: &str) -> Result<(Vec<u8>, i64), OAuthError> {
    Err(invalid("this function fetches no documents"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_id_url_is_https_with_a_path_and_nothing_else() {
        assert!(check_url("https://app.example/oauth/client.json").is_ok());
        for bad in [
            "http://app.example/client.json",
            "https://app.example/",
            "https://app.example",
            "https://user@app.example/c.json",
            "https://app.example/c.json#x",
            "https://app.example/a/../c.json",
            "https://APP.example/c.json",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_cache_lifetime_follows_max_age_within_bounds() {
        let h = |v: &str| {
            let mut m = http::HeaderMap::new();
            m.insert(http::header::CACHE_CONTROL, v.parse().unwrap());
            m
        };
        assert_eq!(cache_for(&h("public, max-age=3600")), 3600);
        assert_eq!(cache_for(&h("max-age=5")), MIN_CACHE);
        assert_eq!(cache_for(&h("max-age=999999")), MAX_CACHE);
        assert_eq!(cache_for(&h("no-store")), MIN_CACHE);
        assert_eq!(cache_for(&http::HeaderMap::new()), MIN_CACHE);
    }
}
