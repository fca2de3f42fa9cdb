//! Time, passed in. Every rule that depends on "now" (expiry, lockout windows,
//! grace periods, key rotation) takes it as an argument; a request reads the
//! clock once, so tests can pin or move it and check each boundary exactly.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Seconds since the Unix epoch: the system's, or a test's own.
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that stands still at `t` until moved (tests).
    pub fn fixed(t: i64) -> Self {
        Self(Some(Arc::new(AtomicI64::new(t))))
    }

    pub fn now(&self) -> i64 {
        match &self.0 {
            Some(t) => t.load(Ordering::SeqCst),
            None => unix_now(),
        }
    }

    /// Moves a fixed clock by `secs` (no effect on the system clock).
    pub fn advance(&self, secs: i64) {
        if let Some(t) = &self.0 {
            t.fetch_add(secs, Ordering::SeqCst);
        }
    }
}

/// The system's seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let c = Clock::fixed(1_000);
        assert_eq!(c.now(), 1_000);
        c.advance(299);
        assert_eq!(c.now(), 1_299);
        let shared = c.clone();
        shared.advance(1);
        assert_eq!(c.now(), 1_300, "clones share the time");
    }

    #[test]
    fn the_system_clock_is_the_present() {
        let c = Clock::system();
        c.advance(1_000_000);
        assert!((c.now() - unix_now()).abs() <= 1);
    }
}
