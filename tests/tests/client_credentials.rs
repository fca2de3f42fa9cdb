//! The client-credentials grant and the grant_type parameter.

use oauth_tests::*;

#[tokio::test]
async fn client_credentials_gives_an_access_token_only_to_confidential_clients_with_the_grant() {
    let env = env().await;
    let (client, secret) = env
        .client(|c| c.grants = vec!["client_credentials".into()])
        .await;
    let secret = secret.unwrap();
    let (status, json) = token_post(
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
    let (status, json) = token_post(
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
    let (status, json) = token_post(
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
    let (status, json) = token_post(
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
