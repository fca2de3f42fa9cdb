//! The authorize endpoint's pages: error pages that never redirect, errors that
//! redirect, CSRF on every form, and what the pages send (CORS or not).

use oauth_tests::*;

#[tokio::test]
async fn unregistered_redirect_uri_or_unknown_client_shows_an_error_page_and_never_redirects() {
    let env = env().await;
    let (client, _) = env.client(|_| {}).await;
    for url in [
        format!("/oauth/authorize?response_type=code&client_id={}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb", client.client_id),
        format!("/oauth/authorize?response_type=code&client_id={}&redirect_uri=https%3A%2F%2Fclient.example%2Fcb%2F", client.client_id),
        "/oauth/authorize?response_type=code&client_id=nope&redirect_uri=https%3A%2F%2Fclient.example%2Fcb".to_string(),
        "/oauth/authorize?response_type=code".to_string(),
    ] {
        let resp = env.authorize(get(&url, &[])).await;
        assert_eq!(resp.status(), 400, "{url}");
        assert!(header_str(&resp, "location").is_none(), "{url}");
        assert!(header_str(&resp, "content-type").unwrap().starts_with("text/html"));
    }
}

#[tokio::test]
async fn bad_response_type_redirects_with_an_error() {
    let env = env().await;
    let (client, _) = env.client(|_| {}).await;
    let resp = env
        .authorize(get(
            &format!(
                "/oauth/authorize?response_type=token&client_id={}&redirect_uri={}&state=abc",
                client.client_id,
                urlenc(REDIRECT)
            ),
            &[],
        ))
        .await;
    assert_eq!(resp.status(), 302);
    let q = location_params(&resp);
    assert_eq!(q["error"], "unsupported_response_type");
    assert_eq!(q["state"], "abc");
    assert!(q.contains_key("error_description"));

    let resp = env
        .authorize(get(
            &format!(
                "/oauth/authorize?client_id={}&redirect_uri={}&state=abc",
                client.client_id,
                urlenc(REDIRECT)
            ),
            &[],
        ))
        .await;
    assert_eq!(location_params(&resp)["error"], "invalid_request");

    let resp = env
        .authorize(get(
            &authorize_url(&client.client_id, &[("scope", "admin")]),
            &[],
        ))
        .await;
    assert_eq!(location_params(&resp)["error"], "invalid_scope");
}

#[tokio::test]
async fn response_type_is_matched_case_insensitively() {
    let env = env().await;
    let (client, _) = env.client(|_| {}).await;
    let url = format!(
        "/oauth/authorize?response_type=CODE&client_id={}&redirect_uri={}",
        client.client_id,
        urlenc(REDIRECT)
    );
    let resp = env.authorize(get(&url, &[])).await;
    assert_eq!(resp.status(), 200);
    assert!(body_text(&resp).contains("name=\"password\""));
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_rejected() {
    let env = env().await;
    let (client, _) = env.client(|_| {}).await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let url = authorize_url(&client.client_id, &[("state", "s")]);
    let mut browser = Browser::default();
    let login = browser.get(&env, &url).await;
    // Login without the token: refused, no session cookie.
    let fields: Vec<(String, String)> = hidden_fields(&body_text(&login))
        .into_iter()
        .filter(|(k, _)| k != "csrf" && k != "action")
        .collect();
    let mut pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.extend([
        ("action", "login"),
        ("email", EMAIL),
        ("password", PASSWORD),
    ]);
    let resp = browser.post(&env, "/oauth/authorize", &pairs).await;
    assert_eq!(resp.status(), 403);
    assert!(header_str(&resp, "set-cookie")
        .map(|c| !c.starts_with("oauth_session="))
        .unwrap_or(true));

    // Signed in properly, then Allow without the token: refused, no code.
    let login = browser.get(&env, &url).await;
    let consent = browser
        .sign_in(&env, "/oauth/authorize", &login, EMAIL, PASSWORD)
        .await;
    let fields: Vec<(String, String)> = hidden_fields(&body_text(&consent))
        .into_iter()
        .filter(|(k, _)| k != "csrf")
        .collect();
    let mut pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.push(("action", "allow"));
    let resp = browser.post(&env, "/oauth/authorize", &pairs).await;
    assert_eq!(resp.status(), 403);
    assert!(header_str(&resp, "location").is_none());
    // And with a wrong token.
    pairs.push(("csrf", "forged"));
    let resp = browser.post(&env, "/oauth/authorize", &pairs).await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn token_and_userinfo_answer_cors_preflights_and_authorize_does_not_send_cors() {
    let env = env().await;
    let pre = |uri: &str| {
        lambda_http::http::Request::builder()
            .method("OPTIONS")
            .uri(uri)
            .body(lambda_http::Body::Empty)
            .unwrap()
    };
    let t = env.token(pre("/oauth/token")).await;
    assert_eq!(t.status(), 204);
    assert_eq!(header_str(&t, "access-control-allow-origin"), Some("*"));
    assert!(header_str(&t, "access-control-allow-headers")
        .unwrap()
        .contains("authorization"));
    let u = env.userinfo(pre("/oauth/userinfo")).await;
    assert_eq!(u.status(), 204);
    let page = env.authorize(get(&authorize_url("nope", &[]), &[])).await;
    assert!(header_str(&page, "access-control-allow-origin").is_none());
}
