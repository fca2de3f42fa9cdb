//! The key that binds cookies to what they vouch for (HMAC-SHA256, RFC 2104):
//! the login form's CSRF token to its pre-login cookie, and a device cookie to
//! its user. 256 random bits, stored only as KMS ciphertext (`cookie-key`),
//! created by the first environment that needs it (a write that only succeeds
//! once) and decrypted once per execution environment.

use super::kms::{KeyError, Kms};
use crate::store::{CookieKeyItem, Store};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::hmac;

const PURPOSE: &str = "oauth-cookie-key";
const ID: &str = "cookie-key";

/// Reads (or creates) the key and decrypts it.
pub(super) async fn load(store: &Store, kms: &Kms) -> Result<hmac::Key, KeyError> {
    for _ in 0..2 {
        if let Some(item) = store.get_cookie_key().await? {
            let ciphertext = STANDARD
                .decode(&item.ciphertext)
                .map_err(|_| KeyError::Key("cookie key is not base64".into()))?;
            let plain = kms.decrypt(&ciphertext, &item.kms_key, PURPOSE, ID).await?;
            return Ok(hmac::Key::new(hmac::HMAC_SHA256, &plain));
        }
        let plain = zeroize::Zeroizing::new(crate::crypto::random_bytes::<32>());
        let (ciphertext, kms_key) = kms.encrypt(plain.as_slice(), PURPOSE, ID).await?;
        let item = CookieKeyItem {
            pk: crate::store::pk::COOKIE_KEY.into(),
            kms_key,
            ciphertext: STANDARD.encode(ciphertext),
        };
        match store.put_cookie_key(&item).await {
            Ok(()) => return Ok(hmac::Key::new(hmac::HMAC_SHA256, plain.as_slice())),
            // Another environment made it first: use theirs.
            Err(crate::StoreError::AlreadyExists) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(KeyError::Key("no cookie key after creating one".into()))
}

/// HMAC-SHA256 of the parts (length-prefixed, so no two tuples collide), base64url.
pub fn mac(key: &hmac::Key, purpose: &str, parts: &[&str]) -> String {
    let mut ctx = hmac::Context::with_key(key);
    for p in std::iter::once(purpose).chain(parts.iter().copied()) {
        ctx.update(&(p.len() as u64).to_be_bytes());
        ctx.update(p.as_bytes());
    }
    URL_SAFE_NO_PAD.encode(ctx.sign().as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_differ_by_purpose_and_by_how_parts_split() {
        let k = hmac::Key::new(hmac::HMAC_SHA256, &[7; 32]);
        assert_ne!(mac(&k, "a", &["x"]), mac(&k, "b", &["x"]));
        assert_ne!(mac(&k, "a", &["ab", "c"]), mac(&k, "a", &["a", "bc"]));
        assert_eq!(mac(&k, "a", &["x"]), mac(&k, "a", &["x"]));
        assert_eq!(mac(&k, "a", &["x"]).len(), 43);
    }
}
