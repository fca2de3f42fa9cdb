//! Revocation (RFC 7009), introspection (RFC 7662), and disabling a client.

use oauth_tests::*;

#[tokio::test]
async fn revocation_follows_rfc7009() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let auth = |t: &str| {
        vec![
            ("token".to_string(), t.to_string()),
            ("client_id".into(), client.client_id.clone()),
            ("client_secret".into(), secret.clone()),
        ]
    };
    let call = |body: Vec<(String, String)>| {
        let env = &env;
        async move {
            let pairs: Vec<(&str, &str)> =
                body.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            token_post(env, "/oauth/revoke", &pairs).await
        }
    };
    // Unknown token: 200.
    assert_eq!(call(auth("no-such-token")).await.0, 200);
    // An access token: revoked, twice is still 200.
    let t = code_tokens(&env, &client.client_id, &secret).await;
    let at = t["access_token"].as_str().unwrap();
    assert_eq!(userinfo_status(&env, at).await, 200);
    assert_eq!(call(auth(at)).await.0, 200);
    assert_eq!(userinfo_status(&env, at).await, 401);
    assert_eq!(call(auth(at)).await.0, 200);
    // A refresh token: its whole grant goes.
    let mut browser = Browser::default();
    let q = browser
        .authorize_code(
            &env,
            &authorize_url(&client.client_id, &[]),
            EMAIL,
            PASSWORD,
        )
        .await;
    let (_, t2, _) = env.redeem(&client.client_id, &secret, &q["code"]).await;
    let mut body = auth(t2["refresh_token"].as_str().unwrap());
    body.push(("token_type_hint".into(), "refresh_token".into()));
    assert_eq!(call(body).await.0, 200);
    assert_eq!(
        userinfo_status(&env, t2["access_token"].as_str().unwrap()).await,
        401
    );
    // Another client cannot revoke this client's token.
    let t3 = {
        let mut browser = Browser::default();
        let q = browser
            .authorize_code(
                &env,
                &authorize_url(&client.client_id, &[]),
                EMAIL,
                PASSWORD,
            )
            .await;
        env.redeem(&client.client_id, &secret, &q["code"]).await.1
    };
    let (other, other_secret) = env.client(|_| {}).await;
    let at3 = t3["access_token"].as_str().unwrap();
    let (status, json) = token_post(
        &env,
        "/oauth/revoke",
        &[
            ("token", at3),
            ("client_id", &other.client_id),
            ("client_secret", other_secret.as_deref().unwrap()),
        ],
    )
    .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_request"))
    );
    assert_eq!(userinfo_status(&env, at3).await, 200);
    // Unauthenticated revocation is refused.
    let (status, _) = token_post(
        &env,
        "/oauth/revoke",
        &[
            ("token", at3),
            ("client_id", &client.client_id),
            ("client_secret", "wrong"),
        ],
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn an_unknown_token_type_hint_is_ignored_and_every_token_type_searched() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let t = code_tokens(&env, &client.client_id, &secret).await;
    let at = t["access_token"].as_str().unwrap();
    let (status, j) = token_post(
        &env,
        "/oauth/introspect",
        &[
            ("token", at),
            ("token_type_hint", "id_token"),
            ("client_id", &client.client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!((status, j["active"].as_bool()), (200, Some(true)));
    let (status, _) = token_post(
        &env,
        "/oauth/revoke",
        &[
            ("token", at),
            ("token_type_hint", "something_else"),
            ("client_id", &client.client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        userinfo_status(&env, at).await,
        401,
        "revoked despite the odd hint"
    );
}

#[tokio::test]
async fn introspection_follows_rfc7662() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let t = code_tokens(&env, &client.client_id, &secret).await;
    let introspect = |tok: &str| {
        let (env, id, secret) = (&env, client.client_id.clone(), secret.clone());
        let tok = tok.to_string();
        async move {
            token_post(
                env,
                "/oauth/introspect",
                &[
                    ("token", &tok),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ],
            )
            .await
        }
    };
    let (status, j) = introspect(t["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(j["active"], true);
    assert_eq!(j["client_id"], client.client_id.as_str());
    assert!(
        j.get("username").is_none(),
        "the email only within its scope"
    );
    assert_eq!(j["scope"], "read write");
    assert_eq!(j["token_type"], "Bearer");
    assert_eq!(j["iss"], "http://127.0.0.1:9000");
    assert!(j["sub"].is_string() && j["exp"].is_i64() && j["iat"].is_i64());
    let (_, j) = introspect(t["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (j["active"].as_bool(), j["token_type"].as_str()),
        (Some(true), Some("refresh_token"))
    );
    assert_eq!(
        introspect("unknown").await.1,
        serde_json::json!({"active": false})
    );
    // A rotated refresh token is no longer active.
    let (status, _, _) = env
        .refresh(
            &client.client_id,
            &secret,
            t["refresh_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        introspect(t["refresh_token"].as_str().unwrap()).await.1["active"],
        false
    );
}

#[tokio::test]
async fn disabling_a_client_refuses_new_grants_and_revokes_its_tokens() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let t = code_tokens(&env, &client.client_id, &secret).await;
    let (other, other_secret) = env.client(|_| {}).await;
    let mut browser = Browser::default();
    let q = browser
        .authorize_code(&env, &authorize_url(&other.client_id, &[]), EMAIL, PASSWORD)
        .await;
    let (_, kept, _) = env
        .redeem(
            &other.client_id,
            other_secret.as_deref().unwrap(),
            &q["code"],
        )
        .await;

    let revoked = shared::admin::disable_client(&env.state.store, &client.client_id)
        .await
        .unwrap();
    assert_eq!(
        revoked, 1,
        "its one grant item, holding the used code, the access and the refresh token"
    );
    assert_eq!(
        userinfo_status(&env, t["access_token"].as_str().unwrap()).await,
        401
    );
    let (status, json, _) = env
        .refresh(
            &client.client_id,
            &secret,
            t["refresh_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let page = env
        .authorize(get(&authorize_url(&client.client_id, &[]), &[]))
        .await;
    assert_eq!(page.status(), 400, "a disabled client gets the error page");
    // Other clients' tokens are untouched.
    assert_eq!(
        userinfo_status(&env, kept["access_token"].as_str().unwrap()).await,
        200
    );
}
