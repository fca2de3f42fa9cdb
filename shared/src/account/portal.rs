//! The developer portal, "My Apps" (`/developers`): a developer lists their
//! apps and registers one through the same rules as every registration
//! ([`crate::registration`], the developer's share of them); on an app's page
//! (`/developers/apps/{id}`) they see its id and, once, its secret, rotate the
//! secret with an overlap (the old one accepted a while longer, so no
//! deployment of the app breaks), edit its redirect URIs, name and links,
//! mint a test token for their own account (Cobot's "access token for
//! testing"), see how many people authorized it, and delete it (every
//! authorization of it revoked at once). A developer sees and changes only
//! their own apps: anyone else's id is "not found".

pub use super::app_form::Form;
use super::{error_page, own_app, signed_in_or_sign_in, verified, Answer, Input, Page};
use crate::authn::BrowserSession;
use crate::error::OAuthError;
use crate::params::Params;
use crate::registration::{self, Registrar};
use crate::state::State;
use crate::store::{Client, Granted, PreviousSecret};

/// One of the developer's apps, as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AppRow {
    pub client_id: String,
    pub name: String,
    pub created_at: i64,
}

/// The portal's home: the developer's apps and the registration form.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalPage {
    pub email: String,
    pub apps: Vec<AppRow>,
    pub form: Form,
    pub csrf: String,
    pub error: Option<String>,
    /// The scopes an app may be registered with.
    pub registrable: Vec<String>,
    /// Whether dynamic registration takes initial access tokens (then the
    /// portal makes them).
    pub tokens: bool,
    /// An initial access token just made: shown once.
    pub new_token: Option<String>,
}

/// An app's page.
#[derive(Debug, Clone, PartialEq)]
pub struct AppPage {
    pub client: Box<Client>,
    pub form: Form,
    /// How many people have allowed it.
    pub people: usize,
    /// Shown once: right after registering or rotating.
    pub secret: Option<String>,
    /// A test access token just minted: shown once.
    pub test_token: Option<String>,
    pub csrf: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// The purposes the portal's forms are bound to.
const REGISTER: &str = "portal-register";
const MANAGE: &str = "portal-app";

pub(super) async fn run(
    state: &State,
    input: &Input,
    app: Option<&str>,
    now: i64,
) -> Result<Answer, OAuthError> {
    let session = match signed_in_or_sign_in(state, input, now).await? {
        Ok(s) => s,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    if !(session.session.developer || state.config.everyone_develops) {
        let page = Page::NotDeveloper {
            email: session.session.email.clone(),
        };
        return Ok(Answer::page(page, "not_developer"));
    }
    match app {
        None => home(state, input, &session, now).await,
        Some(id) => app_page(state, input, &session, id, now).await,
    }
}

async fn home(
    state: &State,
    input: &Input,
    session: &BrowserSession,
    now: i64,
) -> Result<Answer, OAuthError> {
    let sub = session.session.sub.clone();
    let mut form = Form {
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        token_endpoint_auth_method: "client_secret_basic".into(),
        ..Form::default()
    };
    let (mut error, mut new_token) = (None, None);
    if input.is_post {
        let p = &input.params;
        if let Some(refused) = verified(state, session, p, REGISTER, &[]).await? {
            return Ok(refused);
        }
        match p.get("action") {
            Some("register") => {
                form = Form::read(p);
                let scopes = registration::registrable(state).await?;
                match register(state, &form, &sub, &scopes, now).await? {
                    Ok((client, secret)) => {
                        tracing::info!(client_id = %client.client_id, "app registered in the portal");
                        return show_app(state, session, client, secret, None, None).await;
                    }
                    Err(why) => error = Some(why),
                }
            }
            Some("registration-token") => {
                let uses = p
                    .get("uses")
                    .and_then(|u| u.parse().ok())
                    .filter(|u| (1..=100).contains(u));
                let made = crate::admin::registration_tokens::create(
                    &state.store,
                    Some(86_400),
                    Some(uses.unwrap_or(1)),
                    None,
                    Some(sub.clone()),
                    now,
                )
                .await
                .map_err(|e| OAuthError::server_error().with_cause(e.to_string()))?;
                new_token = made["token"].as_str().map(str::to_string);
            }
            _ => return Ok(error_page(400, "Invalid request", "Unknown form action.")),
        }
    }
    let apps = state
        .store
        .owned_clients(&sub, now)
        .await?
        .into_iter()
        .map(|c| AppRow {
            client_id: c.client_id,
            name: c.name,
            created_at: c.created_at,
        })
        .collect();
    let page = PortalPage {
        email: session.session.email.clone(),
        apps,
        form,
        csrf: session.form_token(state, REGISTER, &[]).await?,
        error,
        registrable: registration::registrable(state).await?,
        tokens: state.config.client_registration == crate::config::RegistrationPolicy::Token,
        new_token,
    };
    Ok(Answer::page(Page::Portal(Box::new(page)), "portal_page"))
}

/// Registers the developer's app: the client and, for a confidential one,
/// its secret.
async fn register(
    state: &State,
    form: &Form,
    owner: &str,
    registrable: &[String],
    now: i64,
) -> Result<Result<(Client, Option<String>), String>, OAuthError> {
    let new = match form.new_client() {
        Ok(n) => n,
        Err(why) => return Ok(Err(why)),
    };
    let public = new.public;
    let registrar = Registrar::Developer {
        owner: owner.to_string(),
    };
    let id = crate::crypto::random_b64(16);
    let mut client = match registration::settle(new, id, &registrar, registrable, now) {
        Ok(c) => c,
        Err(r) => return Ok(Err(r.description)),
    };
    let secret = (!public).then(registration::new_secret);
    client.secret_hash = secret.as_ref().map(|(_, h)| h.clone());
    state.store.put_client(&client, true).await?;
    Ok(Ok((client, secret.map(|(s, _)| s))))
}

async fn show_app(
    state: &State,
    session: &BrowserSession,
    client: Client,
    secret: Option<String>,
    test_token: Option<String>,
    notice: Option<String>,
) -> Result<Answer, OAuthError> {
    let people = state.store.count_consents(&client.client_id).await?;
    let page = AppPage {
        form: Form::of(&client),
        people,
        secret,
        test_token,
        csrf: session
            .form_token(state, MANAGE, &[&client.client_id])
            .await?,
        error: None,
        notice,
        client: Box::new(client),
    };
    Ok(Answer::page(Page::App(Box::new(page)), "app_page"))
}

fn not_found() -> Answer {
    error_page(
        404,
        "No such app",
        "There is no app of yours at this address.",
    )
}

async fn app_page(
    state: &State,
    input: &Input,
    session: &BrowserSession,
    id: &str,
    now: i64,
) -> Result<Answer, OAuthError> {
    let sub = session.session.sub.clone();
    let stored = state
        .store
        .get_client(id)
        .await?
        .filter(|c| !c.is_expired(now));
    let Some(mut client) = own_app(stored, &sub) else {
        return Ok(not_found());
    };
    // A rotated-out secret past its overlap is no longer accepted: not shown.
    client.previous_secret = client.previous_secret.filter(|p| p.until > now);
    if !input.is_post {
        return show_app(state, session, client, None, None, None).await;
    }
    let p = &input.params;
    if let Some(refused) = verified(state, session, p, MANAGE, &[id]).await? {
        return Ok(refused);
    }
    match p.get("action") {
        Some("update") => {
            let form = Form::read(p);
            let settled = match form.new_client().and_then(|n| {
                registration::keeps_kind(&n, &client)
                    .map(|()| n)
                    .map_err(String::from)
            }) {
                Ok(n) => {
                    let registrar = Registrar::Developer { owner: sub.clone() };
                    let scopes = registration::registrable(state).await?;
                    registration::settle(
                        n,
                        client.client_id.clone(),
                        &registrar,
                        &scopes,
                        client.created_at,
                    )
                    .map_err(|r| r.description)
                }
                Err(why) => Err(why),
            };
            match settled {
                Ok(c) => {
                    let updated = Client {
                        secret_hash: client.secret_hash.clone(),
                        previous_secret: client.previous_secret.clone(),
                        disabled: client.disabled,
                        ..c
                    };
                    state.store.put_client(&updated, false).await?;
                    show_app(state, session, updated, None, None, Some("Saved.".into())).await
                }
                Err(why) => app_error(state, session, client, form, &why).await,
            }
        }
        Some("rotate") if !client.is_public() => {
            let overlap: i64 = p
                .get("overlap_hours")
                .and_then(|h| h.parse().ok())
                .unwrap_or(24)
                .clamp(0, 168);
            let (secret, hash) = registration::new_secret();
            let mut c = client.clone();
            c.previous_secret =
                c.secret_hash
                    .take()
                    .filter(|_| overlap > 0)
                    .map(|old| PreviousSecret {
                        hash: old,
                        until: now + overlap * 3600,
                    });
            c.secret_hash = Some(hash);
            state.store.put_client(&c, false).await?;
            tracing::info!(client_id = %c.client_id, overlap, "client secret rotated in the portal");
            let notice =
                (overlap > 0).then(|| format!("The old secret keeps working for {overlap} hours."));
            show_app(state, session, c, Some(secret), None, notice).await
        }
        Some("delete") => {
            let revoked = registration::dynamic::delete(state, &client).await?;
            tracing::info!(client_id = %client.client_id, revoked, "app deleted in the portal");
            Ok(Answer::redirect("/developers", "app_deleted"))
        }
        Some("token") => {
            let asked: Vec<String> = p
                .get("scope")
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect();
            let scope: Vec<String> = if asked.is_empty() {
                client.default_scopes.clone()
            } else {
                asked
            };
            if scope.iter().any(|s| !client.scopes.contains(s)) {
                return app_error(
                    state,
                    session,
                    client.clone(),
                    Form::of(&client),
                    "scope: only the app's own scopes",
                )
                .await;
            }
            let token = test_token(state, &client, session, scope, now).await?;
            show_app(state, session, client, None, Some(token), None).await
        }
        _ => Ok(error_page(400, "Invalid request", "Unknown form action.")),
    }
}

async fn app_error(
    state: &State,
    session: &BrowserSession,
    client: Client,
    form: Form,
    why: &str,
) -> Result<Answer, OAuthError> {
    let mut a = show_app(state, session, client, None, None, None).await?;
    if let super::View::Page(Page::App(page)) = &mut a.view {
        page.form = form;
        page.error = Some(why.to_string());
    }
    a.result = "app_refused";
    Ok(a)
}

/// An access token of the app for the developer's own account, with these
/// scopes (an opaque token, no refresh token: a portal app's tokens are
/// opaque).
async fn test_token(
    state: &State,
    client: &Client,
    session: &BrowserSession,
    scope: Vec<String>,
    now: i64,
) -> Result<String, OAuthError> {
    let person = session.person();
    let granted = Granted {
        scope,
        sub: Some(person.sub),
        username: Some(person.email),
        tenant: Some(person.tenant),
        claims: Some(person.claims),
        auth_time: Some(person.auth_time),
        amr: Some(person.amr),
        flat_claims: Some(client.legacy_claims),
        ..Granted::default()
    };
    let audience =
        crate::resource::audience(state, client, &granted.scope, &[], &Params::default(), &[])?;
    let direct = crate::token::direct::Direct::new(granted, audience, false);
    let response = crate::token::direct::start(state, client, direct, now).await?;
    Ok(response.access_token)
}
