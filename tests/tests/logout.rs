//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).

use oauth_tests::*;

const BACK: &str = "https://client.example/bye";

/// A client with a post-logout URI, a signed-in browser, and its ID token.
async fn signed_in(env: &Env) -> (String, Browser, String) {
    let (client, secret) = env
        .client(|c| c.post_logout_redirect_uris = vec![BACK.into()])
        .await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut browser = Browser::default();
    let q = browser
        .authorize_code(
            env,
            &authorize_url(&client.client_id, &[("scope", "openid")]),
            EMAIL,
            PASSWORD,
        )
        .await;
    let (_, t, _) = env
        .redeem(&client.client_id, secret.as_deref().unwrap(), &q["code"])
        .await;
    (
        client.client_id,
        browser,
        t["id_token"].as_str().unwrap().to_string(),
    )
}

fn logout_url(pairs: &[(&str, &str)]) -> String {
    format!("/oauth/logout?{}", form(pairs))
}

/// Whether the browser still has a session (prompt=none gives a code).
async fn still_signed_in(env: &Env, browser: &mut Browser, client_id: &str) -> bool {
    let r = browser
        .get(
            env,
            &authorize_url(client_id, &[("scope", "openid"), ("prompt", "none")]),
        )
        .await;
    location_params(&r).contains_key("code")
}

#[tokio::test]
async fn with_an_id_token_hint_of_the_session_it_signs_out_at_once_and_returns_with_state() {
    let env = env().await;
    let (client_id, mut browser, id_token) = signed_in(&env).await;
    assert!(still_signed_in(&env, &mut browser, &client_id).await);
    let r = browser
        .get(
            &env,
            &logout_url(&[
                ("id_token_hint", &id_token),
                ("post_logout_redirect_uri", BACK),
                ("state", "bye1"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 302);
    assert_eq!(
        header_str(&r, "location"),
        Some("https://client.example/bye?state=bye1")
    );
    assert!(!still_signed_in(&env, &mut browser, &client_id).await);
}

#[tokio::test]
async fn without_a_hint_the_user_confirms_first() {
    let env = env().await;
    let (client_id, mut browser, _) = signed_in(&env).await;
    let page = browser
        .get(
            &env,
            &logout_url(&[
                ("client_id", &client_id),
                ("post_logout_redirect_uri", BACK),
            ]),
        )
        .await;
    assert_eq!(page.status(), 200);
    assert!(body_text(&page).contains("Sign out?"));
    assert!(
        still_signed_in(&env, &mut browser, &client_id).await,
        "nothing ends before the user confirms"
    );
    let csp = header_str(&page, "content-security-policy").unwrap();
    assert!(
        csp.contains("form-action 'self' https://client.example"),
        "{csp}"
    );
    // A forged confirmation (no CSRF token) does nothing.
    let forged = browser
        .post(
            &env,
            "/oauth/logout",
            &[
                ("action", "logout"),
                ("client_id", &client_id),
                ("post_logout_redirect_uri", BACK),
            ],
        )
        .await;
    assert_eq!(forged.status(), 200);
    assert!(still_signed_in(&env, &mut browser, &client_id).await);
    let done = browser
        .submit(&env, "/oauth/logout", &page, &[("action", "logout")])
        .await;
    assert_eq!(header_str(&done, "location"), Some(BACK));
    assert!(!still_signed_in(&env, &mut browser, &client_id).await);
}

#[tokio::test]
async fn nothing_is_an_open_redirect() {
    let env = env().await;
    let (client_id, mut browser, id_token) = signed_in(&env).await;
    for pairs in [
        vec![
            ("id_token_hint", id_token.as_str()),
            ("post_logout_redirect_uri", "https://evil.example/"),
        ],
        vec![("post_logout_redirect_uri", BACK)],
        vec![
            ("client_id", "someone-else"),
            ("id_token_hint", id_token.as_str()),
        ],
        vec![("id_token_hint", "not.a.token")],
        vec![("action", "something")],
    ] {
        let r = browser.get(&env, &logout_url(&pairs)).await;
        assert_eq!(r.status(), 400, "{pairs:?}");
        assert!(header_str(&r, "location").is_none());
    }
    assert!(still_signed_in(&env, &mut browser, &client_id).await);
    // Signed out already: logging out again is fine.
    browser
        .get(&env, &logout_url(&[("id_token_hint", &id_token)]))
        .await;
    let again = browser
        .get(&env, &logout_url(&[("id_token_hint", &id_token)]))
        .await;
    assert_eq!(again.status(), 200);
    assert!(body_text(&again).contains("signed out"));
}
