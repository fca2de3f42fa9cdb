//! RFC 6749 §4.3, the resource owner password grant: enabled per client, for
//! the legacy APIs whose apps use it (Cobot's and Comm100's;
//! docs/compatibility.md). `username` or `email`, and the tenant from
//! `partnerId`. The password is checked by the sign-in module's password
//! method, behind the same lockout as the login page.

use super::direct::{self, Direct};
use super::issue::TokenResponse;
use super::request::TokenRequest;
use crate::authn::lockout::{self, Attempter};
use crate::authn::password::{self, PasswordCheck};
use crate::client_auth::{authenticate, authenticated, require_grant};
use crate::error::OAuthError;
use crate::grant_type::GrantType;
use crate::params::Params;
use crate::resource;
use crate::scope;
use crate::state::State;
use crate::store::{Attempt, Granted};
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

pub(super) async fn exchange(
    state: &State,
    req: &TokenRequest<'_>,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let params = req.params;
    let who = username(params).and_then(|u| {
        let password = params.require("password")?;
        Ok((u, password, tenant::from_params(params)?))
    });
    let (username, password, tenant) = match who {
        Ok(w) => w,
        // Said only to the client that authenticates (RFC 6749 §5.2).
        Err(e) => {
            authenticated(state, &req.client, now).await?;
            return Err(e);
        }
    };
    let attempt = Attempter {
        tenant: &tenant,
        email: username,
        device: None,
    };
    let (client, read) = tokio::join!(
        crate::client_auth::find(state, &req.client.client_id, now),
        password::read(state, &attempt, now)
    );
    let (user, reserved) = read?;
    let checked = async {
        let client = authenticate(client?.as_ref(), &req.client, now)?.clone();
        require_grant(&client, GrantType::Password)?;
        let scopes = scope::resolve(params.get("scope"), &client.scopes, &client.default_scopes)?;
        let asked = params.get_all("resource");
        let registered = resource::registered_for(state, Some(&client), &asked).await?;
        let audience = resource::audience(state, &client, &scopes, &[], params, &registered)?;
        Ok::<_, OAuthError>((client, scopes, audience))
    }
    .await;
    // A request refused before its password is checked gives its attempt back.
    let (client, scopes, audience) = match checked {
        Ok(v) => v,
        Err(e) => {
            if let Attempt::Reserved(_) = reserved {
                attempt.release(state).await?;
            }
            return Err(e);
        }
    };
    let user = match password::check(&attempt, password, user, reserved).await? {
        PasswordCheck::Ok(u) => u,
        PasswordCheck::Wrong => {
            return Err(OAuthError::invalid_grant("invalid username or password"))
        }
        PasswordCheck::Locked => return Err(OAuthError::invalid_grant(lockout::locked_message())),
    };
    let granted = Granted {
        scope: scopes,
        sub: Some(user.sub),
        username: Some(user.email),
        tenant: Some(user.tenant),
        claims: Some(user.claims),
        resources: resource::asked(params),
        flat_claims: Some(client.legacy_claims),
        ..Granted::default()
    };
    // The person gave the app their password: the app is one they allowed
    // (the account page lists it, and can revoke it).
    let (sub, scope) = (
        granted.sub.clone().unwrap_or_default(),
        granted.scope.clone(),
    );
    let (issued, released, remembered) = tokio::join!(
        direct::start(state, &client, Direct::new(granted, audience, true), now),
        attempt.release(state),
        state
            .store
            .put_consent(&sub, &client.client_id, &scope, now)
    );
    remembered?;
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
