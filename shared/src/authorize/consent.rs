//! Consent: whether a person's earlier consent answers a request, when the
//! consent page must be shown anyway, and recording an answer. Nothing here
//! depends on a redirect URI: a device verification page asks the same
//! questions of the same items.

use crate::authn::Authenticated;
use crate::error::StoreError;
use crate::oidc::OFFLINE_ACCESS;
use crate::state::State;
use crate::store::Client;

/// What a consent is about.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub client: &'a Client,
    pub scopes: &'a [String],
    /// `prompt=consent`.
    pub prompt_consent: bool,
}

impl Asked<'_> {
    /// Whether the consent page must be shown although consent may be
    /// remembered: `prompt=consent`; a public client, whose identity is not
    /// proven (RFC 8252 §8.6); a client the operator has not verified (an
    /// open registration, a metadata document); or offline access, which
    /// needs consent each time (OpenID Connect Core §11).
    pub fn page_required(&self) -> bool {
        self.prompt_consent
            || self.client.is_public()
            || self.client.unverified
            || self.scopes.iter().any(|s| s == OFFLINE_ACCESS)
    }

    /// Whether the remembered consent (its scopes) covers every scope asked.
    pub fn covered_by(&self, remembered: Option<&[String]>) -> bool {
        remembered.is_some_and(|g| self.scopes.iter().all(|s| g.contains(s)))
    }

    /// Whether a remembered consent answers this without a page.
    pub fn answered_by(&self, remembered: Option<&[String]>) -> bool {
        self.covered_by(remembered) && !self.page_required()
    }
}

/// The scopes this person consented to for this client before.
pub async fn remembered(
    state: &State,
    person: &Authenticated,
    client: &Client,
) -> Result<Option<Vec<String>>, StoreError> {
    state
        .store
        .get_consent(&person.sub, &client.client_id)
        .await
}

/// Records an Allow (the scopes join what was consented to before).
pub async fn remember(
    state: &State,
    person: &Authenticated,
    asked: &Asked<'_>,
    now: i64,
) -> Result<(), StoreError> {
    state
        .store
        .put_consent(&person.sub, &asked.client.client_id, asked.scopes, now)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::models::test_client;

    fn scopes(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn consent_is_asked_again_for_public_clients_offline_access_and_prompt_consent() {
        let (conf, public) = (test_client(false, &[]), test_client(true, &[]));
        let openid = scopes(&["openid"]);
        let offline = scopes(&["openid", "offline_access"]);
        let asked = |client, scopes, prompt_consent| Asked {
            client,
            scopes,
            prompt_consent,
        };
        assert!(!asked(&conf, &openid, false).page_required());
        assert!(asked(&public, &openid, false).page_required());
        assert!(asked(&conf, &offline, false).page_required());
        assert!(asked(&conf, &openid, true).page_required());
    }

    #[test]
    fn a_remembered_consent_answers_only_when_it_covers_every_scope() {
        let c = test_client(false, &[]);
        let asked_for = scopes(&["read", "write"]);
        let asked = Asked {
            client: &c,
            scopes: &asked_for,
            prompt_consent: false,
        };
        assert!(asked.answered_by(Some(&scopes(&["write", "read", "x"]))));
        assert!(!asked.answered_by(Some(&scopes(&["read"]))));
        assert!(!asked.answered_by(None));
    }
}
