//! Discovery: the provider's metadata (OpenID Connect Discovery 1.0 §3, RFC
//! 8414 §2; one document at both well-known paths), built from the configured
//! issuer without any I/O. Only what is implemented is advertised.

use crate::config::RegistrationPolicy;
use crate::grant_type::GrantType;
use crate::jose::RS256;
use crate::oidc::{EMAIL_CLAIMS, ID_TOKEN_CLAIMS, PROFILE_CLAIMS, STANDARD_SCOPES};
use crate::state::State;
use serde_json::{json, Value};

pub use crate::paths::*;

/// The metadata document.
pub fn metadata(state: &State) -> Value {
    let iss = &state.config.issuer;
    let mut scopes: Vec<&str> = STANDARD_SCOPES.to_vec();
    for s in state.config.scope_descriptions.keys() {
        if !scopes.contains(&s.as_str()) {
            scopes.push(s);
        }
    }
    let claims: Vec<&str> = ID_TOKEN_CLAIMS
        .iter()
        .chain(PROFILE_CLAIMS)
        .chain(EMAIL_CLAIMS)
        .copied()
        .collect();
    let auth_methods = ["client_secret_basic", "client_secret_post", "none"];
    let mut doc = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}{AUTHORIZATION_PATH}"),
        "token_endpoint": format!("{iss}{TOKEN_PATH}"),
        "userinfo_endpoint": format!("{iss}{USERINFO_PATH}"),
        "revocation_endpoint": format!("{iss}{REVOCATION_PATH}"),
        "introspection_endpoint": format!("{iss}{INTROSPECTION_PATH}"),
        "jwks_uri": format!("{iss}{JWKS_PATH}"),
        "end_session_endpoint": format!("{iss}{END_SESSION_PATH}"),
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": GrantType::names(),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [RS256],
        "claims_supported": claims,
        "claims_parameter_supported": true,
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        // draft-ietf-oauth-client-id-metadata-document: an https client_id.
        "client_id_metadata_document_supported": true,
    });
    if state.config.client_registration != RegistrationPolicy::Off {
        doc["registration_endpoint"] = json!(format!("{iss}{REGISTRATION_PATH}"));
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::Config;

    #[tokio::test]
    async fn the_document_names_every_endpoint_from_the_issuer_and_the_standard_scopes() {
        let store = Store::with_endpoint("t", "http://127.0.0.1:9").await;
        let mut config = Config::new("t", "https://op.example/");
        config
            .scope_descriptions
            .insert("read".into(), "Read".into());
        let m = metadata(&State::new(config, store));
        assert_eq!(m["issuer"], "https://op.example");
        assert_eq!(m["jwks_uri"], "https://op.example/.well-known/jwks.json");
        assert_eq!(
            m["scopes_supported"],
            json!(["openid", "profile", "email", "offline_access", "read"])
        );
        assert_eq!(m["id_token_signing_alg_values_supported"], json!(["RS256"]));
        assert_eq!(m["request_uri_parameter_supported"], false);
    }
}
