//! The account page (`/account`): the apps a person allowed (name, host,
//! scopes, first allowed, last used) with a revoke button each, their
//! browser sessions with "sign out everywhere", and the way to change their
//! password. Listing and revoking use no Scan: the person's consents and
//! sessions are one Query of the owner index, an app's authorizations of
//! them one Query of the client index.

use super::{signed_in_or_sign_in, verified, Answer, Input, Page};
use crate::authn::{session, BrowserSession};
use crate::error::OAuthError;
use crate::state::State;
use crate::store::{AccessTokenFormat, Authorization, Client};
use std::collections::BTreeMap;

/// One app the person allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct AllowedApp {
    pub client_id: String,
    pub name: String,
    /// Where it sends the person back to (its redirect URI's host).
    pub host: String,
    pub scopes: Vec<String>,
    pub first_allowed: i64,
    /// When it last got a token (none live: `None`).
    pub last_used: Option<i64>,
    /// Its access tokens are JWTs an API checks by itself: they stay valid
    /// until they expire after a revocation.
    pub jwt: bool,
    /// The revoke form's token.
    pub csrf: String,
}

/// One browser session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub started: i64,
    pub user_agent: String,
    pub expires_at: i64,
    /// This browser's.
    pub current: bool,
}

/// The account page.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountPage {
    pub email: String,
    pub apps: Vec<AllowedApp>,
    pub sessions: Vec<SessionRow>,
    /// The "sign out everywhere" form's token.
    pub signout_csrf: String,
    /// What was just done.
    pub notice: Option<String>,
    /// Whether the person is a developer (a link to the portal).
    pub developer: bool,
}

/// The purposes the page's forms are bound to.
const REVOKE: &str = "revoke-app";
const SIGN_OUT: &str = "sign-out-everywhere";

pub(super) async fn run(state: &State, input: &Input, now: i64) -> Result<Answer, OAuthError> {
    let session = match signed_in_or_sign_in(state, input, now).await? {
        Ok(s) => s,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    if input.is_post {
        return post(state, input, &session).await;
    }
    let notice = match input.params.get("done") {
        Some("revoked") => Some("The app's access was revoked.".to_string()),
        _ => None,
    };
    let page = page(state, &session, notice, now).await?;
    Ok(Answer::page(Page::Account(Box::new(page)), "account_page"))
}

async fn post(
    state: &State,
    input: &Input,
    session: &BrowserSession,
) -> Result<Answer, OAuthError> {
    let params = &input.params;
    let sub = session.session.sub.clone();
    match params.get("action") {
        Some("revoke") => {
            let client_id = params.get("client_id").unwrap_or_default();
            if let Some(refused) = verified(state, session, params, REVOKE, &[client_id]).await? {
                return Ok(refused);
            }
            revoke(state, &sub, client_id).await?;
            tracing::info!(client_id, "app revoked by its user");
            Ok(Answer::redirect("/account?done=revoked", "app_revoked"))
        }
        Some("sign-out-everywhere") => {
            if let Some(refused) = verified(state, session, params, SIGN_OUT, &[]).await? {
                return Ok(refused);
            }
            let ended = state.store.delete_sessions(&sub).await?;
            tracing::info!(ended, "signed out everywhere");
            let mut a = Answer::redirect("/account", "signed_out_everywhere");
            a.set_cookies = vec![session::cookie_header(state, None)];
            Ok(a)
        }
        _ => Ok(super::error_page(
            400,
            "Invalid request",
            "Unknown form action.",
        )),
    }
}

/// Ends everything the person allowed an app at once: every authorization
/// (its refresh tokens and opaque access tokens refused from the next
/// request on) and the remembered consent (the app asks again).
pub async fn revoke(state: &State, sub: &str, client_id: &str) -> Result<usize, OAuthError> {
    let store = &state.store;
    let keys = store.authorization_keys(client_id, Some(sub)).await?;
    let (deleted, forgot) = tokio::join!(
        store.delete_items(&keys),
        store.delete_consent(sub, client_id)
    );
    deleted?;
    forgot?;
    Ok(keys.len())
}

/// The host a person recognises an app by.
fn host_of(c: &Client) -> String {
    let uri = c.redirect_uris.first().or(c.about.client_uri.as_ref());
    uri.and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| c.client_id.clone())
}

/// When an authorization last gave out a token, if any of them still works.
fn last_used(a: &Authorization, now: i64) -> Option<i64> {
    if a.revoked_at.is_some() || a.expires_at.is_some_and(|e| e <= now) {
        return None;
    }
    a.access.as_ref().map(|x| x.iat).or(Some(a.created_at))
}

async fn page(
    state: &State,
    session: &BrowserSession,
    notice: Option<String>,
    now: i64,
) -> Result<AccountPage, OAuthError> {
    let store = &state.store;
    let sub = &session.session.sub;
    let owned = store.owned_by(sub, now).await?;
    let consents: Vec<_> = owned
        .consents
        .iter()
        .filter_map(|c| c.client_id.clone().map(|id| (id, c)))
        .collect();
    let ids: Vec<String> = consents.iter().map(|(id, _)| id.clone()).collect();
    // The apps themselves, and each one's authorizations of this person, in
    // parallel; then those authorizations.
    let (documents, registered): (Vec<String>, Vec<String>) = ids
        .iter()
        .cloned()
        .partition(|id| crate::registration::metadata_document::is_document_url(id));
    let keys = futures_keys(state, &ids, sub);
    let (clients, keys) = tokio::join!(
        store.get_clients_and_documents(&registered, &documents, now),
        keys
    );
    let ((clients, documents), keys) = (clients?, keys?);
    let grants = store.get_authorizations(&keys).await?;
    let mut used: BTreeMap<&str, i64> = BTreeMap::new();
    for g in &grants {
        if let Some(t) = last_used(g, now) {
            let e = used.entry(g.client_id.as_str()).or_insert(t);
            *e = (*e).max(t);
        }
    }
    let mut apps = Vec::new();
    for (id, consent) in &consents {
        let client = clients.iter().find(|c| &c.client_id == id);
        let (name, host, jwt) = match client {
            Some(c) if !c.is_expired(now) => (
                c.name.clone(),
                host_of(c),
                c.access_token_format == AccessTokenFormat::Jwt,
            ),
            // A metadata document's client: the name its cached document
            // gives (as on the consent page), else its URL's host.
            None if crate::registration::metadata_document::is_document_url(id) => {
                let host = url::Url::parse(id)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_default();
                let named = documents
                    .iter()
                    .find(|d| &d.url == id)
                    .and_then(|d| crate::registration::metadata_document::client_name(&d.document));
                (named.unwrap_or_else(|| host.clone()), host, true)
            }
            // A deleted app: nothing left to revoke but the consent.
            _ => continue,
        };
        apps.push(AllowedApp {
            client_id: id.clone(),
            name,
            host,
            scopes: consent.scopes.clone(),
            first_allowed: consent.first_at.unwrap_or(consent.granted_at),
            last_used: used.get(id.as_str()).copied(),
            jwt,
            csrf: session.form_token(state, REVOKE, &[id]).await?,
        });
    }
    let mut sessions: Vec<SessionRow> = owned
        .sessions
        .iter()
        .map(|s| SessionRow {
            started: if s.created_at > 0 {
                s.created_at
            } else {
                s.auth_time
            },
            user_agent: s.user_agent.clone(),
            expires_at: s.expires_at,
            current: s.pk == session.session.pk,
        })
        .collect();
    sessions.sort_by_key(|s| std::cmp::Reverse(s.started));
    Ok(AccountPage {
        email: session.session.email.clone(),
        apps,
        sessions,
        signout_csrf: session.form_token(state, SIGN_OUT, &[]).await?,
        notice,
        developer: session.session.developer || state.config.everyone_develops,
    })
}

/// Each app's authorizations of this person (client index Queries, in parallel).
async fn futures_keys(state: &State, ids: &[String], sub: &str) -> Result<Vec<String>, OAuthError> {
    let queries = ids
        .iter()
        .map(|id| state.store.authorization_keys(id, Some(sub)));
    let mut keys = Vec::new();
    for k in futures::future::join_all(queries).await {
        keys.extend(k?);
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorization::test_code;

    #[test]
    fn an_authorization_is_last_used_when_it_last_gave_a_token_and_not_once_it_ends() {
        let mut a = test_code("h", None, 100);
        assert_eq!(last_used(&a, 150), Some(100));
        a.revoked_at = Some(200);
        assert_eq!(last_used(&a, 250), None);
        let expired = test_code("h", None, 100);
        assert_eq!(last_used(&expired, 100 + 300), None);
    }
}
