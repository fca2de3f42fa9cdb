//! RFC 6749 §4.3, the resource owner password grant: legacy, enabled per client
//! (Cobot's and Comm100's apps use it; docs/compatibility.md). `username` or
//! `email`, and the tenant from `partnerId`.

use super::issue::TokenResponse;
use super::{new_grant, require_grant, GrantType, TokenRequest};
use crate::client_auth::authenticate;
use crate::error::OAuthError;
use crate::login::{self, Login, PasswordCheck, LOCKED_MESSAGE};
use crate::params::Params;
use crate::scope;
use crate::state::State;
use crate::store::Attempt;
use crate::store::Grant;
use crate::tenant;

/// The resource owner's name: `username` (RFC 6749) or `email` (Comm100), not both.
fn username(params: &Params) -> Result<&str, OAuthError> {
    match (params.get("username"), params.get("email")) {
        (Some(u), Some(e)) if u != e => Err(OAuthError::invalid_request(
            "send username or email, not both",
        )),
        (Some(u), _) | (None, Some(u)) => Ok(u),
        (None, None) => Err(OAuthError::invalid_request(
            "missing parameter 'username' (or 'email')",
        )),
    }
}

pub(super) async fn grant(
    state: &State,
    req: &TokenRequest<'_>,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let params = req.params;
    let username = username(params)?;
    let password = params.require("password")?;
    let tenant = tenant::from_params(params)?;
    let attempt = Login {
        tenant: &tenant,
        email: username,
        device: None,
    };
    let (client, read) = tokio::join!(
        state.store.get_client(&req.client.client_id),
        login::read(state, &attempt, now)
    );
    let (user, reserved) = read?;
    let checked = async {
        let client = authenticate(client?.as_ref(), &req.client)?.clone();
        require_grant(&client, GrantType::Password)?;
        let scopes = scope::resolve(params.get("scope"), &client.scopes, &client.default_scopes)?;
        let audience = super::issue::audience(state, &client, &[], params)?;
        Ok::<_, OAuthError>((client, scopes, audience))
    }
    .await;
    // A request refused before its password is checked gives its attempt back.
    let (client, scopes, audience) = match checked {
        Ok(v) => v,
        Err(e) => {
            if let Attempt::Reserved(_) = reserved {
                state.store.release_attempt(&attempt.key()).await?;
            }
            return Err(e);
        }
    };
    let resources = params
        .get_all("resource")
        .into_iter()
        .map(str::to_string)
        .collect();
    let user = match login::check(&attempt, password, user, reserved).await? {
        PasswordCheck::Ok(u) => u,
        PasswordCheck::Wrong => {
            return Err(OAuthError::invalid_grant("invalid username or password"))
        }
        PasswordCheck::Locked => return Err(OAuthError::invalid_grant(LOCKED_MESSAGE)),
    };
    let grant = Grant {
        scope: scopes,
        sub: Some(user.sub),
        username: Some(user.email),
        tenant: Some(user.tenant),
        claims: Some(user.claims),
        resources,
        ..Grant::default()
    };
    let (id, scope) = (crate::credential::new_grant_id(), grant.scope.clone());
    let (issued, released) = tokio::join!(
        new_grant(state, &client, &id, grant, &scope, &audience, true, now),
        login::release(state, &attempt)
    );
    released?;
    issued
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_or_email_names_the_user_but_not_two_different_ones() {
        let p = |b: &[u8]| Params::parse("", b).unwrap();
        assert_eq!(username(&p(b"username=a@x.io")).unwrap(), "a@x.io");
        assert_eq!(username(&p(b"email=a@x.io")).unwrap(), "a@x.io");
        assert!(username(&p(b"email=a@x.io&username=a@x.io")).is_ok());
        assert!(username(&p(b"email=a@x.io&username=b@x.io")).is_err());
        assert!(username(&p(b"password=x")).is_err());
    }
}
