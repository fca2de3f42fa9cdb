//! Registered resource servers (`oauthctl resource`): an API or an MCP server
//! any client may ask a token for with `resource=` its URI (RFC 8707), in its
//! token format and lifetime, with only its scopes. All of them are one item,
//! written conditioned on its version.

use super::{invalid, AdminError};
use crate::store::{AccessTokenFormat, Resource, ResourcesItem, Store};
use serde_json::{json, Value};

/// What `oauthctl resource create|update` says; `None` keeps a setting.
#[derive(Debug, Clone, Default)]
pub struct ResourceSettings {
    pub name: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub access_token_format: Option<AccessTokenFormat>,
    pub access_ttl: Option<i64>,
}

fn view(r: &Resource) -> Value {
    json!({
        "uri": r.uri, "name": r.name, "scopes": r.scopes,
        "access_token_format": r.access_token_format, "access_ttl": r.access_ttl,
        "created_at": r.created_at,
    })
}

/// Applies `change` to the registered resources, re-reading on a concurrent
/// write.
async fn change(
    store: &Store,
    mut f: impl FnMut(&mut Vec<Resource>) -> Result<Value, AdminError>,
) -> Result<Value, AdminError> {
    for _ in 0..5 {
        let current = store.get_resources().await?;
        let expected = current.as_ref().map(|c| c.v);
        let mut item = current.unwrap_or_else(|| ResourcesItem {
            pk: crate::store::pk::RESOURCES.into(),
            ..ResourcesItem::default()
        });
        let out = f(&mut item.resources)?;
        item.v += 1;
        if store.put_resources(&item, expected).await? {
            return Ok(out);
        }
    }
    Err(invalid(
        "the registered resources changed meanwhile; try again",
    ))
}

fn check(r: &Resource) -> Result<(), AdminError> {
    let u = url::Url::parse(&r.uri).map_err(|_| invalid("--uri must be an absolute URI"))?;
    if u.fragment().is_some() {
        return Err(invalid("--uri must have no fragment (RFC 8707 §2)"));
    }
    crate::scope::parse(&r.scopes.join(" ")).map_err(|e| invalid(e.description))?;
    let max = crate::config::MAX_SIGNED_TTL;
    match (r.access_token_format, r.access_ttl) {
        (_, Some(t)) if t < 0 => Err(invalid("--access-ttl is seconds >= 0")),
        (AccessTokenFormat::Jwt, Some(t)) if !(1..=max).contains(&t) => Err(invalid(format!(
            "a JWT resource's tokens must expire within {max} seconds"
        ))),
        _ => Ok(()),
    }
}

pub async fn create(
    store: &Store,
    uri: &str,
    s: ResourceSettings,
    now: i64,
) -> Result<Value, AdminError> {
    let r = Resource {
        uri: uri.to_string(),
        name: s.name,
        scopes: s.scopes.unwrap_or_default(),
        // What an MCP server or an API behind API Gateway validates itself.
        access_token_format: s.access_token_format.unwrap_or(AccessTokenFormat::Jwt),
        access_ttl: s.access_ttl,
        created_at: now,
    };
    check(&r)?;
    change(store, |all| {
        if all.iter().any(|x| x.uri == r.uri) {
            return Err(AdminError::Exists);
        }
        all.push(r.clone());
        Ok(view(&r))
    })
    .await
}

pub async fn update(store: &Store, uri: &str, s: ResourceSettings) -> Result<Value, AdminError> {
    change(store, |all| {
        let r = all
            .iter_mut()
            .find(|x| x.uri == uri)
            .ok_or_else(|| invalid("no such resource"))?;
        if let Some(n) = &s.name {
            r.name = Some(n.clone());
        }
        if let Some(sc) = &s.scopes {
            r.scopes = sc.clone();
        }
        if let Some(f) = s.access_token_format {
            r.access_token_format = f;
        }
        if s.access_ttl.is_some() {
            r.access_ttl = s.access_ttl;
        }
        check(r)?;
        Ok(view(r))
    })
    .await
}

pub async fn delete(store: &Store, uri: &str) -> Result<Value, AdminError> {
    change(store, |all| {
        let before = all.len();
        all.retain(|x| x.uri != uri);
        if all.len() == before {
            return Err(invalid("no such resource"));
        }
        Ok(json!({ "uri": uri, "deleted": true }))
    })
    .await
}

pub async fn list(store: &Store) -> Result<Value, AdminError> {
    let all = store.get_resources().await?.unwrap_or_default();
    Ok(Value::Array(all.resources.iter().map(view).collect()))
}

pub async fn show(store: &Store, uri: &str) -> Result<Value, AdminError> {
    let all = store.get_resources().await?.unwrap_or_default();
    all.resources
        .iter()
        .find(|r| r.uri == uri)
        .map(view)
        .ok_or_else(|| invalid("no such resource"))
}
