//! The outcome of an allowed authorization request: an authorization that
//! starts with a new single-use code (RFC 6749 §4.1.2), sent to the client.

use super::consent::{self, Asked};
use super::request::AuthRequest;
use super::Answer;
use crate::authn::Authenticated;
use crate::authorization::{self, Start};
use crate::credential;
use crate::error::OAuthError;
use crate::state::State;
use crate::store::{CodeState, Granted};

/// What the person authorizes: the request's scope and resources, for them.
pub fn granted(req: &AuthRequest, person: &Authenticated, sid: &str) -> Granted {
    Granted {
        scope: req.scopes.clone(),
        sub: Some(person.sub.clone()),
        username: Some(person.email.clone()),
        tenant: Some(person.tenant.clone()),
        claims: Some(person.claims.clone()),
        auth_time: Some(person.auth_time),
        sid: Some(sid.to_string()).filter(|s| !s.is_empty()),
        nonce: req.nonce.clone(),
        resources: req.resources.clone(),
        id_token_claims: req.id_token_claims.clone(),
        amr: Some(person.amr.clone()).filter(|a| !a.is_empty()),
        flat_claims: Some(req.client.legacy_claims),
    }
}

/// Starts the authorization with its code and answers the client; with
/// `remember`, records the consent in parallel.
pub async fn issue(
    state: &State,
    req: &AuthRequest,
    person: &Authenticated,
    sid: &str,
    remember: bool,
    now: i64,
) -> Result<Answer, OAuthError> {
    let id = credential::new_grant_id();
    let code = credential::mint(&id);
    let item = authorization::start(Start {
        id,
        client_id: req.client.client_id.clone(),
        granted: granted(req, person, sid),
        now,
        ends_at: None,
        code: Some(CodeState {
            hash: credential::digest(&code),
            expires_at: now + state.config.code_ttl,
            used_at: None,
            redirect_uri: req.redirect_uri.clone(),
            redirect_uri_given: req.redirect_uri_given,
            challenge: req.code_challenge.clone(),
        }),
        issued: None,
    });
    let store = &state.store;
    if remember {
        let asked = Asked {
            client: &req.client,
            scopes: &req.scopes,
            prompt_consent: req.prompt.consent,
        };
        let (a, b) = tokio::join!(
            store.create_authorization(&item),
            consent::remember(state, person, &asked, now)
        );
        a.and(b)?;
    } else {
        store.create_authorization(&item).await?;
    }
    Ok(req.reply.code(&code))
}
