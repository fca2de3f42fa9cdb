//! Brute-force protection that holds under concurrency and does not lock the
//! real user out (README "Security model"), for every secret a person types.
//!
//! - Every attempt is reserved before the secret is checked (one conditional
//!   update, [`crate::store::throttle`]): at most [`MAX_ATTEMPTS`] attempts
//!   per key in [`WINDOW`] seconds get a check, however many arrive at once. A
//!   success gives its reservation back; a failure keeps it.
//! - The key is the user's, shared by the password grant and every browser
//!   without a device cookie for this user — what an attacker spends. A
//!   browser that signed in as this user before holds a device cookie (OWASP,
//!   "Slow Down Online Guessing Attacks with Device Cookies") and spends its
//!   own allowance instead, so the owner's known browser still gets in while
//!   the shared allowance is exhausted.

use crate::error::OAuthError;
use crate::state::State;
use crate::store::{self, Attempt};

/// Attempts allowed per key in a window before it locks.
pub const MAX_ATTEMPTS: u32 = 5;
/// The window in seconds, from the first attempt.
pub const WINDOW: i64 = 15 * 60;
/// How long a device cookie vouches for a browser (seconds).
pub const DEVICE_COOKIE_TTL: i64 = 365 * 86_400;

/// What a locked account is told, with the window in minutes.
pub fn locked_message() -> String {
    format!(
        "This account is temporarily locked after too many failed sign-in attempts. Try again in {} minutes.",
        WINDOW / 60
    )
}

/// One attempt's identity: the user, and the device cookie's id when the
/// browser holds a valid one for this user.
pub struct Attempter<'a> {
    pub tenant: &'a str,
    pub email: &'a str,
    pub device: Option<String>,
}

impl Attempter<'_> {
    /// The throttle key whose allowance this attempt spends: a digest of the
    /// tenant and the normalised email (length-prefixed, fixed length, no
    /// `#`), then the device's id (22 base64url characters from a cookie we
    /// MACed): no email, however it is spelled, names another user's device
    /// counter.
    pub fn key(&self) -> String {
        let email = store::normalize_email(self.email);
        let user = crate::crypto::sha256_b64(&format!(
            "{}:{}{}:{email}",
            self.tenant.len(),
            self.tenant,
            email.len()
        ));
        match &self.device {
            Some(d) => format!("{user}#device#{d}"),
            None => user,
        }
    }

    /// Reserves this attempt (before the secret is checked).
    pub async fn reserve(&self, state: &State, now: i64) -> Result<Attempt, OAuthError> {
        Ok(state
            .store
            .reserve_attempt(&self.key(), MAX_ATTEMPTS, WINDOW, now)
            .await?)
    }

    /// Gives a successful attempt's reservation back: it was not a failure.
    pub async fn release(&self, state: &State) -> Result<(), OAuthError> {
        Ok(state.store.release_attempt(&self.key()).await?)
    }
}

/// A new device cookie for the user: `{device id}.{MAC}`.
pub async fn device_cookie(state: &State, tenant: &str, email: &str) -> Result<String, OAuthError> {
    let id = crate::crypto::random_b64(16);
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
    Ok(crate::crypto::ct_eq(mac, &expected).then(|| id.to_string()))
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
        let login = |email, device: Option<&str>| Attempter {
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

    #[test]
    fn no_email_names_another_users_device_counter() {
        let device = Attempter {
            tenant: "default",
            email: "ada@example.com",
            device: Some("D".repeat(22)),
        };
        let forged = Attempter {
            tenant: "default",
            email: &format!("ada@example.com#device#{}", "D".repeat(22)),
            device: None,
        };
        assert_ne!(device.key(), forged.key());
        let other_tenant = Attempter {
            tenant: "default#ada@example.com",
            email: "x",
            device: None,
        };
        assert!(!other_tenant.key().contains("ada"));
    }

    #[test]
    fn the_locked_message_names_the_window() {
        assert!(locked_message().contains("15 minutes"));
    }
}
