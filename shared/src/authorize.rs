//! The authorization endpoint's rules (RFC 6749 §4.1.1, §4.1.2, §4.1.2.1; RFC 7636).
//!
//! The endpoint is stateless between requests: each form posts the original
//! authorization parameters back, and they are validated again every time.
//! The function crate renders what this module decides.

use crate::crypto;
use crate::error::{ErrorCode, OAuthError};
use crate::params::Params;
use crate::scope;
use crate::state::State;
use crate::store::{self, Client, CodeItem, Grant, Session};
use crate::token::{self, PasswordCheck};

/// Cookie holding the browser session.
pub const SESSION_COOKIE: &str = "oauth_session";
/// Cookie holding the login form's CSRF token (double submit: no session exists yet).
pub const LOGIN_CSRF_COOKIE: &str = "oauth_login_csrf";

/// Authorization parameters echoed in every form, in this order.
const AUTH_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "partnerId",
];

/// A validated authorization request.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client: Client,
    pub redirect_uri: String,
    pub redirect_uri_given: bool,
    pub state: Option<String>,
    pub scopes: Vec<String>,
    pub code_challenge: Option<String>,
    pub tenant: String,
    /// The authorization parameters as received, for hidden form fields.
    pub fields: Vec<(String, String)>,
}

/// A page for the function crate to render.
#[derive(Debug, Clone)]
pub enum Page {
    /// Never redirects: the client or redirect URI cannot be trusted, or the
    /// service is down.
    Error {
        status: u16,
        title: String,
        message: String,
    },
    Login {
        req: Box<AuthRequest>,
        csrf: String,
        error: Option<String>,
        email: Option<String>,
        status: u16,
    },
    Consent {
        req: Box<AuthRequest>,
        csrf: String,
        email: String,
    },
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Page(Page),
    /// 302 to the client (code or error) or 303 back to the authorize URL.
    Redirect {
        location: String,
        status: u16,
    },
}

/// The decision plus cookies to set.
#[derive(Debug, Clone)]
pub struct Response {
    pub outcome: Outcome,
    pub set_cookies: Vec<String>,
    /// For the log line.
    pub client_id: Option<String>,
    pub result: &'static str,
}

/// What the handler extracted from the HTTP request.
pub struct Input {
    pub is_post: bool,
    /// The request path, for redirecting back after sign-in.
    pub path: String,
    pub params: Result<Params, OAuthError>,
    pub session_cookie: Option<String>,
    pub login_csrf_cookie: Option<String>,
}

fn page(p: Page, result: &'static str) -> Response {
    Response {
        outcome: Outcome::Page(p),
        set_cookies: vec![],
        client_id: None,
        result,
    }
}

/// An error page (no cookies set, no client named).
pub fn error_page(status: u16, title: &str, message: impl Into<String>) -> Response {
    page(
        Page::Error {
            status,
            title: title.into(),
            message: message.into(),
        },
        "error_page",
    )
}

fn unavailable_page() -> Response {
    error_page(
        503,
        "Temporarily unavailable",
        "The service is temporarily unavailable. Please try again in a moment.",
    )
}

/// Appends parameters to a redirect URI, keeping any query it already has.
pub fn redirect_with(uri: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in pairs {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        Err(_) => uri.to_string(),
    }
}

fn redirect(location: String, result: &'static str) -> Response {
    Response {
        outcome: Outcome::Redirect {
            location,
            status: 302,
        },
        set_cookies: vec![],
        client_id: None,
        result,
    }
}

/// RFC 6749 §4.1.2.1: an error sent back to the client's redirect URI.
fn error_redirect(
    req_redirect: &str,
    state: Option<&str>,
    code: ErrorCode,
    description: &str,
) -> Response {
    let mut pairs = vec![("error", code.as_str()), ("error_description", description)];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    redirect(redirect_with(req_redirect, &pairs), "error_redirect")
}

/// Step one: the client and redirect URI. Failures here show a page and never redirect.
fn check_client(
    params: &Params,
    client: Option<Client>,
) -> Result<(Client, String, bool), Box<Response>> {
    if params.get("client_id").is_none() {
        return Err(Box::new(error_page(
            400,
            "Invalid request",
            "The request has no client_id.",
        )));
    }
    let client = match client {
        Some(c) if !c.disabled => c,
        _ => {
            return Err(Box::new(error_page(
                400,
                "Unknown application",
                "The application that sent you here is not registered.",
            )))
        }
    };
    match params.get("redirect_uri") {
        Some(uri) if client.redirect_uris.iter().any(|r| r == uri) => Ok((client, uri.to_string(), true)),
        Some(_) => Err(Box::new(error_page(
            400,
            "Invalid redirect URI",
            "The redirect URI in this request is not registered for the application, so you cannot be sent back to it.",
        ))),
        None if client.redirect_uris.len() == 1 => {
            let uri = client.redirect_uris[0].clone();
            Ok((client, uri, false))
        }
        None => Err(Box::new(error_page(400, "Invalid request", "The request has no redirect_uri."))),
    }
}

/// Step two: everything else; failures redirect to the client with an error.
fn check_request(
    params: &Params,
    client: Client,
    redirect_uri: String,
    given: bool,
) -> Result<AuthRequest, Box<Response>> {
    let state = params.get("state").map(str::to_string);
    let fail = |code: ErrorCode, d: &str| {
        Box::new(error_redirect(&redirect_uri, state.as_deref(), code, d))
    };
    match params.get("response_type") {
        None => return Err(fail(ErrorCode::InvalidRequest, "response_type is required")),
        Some(rt) if rt.eq_ignore_ascii_case("code") => {}
        Some(_) => {
            return Err(fail(
                ErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            ))
        }
    }
    if !client.allows_grant("authorization_code") {
        return Err(fail(
            ErrorCode::UnauthorizedClient,
            "this client may not use the authorization code flow",
        ));
    }
    let scopes = match scope::resolve(params.get("scope"), &client.scopes, &client.default_scopes) {
        Ok(s) => s,
        Err(e) => return Err(fail(e.code, &e.description)),
    };
    let challenge = params.get("code_challenge");
    match (challenge, params.get("code_challenge_method")) {
        (Some(c), Some("S256")) if crypto::is_valid_pkce_value(c) => {}
        (Some(_), Some("S256")) => {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "code_challenge must be 43-128 characters of [A-Za-z0-9-._~]",
            ))
        }
        (Some(_), _) | (None, Some(_)) => {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "only code_challenge_method=S256 is supported, with a code_challenge",
            ))
        }
        (None, None) if client.is_public() => {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "public clients must use PKCE (code_challenge with S256)",
            ))
        }
        (None, None) => {}
    }
    let tenant = match token::tenant(params) {
        Ok(t) => t,
        Err(e) => return Err(fail(e.code, &e.description)),
    };
    let fields = AUTH_PARAMS
        .iter()
        .filter_map(|k| params.get(k).map(|v| (k.to_string(), v.to_string())))
        .collect();
    Ok(AuthRequest {
        client,
        redirect_uri,
        redirect_uri_given: given,
        state,
        scopes,
        code_challenge: challenge.map(str::to_string),
        tenant,
        fields,
    })
}

/// The authorize URL this request came to, for the redirect after sign-in.
fn self_url(path: &str, req: &AuthRequest) -> String {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(req.fields.iter())
        .finish();
    format!("{path}?{q}")
}

/// Runs the authorization endpoint.
pub async fn handle(state: &State, input: Input) -> Response {
    let params = match input.params {
        Ok(p) => p,
        Err(e) => return error_page(400, "Invalid request", e.description),
    };
    let store = &state.store;
    let client_id = params.get("client_id").unwrap_or_default().to_string();
    // Client and session in parallel: one round trip.
    let (client, session) = tokio::join!(
        async {
            if client_id.is_empty() {
                Ok(None)
            } else {
                store.get_client(&client_id).await
            }
        },
        async {
            match &input.session_cookie {
                Some(c) => store.get_session(c).await.map(|s| {
                    s.map(|mut s| {
                        s.csrf = crypto::csrf_token(c);
                        s
                    })
                }),
                None => Ok(None),
            }
        }
    );
    let (client, session) = match (client, session) {
        (Ok(c), Ok(s)) => (c, s),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "store error");
            return unavailable_page();
        }
    };
    let (client, redirect_uri, given) = match check_client(&params, client) {
        Ok(v) => v,
        Err(resp) => return *resp,
    };
    let req = match check_request(&params, client, redirect_uri, given) {
        Ok(r) => r,
        Err(mut resp) => {
            resp.client_id = Some(client_id);
            return *resp;
        }
    };
    // A session only counts in the tenant it was made for.
    let session = session.filter(|s| s.tenant == req.tenant);
    let action = if input.is_post {
        params.get("action")
    } else {
        None
    };
    let mut resp = match action {
        Some("login") => {
            login(
                state,
                req,
                &params,
                &input.path,
                input.login_csrf_cookie.as_deref(),
            )
            .await
        }
        Some("allow") | Some("deny") => {
            decide(state, req, &params, session, action == Some("allow")).await
        }
        Some(_) => error_page(400, "Invalid request", "Unknown form action."),
        None => show(state, req, session, input.login_csrf_cookie).await,
    };
    resp.client_id = Some(client_id);
    resp
}

/// No form submitted: the login page, the consent page, or straight to the
/// client when consent for these scopes was given before.
async fn show(
    state: &State,
    req: AuthRequest,
    session: Option<Session>,
    login_csrf: Option<String>,
) -> Response {
    let Some(session) = session else {
        return login_page(state, req, login_csrf, None, None, 200);
    };
    match state
        .store
        .get_consent(&session.sub, &req.client.client_id)
        .await
    {
        Ok(Some(granted)) if req.scopes.iter().all(|s| granted.contains(s)) => {
            issue_code(state, &req, &session, false).await
        }
        Ok(_) => {
            let (csrf, email) = (session.csrf.clone(), session.email.clone());
            page(
                Page::Consent {
                    req: Box::new(req),
                    csrf,
                    email,
                },
                "consent_page",
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "store error");
            unavailable_page()
        }
    }
}

fn login_page(
    state: &State,
    req: AuthRequest,
    login_csrf: Option<String>,
    error: Option<String>,
    email: Option<String>,
    status: u16,
) -> Response {
    let mut set_cookies = vec![];
    let csrf = match login_csrf {
        Some(c) if c.len() >= 32 => c,
        _ => {
            let c = crypto::random_token();
            set_cookies.push(crate::http_util::set_cookie(
                LOGIN_CSRF_COOKIE,
                &c,
                3600,
                state.config.secure_cookies,
            ));
            c
        }
    };
    let mut r = page(
        Page::Login {
            req: Box::new(req),
            csrf,
            error,
            email,
            status,
        },
        "login_page",
    );
    r.set_cookies = set_cookies;
    r
}

/// The login form was posted.
async fn login(
    state: &State,
    req: AuthRequest,
    params: &Params,
    path: &str,
    login_csrf: Option<&str>,
) -> Response {
    let csrf_ok =
        matches!((params.get("csrf"), login_csrf), (Some(a), Some(b)) if crypto::ct_eq(a, b));
    let email = params.get("email").map(str::to_string);
    if !csrf_ok {
        let mut r = login_page(
            state,
            req,
            None,
            Some("Your sign-in form expired. Please try again.".into()),
            email,
            403,
        );
        r.result = "csrf_rejected";
        return r;
    }
    let (Some(email), Some(password)) = (email, params.get("password")) else {
        return login_page(
            state,
            req,
            login_csrf.map(str::to_string),
            Some("Enter your email and password.".into()),
            params.get("email").map(str::to_string),
            400,
        );
    };
    let store = &state.store;
    let throttle = token::throttle_key(&req.tenant, &email);
    let (user, failures) = tokio::join!(
        store.get_user(&req.tenant, &email),
        store.failures(&throttle)
    );
    let checked = match (user, failures) {
        (Ok(u), Ok(f)) => token::check_password(state, &req.tenant, &email, password, u, f).await,
        (Err(e), _) | (_, Err(e)) => Err(e.into()),
    };
    let user = match checked {
        Ok(PasswordCheck::Ok(u)) => u,
        Ok(PasswordCheck::Wrong) => {
            let mut r = login_page(
                state,
                req,
                login_csrf.map(str::to_string),
                Some("Invalid email or password.".into()),
                Some(email),
                400,
            );
            r.result = "login_failed";
            return r;
        }
        Ok(PasswordCheck::Locked) => {
            let mut r = login_page(
                state,
                req,
                login_csrf.map(str::to_string),
                Some("This account is temporarily locked after too many failed sign-in attempts. Try again in 15 minutes.".into()),
                Some(email),
                429,
            );
            r.result = "login_locked";
            return r;
        }
        Err(_) => return unavailable_page(),
    };
    let cookie = crypto::random_token();
    let session = Session {
        pk: store::session_key(&cookie),
        sub: user.sub,
        tenant: user.tenant,
        email: user.email,
        claims: user.claims,
        csrf: crypto::csrf_token(&cookie),
        expires_at: crate::now() + state.config.session_ttl,
    };
    if let Err(e) = store.put_session(&session).await {
        tracing::error!(error = %e, "store error");
        return unavailable_page();
    }
    let secure = state.config.secure_cookies;
    Response {
        outcome: Outcome::Redirect {
            location: self_url(path, &req),
            status: 303,
        },
        set_cookies: vec![
            crate::http_util::set_cookie(SESSION_COOKIE, &cookie, state.config.session_ttl, secure),
            crate::http_util::set_cookie(LOGIN_CSRF_COOKIE, "", 0, secure),
        ],
        client_id: None,
        result: "login_ok",
    }
}

/// The consent form was posted: Allow or Deny.
async fn decide(
    state: &State,
    req: AuthRequest,
    params: &Params,
    session: Option<Session>,
    allow: bool,
) -> Response {
    let Some(session) = session else {
        return login_page(
            state,
            req,
            None,
            Some("Your session has ended. Please sign in again.".into()),
            None,
            200,
        );
    };
    if !params
        .get("csrf")
        .is_some_and(|c| crypto::ct_eq(c, &session.csrf))
    {
        let mut r = error_page(
            403,
            "Request not verified",
            "This form could not be verified. Go back to the application and start again.",
        );
        r.result = "csrf_rejected";
        return r;
    }
    if !allow {
        let mut r = error_redirect(
            &req.redirect_uri,
            req.state.as_deref(),
            ErrorCode::AccessDenied,
            "the user denied the request",
        );
        r.result = "denied";
        return r;
    }
    issue_code(state, &req, &session, true).await
}

/// Stores a new single-use code and redirects to the client with it; with
/// `remember`, records the consent in parallel.
async fn issue_code(
    state: &State,
    req: &AuthRequest,
    session: &Session,
    remember: bool,
) -> Response {
    let code = crypto::random_token();
    let item = CodeItem {
        pk: store::code_key(&code),
        client_id: req.client.client_id.clone(),
        family: crypto::random_id(),
        grant: Grant {
            scope: req.scopes.clone(),
            sub: Some(session.sub.clone()),
            username: Some(session.email.clone()),
            tenant: Some(session.tenant.clone()),
            claims: Some(session.claims.clone()),
        },
        redirect_uri: req.redirect_uri.clone(),
        redirect_uri_given: req.redirect_uri_given,
        code_challenge: req.code_challenge.clone(),
        expires_at: crate::now() + state.config.code_ttl,
        used_at: None,
    };
    let result = if remember {
        let (a, b) = tokio::join!(
            state.store.put_code(&item),
            state
                .store
                .put_consent(&session.sub, &req.client.client_id, &req.scopes)
        );
        a.and(b)
    } else {
        state.store.put_code(&item).await
    };
    if let Err(e) = result {
        tracing::error!(error = %e, "store error");
        return unavailable_page();
    }
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = &req.state {
        pairs.push(("state", s));
    }
    redirect(redirect_with(&req.redirect_uri, &pairs), "code_issued")
}
