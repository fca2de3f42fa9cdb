//! The pages of the authorization endpoint: sign in, consent, and the code
//! (RFC 6749 §4.1.2), with OpenID Connect's `prompt`, `max_age`, `login_hint`
//! and `id_token_hint` (Core §3.1.2.1). Store failures surface as `Err` and
//! become one error page in [`super::handle`].

use super::request::{check_client, check_request, AuthRequest};
use super::{error_page, Answer, Input, Page, DEVICE_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::credential;
use crate::crypto;
use crate::error::{ErrorCode, OAuthError, StoreError};
use crate::http_util::set_cookie;
use crate::jwt;
use crate::login::{self, Login, PasswordCheck};
use crate::oidc::OFFLINE_ACCESS;
use crate::params::Params;
use crate::state::State;
use crate::store::{self, CodeState, Grant, GrantItem, Session};

/// The session behind a cookie, with its consent form's CSRF token.
pub(super) async fn session(
    state: &State,
    cookie: Option<&str>,
    now: i64,
) -> Result<Option<Session>, StoreError> {
    let Some(cookie) = cookie else {
        return Ok(None);
    };
    let session = state.store.get_session(cookie, now).await?;
    Ok(session.map(|s| Session {
        csrf: crypto::csrf_token(cookie),
        ..s
    }))
}

/// Validates the request and runs the step the form (or its absence) asks for.
pub(super) async fn run(
    state: &State,
    params: &Params,
    input: &Input,
    now: i64,
) -> Result<Answer, OAuthError> {
    let store = &state.store;
    // Client and session in parallel: one round trip.
    let (client, session) = tokio::join!(
        async {
            match params.get("client_id") {
                Some(id) => store.get_client(id).await,
                None => Ok(None),
            }
        },
        session(state, input.session_cookie.as_deref(), now)
    );
    let (client, session) = (client?, session?);
    let (client, redirect_uri, given) = match check_client(params, client) {
        Ok(v) => v,
        Err(answer) => return Ok(*answer),
    };
    let req = match check_request(params, client, redirect_uri, given, &state.config.issuer) {
        Ok(r) => r,
        Err(answer) => return Ok(*answer),
    };
    // A session only counts in the tenant it was made for.
    let session = session.filter(|s| s.tenant == req.tenant);
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
    match action {
        Some("login") => login(state, req, params, &input.path, input, now).await,
        Some("allow") => decide(state, req, params, session, true, now).await,
        Some("deny") => decide(state, req, params, session, false, now).await,
        Some(_) => Ok(error_page(400, "Invalid request", "Unknown form action.")),
        None => {
            show(
                state,
                req,
                session,
                hinted_sub,
                input.login_csrf_cookie.clone(),
                now,
            )
            .await
        }
    }
}

/// Whether a session can answer this request without signing in again:
/// no `prompt=login`, signed in within `max_age`, and the user an
/// `id_token_hint` names.
fn session_answers(req: &AuthRequest, s: &Session, hinted_sub: Option<&str>, now: i64) -> bool {
    !req.prompt.login
        && req.max_age.is_none_or(|max| now - s.auth_time <= max)
        && hinted_sub.is_none_or(|sub| sub == s.sub)
}

/// Whether the consent page must be shown although consent may be remembered:
/// `prompt=consent`; a public client, whose identity is not proven (RFC 8252
/// §8.6); or offline access, which needs consent each time (OpenID Connect
/// Core §11).
fn consent_page_required(req: &AuthRequest) -> bool {
    req.prompt.consent || req.client.is_public() || req.scopes.iter().any(|s| s == OFFLINE_ACCESS)
}

/// No form submitted: the login page, the consent page, or straight to the
/// client when consent for these scopes was given before. With `prompt=none`,
/// an error instead of any page (Core §3.1.2.6).
async fn show(
    state: &State,
    mut req: AuthRequest,
    session: Option<Session>,
    hinted_sub: Option<String>,
    login_csrf: Option<String>,
    now: i64,
) -> Result<Answer, OAuthError> {
    let session = session.filter(|s| session_answers(&req, s, hinted_sub.as_deref(), now));
    let Some(session) = session else {
        if req.prompt.none {
            return Ok(req
                .reply
                .error(ErrorCode::LoginRequired, "the user is not signed in"));
        }
        let email = req.login_hint.clone();
        return login_page(state, req, login_csrf, None, email, 200).await;
    };
    if req.prompt.none {
        // Core §11: offline access without asking is ignored, not refused.
        req.scopes.retain(|s| s != OFFLINE_ACCESS);
    }
    let remembered = state
        .store
        .get_consent(&session.sub, &req.client.client_id)
        .await?;
    let covered = remembered.is_some_and(|g| req.scopes.iter().all(|s| g.contains(s)));
    if covered && !consent_page_required(&req) {
        return issue_code(state, &req, &session, false, now).await;
    }
    if req.prompt.none {
        return Ok(req
            .reply
            .error(ErrorCode::ConsentRequired, "the user has not consented"));
    }
    let page = Page::Consent {
        csrf: session.csrf,
        email: session.email,
        req: Box::new(req),
    };
    Ok(Answer::page(page, "consent_page"))
}

/// The login page. Its CSRF token is the HMAC of the pre-login cookie (set
/// here when the browser has none) under the cookie key: a value an attacker
/// cannot compute for a cookie they plant.
async fn login_page(
    state: &State,
    req: AuthRequest,
    login_csrf: Option<String>,
    error: Option<String>,
    email: Option<String>,
    status: u16,
) -> Result<Answer, OAuthError> {
    let mut set_cookies = vec![];
    let cookie = match login_csrf {
        Some(c) if c.len() == 43 => c,
        _ => {
            let c = crypto::random_token();
            let name = state.config.cookie_name(LOGIN_CSRF_COOKIE);
            set_cookies.push(set_cookie(&name, &c, 3600, state.config.secure_cookies));
            c
        }
    };
    let csrf = login_csrf_token(state, &cookie).await?;
    let page = Page::Login {
        req: Box::new(req),
        csrf,
        error,
        email,
        status,
    };
    let mut a = Answer::page(page, "login_page");
    a.set_cookies = set_cookies;
    Ok(a)
}

async fn login_csrf_token(state: &State, cookie: &str) -> Result<String, OAuthError> {
    state
        .keys
        .cookie_mac(&state.store, "login-csrf", &[cookie])
        .await
}

/// The login form was posted.
async fn login(
    state: &State,
    req: AuthRequest,
    params: &Params,
    path: &str,
    input: &Input,
    now: i64,
) -> Result<Answer, OAuthError> {
    let login_csrf = input.login_csrf_cookie.as_deref();
    let csrf_ok = match (params.get("csrf"), login_csrf) {
        (Some(sent), Some(cookie)) => crypto::ct_eq(sent, &login_csrf_token(state, cookie).await?),
        _ => false,
    };
    let email = params.get("email").map(str::to_string);
    if !csrf_ok {
        let message = "Your sign-in form expired. Please try again.";
        let page = login_page(state, req, None, Some(message.into()), email, 403).await?;
        return Ok(page.labelled("csrf_rejected"));
    }
    let again = |req, error: &str, email, status| {
        login_page(
            state,
            req,
            login_csrf.map(str::to_string),
            Some(error.into()),
            email,
            status,
        )
    };
    let (Some(email), Some(password)) = (email, params.get("password")) else {
        let email = params.get("email").map(str::to_string);
        return again(req, "Enter your email and password.", email, 400).await;
    };
    let device =
        login::device_of(state, input.device_cookie.as_deref(), &req.tenant, &email).await?;
    let attempt = Login {
        tenant: &req.tenant,
        email: &email,
        device,
    };
    let (user, reserved) = login::read(state, &attempt, now).await?;
    let user = match login::check(&attempt, password, user, reserved).await? {
        PasswordCheck::Ok(u) => u,
        PasswordCheck::Wrong => {
            let page = again(req, "Invalid email or password.", Some(email), 400).await?;
            return Ok(page.labelled("login_failed"));
        }
        PasswordCheck::Locked => {
            let message = "This account is temporarily locked after too many failed sign-in attempts. Try again in 15 minutes.";
            let page = again(req, message, Some(email), 429).await?;
            return Ok(page.labelled("login_locked"));
        }
    };
    let cookie = crypto::random_token();
    let session = Session {
        pk: store::session_key(&cookie),
        sub: user.sub,
        tenant: user.tenant,
        email: user.email,
        claims: user.claims,
        csrf: crypto::csrf_token(&cookie),
        sid: crypto::random_id(),
        auth_time: now,
        expires_at: now + state.config.session_ttl,
    };
    let device_cookie = match &attempt.device {
        Some(_) => None,
        None => Some(login::device_cookie(state, &req.tenant, &email).await?),
    };
    let (put, released) = tokio::join!(
        state.store.put_session(&session),
        login::release(state, &attempt)
    );
    put?;
    released?;
    let (config, secure) = (&state.config, state.config.secure_cookies);
    let mut a = Answer::redirect(req.url_after_login(path), 303, "login_ok");
    a.set_cookies = vec![
        set_cookie(
            &config.cookie_name(SESSION_COOKIE),
            &cookie,
            config.session_ttl,
            secure,
        ),
        set_cookie(&config.cookie_name(LOGIN_CSRF_COOKIE), "", 0, secure),
    ];
    if let Some(d) = device_cookie {
        let name = config.cookie_name(DEVICE_COOKIE);
        a.set_cookies
            .push(set_cookie(&name, &d, login::DEVICE_COOKIE_TTL, secure));
    }
    Ok(a)
}

/// The consent form was posted: Allow or Deny.
async fn decide(
    state: &State,
    req: AuthRequest,
    params: &Params,
    session: Option<Session>,
    allow: bool,
    now: i64,
) -> Result<Answer, OAuthError> {
    let Some(session) = session else {
        let message = "Your session has ended. Please sign in again.";
        return login_page(state, req, None, Some(message.into()), None, 200).await;
    };
    if !params
        .get("csrf")
        .is_some_and(|c| crypto::ct_eq(c, &session.csrf))
    {
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
    issue_code(state, &req, &session, true, now).await
}

/// Starts a grant with a new single-use code (RFC 6749 §4.1.2) and sends it to
/// the client; with `remember`, records the consent in parallel.
async fn issue_code(
    state: &State,
    req: &AuthRequest,
    session: &Session,
    remember: bool,
    now: i64,
) -> Result<Answer, OAuthError> {
    let grant_id = credential::new_grant_id();
    let code = credential::mint(&grant_id);
    let expires_at = now + state.config.code_ttl;
    let item = GrantItem {
        pk: store::grant_key(&grant_id),
        v: 1,
        client_id: req.client.client_id.clone(),
        grant: Grant {
            scope: req.scopes.clone(),
            sub: Some(session.sub.clone()),
            username: Some(session.email.clone()),
            tenant: Some(session.tenant.clone()),
            claims: Some(session.claims.clone()),
            auth_time: Some(session.auth_time),
            sid: Some(session.sid.clone()).filter(|s| !s.is_empty()),
            nonce: req.nonce.clone(),
            resources: req.resources.clone(),
            id_token_claims: req.id_token_claims.clone(),
        },
        created_at: now,
        ends_at: None,
        code: Some(CodeState {
            hash: credential::digest(&code),
            expires_at,
            used_at: None,
            redirect_uri: req.redirect_uri.clone(),
            redirect_uri_given: req.redirect_uri_given,
            challenge: req.code_challenge.clone(),
        }),
        access: None,
        prev_access: None,
        refresh: None,
        prev_refresh: None,
        revoked_at: None,
        expires_at: Some(expires_at),
    };
    let store = &state.store;
    if remember {
        let (a, b) = tokio::join!(
            store.create_grant(&item),
            store.put_consent(&session.sub, &req.client.client_id, &req.scopes, now)
        );
        a.and(b)?;
    } else {
        store.create_grant(&item).await?;
    }
    Ok(req.reply.code(&code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorize::request::Prompt;
    use crate::authorize::ClientReply;
    use crate::store::models::test_client;

    fn req(prompt: Prompt, max_age: Option<i64>, public: bool, scopes: &[&str]) -> AuthRequest {
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
            max_age,
            login_hint: None,
            id_token_hint: None,
            resources: vec![],
            id_token_claims: vec![],
            fields: vec![],
        }
    }

    fn session(auth_time: i64) -> Session {
        Session {
            pk: "session#x".into(),
            sub: "u1".into(),
            tenant: "default".into(),
            email: "a@b.c".into(),
            claims: "{}".into(),
            csrf: String::new(),
            sid: "s".into(),
            auth_time,
            expires_at: i64::MAX,
        }
    }

    #[test]
    fn max_age_asks_for_a_sign_in_older_than_it_and_prompt_login_always() {
        let s = session(1_000);
        assert!(session_answers(
            &req(Prompt::default(), Some(60), false, &[]),
            &s,
            None,
            1_060
        ));
        assert!(!session_answers(
            &req(Prompt::default(), Some(60), false, &[]),
            &s,
            None,
            1_061
        ));
        assert!(
            !session_answers(
                &req(Prompt::default(), Some(0), false, &[]),
                &s,
                None,
                1_001
            ),
            "max_age=0 is prompt=login"
        );
        let login = Prompt {
            login: true,
            ..Prompt::default()
        };
        assert!(!session_answers(
            &req(login, None, false, &[]),
            &s,
            None,
            1_000
        ));
    }

    #[test]
    fn a_hint_for_another_user_asks_for_a_sign_in() {
        let r = req(Prompt::default(), None, false, &[]);
        assert!(session_answers(&r, &session(0), Some("u1"), 0));
        assert!(!session_answers(&r, &session(0), Some("u2"), 0));
    }

    #[test]
    fn consent_is_asked_again_for_public_clients_offline_access_and_prompt_consent() {
        assert!(!consent_page_required(&req(
            Prompt::default(),
            None,
            false,
            &["openid"]
        )));
        assert!(consent_page_required(&req(
            Prompt::default(),
            None,
            true,
            &["openid"]
        )));
        assert!(consent_page_required(&req(
            Prompt::default(),
            None,
            false,
            &["openid", "offline_access"]
        )));
        let consent = Prompt {
            consent: true,
            ..Prompt::default()
        };
        assert!(consent_page_required(&req(
            consent,
            None,
            false,
            &["openid"]
        )));
    }
}
