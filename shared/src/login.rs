//! Checking a user's password, with brute-force protection that holds under
//! concurrency and does not lock the real user out (README "Security model").
//!
//! - Every attempt is reserved before Argon2id runs (one conditional update,
//!   [`crate::store::throttle`]): at most [`MAX_ATTEMPTS`] attempts per key in
//!   [`WINDOW`] seconds get a password check, however many arrive at once. A
//!   success gives its reservation back; a failure keeps it.
//! - The key is the user's, shared by the password grant and every browser
//!   without a device cookie for this user — what an attacker spends. A browser
//!   that signed in as this user before holds a device cookie (OWASP, "Slow
//!   Down Online Guessing Attacks with Device Cookies") and spends its own
//!   allowance instead, so the owner's known browser still gets in while the
//!   shared allowance is exhausted.
//! - An unknown or disabled user costs the same Argon2id verification as a
//!   wrong password, against a fixed hash (no first-use difference).

use crate::crypto;
use crate::error::OAuthError;
use crate::state::State;
use crate::store::{self, Attempt, User};

/// Attempts allowed per key in a window before it locks.
pub const MAX_ATTEMPTS: u32 = 5;
/// The window in seconds, from the first attempt.
pub const WINDOW: i64 = 15 * 60;
/// How long a device cookie vouches for a browser (seconds).
pub const DEVICE_COOKIE_TTL: i64 = 365 * 86_400;

/// The message shown while an account is locked.
pub const LOCKED_MESSAGE: &str =
    "the account is temporarily locked after too many failed sign-in attempts; try again in 15 minutes";

/// One sign-in attempt's identity: the user, and the device cookie's id when
/// the browser holds a valid one for this user.
pub struct Login<'a> {
    pub tenant: &'a str,
    pub email: &'a str,
    pub device: Option<String>,
}

impl Login<'_> {
    /// The throttle key whose allowance this attempt spends.
    pub fn key(&self) -> String {
        let user = format!("{}#{}", self.tenant, store::normalize_email(self.email));
        match &self.device {
            Some(d) => format!("{user}#device#{d}"),
            None => user,
        }
    }
}

/// The result of checking a password with brute-force protection.
pub enum PasswordCheck {
    Ok(User),
    Wrong,
    Locked,
}

/// Round one of an attempt: the user and the reservation, in parallel.
pub async fn read(
    state: &State,
    login: &Login<'_>,
    now: i64,
) -> Result<(Option<User>, Attempt), OAuthError> {
    let key = login.key();
    let (user, attempt) = tokio::join!(
        state.store.get_user(login.tenant, login.email),
        state.store.reserve_attempt(&key, MAX_ATTEMPTS, WINDOW, now)
    );
    Ok((user?, attempt?))
}

/// Checks the password of a reserved attempt. A failure keeps the
/// reservation; the caller gives a success's back ([`release`]) in parallel
/// with its own write.
pub async fn check(
    login: &Login<'_>,
    password: &str,
    user: Option<User>,
    attempt: Attempt,
) -> Result<PasswordCheck, OAuthError> {
    if attempt == Attempt::Locked {
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
            tracing::info!(attempt = ?attempt, device = login.device.is_some(), "password check failed");
            Ok(PasswordCheck::Wrong)
        }
    }
}

/// Gives a successful attempt's reservation back: it was not a failure.
pub async fn release(state: &State, login: &Login<'_>) -> Result<(), OAuthError> {
    Ok(state.store.release_attempt(&login.key()).await?)
}

/// A new device cookie for the user: `{device id}.{MAC}`.
pub async fn device_cookie(state: &State, tenant: &str, email: &str) -> Result<String, OAuthError> {
    let id = crypto::random_b64(16);
    let mac = device_mac(state, tenant, email, &id).await?;
    Ok(format!("{id}.{mac}"))
}

/// The device id a cookie vouches for, if it is valid for this user.
pub async fn device_of(
    state: &State,
    cookie: Option<&str>,
    tenant: &str,
    email: &str,
) -> Result<Option<String>, OAuthError> {
    let Some((id, mac)) = cookie.and_then(|c| c.split_once('.')) else {
        return Ok(None);
    };
    if id.len() != 22 {
        return Ok(None);
    }
    let expected = device_mac(state, tenant, email, id).await?;
    Ok(crypto::ct_eq(mac, &expected).then(|| id.to_string()))
}

async fn device_mac(
    state: &State,
    tenant: &str,
    email: &str,
    id: &str,
) -> Result<String, OAuthError> {
    let email = store::normalize_email(email);
    state
        .keys
        .cookie_mac(&state.store, "device", &[tenant, &email, id])
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_shared_key_per_user_and_one_per_device() {
        let login = |email, device: Option<&str>| Login {
            tenant: "default",
            email,
            device: device.map(str::to_string),
        };
        assert_eq!(
            login(" Ada@Example.com", None).key(),
            login("ada@example.com", None).key()
        );
        assert_ne!(
            login("ada@example.com", Some("d1")).key(),
            login("ada@example.com", None).key()
        );
        assert_ne!(
            login("ada@example.com", Some("d1")).key(),
            login("ada@example.com", Some("d2")).key()
        );
    }
}
