//! The password sign-in method: an email and a password, checked with
//! Argon2id behind the [`lockout`](super::lockout). Used by the login page
//! ([`super::login_form`]) and by the token endpoint's password grant.
//!
//! An unknown or disabled user costs the same Argon2id verification as a
//! wrong password, against a fixed hash (no first-use difference).

use super::lockout::Attempter;
use super::Authenticated;
use crate::crypto;
use crate::error::OAuthError;
use crate::state::State;
use crate::store::{Attempt, User};

/// The result of checking a password.
pub enum PasswordCheck {
    Ok(User),
    Wrong,
    Locked,
}

/// Round one of an attempt: the user and the reservation, in parallel.
pub async fn read(
    state: &State,
    attempt: &Attempter<'_>,
    now: i64,
) -> Result<(Option<User>, Attempt), OAuthError> {
    let (user, reserved) = tokio::join!(
        state.store.get_user(attempt.tenant, attempt.email),
        attempt.reserve(state, now)
    );
    Ok((user?, reserved?))
}

/// Checks the password of a reserved attempt. A failure keeps the
/// reservation; the caller gives a success's back
/// ([`Attempter::release`]) in parallel with its own write.
pub async fn check(
    attempt: &Attempter<'_>,
    password: &str,
    user: Option<User>,
    reserved: Attempt,
) -> Result<PasswordCheck, OAuthError> {
    if reserved == Attempt::Locked {
        return Ok(PasswordCheck::Locked);
    }
    let user = user.filter(|u| !u.disabled);
    let hash = user.as_ref().map_or_else(
        || crypto::DUMMY_PASSWORD_HASH.to_string(),
        |u| u.password_hash.clone(),
    );
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || crypto::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    match (ok, user) {
        (true, Some(user)) => Ok(PasswordCheck::Ok(user)),
        _ => {
            tracing::info!(attempt = ?reserved, device = attempt.device.is_some(), "password check failed");
            Ok(PasswordCheck::Wrong)
        }
    }
}

/// Who a correct password proves (RFC 8176 `pwd`).
pub fn authenticated(user: User, now: i64) -> Authenticated {
    Authenticated {
        sub: user.sub,
        tenant: user.tenant,
        email: user.email,
        claims: user.claims,
        amr: vec!["pwd".into()],
        auth_time: now,
        developer: user.developer,
    }
}
