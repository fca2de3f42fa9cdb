//! The private keys (the `signing` feature: the token function and oauthctl).
//!
//! - Created by aws-lc-rs (RSA-2048, RS256), encrypted at once by KMS under the
//!   deployment's key and written as ciphertext (`keyset#secret`): a private key
//!   is never in clear at rest or in a log.
//! - Decrypted by one KMS `Decrypt` per key per execution environment, the
//!   first time it signs, then kept in memory: no KMS call per token.
//! - Created lazily: the first signature of a fresh deployment makes the first
//!   key, and the first signature after the current key is due starts the
//!   rotation, by a write conditioned on the keyset's version so that of
//!   concurrent cold starts exactly one key is added.

use super::kms::{KeyError, Kms};
use super::lifecycle::{self, Due, Policy};
use super::Keys;
use crate::jose::{self, Header};
use crate::store::{KeySecret, KeySetItem, SigningKey, Store};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair, RsaKeyPair, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The encryption context's purpose for signing keys.
const PURPOSE: &str = "oauth-signing-key";

/// Creates, rotates and uses the private keys.
#[derive(Debug)]
pub struct Signer {
    kms: Kms,
    policy: Policy,
    /// Decrypted private keys by `kid`: one KMS call per key per environment.
    private: Mutex<HashMap<String, Arc<RsaKeyPair>>>,
    /// KMS `Decrypt` calls made by this environment (the benchmark reports it).
    decrypts: std::sync::atomic::AtomicUsize,
}

impl Signer {
    pub fn new(kms: Kms, policy: Policy) -> Self {
        Self {
            kms,
            policy,
            private: Mutex::default(),
            decrypts: Default::default(),
        }
    }

    /// KMS `Decrypt` calls made so far by this environment.
    pub fn decrypts(&self) -> usize {
        self.decrypts.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Generates a key pair and encrypts its private half under the KMS key.
    async fn generate(&self) -> Result<(SigningKey, KeySecret), KeyError> {
        let pair =
            RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Key("generate".into()))?;
        let pkcs8 = pair.as_der().map_err(|_| KeyError::Key("encode".into()))?;
        let public = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        let kid = crate::crypto::random_b64(12);
        let (ciphertext, kms_key) = self.kms.encrypt(pkcs8.as_ref(), PURPOSE, &kid).await?;
        let key = SigningKey {
            kid: kid.clone(),
            alg: jose::RS256.into(),
            created_at: 0,
            sign_from: 0,
            sign_until: None,
            retire_at: None,
            n: URL_SAFE_NO_PAD.encode(&public.n),
            e: URL_SAFE_NO_PAD.encode(&public.e),
        };
        let secret = KeySecret {
            kid,
            kms_key,
            ciphertext: STANDARD.encode(ciphertext),
        };
        Ok((key, secret))
    }

    /// Adds a new key to `set` (read at its version): signing at once when
    /// `immediate`, else after the publication window. `Ok(false)`: another
    /// writer changed the keyset first (the caller re-reads it).
    pub async fn add_key(
        &self,
        store: &Store,
        set: Option<&KeySetItem>,
        now: i64,
        immediate: bool,
    ) -> Result<bool, KeyError> {
        let (key, secret) = self.generate().await?;
        let next = lifecycle::add(set, key, now, self.policy, immediate);
        let mut secrets = store.get_key_secrets().await?.unwrap_or_default();
        secrets.pk = crate::store::keyset::secrets_pk();
        secrets
            .secrets
            .retain(|s| next.keys.iter().any(|k| k.kid == s.kid));
        secrets.secrets.push(secret);
        Ok(store.put_keyset(&next, &secrets, set.map(|s| s.v)).await?)
    }

    /// The key that signs now, creating the first one or starting a rotation
    /// when due (a deployment's preparation calls this before any token, so
    /// that the JWKS a relying party fetches at start-up has the key).
    pub async fn signing_key(
        &self,
        keys: &Keys,
        store: &Store,
        now: i64,
    ) -> Result<SigningKey, KeyError> {
        for _ in 0..3 {
            let set = keys.keyset(store, super::CACHE_TTL, now).await?;
            match lifecycle::due(set.as_ref(), now, self.policy) {
                Due::Nothing => {}
                due => {
                    let written = self
                        .add_key(store, set.as_ref(), now, due == Due::FirstKey)
                        .await?;
                    if written {
                        tracing::info!(first = (due == Due::FirstKey), "signing key created");
                    }
                    // Written by us or by another environment: read it back.
                    keys.forget();
                    continue;
                }
            }
            if let Some(k) = set.as_ref().and_then(|s| lifecycle::current(s, now)) {
                return Ok(k.clone());
            }
            keys.forget();
        }
        Err(KeyError::Key("no signing key after creating one".into()))
    }

    /// The private key `kid`, decrypted once per environment.
    async fn private_key(&self, store: &Store, kid: &str) -> Result<Arc<RsaKeyPair>, KeyError> {
        if let Some(k) = self.private.lock().expect("keys lock").get(kid) {
            return Ok(k.clone());
        }
        let secrets = store.get_key_secrets().await?.unwrap_or_default();
        let secret = secrets
            .secrets
            .iter()
            .find(|s| s.kid == kid)
            .ok_or_else(|| KeyError::Key(format!("no private half for {kid}")))?;
        let blob = STANDARD
            .decode(&secret.ciphertext)
            .map_err(|_| KeyError::Key("ciphertext is not base64".into()))?;
        let plain = self
            .kms
            .decrypt(&blob, &secret.kms_key, PURPOSE, kid)
            .await?;
        self.decrypts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let pair = Arc::new(
            RsaKeyPair::from_pkcs8(plain.as_ref()).map_err(|e| KeyError::Key(e.to_string()))?,
        );
        self.private
            .lock()
            .expect("keys lock")
            .insert(kid.to_string(), pair.clone());
        Ok(pair)
    }

    /// A compact JWS of `claims` with header `typ`, signed by the current key.
    pub async fn sign(
        &self,
        keys: &Keys,
        store: &Store,
        typ: &str,
        claims: &Value,
        now: i64,
    ) -> Result<String, KeyError> {
        let key = self.signing_key(keys, store, now).await?;
        let pair = self.private_key(store, &key.kid).await?;
        let header = Header {
            alg: jose::RS256.into(),
            kid: Some(key.kid),
            typ: Some(typ.into()),
        };
        let input = jose::signing_input(&header, claims);
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            input.as_bytes(),
            &mut signature,
        )
        .map_err(|_| KeyError::Key("sign".into()))?;
        Ok(jose::compact(&input, &signature))
    }
}
