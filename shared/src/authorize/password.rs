//! Changing one's password (`/account/password`, linked from the account
//! page): the current password is required and checked behind the same
//! lockout as every sign-in ([`crate::authn::lockout`]); the new one is
//! hashed with Argon2id, and every other session of the person ends (this
//! browser's stays signed in).

use super::{Answer, Input, Page};
use crate::authn::lockout::{self, Attempter};
use crate::authn::password::{self, PasswordCheck};
use crate::authn::{self, Freshness};
use crate::error::OAuthError;
use crate::state::State;
use crate::store::DEFAULT_TENANT;

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 8;
const FORM: &str = "change-password";

pub(super) async fn run(state: &State, input: &Input, now: i64) -> Result<Answer, OAuthError> {
    let params = match &input.params {
        Ok(p) => p,
        Err(e) => {
            return Ok(super::error_page(
                400,
                "Invalid request",
                e.description.clone(),
            ))
        }
    };
    let fresh = Freshness::any(DEFAULT_TENANT);
    let Some(session) =
        authn::signed_in(state, input.session_cookie.as_deref(), &fresh, now).await?
    else {
        let to = format!(
            "{}?return_to=%2Faccount%2Fpassword",
            crate::paths::LOGIN_PATH
        );
        return Ok(Answer::redirect(to, 303, "sign_in_first"));
    };
    let csrf = session.form_token(state, FORM, &[]).await?;
    let page = |error: Option<String>, done: bool, status: u16| Page::ChangePassword {
        csrf: csrf.clone(),
        email: session.session.email.clone(),
        error,
        done,
        status,
    };
    if !input.is_post {
        return Ok(Answer::page(page(None, false, 200), "password_page"));
    }
    if !session
        .verifies(state, FORM, &[], params.get("csrf"))
        .await?
    {
        return Ok(super::error_page(
            403,
            "Request not verified",
            "This form could not be verified. Go back and try again.",
        )
        .labelled("csrf_rejected"));
    }
    let (current, new, again) = (
        params.get("current_password").unwrap_or_default(),
        params.get("new_password").unwrap_or_default(),
        params.get("new_password_again").unwrap_or_default(),
    );
    if new.chars().count() < MIN_LENGTH {
        let e = format!("The new password must be at least {MIN_LENGTH} characters.");
        return Ok(Answer::page(page(Some(e), false, 400), "password_refused"));
    }
    if new != again {
        return Ok(Answer::page(
            page(Some("The new passwords do not match.".into()), false, 400),
            "password_refused",
        ));
    }
    let email = session.session.email.clone();
    let device = lockout::device_of(
        state,
        input.device_cookie.as_deref(),
        DEFAULT_TENANT,
        &email,
    )
    .await?;
    let attempt = Attempter {
        tenant: DEFAULT_TENANT,
        email: &email,
        device,
    };
    let (user, reserved) = password::read(state, &attempt, now).await?;
    let user = match password::check(&attempt, current, user, reserved).await? {
        PasswordCheck::Ok(u) => u,
        PasswordCheck::Wrong => {
            return Ok(Answer::page(
                page(
                    Some("The current password is not right.".into()),
                    false,
                    400,
                ),
                "password_refused",
            ))
        }
        PasswordCheck::Locked => {
            return Ok(Answer::page(
                page(Some(lockout::locked_message()), false, 429),
                "login_locked",
            ))
        }
    };
    let new = new.to_string();
    let hash = tokio::task::spawn_blocking(move || crate::crypto::hash_password(&new))
        .await
        .map_err(|e| OAuthError::server_error().with_cause(e.to_string()))?;
    let (set, released) = tokio::join!(
        state.store.set_password_hash(&user, &hash),
        attempt.release(state)
    );
    set?;
    released?;
    // Every other browser signs in again with the new password.
    let others = state
        .store
        .delete_other_sessions(&user.sub, &session.session.pk)
        .await?;
    tracing::info!(others, "password changed by its user");
    Ok(Answer::page(page(None, true, 200), "password_changed"))
}
