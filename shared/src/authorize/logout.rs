//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at
//! `/oauth/logout`: ends the browser session, then sends the browser back to
//! the client's registered `post_logout_redirect_uri` (exact match, §3) or
//! shows that the user is signed out. Without an `id_token_hint` for the
//! current session the user confirms first (§2, §6: a logout request from
//! anywhere else is not acted on blindly). Nothing here redirects anywhere
//! unregistered.

use super::{error_page, Answer, Page};
use crate::authn::session;
use crate::error::OAuthError;
use crate::jose::issued as jwt;
use crate::params::Params;
use crate::redirect_uri;
use crate::state::State;
use crate::store::Client;

/// Parameters posted back by the confirmation form.
const LOGOUT_PARAMS: &[&str] = &[
    "id_token_hint",
    "client_id",
    "post_logout_redirect_uri",
    "state",
];

/// The purpose the confirmation form's token is bound to.
const LOGOUT_FORM: &str = "logout";

pub struct LogoutInput {
    pub is_post: bool,
    pub params: Result<Params, OAuthError>,
    pub session_cookie: Option<String>,
}

fn invalid(message: &str) -> Answer {
    error_page(400, "Invalid logout request", message).labelled("logout_invalid")
}

pub async fn handle(state: &State, input: LogoutInput, now: i64) -> Answer {
    let params = match &input.params {
        Ok(p) => p,
        Err(e) => return invalid(&e.description),
    };
    match Box::pin(run(state, params, &input, now)).await {
        Ok(a) => a,
        Err(e) => super::failure_page(e),
    }
}

async fn run(
    state: &State,
    params: &Params,
    input: &LogoutInput,
    now: i64,
) -> Result<Answer, OAuthError> {
    if params.get("action").is_some_and(|a| a != "logout") {
        return Ok(invalid("Unknown form action."));
    }
    let cookie = input.session_cookie.as_deref();
    let (session, hint) = tokio::join!(session::read(state, cookie, now), async {
        match params.get("id_token_hint") {
            Some(h) => jwt::id_token_hint(state, h, now)
                .await
                .map(|v| Some(v.ok_or(()))),
            None => Ok(None),
        }
    });
    let session = session?;
    let hint = match hint? {
        Some(Ok(h)) => Some(h),
        Some(Err(())) => {
            return Ok(invalid(
                "The id_token_hint is not an ID token issued by this server.",
            ))
        }
        None => None,
    };
    let client_id = match (
        hint.as_ref().map(|h| h.client_id.as_str()),
        params.get("client_id"),
    ) {
        (Some(a), Some(b)) if a != b => {
            return Ok(invalid(
                "The client_id is not the one the ID token was issued to.",
            ))
        }
        (a, b) => a.or(b),
    };
    // A disabled client is no client: nothing of it is acted on.
    let client: Option<Client> = match client_id {
        Some(id) => match crate::client_auth::find(state, id, now)
            .await
            .ok()
            .flatten()
        {
            Some(c) if !c.disabled => Some(c),
            _ => return Ok(invalid("The application is not registered.")),
        },
        None => None,
    };
    let target = match params.get("post_logout_redirect_uri") {
        None => None,
        Some(uri) => match &client {
            Some(c) if redirect_uri::find(&c.post_logout_redirect_uris, uri).is_some() => {
                Some(uri.to_string())
            }
            _ => {
                return Ok(invalid(
                    "The post_logout_redirect_uri is not registered for the application.",
                ))
            }
        },
    };
    let Some(session) = session else {
        // Nothing to end: logging out is idempotent (§4).
        return Ok(done(state, target, params.get("state"), false));
    };
    let hinted = hint.as_ref().is_some_and(|h| {
        h.sub == session.session.sub
            && h.sid
                .as_deref()
                .is_none_or(|sid| sid == session.session.sid)
    });
    // The confirmation form's token is bound to the session, to logout and
    // to where the browser goes after it (F10).
    let decides = [
        client_id.unwrap_or(""),
        params.get("post_logout_redirect_uri").unwrap_or(""),
    ];
    let confirmed = input.is_post
        && params.get("action") == Some("logout")
        && session
            .verifies(state, LOGOUT_FORM, &decides, params.get("csrf"))
            .await?;
    if !(hinted || confirmed) {
        let fields = LOGOUT_PARAMS
            .iter()
            .filter_map(|k| params.get(k).map(|v| (k.to_string(), v.to_string())))
            .collect();
        let page = Page::LogoutConfirm {
            csrf: session.form_token(state, LOGOUT_FORM, &decides).await?,
            fields,
            client_name: client.map(|c| c.name),
        };
        return Ok(Answer::page(page, "logout_confirm"));
    }
    session::end(state, session.cookie()).await?;
    Ok(done(state, target, params.get("state"), true))
}

/// Back to the client (with its `state`), or the signed-out page.
fn done(state: &State, target: Option<String>, rp_state: Option<&str>, ended: bool) -> Answer {
    let mut a = match target {
        Some(uri) => {
            let pairs: Vec<(&str, &str)> = rp_state.map(|s| ("state", s)).into_iter().collect();
            Answer::redirect(super::redirect_with(&uri, &pairs), 302, "logged_out")
        }
        None => Answer::page(Page::LoggedOut, "logged_out"),
    };
    if ended {
        a.set_cookies = vec![session::cookie_header(state, None)];
    }
    a
}
