//! The password grant and brute-force protection (shared with the login page).

use oauth_tests::*;

#[tokio::test]
async fn the_password_grant_is_refused_for_a_client_without_it() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let (status, json, _) = env
        .token_form(&password_body(
            &client.client_id,
            secret.as_deref(),
            EMAIL,
            PASSWORD,
        ))
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
}

#[tokio::test]
async fn the_password_grant_accepts_username_or_email_and_refuses_wrong_credentials() {
    let env = env().await;
    let (client, secret) = env
        .client(|c| c.grants = vec!["password".into(), "refresh_token".into()])
        .await;
    env.user(None, EMAIL, PASSWORD, r#"{"role":"AGENT"}"#).await;
    let (status, json, _) = env
        .token_form(&password_body(
            &client.client_id,
            secret.as_deref(),
            EMAIL,
            PASSWORD,
        ))
        .await;
    assert_eq!(status, 200, "{json}");
    assert!(json.get("username").is_none(), "not a legacy client");
    assert_eq!(
        json["scope"], "read write",
        "no scope asked: the client's default scope"
    );
    assert!(json["refresh_token"].is_string());
    let (status, _, _) = env
        .token_form(&[
            ("grant_type", "password"),
            ("client_id", &client.client_id),
            ("client_secret", secret.as_deref().unwrap()),
            ("email", EMAIL),
            ("password", PASSWORD),
            ("scope", "read"),
        ])
        .await;
    assert_eq!(status, 200);
    let (status, json, _) = env
        .token_form(&password_body(
            &client.client_id,
            secret.as_deref(),
            EMAIL,
            "wrong",
        ))
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, json, _) = env
        .token_form(&password_body(
            &client.client_id,
            secret.as_deref(),
            "nobody@example.com",
            PASSWORD,
        ))
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn five_failures_lock_the_account_and_the_right_password_is_refused_while_locked() {
    let env = env().await;
    let (client, secret) = env
        .client(|c| c.grants = vec!["password".into(), "authorization_code".into()])
        .await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    for _ in 0..5 {
        let (status, json, _) = env
            .token_form(&password_body(
                &client.client_id,
                secret.as_deref(),
                EMAIL,
                "wrong",
            ))
            .await;
        assert_eq!(
            (status, json["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        assert!(!json["error_description"]
            .as_str()
            .unwrap()
            .contains("locked"));
    }
    let (status, json, _) = env
        .token_form(&password_body(
            &client.client_id,
            secret.as_deref(),
            EMAIL,
            PASSWORD,
        ))
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(
        json["error_description"]
            .as_str()
            .unwrap()
            .contains("temporarily locked"),
        "{json}"
    );
    // The login page is locked too.
    let mut browser = Browser::default();
    let login = browser
        .get(&env, &authorize_url(&client.client_id, &[]))
        .await;
    let resp = browser
        .submit(
            &env,
            "/oauth/authorize",
            &login,
            &[("email", EMAIL), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(resp.status(), 429);
    assert!(body_text(&resp).contains("temporarily locked"));
    // Another user is not affected.
    env.user(None, "other@example.com", PASSWORD, "{}").await;
    let (status, _, _) = env
        .token_form(&password_body(
            &client.client_id,
            secret.as_deref(),
            "other@example.com",
            PASSWORD,
        ))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn failed_logins_on_the_page_count_towards_the_lockout() {
    let env = env().await;
    let (client, secret) = env
        .client(|c| c.grants = vec!["password".into(), "authorization_code".into()])
        .await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut browser = Browser::default();
    let url = authorize_url(&client.client_id, &[]);
    for _ in 0..5 {
        let login = browser.get(&env, &url).await;
        let resp = browser
            .submit(
                &env,
                "/oauth/authorize",
                &login,
                &[("email", EMAIL), ("password", "wrong")],
            )
            .await;
        assert_eq!(resp.status(), 400);
        assert!(body_text(&resp).contains("Invalid email or password"));
    }
    let (status, json, _) = env
        .token_form(&password_body(
            &client.client_id,
            secret.as_deref(),
            EMAIL,
            PASSWORD,
        ))
        .await;
    assert_eq!(status, 400);
    assert!(json["error_description"]
        .as_str()
        .unwrap()
        .contains("locked"));
}
