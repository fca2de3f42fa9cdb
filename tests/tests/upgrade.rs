//! A table from before grant items: codes and tokens written as their own items
//! (`code#…`, `at#…`, `rt#…`, each with its family) keep working until they
//! expire, and a redeemed legacy code or refresh token continues its family as
//! a grant item of the same id.

use oauth_tests::*;
use shared::store::{self, CodeItem, Granted, TokenItem};

/// A family's legacy access and refresh tokens, as the old server wrote them.
async fn legacy_tokens(env: &Env, client_id: &str, access_ttl: i64) -> (String, String, String) {
    let family = shared::crypto::random_id();
    let (at, rt) = (
        shared::crypto::random_token(),
        shared::crypto::random_token(),
    );
    let item = |pk: String, ttl: i64| TokenItem {
        pk,
        client_id: client_id.to_string(),
        family: family.clone(),
        granted: Granted {
            scope: vec!["read".into(), "write".into()],
            sub: Some("legacy-sub".into()),
            username: Some(EMAIL.into()),
            tenant: Some("default".into()),
            claims: Some(r#"{"role":"AGENT"}"#.into()),
            ..Granted::default()
        },
        iat: env.now() - 60,
        expires_at: Some(env.now() + ttl),
        used_at: None,
    };
    let s = &env.state.store;
    s.put_per_token_item(&item(store::access_key(&at), access_ttl))
        .await
        .unwrap();
    s.put_per_token_item(&item(store::refresh_key(&rt), 86_400))
        .await
        .unwrap();
    (family, at, rt)
}

#[tokio::test]
async fn a_legacy_access_token_works_until_it_expires() {
    let env = env().await;
    let (client, _) = env.client(|_| {}).await;
    let (_, at, _) = legacy_tokens(&env, &client.client_id, 60).await;
    let info = env
        .userinfo(get(
            "/oauth/userinfo",
            &[("authorization", &format!("Bearer {at}"))],
        ))
        .await;
    assert_eq!(info.status(), 200);
    assert_eq!(json_body(&info)["role"], "AGENT");
    env.advance(60);
    assert_eq!(
        userinfo_status(&env, &at).await,
        401,
        "expired at its expiry second"
    );
}

#[tokio::test]
async fn a_legacy_refresh_token_continues_its_family_as_a_grant_and_its_replay_revokes_it() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let (family, old_at, rt) = legacy_tokens(&env, &client.client_id, 3600).await;
    let (status, t, _) = env.refresh(&client.client_id, &secret, &rt).await;
    assert_eq!(status, 200, "{t}");
    let new_at = t["access_token"].as_str().unwrap();
    assert!(
        new_at.starts_with(&format!("{family}.")),
        "the family's grant holds it"
    );
    assert_eq!(userinfo_status(&env, new_at).await, 200);
    // The new refresh token rotates like any other.
    let (status, t2, _) = env
        .refresh(
            &client.client_id,
            &secret,
            t["refresh_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(status, 200, "{t2}");
    // The old legacy refresh token again: a replay, the whole family revoked.
    let (status, j, _) = env.refresh(&client.client_id, &secret, &rt).await;
    assert_eq!((status, j["error"].as_str()), (400, Some("invalid_grant")));
    for at in [
        old_at.as_str(),
        new_at,
        t2["access_token"].as_str().unwrap(),
    ] {
        assert_eq!(userinfo_status(&env, at).await, 401);
    }
}

#[tokio::test]
async fn a_legacy_code_is_redeemed_once_and_its_second_use_revokes_what_it_gave() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let code = shared::crypto::random_token();
    let item = CodeItem {
        pk: store::code_key(&code),
        client_id: client.client_id.clone(),
        family: shared::crypto::random_id(),
        granted: Granted {
            scope: vec!["read".into()],
            sub: Some("s".into()),
            username: Some(EMAIL.into()),
            ..Granted::default()
        },
        redirect_uri: REDIRECT.into(),
        redirect_uri_given: true,
        code_challenge: None,
        expires_at: env.now() + 300,
        used_at: None,
    };
    env.state.store.put_per_token_code(&item).await.unwrap();
    // A wrong secret does not burn it.
    let (status, _, _) = env.redeem(&client.client_id, "wrong", &code).await;
    assert_eq!(status, 401);
    let (status, t, _) = env.redeem(&client.client_id, &secret, &code).await;
    assert_eq!(status, 200, "{t}");
    let at = t["access_token"].as_str().unwrap();
    assert_eq!(userinfo_status(&env, at).await, 200);
    let (status, j, _) = env.redeem(&client.client_id, &secret, &code).await;
    assert_eq!((status, j["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(userinfo_status(&env, at).await, 401);
}

#[tokio::test]
async fn an_expired_legacy_code_whose_item_still_exists_is_refused() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let code = shared::crypto::random_token();
    let item = CodeItem {
        pk: store::code_key(&code),
        client_id: client.client_id.clone(),
        family: shared::crypto::random_id(),
        granted: Granted::default(),
        redirect_uri: REDIRECT.into(),
        redirect_uri_given: true,
        code_challenge: None,
        expires_at: env.now() - 1,
        used_at: None,
    };
    env.state.store.put_per_token_code(&item).await.unwrap();
    let (status, json, _) = env
        .redeem(&client.client_id, secret.as_deref().unwrap(), &code)
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn legacy_tokens_are_introspected_and_revoked() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let (_, at, rt) = legacy_tokens(&env, &client.client_id, 3600).await;
    let call = |path: &'static str, token: String| {
        let (env, id, secret) = (&env, client.client_id.clone(), secret.clone());
        async move {
            let body = [
                ("token", token.as_str()),
                ("client_id", &id),
                ("client_secret", &secret),
            ];
            token_post(env, path, &body).await
        }
    };
    let (_, j) = call("/oauth/introspect", at.clone()).await;
    assert_eq!(
        (j["active"].as_bool(), j["token_type"].as_str()),
        (Some(true), Some("Bearer"))
    );
    let (_, j) = call("/oauth/introspect", rt.clone()).await;
    assert_eq!(j["token_type"], "refresh_token");
    // Revoking the refresh token revokes the family, the access token with it.
    assert_eq!(call("/oauth/revoke", rt.clone()).await.0, 200);
    assert_eq!(userinfo_status(&env, &at).await, 401);
    assert_eq!(call("/oauth/introspect", at).await.1["active"], false);
}
