//! The Rust `oauth2` crate as a client of the running local stack, used as its
//! documentation shows: authorization code with PKCE, refresh, client
//! credentials. Needs the stack: `infra/test.sh` runs it with `--ignored` and
//! `OAUTH_BASE` / `OAUTHCTL` set.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl,
    Scope, TokenResponse, TokenUrl,
};
use oauth_tests::stack::{base, oauthctl, UreqBrowser as User};

#[test]
#[ignore = "needs the running local stack; infra/test.sh runs it"]
fn rust_oauth2_crate_code_with_pkce_refresh_and_client_credentials() {
    let n = shared::crypto::random_id();
    let id = format!("rs-{}", &n[..10]);
    let redirect = "http://127.0.0.1:1/callback";
    let secret = oauthctl(&[
        "client",
        "create",
        "--name",
        "Rust app",
        "--id",
        &id,
        "--redirect-uri",
        redirect,
        "--scope",
        "read write",
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        "--grant",
        "client_credentials",
    ])["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let email = format!("rs-{}@example.com", &n[..10]);
    oauthctl(&["user", "create", "--email", &email, "--password", "rust-pw"]);

    let client = BasicClient::new(ClientId::new(id))
        .set_client_secret(ClientSecret::new(secret))
        .set_auth_uri(AuthUrl::new(format!("{}/oauth/authorize", base())).unwrap())
        .set_token_uri(TokenUrl::new(format!("{}/oauth/token", base())).unwrap())
        .set_redirect_uri(RedirectUrl::new(redirect.to_string()).unwrap());
    let http_client = ureq::AgentBuilder::new().redirects(0).build();

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("read".into()))
        .set_pkce_challenge(challenge)
        .url();
    let query = User::new().authorize(auth_url.as_str(), &email, "rust-pw");
    assert_eq!(query["state"], *csrf.secret());

    let token = client
        .exchange_code(AuthorizationCode::new(query["code"].clone()))
        .set_pkce_verifier(verifier)
        .request(&http_client)
        .expect("code exchange");
    assert_eq!(token.scopes().unwrap()[0].as_str(), "read");
    assert_eq!(token.expires_in().unwrap().as_secs(), 3600);

    let refreshed = client
        .exchange_refresh_token(token.refresh_token().expect("a refresh token"))
        .request(&http_client)
        .expect("refresh");
    assert_ne!(
        refreshed.access_token().secret(),
        token.access_token().secret()
    );

    let cc = client
        .exchange_client_credentials()
        .add_scope(Scope::new("write".into()))
        .request(&http_client)
        .expect("client credentials");
    assert!(cc.refresh_token().is_none());
    assert_eq!(cc.scopes().unwrap()[0].as_str(), "write");
}
