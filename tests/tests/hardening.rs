//! Client credentials, revocation, introspection, metadata, replay defence,
//! races and outages.

use oauth_tests::*;
use shared::{Config, State};
use std::time::{Duration, Instant};

async fn code_tokens(env: &Env, client_id: &str, secret: &str) -> serde_json::Value {
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut browser = Browser::default();
    let q = browser
        .authorize_code(env, &authorize_url(client_id, &[]), EMAIL, PASSWORD)
        .await;
    let (status, json, _) = env.redeem(client_id, secret, &q["code"]).await;
    assert_eq!(status, 200, "{json}");
    json
}

async fn post(env: &Env, path: &str, body: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let resp = env.token(post_form(path, body, &[])).await;
    (resp.status().as_u16(), json_body(&resp))
}

async fn userinfo_status(env: &Env, at: &str) -> u16 {
    env.userinfo(get(
        "/oauth/userinfo",
        &[("authorization", &format!("Bearer {at}"))],
    ))
    .await
    .status()
    .as_u16()
}

#[tokio::test]
async fn client_credentials_gives_an_access_token_only_to_confidential_clients_with_the_grant() {
    let env = env().await;
    let (client, secret) = env
        .client(|c| c.grants = vec!["client_credentials".into()])
        .await;
    let secret = secret.unwrap();
    let (status, json) = post(
        &env,
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client_id),
            ("client_secret", &secret),
            ("scope", "read"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert!(json["access_token"].is_string());
    assert!(json.get("refresh_token").is_none() && json.get("username").is_none());
    assert_eq!(json["scope"], "read");
    let (other, other_secret) = env.client(|_| {}).await;
    let (status, json) = post(
        &env,
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &other.client_id),
            ("client_secret", other_secret.as_deref().unwrap()),
        ],
    )
    .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
    let (status, json) = post(
        &env,
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client_id),
            ("client_secret", "wrong"),
        ],
    )
    .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

#[tokio::test]
async fn an_unknown_grant_type_is_unsupported_grant_type() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let (status, json) = post(
        &env,
        "/oauth/token",
        &[
            ("grant_type", "urn:x"),
            ("client_id", &client.client_id),
            ("client_secret", secret.as_deref().unwrap()),
        ],
    )
    .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
}

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
            post(env, "/oauth/revoke", &pairs).await
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
    let (status, json) = post(
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
    let (status, _) = post(
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
    let (status, j) = post(
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
    let (status, _) = post(
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
            post(
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
    assert_eq!(j["username"], EMAIL);
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
async fn metadata_lists_every_endpoint_from_the_issuer() {
    let env = env().await;
    let resp = env
        .userinfo(get("/.well-known/oauth-authorization-server", &[]))
        .await;
    assert_eq!(resp.status(), 200);
    let m = json_body(&resp);
    assert_eq!(m["issuer"], "http://127.0.0.1:9000");
    for (k, path) in [
        ("authorization_endpoint", "/oauth/authorize"),
        ("token_endpoint", "/oauth/token"),
        ("userinfo_endpoint", "/oauth/userinfo"),
        ("revocation_endpoint", "/oauth/revoke"),
        ("introspection_endpoint", "/oauth/introspect"),
    ] {
        assert_eq!(m[k], format!("http://127.0.0.1:9000{path}"));
    }
    assert_eq!(
        m["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(m["response_types_supported"], serde_json::json!(["code"]));
    for g in [
        "authorization_code",
        "refresh_token",
        "password",
        "client_credentials",
    ] {
        assert!(m["grant_types_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == g));
    }
}

#[tokio::test]
async fn the_openapi_document_is_served_whatever_authorization_header_comes_with_it() {
    let env = env().await;
    for headers in [vec![], vec![("authorization", "Basic Zm9vOmJhcg==")]] {
        let resp = env.userinfo(get("/openapi.yaml", &headers)).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(
            header_str(&resp, "content-type"),
            Some("application/yaml; charset=utf-8")
        );
        assert!(body_text(&resp).starts_with("openapi: 3.1"));
        let meta = env
            .userinfo(get("/.well-known/oauth-authorization-server", &headers))
            .await;
        assert_eq!(meta.status(), 200);
    }
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
async fn fifty_concurrent_uses_of_one_refresh_token_at_most_one_succeeds() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let t = code_tokens(&env, &client.client_id, &secret).await;
    let body = [
        ("grant_type", "refresh_token"),
        ("refresh_token", t["refresh_token"].as_str().unwrap()),
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
        "50 concurrent refreshes: {} succeeded, {refused} invalid_grant",
        ok.len()
    );
    assert!(ok.len() <= 1);
    assert_eq!(ok.len() + refused, 50);
    // The replays revoked the family: nothing issued from it works.
    assert_eq!(
        userinfo_status(&env, t["access_token"].as_str().unwrap()).await,
        401
    );
    for r in ok {
        assert_eq!(
            userinfo_status(&env, r.1["access_token"].as_str().unwrap()).await,
            401
        );
    }
}

#[tokio::test]
async fn within_the_grace_period_a_lost_refresh_response_may_be_retried_once() {
    let env = env_with(|c| c.with_refresh_grace(30)).await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let t = code_tokens(&env, &client.client_id, &secret).await;
    let body = [
        ("grant_type", "refresh_token"),
        ("refresh_token", t["refresh_token"].as_str().unwrap()),
        ("client_id", client.client_id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    assert_eq!(env.token_form(&body).await.0, 200);
    let (status, retry, _) = env.token_form(&body).await;
    assert_eq!(status, 200, "one retry is honoured: {retry}");
    let (status, third, _) = env.token_form(&body).await;
    assert_eq!(
        (status, third["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        userinfo_status(&env, retry["access_token"].as_str().unwrap()).await,
        401,
        "then it is a replay"
    );
}

#[tokio::test]
async fn without_a_grace_period_a_retried_refresh_is_a_replay() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let t = code_tokens(&env, &client.client_id, &secret).await;
    let body = [
        ("grant_type", "refresh_token"),
        ("refresh_token", t["refresh_token"].as_str().unwrap()),
        ("client_id", client.client_id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let (_, first, _) = env.token_form(&body).await;
    assert_eq!(env.token_form(&body).await.0, 400);
    assert_eq!(
        userinfo_status(&env, first["access_token"].as_str().unwrap()).await,
        401
    );
}

/// A TCP server that accepts connections and never answers.
async fn stalling_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    format!("http://{addr}")
}

fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

#[tokio::test]
async fn every_endpoint_answers_503_within_5_seconds_when_dynamodb_is_down_or_stalls() {
    for (name, endpoint) in [
        ("closed port", closed_port()),
        ("stalling server", stalling_server().await),
    ] {
        let store = shared::store::Store::with_endpoint("t-down", &endpoint).await;
        let env = Env {
            state: State::new(Config::new("t-down", "http://127.0.0.1:9000"), store),
        };
        let cases: Vec<(&str, lambda_http::Request)> = vec![
            ("authorize", get(&authorize_url("c", &[]), &[])),
            (
                "token",
                post_form(
                    "/oauth/token",
                    &[
                        ("grant_type", "authorization_code"),
                        ("code", "x"),
                        ("client_id", "c"),
                        ("client_secret", "s"),
                    ],
                    &[],
                ),
            ),
            (
                "password",
                post_form(
                    "/oauth/token",
                    &[
                        ("grant_type", "password"),
                        ("username", "u@x.io"),
                        ("password", "p"),
                        ("client_id", "c"),
                        ("client_secret", "s"),
                    ],
                    &[],
                ),
            ),
            (
                "revoke",
                post_form(
                    "/oauth/revoke",
                    &[("token", "t"), ("client_id", "c"), ("client_secret", "s")],
                    &[],
                ),
            ),
            (
                "introspect",
                post_form(
                    "/oauth/introspect",
                    &[("token", "t"), ("client_id", "c"), ("client_secret", "s")],
                    &[],
                ),
            ),
            (
                "userinfo",
                get("/oauth/userinfo", &[("authorization", "Bearer t")]),
            ),
        ];
        let started = Instant::now();
        let results = futures::future::join_all(cases.into_iter().map(|(what, req)| {
            let env = &env;
            async move {
                let t = Instant::now();
                let resp = match what {
                    "authorize" => env.authorize(req).await,
                    "userinfo" => env.userinfo(req).await,
                    _ => env.token(req).await,
                };
                (what, resp, t.elapsed())
            }
        }))
        .await;
        for (what, resp, took) in results {
            println!(
                "{name}: {what} answered {} in {:.2} s",
                resp.status(),
                took.as_secs_f64()
            );
            assert_eq!(resp.status(), 503, "{name}: {what}");
            assert!(
                took < Duration::from_secs(5),
                "{name}: {what} took {took:?}"
            );
            if what != "authorize" {
                assert_eq!(
                    json_body(&resp)["error"],
                    "temporarily_unavailable",
                    "{name}: {what}"
                );
            } else {
                assert!(body_text(&resp).contains("temporarily unavailable"));
            }
        }
        assert!(started.elapsed() < Duration::from_secs(5));
    }
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
    assert!(
        revoked >= 2,
        "access and refresh token (and the used code) revoked: {revoked}"
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

#[tokio::test]
async fn a_token_write_into_a_revoked_family_is_refused_by_the_transaction() {
    use shared::store::{Grant, TokenItem};
    let env = env().await;
    let family = shared::crypto::random_id();
    let item = |key: String| TokenItem {
        pk: key,
        client_id: "c".into(),
        family: family.clone(),
        grant: Grant::default(),
        iat: shared::now(),
        expires_at: None,
        used_at: None,
    };
    let store = &env.state.store;
    let before = item(shared::store::access_key(&shared::crypto::random_token()));
    assert_eq!(store.put_tokens(&before, None).await, Ok(()));
    store.revoke_family(&family).await.unwrap();
    let after = item(shared::store::access_key(&shared::crypto::random_token()));
    assert_eq!(
        store.put_tokens(&after, None).await,
        Err(shared::StoreError::AlreadyExists)
    );
    assert!(store.raw_item(&after.pk).await.unwrap().is_none());
    assert!(
        store.raw_item(&before.pk).await.unwrap().is_none(),
        "revoked with the family"
    );
}
