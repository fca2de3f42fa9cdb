//! Checking a user's password, with brute-force protection: used by the login
//! page and the password grant alike, so failures on either count towards one
//! lockout per user.

use crate::crypto;
use crate::error::OAuthError;
use crate::state::State;
use crate::store::{self, User};

/// Failed password checks allowed per user in a window before the account locks.
pub const MAX_PASSWORD_FAILURES: u32 = 5;
/// The lockout window in seconds, from the first failure.
pub const LOCKOUT_WINDOW: i64 = 15 * 60;

/// The message shown while an account is locked.
pub const LOCKED_MESSAGE: &str =
    "the account is temporarily locked after too many failed sign-in attempts; try again in 15 minutes";

/// The throttle key for a user's password failures.
pub fn throttle_key(tenant: &str, email: &str) -> String {
    format!("{tenant}#{}", store::normalize_email(email))
}

/// The result of checking a password with brute-force protection.
pub enum PasswordCheck {
    Ok(User),
    Wrong,
    Locked,
}

/// Whether `failures` in the current window lock the account.
pub fn is_locked(failures: u32) -> bool {
    failures >= MAX_PASSWORD_FAILURES
}

/// Checks a user's password: refuses without checking while the account is
/// locked, records failures, clears them on success. `user` and `failures` are
/// read by the caller in parallel with its other reads. An unknown user costs
/// the same Argon2id verification as a wrong password.
pub async fn check_password(
    state: &State,
    tenant: &str,
    email: &str,
    password: &str,
    user: Option<User>,
    failures: u32,
    now: i64,
) -> Result<PasswordCheck, OAuthError> {
    if is_locked(failures) {
        return Ok(PasswordCheck::Locked);
    }
    let key = throttle_key(tenant, email);
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| crypto::dummy_password_hash().to_string());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || crypto::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    match (ok, user) {
        (true, Some(user)) => {
            if failures > 0 {
                state.store.clear_failures(&key).await?;
            }
            Ok(PasswordCheck::Ok(user))
        }
        _ => {
            let n = state
                .store
                .record_failure(&key, LOCKOUT_WINDOW, now)
                .await?;
            tracing::info!(failures = n, "password check failed");
            Ok(PasswordCheck::Wrong)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_locks() {
        assert!(!is_locked(MAX_PASSWORD_FAILURES - 1));
        assert!(is_locked(MAX_PASSWORD_FAILURES));
    }

    #[test]
    fn one_throttle_key_per_user_whatever_the_email_case() {
        assert_eq!(
            throttle_key("default", " Ada@Example.com"),
            throttle_key("default", "ada@example.com")
        );
        assert_ne!(throttle_key("a", "x@y.z"), throttle_key("b", "x@y.z"));
    }
}
