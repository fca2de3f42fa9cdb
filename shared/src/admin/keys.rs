//! Operating the signing keys (`oauthctl keys`): list them with their states,
//! start a rotation now, or retire a compromised key at once.

use super::AdminError;
use crate::keys::lifecycle::{self, KeyState};
use crate::state::State;
use serde_json::{json, Value};

/// Every key with its state now and its dates.
pub async fn list(state: &State, now: i64) -> Result<Value, AdminError> {
    let set = state.store.get_keyset().await?.unwrap_or_default();
    let keys: Vec<Value> = set
        .keys
        .iter()
        .map(|k| {
            let st = match lifecycle::state(k, now) {
                KeyState::Next => "next",
                KeyState::Current => "current",
                KeyState::Previous => "previous",
                KeyState::Retired => "retired",
            };
            json!({
                "kid": k.kid, "alg": k.alg, "state": st, "created": k.created_at,
                "not_before": k.sign_from, "not_after": k.sign_until, "retire_at": k.retire_at,
            })
        })
        .collect();
    Ok(json!(keys))
}

/// Prepares a deployment's keys: the first signing key exists, published and
/// signing, before any token is asked for (`oauthctl table create`, and in
/// AWS the template's custom resource). Idempotent: the key there is kept.
pub async fn prepare(state: &State, now: i64) -> Result<Value, AdminError> {
    let key = signer(state)?
        .signing_key(&state.keys, &state.store, now)
        .await
        .map_err(|e| super::invalid(format!("signing key: {e:?}")))?;
    Ok(json!({ "kid": key.kid }))
}

fn signer(state: &State) -> Result<&crate::keys::signer::Signer, AdminError> {
    state.keys.signer.as_ref().ok_or_else(|| {
        super::invalid("KMS_KEY_ID is not set: the KMS key that encrypts signing keys")
    })
}

/// Starts a rotation now: a new key is published, and signs after the
/// publication window. Refused while a next key already waits.
pub async fn rotate(state: &State, now: i64) -> Result<Value, AdminError> {
    let set = state.store.get_keyset().await?;
    if let Some(s) = &set {
        if s.keys
            .iter()
            .any(|k| lifecycle::state(k, now) == KeyState::Next)
        {
            return Err(super::invalid(
                "a next key is already published and waits to sign",
            ));
        }
    }
    let immediate = set
        .as_ref()
        .and_then(|s| lifecycle::current(s, now))
        .is_none();
    let written = signer(state)?
        .add_key(&state.store, set.as_ref(), now, immediate)
        .await
        .map_err(|e| AdminError::Invalid(format!("{e:?}")))?;
    if !written {
        return Err(super::invalid("the keyset changed meanwhile; run it again"));
    }
    list(state, now).await
}

/// Emergency: takes `kid` out of the JWKS now, so every token it signed fails,
/// and when it was signing, a new key signs at once (API Gateway may refuse
/// the new key's tokens until its JWKS cache expires, up to two hours).
pub async fn retire(state: &State, kid: &str, now: i64) -> Result<Value, AdminError> {
    let set = state
        .store
        .get_keyset()
        .await?
        .ok_or_else(|| super::invalid("there are no keys"))?;
    let was_current = lifecycle::current(&set, now).is_some_and(|k| k.kid == kid);
    let next = lifecycle::retire(&set, kid, now).ok_or_else(|| super::invalid("no such key"))?;
    let mut secrets = state.store.get_key_secrets().await?.unwrap_or_default();
    secrets
        .secrets
        .retain(|s| next.keys.iter().any(|k| k.kid == s.kid));
    if !state.store.put_keyset(&next, &secrets, Some(set.v)).await? {
        return Err(super::invalid("the keyset changed meanwhile; run it again"));
    }
    if was_current && lifecycle::current(&next, now).is_none() {
        signer(state)?
            .add_key(&state.store, Some(&next), now, true)
            .await
            .map_err(|e| AdminError::Invalid(format!("{e:?}")))?;
    }
    list(state, now).await
}
