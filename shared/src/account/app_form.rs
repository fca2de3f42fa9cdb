//! The portal's app form: an app's registration (RFC 7591 names) as a
//! developer types it, shown again with what they typed when it is refused.

use crate::params::Params;
use crate::registration::{members, NewClient};
use crate::store::{About, Client};

/// The registration form's values (RFC 7591 names), to show them again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Form {
    pub client_name: String,
    pub redirect_uris: String,
    pub scope: String,
    pub token_endpoint_auth_method: String,
    pub application_type: String,
    pub grant_types: Vec<String>,
    pub client_uri: String,
    pub logo_uri: String,
    pub tos_uri: String,
    pub policy_uri: String,
}

impl Form {
    pub(super) fn read(p: &Params) -> Self {
        let s = |k: &str| p.get(k).unwrap_or_default().to_string();
        Self {
            client_name: s("client_name"),
            redirect_uris: s("redirect_uris"),
            scope: s("scope"),
            token_endpoint_auth_method: s("token_endpoint_auth_method"),
            application_type: s("application_type"),
            grant_types: p
                .get_all("grant_types")
                .into_iter()
                .map(str::to_string)
                .collect(),
            client_uri: s("client_uri"),
            logo_uri: s("logo_uri"),
            tos_uri: s("tos_uri"),
            policy_uri: s("policy_uri"),
        }
    }

    pub(super) fn of(c: &Client) -> Self {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            client_name: c.name.clone(),
            redirect_uris: c.redirect_uris.join("\n"),
            scope: c.scopes.join(" "),
            token_endpoint_auth_method: if c.is_public() {
                "none".into()
            } else {
                o(&c.token_endpoint_auth_method)
            },
            application_type: o(&c.application_type),
            grant_types: c.grants.clone(),
            client_uri: o(&c.about.client_uri),
            logo_uri: o(&c.about.logo_uri),
            tos_uri: o(&c.about.tos_uri),
            policy_uri: o(&c.about.policy_uri),
        }
    }

    /// The registration it asks for.
    pub(super) fn new_client(&self) -> Result<NewClient, String> {
        let opt = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        let method = self.token_endpoint_auth_method.trim();
        let application_type = match self.application_type.trim() {
            "" => None,
            v => Some(members::application_type(v)?),
        };
        Ok(NewClient {
            name: self.client_name.clone(),
            redirect_uris: self
                .redirect_uris
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            scopes: self.scope.split_whitespace().map(str::to_string).collect(),
            grants: self.grant_types.clone(),
            public: method == "none",
            token_endpoint_auth_method: opt(method).filter(|m| m != "none"),
            application_type,
            about: About {
                client_uri: opt(&self.client_uri),
                logo_uri: opt(&self.logo_uri),
                tos_uri: opt(&self.tos_uri),
                policy_uri: opt(&self.policy_uri),
                ..About::default()
            },
            ..NewClient::default()
        })
    }
}
