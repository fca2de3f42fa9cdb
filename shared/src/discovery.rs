//! Authorization server metadata (RFC 8414), built from the configured issuer.

use crate::grant_type::GrantType;
use crate::state::State;
use serde_json::{json, Value};

/// The `/.well-known/oauth-authorization-server` document.
pub fn metadata(state: &State) -> Value {
    let iss = &state.config.issuer;
    let scopes: Vec<&String> = state.config.scope_descriptions.keys().collect();
    let mut m = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth/authorize"),
        "token_endpoint": format!("{iss}/oauth/token"),
        "userinfo_endpoint": format!("{iss}/oauth/userinfo"),
        "revocation_endpoint": format!("{iss}/oauth/revoke"),
        "introspection_endpoint": format!("{iss}/oauth/introspect"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GrantType::names(),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    });
    if !scopes.is_empty() {
        m["scopes_supported"] = json!(scopes);
    }
    m
}
