//! The authorization-code flow end to end: pages, consent, PKCE, single use,
//! replay, and the token endpoint's checks of the code.

use oauth_tests::*;
use shared::store::{self, Granted};

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
    let (grant_id, secret_part) = code.split_once('.').expect("{grant id}.{secret}");
    assert_eq!(secret_part.len(), 43, "256 bits, base64url");
    // Stored only hashed, with a TTL of at most 10 minutes.
    let raw = env
        .state
        .store
        .raw_item(&store::grant_key(grant_id))
        .await
        .unwrap()
        .expect("grant item");
    let exp: i64 = raw["expires_at"].as_n().unwrap().parse().unwrap();
    assert!(exp - env.now() <= 600 && exp - env.now() >= 290);
    assert!(!format!("{raw:?}").contains(secret_part));

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
    assert!(
        json.get("username").is_none(),
        "the email only for legacy clients or the email scope"
    );
    let access = json["access_token"].as_str().unwrap().to_string();
    let refresh = json["refresh_token"].as_str().unwrap().to_string();

    let info = env
        .userinfo(get(
            "/oauth/userinfo",
            &[("authorization", &format!("Bearer {access}"))],
        ))
        .await;
    assert_eq!(info.status(), 200);
    // Scope `read write` releases no personal claim: `sub` only (F5).
    assert_eq!(json_body(&info), serde_json::json!({ "sub": sub }));

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
async fn fifty_concurrent_redemptions_of_one_code_one_wins_and_the_family_is_revoked() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut browser = Browser::default();
    let q = browser
        .authorize_code(
            &env,
            &authorize_url(&client.client_id, &[]),
            EMAIL,
            PASSWORD,
        )
        .await;
    let body = [
        ("grant_type", "authorization_code"),
        ("code", q["code"].as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", client.client_id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let results = futures::future::join_all((0..50).map(|_| env.token_form(&body))).await;
    let ok: Vec<_> = results.iter().filter(|r| r.0 == 200).collect();
    let refused = results
        .iter()
        .filter(|r| r.0 == 400 && r.1["error"] == "invalid_grant")
        .count();
    println!(
        "50 concurrent code redemptions: {} succeeded, {refused} invalid_grant",
        ok.len()
    );
    assert_eq!((ok.len(), refused), (1, 49));
    assert_eq!(
        userinfo_status(&env, ok[0].1["access_token"].as_str().unwrap()).await,
        401
    );
}

#[tokio::test]
async fn an_expired_code_whose_item_still_exists_is_refused() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let grant = Granted {
        scope: vec!["read".into()],
        sub: Some("s".into()),
        ..Granted::default()
    };
    let now = env.now();
    let code = put_code_grant(
        &env.state.store,
        &client.client_id,
        grant,
        None,
        now - 1,
        now - 301,
    )
    .await;
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
