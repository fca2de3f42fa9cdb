//! The Rust `openidconnect` crate as a relying party of the running local
//! stack, used as its documentation shows: discovery, code with PKCE and
//! nonce, ID-token verification against the JWKS (signature, issuer,
//! audience, nonce, at_hash), userinfo. Needs the stack: `infra/test.sh` runs it
//! with `--ignored`.

use oauth_tests::stack::{base, oauthctl, UreqBrowser};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};

#[test]
#[ignore = "needs the running local stack; infra/test.sh runs it"]
fn openidconnect_crate_discovery_code_pkce_id_token_and_userinfo() {
    let n = shared::crypto::random_id();
    let id = format!("oidc-rs-{}", &n[..10]);
    let redirect = "http://127.0.0.1:1/callback";
    let secret = oauthctl(&[
        "client",
        "create",
        "--name",
        "Rust RP",
        "--id",
        &id,
        "--redirect-uri",
        redirect,
    ])["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let email = format!("oidc-rs-{}@example.com", &n[..10]);
    oauthctl(&[
        "user",
        "create",
        "--email",
        &email,
        "--password",
        "rust-oidc-pw",
    ]);

    let http = ureq::AgentBuilder::new().redirects(0).build();
    let provider =
        CoreProviderMetadata::discover(&IssuerUrl::new(base()).unwrap(), &http).expect("discovery");
    let client = CoreClient::from_provider_metadata(
        provider,
        ClientId::new(id),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(redirect.to_string()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    let query = UreqBrowser::new().authorize(url.as_str(), &email, "rust-oidc-pw");
    assert_eq!(query["state"], *csrf.secret());
    assert_eq!(query["iss"], base(), "RFC 9207");

    let token = client
        .exchange_code(AuthorizationCode::new(query["code"].clone()))
        .expect("token endpoint known")
        .set_pkce_verifier(verifier)
        .request(&http)
        .expect("code exchange");
    let id_token = token.id_token().expect("an ID token");
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &nonce)
        .expect("a valid ID token");
    let expected = AccessTokenHash::from_token(
        token.access_token(),
        id_token.signing_alg().expect("alg"),
        id_token.signing_key(&verifier).expect("key"),
    )
    .expect("at_hash");
    assert_eq!(claims.access_token_hash(), Some(&expected));

    let info: CoreUserInfoClaims = client
        .user_info(token.access_token().clone(), Some(claims.subject().clone()))
        .expect("userinfo endpoint known")
        .request(&http)
        .expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some(email.as_str()));
    assert_eq!(info.email_verified(), Some(false));
}
