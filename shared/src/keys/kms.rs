//! The deployment's KMS key, as the functions use it: to encrypt and decrypt
//! key material (envelope encryption), never to sign per request.

use aws_sdk_kms::primitives::Blob;
use std::collections::HashMap;

/// A KMS client and the key (id, ARN or alias) new key material is encrypted under.
#[derive(Debug, Clone)]
pub struct Kms {
    pub client: aws_sdk_kms::Client,
    pub key_id: String,
}

/// Why key material could not be had.
#[derive(Debug)]
pub enum KeyError {
    Store(crate::error::StoreError),
    /// KMS unreachable, throttled or refusing.
    Kms(String),
    /// Key material that does not decode or work (a bug or a tampered table).
    Key(String),
}

impl From<crate::error::StoreError> for KeyError {
    fn from(e: crate::error::StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<KeyError> for crate::OAuthError {
    fn from(e: KeyError) -> Self {
        use crate::OAuthError;
        match e {
            KeyError::Store(e) => e.into(),
            KeyError::Kms(why) => OAuthError::unavailable().with_cause(format!("kms: {why}")),
            KeyError::Key(why) => {
                OAuthError::server_error().with_cause(format!("key material: {why}"))
            }
        }
    }
}

pub(crate) fn kms_error<E: std::error::Error + 'static>(e: E) -> KeyError {
    KeyError::Kms(aws_sdk_kms::error::DisplayErrorContext(e).to_string())
}

/// The encryption context binding a ciphertext to what it is for (KMS checks
/// it on decryption; the template's policy allows only these purposes).
pub(crate) fn context(purpose: &str, id: &str) -> HashMap<String, String> {
    [
        ("purpose".to_string(), purpose.to_string()),
        ("kid".to_string(), id.to_string()),
    ]
    .into()
}

impl Kms {
    /// Encrypts `plain` under the key: (ciphertext, the key's ARN).
    pub async fn encrypt(
        &self,
        plain: &[u8],
        purpose: &str,
        id: &str,
    ) -> Result<(Vec<u8>, String), KeyError> {
        let out = self
            .client
            .encrypt()
            .key_id(&self.key_id)
            .plaintext(Blob::new(plain))
            .set_encryption_context(Some(context(purpose, id)))
            .send()
            .await
            .map_err(kms_error)?;
        let ciphertext = out
            .ciphertext_blob
            .ok_or_else(|| KeyError::Kms("no ciphertext".into()))?;
        Ok((
            ciphertext.into_inner(),
            out.key_id.unwrap_or_else(|| self.key_id.clone()),
        ))
    }

    /// Decrypts what [`Kms::encrypt`] made, under the key it names. The
    /// plaintext is zeroed when dropped.
    pub async fn decrypt(
        &self,
        ciphertext: &[u8],
        kms_key: &str,
        purpose: &str,
        id: &str,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, KeyError> {
        let out = self
            .client
            .decrypt()
            .key_id(kms_key)
            .ciphertext_blob(Blob::new(ciphertext))
            .set_encryption_context(Some(context(purpose, id)))
            .send()
            .await
            .map_err(kms_error)?;
        Ok(zeroize::Zeroizing::new(
            out.plaintext
                .ok_or_else(|| KeyError::Kms("no plaintext".into()))?
                .into_inner(),
        ))
    }
}

/// Creates a KMS key for local use under `alias` unless the alias exists
/// (`oauthctl table create`, the tests): the local stack's stand-in for the
/// template's key. Returns the alias.
pub async fn ensure_local_key(kms: &aws_sdk_kms::Client, alias: &str) -> Result<String, KeyError> {
    if kms.describe_key().key_id(alias).send().await.is_ok() {
        return Ok(alias.to_string());
    }
    let key = kms
        .create_key()
        .description("oauth signing-key encryption (local)")
        .send()
        .await
        .map_err(kms_error)?;
    let id = key.key_metadata.map(|m| m.key_id).unwrap_or_default();
    if let Err(e) = kms
        .create_alias()
        .alias_name(alias)
        .target_key_id(id)
        .send()
        .await
    {
        // Another process made it first.
        if !e
            .as_service_error()
            .is_some_and(|se| se.is_already_exists_exception())
        {
            return Err(kms_error(e));
        }
    }
    Ok(alias.to_string())
}
