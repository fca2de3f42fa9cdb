//! Refresh tokens: rotation, replay revoking the family, concurrency, the grace
//! period, and issuance racing a revocation.

use oauth_tests::*;

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

/// Issuance racing a revocation: a grant's next state, written on the version
/// read before the grant was revoked, is refused, and the revocation stands.
#[tokio::test]
async fn a_grant_write_after_a_revocation_is_refused_by_its_version_condition() {
    use shared::store::{Granted, Replaced};
    let env = env().await;
    let store = &env.state.store;
    let (item, _code) = code_grant_item("c", Granted::default(), None, env.now() + 300, env.now());
    store.create_authorization(&item).await.unwrap();
    let id = item.pk.trim_start_matches("grant#");
    let read = store.get_authorization(id).await.unwrap().unwrap();
    shared::revocation::revoke_authorization(&env.state, id, env.now())
        .await
        .unwrap();
    let mut next = read.clone();
    next.v += 1;
    next.revoked_at = None;
    match store.replace_authorization(&next, read.v).await.unwrap() {
        Replaced::Conflict(Some(current)) => assert!(current.revoked_at.is_some()),
        other => panic!("the write must lose to the revocation: {other:?}"),
    }
    let after = store.get_authorization(id).await.unwrap().unwrap();
    assert!(after.revoked_at.is_some(), "revoked it stays");
}
