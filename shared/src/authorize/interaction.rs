//! The authorization interaction (RFC 6749 §4.1.1–§4.1.2, OpenID Connect
//! Core §3.1.2): who is signed in ([`crate::authn`]) → consent
//! ([`super::consent`]) → the outcome ([`super::code`]). Every request is
//! validated again from its parameters, which each form posts back.
//!
//! What comes next is decided by two pure functions, [`without_session`] and
//! [`with_session`]; this file does the reading and writing around them.

use super::consent::{self, Asked};
use super::request::{check_client, check_request, AuthRequest};
use super::{code, error_page, Answer, Input, Page};
use crate::authn::login_form::{self, Outcome, Submitted};
use crate::authn::{self, BrowserSession, Freshness, ReturnTo};
use crate::client_auth;
use crate::error::{ErrorCode, OAuthError};
use crate::jose::issued as jwt;
use crate::oidc::OFFLINE_ACCESS;
use crate::params::Params;
use crate::resource;
use crate::state::State;

/// What a request without a form comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Next {
    /// The login page.
    SignIn,
    /// `prompt=none` and nobody (fresh enough) signed in.
    LoginRequired,
    /// The consent page.
    Consent,
    /// `prompt=none` and no consent that answers.
    ConsentRequired,
    /// Straight back to the client with a code.
    IssueCode,
}

/// Nobody signed in who satisfies the request.
pub(super) fn without_session(req: &AuthRequest) -> Next {
    if req.prompt.none {
        Next::LoginRequired
    } else {
        Next::SignIn
    }
}

/// Someone is signed in; `remembered` is what they consented to before.
pub(super) fn with_session(req: &AuthRequest, remembered: Option<&[String]>) -> Next {
    if asked(req).answered_by(remembered) {
        Next::IssueCode
    } else if req.prompt.none {
        Next::ConsentRequired
    } else {
        Next::Consent
    }
}

fn asked(req: &AuthRequest) -> Asked<'_> {
    Asked {
        client: &req.client,
        scopes: &req.scopes,
        prompt_consent: req.prompt.consent,
    }
}

/// Where the login form of this request posts back to.
fn return_to(req: &AuthRequest, path: &str) -> ReturnTo {
    ReturnTo::AuthorizationRequest {
        path: path.to_string(),
        fields: req.fields.clone(),
    }
}

/// Validates the request and runs the step the form (or its absence) asks for.
pub(super) async fn run(
    state: &State,
    params: &Params,
    input: &Input,
    now: i64,
) -> Result<Answer, OAuthError> {
    // The client (registered, or a metadata document's), the session and the
    // registered resource servers a `resource` may name, in parallel: one
    // round trip (none for the last when no resource is asked for).
    let named = params.get_all("resource");
    let (client, session, registered) = tokio::join!(
        async {
            match params.get("client_id") {
                Some(id) => client_auth::find(state, id, now).await,
                None => Ok(None),
            }
        },
        authn::session::read(state, input.session_cookie.as_deref(), now),
        resource::registered_for(state, None, &named)
    );
    let client = match client {
        Ok(c) => c,
        // A metadata document that cannot be used: a page, never a redirect.
        Err(e) if e.code == ErrorCode::InvalidClient => {
            return Ok(error_page(
                400,
                "This application cannot sign you in",
                e.description,
            ));
        }
        Err(e) => return Err(e),
    };
    let (session, registered) = (session?, registered?);
    let (client, redirect_uri, given) = match check_client(params, client) {
        Ok(v) => v,
        Err(answer) => return Ok(*answer),
    };
    let issuer = &state.config.issuer;
    let req = match check_request(params, client, redirect_uri, given, issuer, &registered) {
        Ok(r) => r,
        Err(answer) => return Ok(*answer),
    };
    // A session only counts in the tenant it was made for.
    let session = session.filter(|s| Freshness::any(&req.tenant).satisfied_by(&s.session, now));
    let hinted_sub = match &req.id_token_hint {
        None => None,
        Some(hint) => match jwt::id_token_hint(state, hint, now).await? {
            Some(h) => Some(h.sub),
            None => {
                let d = "id_token_hint is not an ID token issued by this server";
                return Ok(req.reply.error(ErrorCode::InvalidRequest, d));
            }
        },
    };
    let action = if input.is_post {
        params.get("action")
    } else {
        None
    };
    // What the request asks of the sign-in holds for the page and for the
    // consent form posted from it alike.
    let fresh = Freshness {
        tenant: &req.tenant,
        sign_in_again: req.prompt.login,
        max_age: req.max_age,
        hinted_sub: hinted_sub.as_deref(),
    };
    let session = session.filter(|s| fresh.satisfied_by(&s.session, now));
    match action {
        Some("login") => sign_in(state, req, params, input, now).await,
        Some("allow") => decide(state, req, params, session, input, true, now).await,
        Some("deny") => decide(state, req, params, session, input, false, now).await,
        Some(_) => Ok(error_page(400, "Invalid request", "Unknown form action.")),
        None => show(state, req, session, input, now).await,
    }
}

/// What a consent form's token is bound to: the client, where the answer goes
/// and the scopes asked (F10: a token is worth nothing for anything else).
const CONSENT_FORM: &str = "consent";

fn consent_decides(req: &AuthRequest) -> [String; 3] {
    [
        req.client.client_id.clone(),
        req.redirect_uri.clone(),
        req.scopes.join(" "),
    ]
}

async fn consent_token(
    state: &State,
    req: &AuthRequest,
    session: &BrowserSession,
) -> Result<String, OAuthError> {
    let d = consent_decides(req);
    let decides: Vec<&str> = d.iter().map(String::as_str).collect();
    session.form_token(state, CONSENT_FORM, &decides).await
}

/// No form submitted: the login page, the consent page, or straight to the
/// client when consent for these scopes was given before. With `prompt=none`,
/// an error instead of any page (Core §3.1.2.6).
async fn show(
    state: &State,
    mut req: AuthRequest,
    session: Option<BrowserSession>,
    input: &Input,
    now: i64,
) -> Result<Answer, OAuthError> {
    let Some(session) = session else {
        return match without_session(&req) {
            Next::LoginRequired => Ok(req
                .reply
                .error(ErrorCode::LoginRequired, "the user is not signed in")),
            _ => {
                let shown = Shown {
                    email: req.login_hint.clone(),
                    ..Shown::default()
                };
                let csrf_cookie = input.login_csrf_cookie.as_deref();
                login_page(state, req, input, csrf_cookie, shown, now).await
            }
        };
    };
    if req.prompt.none {
        // Core §11: offline access without asking is ignored, not refused.
        req.scopes.retain(|s| s != OFFLINE_ACCESS);
    }
    let person = session.person();
    let remembered = consent::remembered(state, &person, &req.client).await?;
    match with_session(&req, remembered.as_deref()) {
        Next::IssueCode => {
            code::issue(state, &req, &person, &session.session.sid, false, now).await
        }
        Next::ConsentRequired => Ok(req
            .reply
            .error(ErrorCode::ConsentRequired, "the user has not consented")),
        _ => consent_page(state, req, &session).await,
    }
}

async fn consent_page(
    state: &State,
    req: AuthRequest,
    session: &BrowserSession,
) -> Result<Answer, OAuthError> {
    let page = Page::Consent {
        csrf: consent_token(state, &req, session).await?,
        email: session.session.email.clone(),
        scopes: req.scopes.clone(),
        fields: req.fields.clone(),
        answer_to: Some(req.redirect_uri.clone()),
        client: Box::new(req.client),
    };
    Ok(Answer::page(page, "consent_page"))
}

/// What a login page shows besides the form.
struct Shown {
    error: Option<String>,
    email: Option<String>,
    status: u16,
}

impl Default for Shown {
    fn default() -> Self {
        Self {
            error: None,
            email: None,
            status: 200,
        }
    }
}

/// The login page of this request (with a new pre-login cookie unless
/// `csrf_cookie` is a live one).
async fn login_page(
    state: &State,
    req: AuthRequest,
    input: &Input,
    csrf_cookie: Option<&str>,
    shown: Shown,
    now: i64,
) -> Result<Answer, OAuthError> {
    let prepared = login_form::prepare(state, csrf_cookie, now).await?;
    let page = Page::Login {
        app: Some(req.client.name.clone()),
        return_to: return_to(&req, &input.path),
        csrf: prepared.csrf,
        error: shown.error,
        email: shown.email,
        status: shown.status,
    };
    let mut a = Answer::page(page, "login_page");
    a.set_cookies = prepared.set_cookie.into_iter().collect();
    Ok(a)
}

/// The login form was posted: signed in, back to the request; or the form
/// again.
async fn sign_in(
    state: &State,
    req: AuthRequest,
    params: &Params,
    input: &Input,
    now: i64,
) -> Result<Answer, OAuthError> {
    let form = Submitted {
        tenant: &req.tenant,
        csrf: params.get("csrf"),
        email: params.get("email"),
        password: params.get("password"),
        login_csrf_cookie: input.login_csrf_cookie.as_deref(),
        device_cookie: input.device_cookie.as_deref(),
        replacing: input.session_cookie.as_deref(),
        user_agent: input.user_agent.as_deref(),
    };
    match login_form::submit(state, form, now).await? {
        Outcome::SignedIn { set_cookies, .. } => {
            let url = return_to(&req, &input.path).url();
            let mut a = Answer::redirect(url, 303, "login_ok");
            a.set_cookies = set_cookies;
            Ok(a)
        }
        Outcome::Refused(r) => {
            let shown = Shown {
                error: Some(r.message),
                email: params.get("email").map(str::to_string),
                status: r.status,
            };
            let cookie = input
                .login_csrf_cookie
                .as_deref()
                .filter(|_| !r.new_csrf_cookie);
            let page = login_page(state, req, input, cookie, shown, now);
            Ok(page.await?.labelled(r.label))
        }
    }
}

/// The consent form was posted: Allow or Deny.
async fn decide(
    state: &State,
    req: AuthRequest,
    params: &Params,
    session: Option<BrowserSession>,
    input: &Input,
    allow: bool,
    now: i64,
) -> Result<Answer, OAuthError> {
    let Some(session) = session else {
        let shown = Shown {
            error: Some("Your session has ended. Please sign in again.".into()),
            ..Shown::default()
        };
        return login_page(state, req, input, None, shown, now).await;
    };
    let sent = params.get("csrf");
    let expected = consent_token(state, &req, &session).await?;
    if !sent.is_some_and(|t| crate::crypto::ct_eq(t, &expected)) {
        let a = error_page(
            403,
            "Request not verified",
            "This form could not be verified. Go back to the application and start again.",
        );
        return Ok(a.labelled("csrf_rejected"));
    }
    if !allow {
        let a = req
            .reply
            .error(ErrorCode::AccessDenied, "the user denied the request");
        return Ok(a.labelled("denied"));
    }
    code::issue(
        state,
        &req,
        &session.person(),
        &session.session.sid,
        true,
        now,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorize::request::Prompt;
    use crate::authorize::ClientReply;
    use crate::store::models::test_client;

    fn req(prompt: Prompt, public: bool, scopes: &[&str]) -> AuthRequest {
        AuthRequest {
            client: test_client(public, &["https://a.example/cb"]),
            redirect_uri: "https://a.example/cb".into(),
            redirect_uri_given: true,
            reply: ClientReply {
                redirect_uri: "https://a.example/cb".into(),
                state: None,
                form_post: false,
                issuer: "https://op.example".into(),
            },
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            code_challenge: None,
            tenant: "default".into(),
            nonce: None,
            prompt,
            max_age: None,
            login_hint: None,
            id_token_hint: None,
            resources: vec![],
            id_token_claims: vec![],
            fields: vec![],
        }
    }

    const NONE: Prompt = Prompt {
        none: true,
        login: false,
        consent: false,
    };

    #[test]
    fn nobody_signed_in_is_the_login_page_or_login_required_with_prompt_none() {
        assert_eq!(
            without_session(&req(Prompt::default(), false, &[])),
            Next::SignIn
        );
        assert_eq!(without_session(&req(NONE, false, &[])), Next::LoginRequired);
    }

    #[test]
    fn a_remembered_consent_that_covers_the_request_issues_the_code_without_a_page() {
        let r = req(Prompt::default(), false, &["read"]);
        let read = vec!["read".to_string()];
        assert_eq!(with_session(&r, Some(&read)), Next::IssueCode);
        assert_eq!(with_session(&r, None), Next::Consent);
        assert_eq!(
            with_session(&req(NONE, false, &["read"]), None),
            Next::ConsentRequired
        );
        assert_eq!(
            with_session(&req(Prompt::default(), true, &["read"]), Some(&read)),
            Next::Consent,
            "a public client is asked each time"
        );
    }
}
