//! The JWTs this server issued, read back: ID tokens presented as hints
//! (`id_token_hint` at the authorization and logout endpoints) and JWT access
//! tokens (RFC 9068) at userinfo, introspection and revocation. Signature and
//! `kid` checks are [`crate::jose`]'s; the claims are checked here.

use crate::error::OAuthError;
use crate::jose::{self, aud_contains, int_claim, str_claim};
use crate::state::State;

/// `typ` of the ID tokens we sign.
pub const ID_TOKEN_TYP: &str = "JWT";
/// `typ` of the access tokens we sign (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// What an ID token presented as a hint tells.
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    pub sub: String,
    /// The client it was issued to (`aud`, `azp`).
    pub client_id: String,
    pub sid: Option<String>,
}

/// The claims of a JWT of type `typ` we issued: signed by a key we publish
/// (or published: expiry is the caller's to judge), with our issuer.
async fn ours(
    state: &State,
    token: &str,
    typ: &str,
    now: i64,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, OAuthError> {
    let verified = state
        .keys
        .verify(&state.store, token, &[Some(typ)], now)
        .await?;
    let Ok(v) = verified else { return Ok(None) };
    let issuer = state.config.issuer.as_str();
    Ok((str_claim(&v.claims, "iss") == Some(issuer)).then_some(v.claims))
}

/// An ID token we issued, expired or not (OpenID Connect Core §3.1.2.2 and
/// RP-Initiated Logout §2: an expired hint is still a hint). `None`: not ours,
/// tampered with, or signed by a retired key.
pub async fn id_token_hint(
    state: &State,
    token: &str,
    now: i64,
) -> Result<Option<Hint>, OAuthError> {
    let Some(claims) = ours(state, token, ID_TOKEN_TYP, now).await? else {
        return Ok(None);
    };
    let (Some(sub), Some(client_id)) = (str_claim(&claims, "sub"), str_claim(&claims, "azp"))
    else {
        return Ok(None);
    };
    if !aud_contains(&claims, client_id) {
        return Ok(None);
    }
    Ok(Some(Hint {
        sub: sub.to_string(),
        client_id: client_id.to_string(),
        sid: str_claim(&claims, "sid").map(str::to_string),
    }))
}

/// The `jti` of a live JWT access token we issued: signed by a published key,
/// our issuer, not expired. Whether it is revoked is the grant's to say.
pub async fn access_token_jti(
    state: &State,
    token: &str,
    now: i64,
) -> Result<Option<String>, OAuthError> {
    let Some(claims) = ours(state, token, ACCESS_TOKEN_TYP, now).await? else {
        return Ok(None);
    };
    let live = int_claim(&claims, "exp").is_some_and(|exp| exp > now);
    Ok(str_claim(&claims, "jti")
        .filter(|_| live)
        .map(str::to_string))
}

/// Whether a value looks like a JWT at all (three parts), before any work.
pub fn looks_like_jwt(value: &str) -> bool {
    value.len() <= jose::MAX_JWT_LEN && value.split('.').count() == 3
}
