//! A client's metadata (RFC 7591 §2) read from a registration request and
//! written back in an answer (§3.2.1): unknown members ignored, a bad one named
//! with why.

use super::NewClient;
use crate::redirect_uri::AppType;
use crate::store::{About, Client};
use serde_json::{json, Map, Value};

/// The largest registration request read.
pub const MAX_BODY: usize = 16 * 1024;

/// Reads a member as a string (`None` when absent or null).
fn string(m: &Map<String, Value>, member: &str) -> Result<Option<String>, String> {
    match m.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{member}: must be a string")),
    }
}

/// Reads a member as an array of strings (`None` when absent or null).
fn strings(m: &Map<String, Value>, member: &str) -> Result<Option<Vec<String>>, String> {
    match m.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                _ => Err(format!("{member}: must be an array of strings")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(format!("{member}: must be an array of strings")),
    }
}

/// RFC 7591 §2 / OpenID Connect Registration §2 `application_type`.
pub fn application_type(value: &str) -> Result<AppType, &'static str> {
    match value {
        "web" => Ok(AppType::Web),
        "native" => Ok(AppType::Native),
        _ => Err("application_type: must be web or native"),
    }
}

/// The registration a client's metadata asks for (RFC 7591 §2).
pub fn read(body: &[u8]) -> Result<NewClient, String> {
    if body.len() > MAX_BODY {
        return Err(format!("the metadata is larger than {MAX_BODY} bytes"));
    }
    let m = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => m,
        _ => return Err("the request body must be a JSON object of client metadata".into()),
    };
    let method = string(&m, "token_endpoint_auth_method")?
        .unwrap_or_else(|| "client_secret_basic".to_string());
    if !matches!(
        method.as_str(),
        "none" | "client_secret_basic" | "client_secret_post"
    ) {
        return Err(
            "token_endpoint_auth_method: must be none, client_secret_basic or client_secret_post"
                .into(),
        );
    }
    // RFC 7591 §2: the defaults are the code grant and the code response.
    let grants = strings(&m, "grant_types")?.unwrap_or_else(|| vec!["authorization_code".into()]);
    let code_flow = grants.iter().any(|g| g == "authorization_code");
    match strings(&m, "response_types")? {
        Some(r) if r.iter().any(|t| t != "code") => {
            return Err("response_types: only code is supported".into())
        }
        Some(r) if r.is_empty() == code_flow => {
            return Err(
                "response_types: code goes with the authorization_code grant and only with it"
                    .into(),
            )
        }
        _ => {}
    }
    let application_type = match string(&m, "application_type")? {
        None => None,
        Some(v) => Some(application_type(&v)?),
    };
    Ok(NewClient {
        name: string(&m, "client_name")?.unwrap_or_default(),
        redirect_uris: strings(&m, "redirect_uris")?.unwrap_or_default(),
        scopes: string(&m, "scope")?
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
        grants,
        public: method == "none",
        token_endpoint_auth_method: (method != "none").then_some(method),
        application_type,
        about: About {
            client_uri: string(&m, "client_uri")?,
            logo_uri: string(&m, "logo_uri")?,
            tos_uri: string(&m, "tos_uri")?,
            policy_uri: string(&m, "policy_uri")?,
            contacts: strings(&m, "contacts")?.unwrap_or_default(),
            software_id: string(&m, "software_id")?,
            software_version: string(&m, "software_version")?,
        },
        post_logout_redirect_uris: strings(&m, "post_logout_redirect_uris")?.unwrap_or_default(),
        ..NewClient::default()
    })
}

/// A client's metadata as the endpoint answers it (RFC 7591 §3.2.1).
pub fn write(c: &Client, registration_client_uri: &str) -> Value {
    let method = if c.is_public() {
        "none"
    } else {
        c.token_endpoint_auth_method
            .as_deref()
            .unwrap_or("client_secret_basic")
    };
    let mut out = json!({
        "client_id": c.client_id,
        "client_id_issued_at": c.created_at,
        "client_name": c.name,
        "redirect_uris": c.redirect_uris,
        "grant_types": c.grants,
        "response_types": if c.grants.iter().any(|g| g == "authorization_code") { vec!["code"] } else { vec![] },
        "token_endpoint_auth_method": method,
        "scope": c.scopes.join(" "),
        "registration_client_uri": registration_client_uri,
    });
    let about = &c.about;
    for (k, v) in [
        ("client_uri", &about.client_uri),
        ("logo_uri", &about.logo_uri),
        ("tos_uri", &about.tos_uri),
        ("policy_uri", &about.policy_uri),
        ("software_id", &about.software_id),
        ("software_version", &about.software_version),
        ("application_type", &c.application_type),
    ] {
        if let Some(v) = v {
            out[k] = json!(v);
        }
    }
    if !about.contacts.is_empty() {
        out["contacts"] = json!(about.contacts);
    }
    if !c.post_logout_redirect_uris.is_empty() {
        out["post_logout_redirect_uris"] = json!(c.post_logout_redirect_uris);
    }
    if !c.is_public() {
        // Secrets do not expire (RFC 7591 §3.2.1: 0).
        out["client_secret_expires_at"] = json!(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<NewClient, String> {
        read(json.as_bytes())
    }

    #[test]
    fn members_are_read_by_their_rfc_7591_names_and_unknown_ones_ignored() {
        let n = parse(
            r#"{"client_name":"MCP","redirect_uris":["http://127.0.0.1:3000/cb"],
                "token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],
                "scope":"tools:read","x-unknown":{"a":1},"application_type":"native"}"#,
        )
        .unwrap();
        assert!(n.public);
        assert_eq!(n.grants, ["authorization_code", "refresh_token"]);
        assert_eq!(n.scopes, ["tools:read"]);
        assert_eq!(n.application_type, Some(AppType::Native));
        let d = parse(r#"{"redirect_uris":["https://a.example/cb"]}"#).unwrap();
        assert_eq!(
            d.token_endpoint_auth_method.as_deref(),
            Some("client_secret_basic")
        );
        assert_eq!(d.grants, ["authorization_code"], "RFC 7591's default");
    }

    #[test]
    fn a_bad_member_is_named_with_why() {
        for (json, member) in [
            (
                r#"{"redirect_uris":"https://a.example/cb"}"#,
                "redirect_uris",
            ),
            (
                r#"{"token_endpoint_auth_method":"private_key_jwt"}"#,
                "token_endpoint_auth_method",
            ),
            (r#"{"response_types":["token"]}"#, "response_types"),
            (r#"{"application_type":"desktop"}"#, "application_type"),
            (r#"{"client_name":7}"#, "client_name"),
        ] {
            assert!(parse(json).unwrap_err().starts_with(member), "{json}");
        }
        assert!(parse("[]").is_err());
        assert!(parse(&format!("{{\"client_name\":\"{}\"}}", "x".repeat(MAX_BODY))).is_err());
    }
}
