//! A resource owner and a browser session.

use serde::{Deserialize, Serialize};

/// A resource owner.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub pk: String,
    pub sub: String,
    pub tenant: String,
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Profile claims as a JSON object, stored as JSON text so every JSON type
    /// (numbers, strings, booleans, nesting) comes back exactly as it went in.
    pub claims: String,
    /// A disabled user cannot sign in or use the password grant.
    #[serde(default)]
    pub disabled: bool,
    /// May register apps in the developer portal (`oauthctl user update --developer`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub developer: bool,
    pub created_at: i64,
}

impl User {
    pub fn key(tenant: &str, email: &str) -> String {
        crate::store::pk::user_key(tenant, email)
    }
}

/// Emails are matched case-insensitively and whatever their Unicode
/// normalisation form (NFC, RFC 8265 §3): one address, one user, one lockout.
pub fn normalize_email(email: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    email.trim().nfc().collect::<String>().to_lowercase()
}

/// A browser session at the authorize endpoint.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Session {
    /// `session#{sha256(cookie)}`
    pub pk: String,
    pub sub: String,
    pub tenant: String,
    pub email: String,
    /// The user's claims (JSON object text), copied to codes issued in this session.
    pub claims: String,
    /// The session's id in ID tokens (`sid`): not the cookie, not a secret.
    #[serde(default)]
    pub sid: String,
    /// When the user signed in (OpenID Connect `auth_time`).
    #[serde(default)]
    pub auth_time: i64,
    /// How (RFC 8176 `amr` values); empty in sessions from before it was kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// The person's `sub` again, as the owner index's key (their sessions).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub owner: String,
    /// Whether the user was a developer when they signed in (the portal).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub developer: bool,
    /// When the session started, and from what browser (shown on the account page).
    #[serde(default)]
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_agent: String,
    pub expires_at: i64,
}

impl Session {
    /// How the user signed in: a password, for sessions from before `amr`
    /// was kept (the only method there was).
    pub fn amr(&self) -> Vec<String> {
        if self.amr.is_empty() {
            vec!["pwd".into()]
        } else {
            self.amr.clone()
        }
    }
}
