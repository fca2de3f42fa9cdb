//! Signing keys: created on first use, published in the JWKS before they sign,
//! rotated by themselves, private halves only as KMS ciphertext.

use oauth_tests::*;
use serde_json::json;
use shared::jose;
use shared::keys::lifecycle;

async fn sign(env: &Env) -> String {
    let claims = json!({ "iss": "test", "sub": "s" });
    env.state
        .keys
        .sign(&env.state.store, "JWT", &claims, env.now())
        .await
        .expect("sign")
}

fn kid_of(jwt: &str) -> String {
    use base64::Engine;
    let h = jwt.split('.').next().unwrap();
    let h = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(h)
        .unwrap();
    serde_json::from_slice::<serde_json::Value>(&h).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn jwks_kids(env: &Env) -> Vec<String> {
    env.state.keys.forget();
    let jwks = env
        .state
        .keys
        .jwks(&env.state.store, env.now())
        .await
        .unwrap()
        .0;
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

async fn verifies(env: &Env, jwt: &str) -> bool {
    env.state.keys.forget();
    let r = env
        .state
        .keys
        .verify(&env.state.store, jwt, &[Some("JWT")], env.now())
        .await;
    r.unwrap().is_ok()
}

#[tokio::test]
async fn the_first_signature_creates_the_first_key_which_is_stored_only_as_kms_ciphertext() {
    let env = env().await;
    assert!(
        jwks_kids(&env).await.is_empty(),
        "a fresh deployment has no key"
    );
    let jwt = sign(&env).await;
    assert_eq!(jwks_kids(&env).await, [kid_of(&jwt)]);
    assert!(verifies(&env, &jwt).await);
    // The private half at rest is KMS ciphertext, not a PKCS#8 document.
    let raw = env
        .state
        .store
        .raw_item("keyset#secret")
        .await
        .unwrap()
        .unwrap();
    let text = format!("{raw:?}");
    assert!(text.contains("ciphertext"));
    assert!(!text.contains("MII"), "no DER/PEM private key in clear");
    let public = env.state.store.raw_item("keyset").await.unwrap().unwrap();
    assert!(!format!("{public:?}").contains("ciphertext"));
}

#[tokio::test]
async fn rotation_publishes_the_next_key_before_it_signs_and_retires_the_previous_after_its_tokens_expire(
) {
    let env = env().await;
    let policy = env.state.config.key_policy;
    let old = sign(&env).await;
    let old_kid = kid_of(&old);
    // Just before the rotation is due: the same key, nothing new published.
    env.advance(policy.rotation - policy.window - 1);
    assert_eq!(kid_of(&sign(&env).await), old_kid);
    assert_eq!(jwks_kids(&env).await.len(), 1);
    // Due: the next key is published, and the old one still signs.
    env.advance(1);
    env.state.keys.forget();
    assert_eq!(kid_of(&sign(&env).await), old_kid);
    let published = jwks_kids(&env).await;
    assert_eq!(
        published.len(),
        2,
        "the next key is in the JWKS before it signs"
    );
    let new_kid = published.iter().find(|k| **k != old_kid).unwrap().clone();
    // The window passes: the new key signs; the old one's tokens still verify.
    env.advance(policy.window);
    env.state.keys.forget();
    assert_eq!(kid_of(&sign(&env).await), new_kid);
    assert!(verifies(&env, &old).await, "previous key still published");
    // Once everything it signed has expired, the previous key is retired.
    env.advance(policy.signed_ttl);
    assert_eq!(jwks_kids(&env).await, [new_kid]);
    assert!(!verifies(&env, &old).await, "a retired key's tokens fail");
}

/// The JWKS as the userinfo function serves it from `state`: its
/// Cache-Control and its key ids.
async fn served_jwks(state: &shared::State) -> (Option<String>, Vec<String>) {
    let r = userinfo::handle(state, get("/.well-known/jwks.json", &[])).await;
    let kids = json_body(&r)["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect();
    (header_str(&r, "cache-control").map(str::to_string), kids)
}

#[tokio::test]
async fn a_jwks_served_before_the_first_key_is_not_kept_and_lists_that_key_once_it_signs() {
    let env = env().await;
    // The userinfo function's warm environment, with its own keyset cache,
    // beside the token function's, which makes the first key as it signs.
    let mut userinfo_env = env.state.clone();
    userinfo_env.keys = std::sync::Arc::default();
    let (cache, kids) = served_jwks(&userinfo_env).await;
    assert!(kids.is_empty(), "a fresh deployment has no key yet");
    assert_eq!(
        cache.as_deref(),
        Some("public, max-age=0"),
        "nor may anyone keep that answer"
    );

    let jwt = sign(&env).await;
    let (cache, kids) = served_jwks(&userinfo_env).await;
    assert_eq!(
        kids,
        vec![kid_of(&jwt)],
        "the warm environment lists the first key at once"
    );
    assert_eq!(cache.as_deref(), Some("public, max-age=900"));
    let verified = userinfo_env
        .keys
        .verify(&userinfo_env.store, &jwt, &[Some("JWT")], env.now())
        .await;
    assert!(verified.unwrap().is_ok());
}

#[tokio::test]
async fn concurrent_cold_starts_create_exactly_one_key() {
    let env = env().await;
    // Ten environments, each with its own (empty) caches, sign at once.
    let sdk = shared::store::sdk::sdk_config().await;
    let envs: Vec<shared::State> = (0..10)
        .map(|_| env.state.clone().with_kms(aws_sdk_kms::Client::new(&sdk)))
        .collect();
    let claims = json!({ "sub": "s" });
    let jwts = futures::future::join_all(
        envs.iter()
            .map(|s| s.keys.sign(&s.store, "JWT", &claims, env.now())),
    )
    .await;
    let kids: std::collections::BTreeSet<String> = jwts
        .into_iter()
        .map(|j| kid_of(&j.expect("signed")))
        .collect();
    assert_eq!(kids.len(), 1, "one key for all: {kids:?}");
    let set = env.state.store.get_keyset().await.unwrap().unwrap();
    assert_eq!(set.keys.len(), 1);
    assert_eq!(
        lifecycle::current(&set, env.now()).unwrap().kid,
        *kids.iter().next().unwrap()
    );
}

#[tokio::test]
async fn an_emergency_retirement_refuses_the_keys_tokens_at_once_and_a_new_key_signs() {
    let env = env().await;
    let jwt = sign(&env).await;
    let set = env.state.store.get_keyset().await.unwrap().unwrap();
    let retired = lifecycle::retire(&set, &kid_of(&jwt), env.now()).unwrap();
    let secrets = env.state.store.get_key_secrets().await.unwrap().unwrap();
    assert!(env
        .state
        .store
        .put_keyset(&retired, &secrets, Some(set.v))
        .await
        .unwrap());
    assert!(!verifies(&env, &jwt).await);
    env.state.keys.forget();
    let next = sign(&env).await;
    assert_ne!(kid_of(&next), kid_of(&jwt));
    assert!(verifies(&env, &next).await);
    assert!(
        jose::verify(&next, &[], &[Some("JWT")]).is_err(),
        "no key, no verification"
    );
}

/// Serves one HTTP request on loopback and hands back its method and body.
async fn capture_one() -> (String, tokio::task::JoinHandle<(String, String)>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/presigned?sig=x", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = s.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if body.len() >= len {
                    s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .unwrap();
                    let method = head.split(' ').next().unwrap().to_string();
                    return (method, body.to_string());
                }
            }
            if n == 0 {
                panic!("connection closed early");
            }
        }
    });
    (url, task)
}

#[tokio::test]
async fn f15_a_fresh_deployment_publishes_its_first_key_before_any_token() {
    let env = env().await;
    assert!(jwks(&env).await.is_empty(), "a fresh table has no key yet");
    // The template's custom resource: CloudFormation's Create request to the
    // token function, answered at the presigned URL.
    let (url, answer) = capture_one().await;
    let event = serde_json::json!({
        "RequestType": "Create",
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/oauth/1",
        "RequestId": "req-1",
        "LogicalResourceId": "SigningKeys",
        "ResourceType": "Custom::SigningKeys",
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:token",
        "ResourceProperties": {}
    });
    let ctx = lambda_http::lambda_runtime::Context::default();
    token::event(
        &env.state,
        lambda_http::lambda_runtime::LambdaEvent::new(event, ctx),
    )
    .await
    .expect("handled");
    let (method, body) = answer.await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (method.as_str(), body["Status"].as_str()),
        ("PUT", Some("SUCCESS")),
        "{body}"
    );
    assert_eq!(body["RequestId"], "req-1");
    let keys = jwks(&env).await;
    assert_eq!(keys.len(), 1, "published before any token");
    assert_eq!(body["Data"]["Kid"], keys[0].kid.as_str());
    // The first token is signed by that key; an Update changes nothing.
    let (url, answer) = capture_one().await;
    let event = serde_json::json!({
        "RequestType": "Update", "ResponseURL": url, "StackId": "s", "RequestId": "req-2",
        "LogicalResourceId": "SigningKeys"
    });
    token::event(
        &env.state,
        lambda_http::lambda_runtime::LambdaEvent::new(event, Default::default()),
    )
    .await
    .unwrap();
    assert!(answer.await.unwrap().1.contains(&keys[0].kid));
    assert_eq!(jwks(&env).await.len(), 1);
    // HTTP events still reach the endpoints through the same entry point.
    let http = serde_json::json!({
        "version": "2.0", "routeKey": "POST /oauth/token", "rawPath": "/oauth/token",
        "rawQueryString": "", "headers": {"content-type": "application/x-www-form-urlencoded"},
        "body": "grant_type=client_credentials", "isBase64Encoded": false,
        "requestContext": {"http": {"method": "POST", "path": "/oauth/token", "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1", "userAgent": "t"}, "requestId": "r", "routeKey": "POST /oauth/token",
            "accountId": "1", "apiId": "a", "domainName": "d", "domainPrefix": "d", "stage": "$default",
            "time": "t", "timeEpoch": 0}
    });
    let out = token::event(
        &env.state,
        lambda_http::lambda_runtime::LambdaEvent::new(http, Default::default()),
    )
    .await
    .unwrap();
    assert_eq!(out["statusCode"], 401, "{out}");
}
