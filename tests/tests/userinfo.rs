//! The userinfo endpoint (RFC 6750 for the bearer token).

use oauth_tests::*;

#[tokio::test]
async fn userinfo_takes_the_token_by_header_query_or_form_and_refuses_both() {
    let env = env_with(|c| c.with_query_params(true)).await;
    let (client, secret) = env.client(|c| c.legacy_claims = true).await;
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
    let (client, secret) = env.client(|c| c.access_ttl = Some(1)).await;
    let tokens = code_tokens(&env, &client.client_id, secret.as_deref().unwrap()).await;
    let token = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo_status(&env, token).await, 200);
    // The grant item is still there, its access token past its expiry.
    env.advance(1);
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
