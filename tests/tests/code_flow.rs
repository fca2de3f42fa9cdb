//! The authorization-code flow through the real handlers against moto's DynamoDB.
//! Each test has its own table.

use oauth_tests::*;
use shared::store::{self, CodeItem, Grant, TokenItem};

#[tokio::test]
async fn whole_flow_with_session_consent_pkce_refresh_and_userinfo() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let sub = env
        .user(None, EMAIL, PASSWORD, r#"{"role":"AGENT","siteId":10115}"#)
        .await;
    let (verifier, challenge) = pkce();
    let url = authorize_url(
        &client.client_id,
        &[
            ("scope", "read write"),
            ("state", "xyz"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    );

    let mut browser = Browser::default();
    let login = browser.get(&env, &url).await;
    assert_eq!(login.status(), 200);
    let html = body_text(&login);
    assert!(html.contains("Test App"), "login page names the client");
    assert_eq!(header_str(&login, "x-frame-options"), Some("DENY"));
    let csp = header_str(&login, "content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"));
    assert!(
        !csp.contains("script-src") && !csp.contains("unsafe-inline"),
        "no script may run"
    );
    assert!(!html.contains("<script"));
    assert_eq!(header_str(&login, "referrer-policy"), Some("no-referrer"));
    assert_eq!(header_str(&login, "cache-control"), Some("no-store"));
    let set_cookie: Vec<_> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(set_cookie
        .iter()
        .any(|c| c.contains("HttpOnly") && c.contains("SameSite=Lax")));

    let consent = browser
        .sign_in(&env, "/oauth/authorize", &login, EMAIL, PASSWORD)
        .await;
    assert_eq!(consent.status(), 200);
    let html = body_text(&consent);
    assert!(html.contains("Test App") && html.contains("read") && html.contains("write"));
    assert!(html.contains("value=\"allow\"") && html.contains("value=\"deny\""));

    let back = browser
        .submit(&env, "/oauth/authorize", &consent, &[("action", "allow")])
        .await;
    assert_eq!(back.status(), 302);
    let q = location_params(&back);
    assert_eq!(q.get("state").map(String::as_str), Some("xyz"));
    let code = q.get("code").expect("a code").clone();
    assert_eq!(code.len(), 43, "256 bits, base64url");
    // Stored only hashed, with a TTL of at most 10 minutes.
    let raw = env
        .state
        .store
        .raw_item(&store::code_key(&code))
        .await
        .unwrap()
        .expect("code item");
    let exp: i64 = raw["expires_at"].as_n().unwrap().parse().unwrap();
    assert!(exp - shared::now() <= 600 && exp - shared::now() >= 290);
    assert!(!format!("{raw:?}").contains(&code));

    let (status, json, resp) = env
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", &client.client_id),
            ("client_secret", &secret),
        ])
        .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(header_str(&resp, "cache-control"), Some("no-store"));
    assert_eq!(header_str(&resp, "pragma"), Some("no-cache"));
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["expires_in"], 3600);
    assert_eq!(json["scope"], "read write");
    assert_eq!(json["username"], EMAIL);
    let access = json["access_token"].as_str().unwrap().to_string();
    let refresh = json["refresh_token"].as_str().unwrap().to_string();

    let info = env
        .userinfo(get(
            "/oauth/userinfo",
            &[("authorization", &format!("Bearer {access}"))],
        ))
        .await;
    assert_eq!(info.status(), 200);
    let claims = json_body(&info);
    assert_eq!(claims["sub"], sub);
    assert_eq!(claims["email"], EMAIL);
    assert_eq!(claims["siteId"], 10115);
    assert_eq!(claims["role"], "AGENT");

    // Refresh with a narrower scope, by HTTP Basic this time.
    let basic = basic_auth(&client.client_id, &secret);
    let resp = env
        .token(post_form(
            "/oauth/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh),
                ("scope", "read"),
            ],
            &[("authorization", &basic)],
        ))
        .await;
    let json = json_body(&resp);
    assert_eq!(resp.status(), 200, "{json}");
    assert_eq!(json["scope"], "read");
    assert_ne!(json["refresh_token"].as_str().unwrap(), refresh);
}

async fn signed_in_code(env: &Env, client_id: &str, extra: &[(&str, &str)]) -> String {
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut browser = Browser::default();
    let q = browser
        .authorize_code(env, &authorize_url(client_id, extra), EMAIL, PASSWORD)
        .await;
    q["code"].clone()
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_state() {
    let env = env().await;
    let (client, _) = env.client(|_| {}).await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut browser = Browser::default();
    let url = authorize_url(&client.client_id, &[("state", "s1")]);
    let login = browser.get(&env, &url).await;
    let consent = browser
        .sign_in(&env, "/oauth/authorize", &login, EMAIL, PASSWORD)
        .await;
    let back = browser
        .submit(&env, "/oauth/authorize", &consent, &[("action", "deny")])
        .await;
    assert_eq!(back.status(), 302);
    let q = location_params(&back);
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "s1");
    assert!(!q.contains_key("code"));
}

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

fn urlenc(s: &str) -> String {
    form(&[("x", s)])[2..].to_string()
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
async fn a_second_use_of_a_code_fails_and_revokes_the_tokens_issued_from_it() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let code = signed_in_code(&env, &client.client_id, &[]).await;
    let body = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", client.client_id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let (status, first, _) = env.token_form(&body).await;
    assert_eq!(status, 200);
    let (status, second, _) = env.token_form(&body).await;
    assert_eq!(status, 400);
    assert_eq!(second["error"], "invalid_grant");
    let access = first["access_token"].as_str().unwrap();
    let info = env
        .userinfo(get(
            "/oauth/userinfo",
            &[("authorization", &format!("Bearer {access}"))],
        ))
        .await;
    assert_eq!(
        info.status(),
        401,
        "the first redemption's token is revoked"
    );
    let (status, json, _) = env
        .refresh(
            &client.client_id,
            &secret,
            first["refresh_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn concurrent_redemptions_of_one_code_let_exactly_one_through() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let code = signed_in_code(&env, &client.client_id, &[]).await;
    let body = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", client.client_id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let attempts = (0..20).map(|_| env.token_form(&body));
    let results = futures::future::join_all(attempts).await;
    let ok = results.iter().filter(|(s, _, _)| *s == 200).count();
    let refused = results
        .iter()
        .filter(|(s, j, _)| *s == 400 && j["error"] == "invalid_grant")
        .count();
    println!("20 concurrent redemptions: {ok} succeeded, {refused} invalid_grant");
    assert_eq!(ok, 1);
    assert_eq!(refused, 19);
    // The replays revoked the family: the winner's tokens do not work.
    let winner = results.iter().find(|(s, _, _)| *s == 200).unwrap();
    let at = winner.1["access_token"].as_str().unwrap();
    let info = env
        .userinfo(get(
            "/oauth/userinfo",
            &[("authorization", &format!("Bearer {at}"))],
        ))
        .await;
    assert_eq!(info.status(), 401);
}

#[tokio::test]
async fn an_expired_code_whose_item_still_exists_is_refused() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let code = shared::crypto::random_token();
    env.state
        .store
        .put_code(&CodeItem {
            pk: store::code_key(&code),
            client_id: client.client_id.clone(),
            family: shared::crypto::random_id(),
            grant: Grant {
                scope: vec!["read".into()],
                sub: Some("s".into()),
                ..Grant::default()
            },
            redirect_uri: REDIRECT.into(),
            redirect_uri_given: true,
            code_challenge: None,
            expires_at: shared::now() - 1,
            used_at: None,
        })
        .await
        .unwrap();
    let (status, json, _) = env
        .redeem(&client.client_id, secret.as_deref().unwrap(), &code)
        .await;
    assert_eq!(status, 400);
    assert_eq!(json["error"], "invalid_grant");
}

#[tokio::test]
async fn a_wrong_client_secret_is_invalid_client_by_post_and_by_basic() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let code = signed_in_code(&env, &client.client_id, &[]).await;
    let (status, json, resp) = env.redeem(&client.client_id, "wrong", &code).await;
    assert_eq!(status, 401);
    assert_eq!(json["error"], "invalid_client");
    assert!(header_str(&resp, "www-authenticate").is_some());

    let resp = env
        .token(post_form(
            "/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
            &[("authorization", &basic_auth(&client.client_id, "wrong"))],
        ))
        .await;
    assert_eq!(resp.status(), 401);
    assert_eq!(json_body(&resp)["error"], "invalid_client");
    assert!(header_str(&resp, "www-authenticate")
        .unwrap()
        .starts_with("Basic"));

    // The failed attempts did not burn the code: the real client still redeems it.
    let (status, json, _) = env
        .redeem(&client.client_id, secret.as_deref().unwrap(), &code)
        .await;
    assert_eq!(status, 200, "{json}");
}

#[tokio::test]
async fn a_pkce_mismatch_is_invalid_grant() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let (_, challenge) = pkce();
    let (other_verifier, _) = pkce();
    let code = signed_in_code(
        &env,
        &client.client_id,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let (status, json, _) = env
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &other_verifier),
            ("client_id", &client.client_id),
            ("client_secret", secret.as_deref().unwrap()),
        ])
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn a_redirect_uri_mismatch_at_the_token_endpoint_is_invalid_grant() {
    let env = env().await;
    let (client, secret) = env
        .client(|c| c.redirect_uris.push("https://client.example/other".into()))
        .await;
    let code = signed_in_code(&env, &client.client_id, &[]).await;
    let (status, json, _) = env
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://client.example/other"),
            ("client_id", &client.client_id),
            ("client_secret", secret.as_deref().unwrap()),
        ])
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn refresh_rotates_and_the_old_refresh_token_is_refused() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let code = signed_in_code(&env, &client.client_id, &[]).await;
    let (_, first, _) = env.redeem(&client.client_id, &secret, &code).await;
    let old = first["refresh_token"].as_str().unwrap();
    let refresh = |rt: String| {
        let (id, secret) = (client.client_id.clone(), secret.clone());
        let env = &env;
        async move { env.refresh(&id, &secret, &rt).await }
    };
    let (status, second, _) = refresh(old.to_string()).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(second["access_token"], first["access_token"]);
    let (status, again, _) = refresh(old.to_string()).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // The replay revoked the family, the rotated token included.
    let (status, _, _) = refresh(second["refresh_token"].as_str().unwrap().to_string()).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn userinfo_takes_the_token_by_header_query_or_form_and_refuses_both() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let code = signed_in_code(&env, &client.client_id, &[]).await;
    let (_, tokens, _) = env
        .redeem(&client.client_id, secret.as_deref().unwrap(), &code)
        .await;
    let at = tokens["access_token"].as_str().unwrap();
    let by_header = env
        .userinfo(get(
            "/oauth/userinfo",
            &[("authorization", &format!("Bearer {at}"))],
        ))
        .await;
    let by_query = env
        .userinfo(get(&format!("/oauth/userinfo?access_token={at}"), &[]))
        .await;
    let by_form = env
        .userinfo(post_form("/oauth/userinfo", &[("access_token", at)], &[]))
        .await;
    for r in [&by_header, &by_query, &by_form] {
        assert_eq!(r.status(), 200);
        assert_eq!(json_body(r)["email"], EMAIL);
    }
    let both = env
        .userinfo(get(
            &format!("/oauth/userinfo?access_token={at}"),
            &[("authorization", &format!("Bearer {at}"))],
        ))
        .await;
    assert_eq!(both.status(), 400);
    let unknown = env
        .userinfo(get("/oauth/userinfo", &[("authorization", "Bearer nope")]))
        .await;
    assert_eq!(unknown.status(), 401);
    assert!(header_str(&unknown, "www-authenticate")
        .unwrap()
        .contains("error=\"invalid_token\""));
    let missing = env.userinfo(get("/oauth/userinfo", &[])).await;
    assert_eq!(missing.status(), 401);
    assert!(header_str(&missing, "www-authenticate")
        .unwrap()
        .starts_with("Bearer"));
}

#[tokio::test]
async fn an_expired_access_token_is_refused() {
    let env = env().await;
    let token = shared::crypto::random_token();
    env.state
        .store
        .put_token_item(&TokenItem {
            pk: store::access_key(&token),
            client_id: "c".into(),
            family: shared::crypto::random_id(),
            grant: Grant {
                scope: vec![],
                sub: Some("s".into()),
                ..Grant::default()
            },
            iat: shared::now() - 7200,
            expires_at: Some(shared::now() - 1),
            used_at: None,
        })
        .await
        .unwrap();
    let resp = env
        .userinfo(get(
            "/oauth/userinfo",
            &[("authorization", &format!("Bearer {token}"))],
        ))
        .await;
    assert_eq!(resp.status(), 401);
    assert!(header_str(&resp, "www-authenticate")
        .unwrap()
        .contains("invalid_token"));
}

#[tokio::test]
async fn remembered_consent_skips_the_consent_page_until_new_scopes_are_asked_for() {
    let env = env().await;
    let (client, _) = env.client(|_| {}).await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut browser = Browser::default();
    browser
        .authorize_code(
            &env,
            &authorize_url(&client.client_id, &[("scope", "read")]),
            EMAIL,
            PASSWORD,
        )
        .await;
    // Same scope again: straight back with a code.
    let again = browser
        .get(
            &env,
            &authorize_url(&client.client_id, &[("scope", "read")]),
        )
        .await;
    assert_eq!(again.status(), 302);
    assert!(location_params(&again).contains_key("code"));
    // A new scope: the consent page again.
    let more = browser
        .get(
            &env,
            &authorize_url(&client.client_id, &[("scope", "read write")]),
        )
        .await;
    assert_eq!(more.status(), 200);
    assert!(body_text(&more).contains("value=\"allow\""));
}
