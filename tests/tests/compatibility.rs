//! The legacy APIs' rules (docs/compatibility.md): public clients, tenants,
//! query-string parameters, per-client lifetimes, scopes and client ids.

use oauth_tests::*;

#[tokio::test]
async fn a_public_client_must_use_pkce_and_then_authenticates_by_client_id_alone() {
    let env = env().await;
    let (client, secret) = env.client(|c| c.public = true).await;
    assert!(secret.is_none());
    // Without PKCE: refused at the authorization endpoint.
    let resp = env
        .authorize(get(
            &authorize_url(&client.client_id, &[("state", "p")]),
            &[],
        ))
        .await;
    assert_eq!(resp.status(), 302);
    let q = location_params(&resp);
    assert_eq!(q["error"], "invalid_request");
    assert!(q["error_description"].contains("PKCE"));

    // With PKCE: the code is exchanged with client_id alone.
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let (verifier, challenge) = pkce();
    let mut browser = Browser::default();
    let url = authorize_url(
        &client.client_id,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    let q = browser.authorize_code(&env, &url, EMAIL, PASSWORD).await;
    let (status, json, _) = env
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", &client.client_id),
        ])
        .await;
    assert_eq!(status, 200, "{json}");
    // A public client sending a secret is refused.
    let (status, json, _) = env
        .refresh(
            &client.client_id,
            "x",
            json["refresh_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

#[tokio::test]
async fn a_parameter_given_twice_is_invalid_request() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let (status, json, _) = env
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("code", "a"),
            ("code", "b"),
            ("client_id", &client.client_id),
            ("client_secret", &secret),
        ])
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_request"))
    );
    // In the query and the body with different values.
    let resp = env
        .token(post_form(
            "/oauth/token?grant_type=refresh_token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &client.client_id),
                ("client_secret", &secret),
            ],
            &[],
        ))
        .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(json_body(&resp)["error"], "invalid_request");
}

#[tokio::test]
async fn query_string_parameters_are_refused_when_the_setting_is_off() {
    let env = env_with(|c| c.with_query_params(false)).await;
    let (client, secret) = env.client(|c| c.grants = vec!["password".into()]).await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let q = form(&password_body(
        &client.client_id,
        secret.as_deref(),
        EMAIL,
        PASSWORD,
    ));
    let resp = env
        .token(post_form(&format!("/oauth/access_token?{q}"), &[], &[]))
        .await;
    assert_eq!(resp.status(), 400);
    let json = json_body(&resp);
    assert_eq!(json["error"], "invalid_request");
    assert!(json["error_description"]
        .as_str()
        .unwrap()
        .contains("query string"));
    // The same request in the body works; partnerId in the query is still fine.
    let resp = env
        .token(post_form(
            "/oauth/token?partnerId=default",
            &password_body(&client.client_id, secret.as_deref(), EMAIL, PASSWORD),
            &[],
        ))
        .await;
    assert_eq!(resp.status(), 200, "{}", body_text(&resp));
}

#[tokio::test]
async fn query_string_parameters_work_when_allowed() {
    let env = env_with(|c| c.with_query_params(true)).await;
    let (client, secret) = env.client(|c| c.grants = vec!["password".into()]).await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let q = form(&password_body(
        &client.client_id,
        secret.as_deref(),
        EMAIL,
        PASSWORD,
    ));
    let resp = env
        .token(post_form(&format!("/oauth/access_token?{q}"), &[], &[]))
        .await;
    assert_eq!(resp.status(), 200, "{}", body_text(&resp));
}

#[tokio::test]
async fn the_same_email_in_two_tenants_is_two_users_with_their_own_passwords_and_claims() {
    let env = env().await;
    // Comm100's: a public client whose userinfo answers the flat claims.
    let (client, _) = env
        .client(|c| {
            c.public = true;
            c.grants = vec!["password".into()];
            c.legacy_claims = true;
        })
        .await;
    let sub_a = env
        .user(
            Some("10000"),
            EMAIL,
            "pw-a",
            r#"{"siteId":1,"role":"AGENT"}"#,
        )
        .await;
    let sub_b = env
        .user(
            Some("20000"),
            EMAIL,
            "pw-b",
            r#"{"siteId":2,"role":"ADMIN"}"#,
        )
        .await;
    assert_ne!(sub_a, sub_b);
    let login = |tenant: &'static str, pw: &'static str| {
        let id = client.client_id.clone();
        let env = &env;
        async move {
            let resp = env
                .token(post_form(
                    &format!("/oauth/token?partnerId={tenant}"),
                    &[
                        ("client_id", &id),
                        ("grant_type", "password"),
                        ("email", EMAIL),
                        ("password", pw),
                    ],
                    &[],
                ))
                .await;
            (resp.status().as_u16(), json_body(&resp))
        }
    };
    let (status, a) = login("10000", "pw-a").await;
    assert_eq!(status, 200, "{a}");
    let (status, b) = login("20000", "pw-b").await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(login("10000", "pw-b").await.0, 400);
    assert_eq!(login("20000", "pw-a").await.0, 400);
    let info = |at: String| {
        let env = &env;
        async move {
            json_body(
                &env.userinfo(get(
                    "/oauth/userinfo",
                    &[("authorization", &format!("Bearer {at}"))],
                ))
                .await,
            )
        }
    };
    let ia = info(a["access_token"].as_str().unwrap().into()).await;
    let ib = info(b["access_token"].as_str().unwrap().into()).await;
    assert_eq!(
        (
            ia["sub"].as_str(),
            ia["siteId"].as_i64(),
            ia["role"].as_str()
        ),
        (Some(sub_a.as_str()), Some(1), Some("AGENT"))
    );
    assert_eq!(
        (
            ib["sub"].as_str(),
            ib["siteId"].as_i64(),
            ib["role"].as_str()
        ),
        (Some(sub_b.as_str()), Some(2), Some("ADMIN"))
    );
}

#[tokio::test]
async fn per_client_lifetimes_are_reported_and_zero_never_expires() {
    let env = env().await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut tokens = Vec::new();
    for ttl in [31536000, 43200, 3600, 1, 0] {
        let (client, secret) = env
            .client(|c| {
                c.grants = vec!["password".into()];
                c.access_ttl = Some(ttl);
            })
            .await;
        let (status, json, _) = env
            .token_form(&password_body(
                &client.client_id,
                secret.as_deref(),
                EMAIL,
                PASSWORD,
            ))
            .await;
        assert_eq!(status, 200);
        if ttl == 0 {
            assert!(
                json.get("expires_in").is_none(),
                "never-expiring tokens have no expires_in"
            );
        } else {
            assert_eq!(json["expires_in"], ttl);
        }
        tokens.push((ttl, json["access_token"].as_str().unwrap().to_string()));
    }
    let (_, never) = tokens.iter().find(|(t, _)| *t == 0).unwrap();
    let raw = env
        .state
        .store
        .raw_item(&shared::store::grant_key(never.split('.').next().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert!(
        !raw.contains_key("expires_at"),
        "no TTL attribute on a never-expiring token"
    );
    // Past the 1-second token's lifetime: it is refused, the never-expiring one still works.
    env.advance(2);
    let (_, short) = tokens.iter().find(|(t, _)| *t == 1).unwrap();
    let call = |t: &str| {
        env.userinfo(get(
            "/oauth/userinfo",
            &[("authorization", &format!("Bearer {t}"))],
        ))
    };
    assert_eq!(call(short).await.status(), 401);
    assert_eq!(call(never).await.status(), 200);
}

#[tokio::test]
async fn scopes_are_bounded_by_the_client_and_seed_000_scopes_are_ordinary_strings() {
    let env = env().await;
    let (client, secret) = env
        .client(|c| {
            c.grants = vec!["password".into()];
            c.scopes = ["execute", "refer", "suspend", "modify"]
                .map(String::from)
                .to_vec();
            c.default_scopes = Some(vec!["refer".into()]);
        })
        .await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut body = password_body(&client.client_id, secret.as_deref(), EMAIL, PASSWORD);
    let (_, json, _) = env.token_form(&body).await;
    assert_eq!(json["scope"], "refer");
    body.push(("scope", "execute refer suspend modify"));
    let (_, json, _) = env.token_form(&body).await;
    assert_eq!(json["scope"], "execute modify refer suspend");
    body.pop();
    body.push(("scope", "execute admin"));
    let (status, json, _) = env.token_form(&body).await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_scope"))
    );
}

#[tokio::test]
async fn numeric_looking_client_ids_work() {
    let env = env().await;
    let (client, secret) = env
        .client(|c| {
            c.id = Some("8208110359".into());
            c.grants = vec!["password".into()];
        })
        .await;
    assert_eq!(client.client_id, "8208110359");
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let (status, _, _) = env
        .token_form(&password_body(
            "8208110359",
            secret.as_deref(),
            EMAIL,
            PASSWORD,
        ))
        .await;
    assert_eq!(status, 200);
}
