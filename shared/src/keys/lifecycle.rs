//! A signing key's life, by its dates alone: **next** (published, not yet
//! signing) → **current** (signing) → **previous** (published, no longer
//! signing, until everything it signed has expired) → **retired** (gone from
//! the JWKS; its tokens fail). Nothing flips a state: each reader derives it
//! from the dates and the time, so every execution environment agrees without
//! a write, and tests move the clock across each boundary.
//!
//! A new key is published `window` seconds before it signs, longer than any
//! JWKS cache (API Gateway's JWT authorizer caches for up to two hours), and a
//! rotation starts by itself once the current key has signed for `rotation`
//! seconds minus that window.

use crate::store::{KeySetItem, SigningKey};

/// The deployment's rotation settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// How long a key signs before the next one takes over (seconds).
    pub rotation: i64,
    /// How long a new key is published before it signs (seconds).
    pub window: i64,
    /// The longest lifetime of anything signed (seconds): a key stays published
    /// that long after it stops signing.
    pub signed_ttl: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    Next,
    Current,
    Previous,
    Retired,
}

pub fn state(k: &SigningKey, now: i64) -> KeyState {
    if now < k.sign_from {
        KeyState::Next
    } else if k.sign_until.is_none_or(|until| now < until) {
        KeyState::Current
    } else if k.retire_at.is_none_or(|at| now < at) {
        KeyState::Previous
    } else {
        KeyState::Retired
    }
}

/// The key that signs now.
pub fn current(set: &KeySetItem, now: i64) -> Option<&SigningKey> {
    set.keys
        .iter()
        .filter(|k| state(k, now) == KeyState::Current)
        .max_by_key(|k| k.sign_from)
}

/// The keys in the JWKS now: all but the retired.
pub fn published(set: &KeySetItem, now: i64) -> impl Iterator<Item = &SigningKey> {
    set.keys
        .iter()
        .filter(move |k| state(k, now) != KeyState::Retired)
}

/// What the keyset needs now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    Nothing,
    /// No key signs (a fresh deployment, or all retired): one that signs at once.
    FirstKey,
    /// The current key is due for rotation and no next key waits: publish one.
    NextKey,
}

pub fn due(set: Option<&KeySetItem>, now: i64, policy: Policy) -> Due {
    let Some(set) = set else {
        return Due::FirstKey;
    };
    let waiting = set.keys.iter().any(|k| state(k, now) == KeyState::Next);
    match current(set, now) {
        None if waiting => Due::Nothing,
        None => Due::FirstKey,
        Some(_) if waiting => Due::Nothing,
        Some(k) if now >= k.sign_from + policy.rotation - policy.window => Due::NextKey,
        Some(_) => Due::Nothing,
    }
}

/// The keyset with `key` added: signing at once (`immediate`: the first key, or
/// the replacement of a key retired in an emergency), or as the next key after
/// the publication window, the current key then stepping down and staying
/// published while what it signed can still be valid. Retired keys are dropped.
pub fn add(
    set: Option<&KeySetItem>,
    mut key: SigningKey,
    now: i64,
    policy: Policy,
    immediate: bool,
) -> KeySetItem {
    let mut next = set.cloned().unwrap_or_default();
    next.pk = crate::store::keyset::keyset_pk();
    key.created_at = now;
    key.sign_from = if immediate { now } else { now + policy.window };
    let hand_over = key.sign_from;
    for k in next.keys.iter_mut() {
        if matches!(state(k, now), KeyState::Current | KeyState::Next) && k.sign_until.is_none() {
            k.sign_until = Some(hand_over.max(k.sign_from));
            k.retire_at = Some(hand_over.max(k.sign_from) + policy.signed_ttl);
        }
    }
    next.keys.retain(|k| state(k, now) != KeyState::Retired);
    next.keys.push(key);
    next.v += 1;
    next
}

/// The keyset with `kid` retired at once (a compromised key): out of the JWKS
/// now, so everything it signed fails. `None` if there is no such key.
pub fn retire(set: &KeySetItem, kid: &str, now: i64) -> Option<KeySetItem> {
    let mut next = set.clone();
    let k = next.keys.iter_mut().find(|k| k.kid == kid)?;
    k.sign_until = Some(k.sign_until.map_or(now, |u| u.min(now)));
    k.retire_at = Some(now);
    next.keys.retain(|k| state(k, now) != KeyState::Retired);
    next.v += 1;
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const POLICY: Policy = Policy {
        rotation: 90 * DAY,
        window: 3 * 3600,
        signed_ttl: DAY,
    };
    const T0: i64 = 1_800_000_000;

    fn key(kid: &str) -> SigningKey {
        SigningKey {
            kid: kid.into(),
            alg: "RS256".into(),
            created_at: 0,
            sign_from: 0,
            sign_until: None,
            retire_at: None,
            n: "n".into(),
            e: "AQAB".into(),
        }
    }

    fn kids<'a>(it: impl Iterator<Item = &'a SigningKey>) -> Vec<&'a str> {
        it.map(|k| k.kid.as_str()).collect()
    }

    #[test]
    fn a_fresh_deployment_gets_a_first_key_that_signs_at_once() {
        assert_eq!(due(None, T0, POLICY), Due::FirstKey);
        let set = add(None, key("a"), T0, POLICY, true);
        assert_eq!(current(&set, T0).unwrap().kid, "a");
        assert_eq!(due(Some(&set), T0, POLICY), Due::Nothing);
        assert_eq!(set.v, 1);
    }

    #[test]
    fn rotation_publishes_the_next_key_a_window_before_it_signs() {
        let set = add(None, key("a"), T0, POLICY, true);
        let start = T0 + POLICY.rotation - POLICY.window;
        assert_eq!(due(Some(&set), start - 1, POLICY), Due::Nothing);
        assert_eq!(due(Some(&set), start, POLICY), Due::NextKey);
        let set = add(Some(&set), key("b"), start, POLICY, false);
        let handover = start + POLICY.window;
        // Published at once, signing only after the window.
        assert_eq!(kids(published(&set, start)), ["a", "b"]);
        assert_eq!(state(&set.keys[1], start), KeyState::Next);
        assert_eq!(current(&set, handover - 1).unwrap().kid, "a");
        assert_eq!(current(&set, handover).unwrap().kid, "b");
        assert_eq!(
            due(Some(&set), start + 1, POLICY),
            Due::Nothing,
            "one rotation at a time"
        );
        // The previous key stays published while what it signed can be valid.
        assert_eq!(state(&set.keys[0], handover), KeyState::Previous);
        assert_eq!(
            kids(published(&set, handover + POLICY.signed_ttl - 1)),
            ["a", "b"]
        );
        assert_eq!(kids(published(&set, handover + POLICY.signed_ttl)), ["b"]);
    }

    #[test]
    fn a_retired_key_is_dropped_at_the_next_rotation() {
        let mut set = add(None, key("a"), T0, POLICY, true);
        let mut now = T0;
        for kid in ["b", "c"] {
            now += POLICY.rotation;
            set = add(Some(&set), key(kid), now, POLICY, false);
        }
        assert_eq!(kids(set.keys.iter()), ["b", "c"], "a retired long ago");
    }

    #[test]
    fn an_emergency_retirement_takes_the_key_out_of_the_jwks_at_once() {
        let set = add(None, key("a"), T0, POLICY, true);
        let set = retire(&set, "a", T0 + 10).unwrap();
        assert_eq!(kids(published(&set, T0 + 10)), Vec::<&str>::new());
        assert_eq!(due(Some(&set), T0 + 10, POLICY), Due::FirstKey);
        let set = add(Some(&set), key("b"), T0 + 10, POLICY, true);
        assert_eq!(current(&set, T0 + 10).unwrap().kid, "b");
        assert!(retire(&set, "nope", T0).is_none());
    }
}
