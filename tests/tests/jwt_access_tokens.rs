//! RFC 9068 JWT access tokens: per client, audiences from RFC 8707 resource
//! indicators, validated the way API Gateway's HTTP API JWT authorizer does,
//! and still under our control at our own endpoints (a revoked one is refused
//! at once there).

use oauth_tests::*;
use serde_json::Value;
use shared::jose;
use shared::store::AccessTokenFormat;

const ISS: &str = "http://127.0.0.1:9000";
const API: &str = "https://api.example";

/// API Gateway's HTTP API JWT authorizer, rule by rule: discovery from the
/// issuer, then its `jwks_uri`; RSA keys only; `kid` required; signature; `iss`
/// equal to the issuer; `aud` in the configured audiences, or `client_id` when
/// there is no `aud`; `exp`, `nbf`, `iat`; one of the route's scopes in `scope`.
async fn authorizer(
    env: &Env,
    token: &str,
    audiences: &[&str],
    route_scopes: &[&str],
) -> Result<(), String> {
    let disc = json_body(
        &env.userinfo(get("/.well-known/openid-configuration", &[]))
            .await,
    );
    if disc["issuer"] != ISS {
        return Err("discovery issuer".into());
    }
    let jwks_path = disc["jwks_uri"]
        .as_str()
        .unwrap()
        .trim_start_matches(ISS)
        .to_string();
    let jwks = json_body(&env.userinfo(get(&jwks_path, &[])).await);
    let keys: Vec<jose::Jwk> = serde_json::from_value(jwks["keys"].clone()).unwrap();
    let rsa: Vec<jose::Jwk> = keys.into_iter().filter(|k| k.kty == "RSA").collect();
    let v = jose::verify(token, &rsa, &[Some("at+jwt"), Some("JWT"), None])
        .map_err(|e| format!("{e:?}"))?;
    let c = &v.claims;
    if c.get("iss").and_then(Value::as_str) != Some(ISS) {
        return Err("iss".into());
    }
    let aud_ok = match c.get("aud") {
        Some(_) => audiences.iter().any(|a| jose::aud_contains(c, a)),
        None => c
            .get("client_id")
            .and_then(Value::as_str)
            .is_some_and(|id| audiences.contains(&id)),
    };
    if !aud_ok {
        return Err("aud".into());
    }
    let now = env.now();
    let num = |k: &str| c.get(k).and_then(Value::as_i64);
    if num("exp").is_none_or(|e| e <= now)
        || num("nbf").is_some_and(|n| n > now)
        || num("iat").is_some_and(|i| i > now)
    {
        return Err("time".into());
    }
    if !route_scopes.is_empty() {
        let granted = c.get("scope").and_then(Value::as_str).unwrap_or("");
        if !granted.split(' ').any(|s| route_scopes.contains(&s)) {
            return Err("scope".into());
        }
    }
    Ok(())
}

async fn jwt_client(env: &Env, grants: &[&str]) -> (String, String) {
    let (client, secret) = env
        .client(|c| {
            c.access_token_format = AccessTokenFormat::Jwt;
            c.resources = vec![API.into(), "https://other.example".into()];
            c.grants = grants.iter().map(|g| g.to_string()).collect();
        })
        .await;
    (client.client_id, secret.unwrap())
}

#[tokio::test]
async fn code_refresh_and_client_credentials_tokens_pass_the_authorizer_rules() {
    let env = env().await;
    let (id, secret) = jwt_client(
        &env,
        &["authorization_code", "refresh_token", "client_credentials"],
    )
    .await;
    let sub = env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut browser = Browser::default();
    let q = browser
        .authorize_code(
            &env,
            &authorize_url(&id, &[("scope", "read"), ("resource", API)]),
            EMAIL,
            PASSWORD,
        )
        .await;
    let (status, t, _) = env.redeem(&id, &secret, &q["code"]).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["expires_in"], 600, "short by default");
    let at = t["access_token"].as_str().unwrap();
    let c = verified_claims(&env, at, "at+jwt").await;
    assert_eq!(
        (c["iss"].as_str(), c["aud"].as_str(), c["sub"].as_str()),
        (Some(ISS), Some(API), Some(sub.as_str()))
    );
    assert_eq!(
        (c["client_id"].as_str(), c["scope"].as_str()),
        (Some(id.as_str()), Some("read"))
    );
    assert!(c["jti"].is_string() && c["iat"].is_i64() && c["auth_time"].is_i64());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 600);
    assert_eq!(authorizer(&env, at, &[API], &["read"]).await, Ok(()));
    assert_eq!(
        authorizer(&env, at, &["https://elsewhere.example"], &[]).await,
        Err("aud".into())
    );
    assert_eq!(
        authorizer(&env, at, &[API], &["write"]).await,
        Err("scope".into())
    );

    let (status, r, _) = env
        .refresh(&id, &secret, t["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        authorizer(&env, r["access_token"].as_str().unwrap(), &[API], &["read"]).await,
        Ok(())
    );

    let (status, cc) = token_post(
        &env,
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("resource", API),
        ],
    )
    .await;
    assert_eq!(status, 200, "{cc}");
    let cc_at = cc["access_token"].as_str().unwrap();
    assert_eq!(
        verified_claims(&env, cc_at, "at+jwt").await["sub"],
        id.as_str(),
        "RFC 9068 §2.2: the client"
    );
    assert_eq!(authorizer(&env, cc_at, &[API], &[]).await, Ok(()));
    // Once expired, the authorizer refuses it.
    env.advance(600);
    assert_eq!(
        authorizer(&env, cc_at, &[API], &[]).await,
        Err("time".into())
    );
}

#[tokio::test]
async fn resources_narrow_the_audience_and_others_are_invalid_target() {
    let env = env().await;
    let (id, secret) = jwt_client(&env, &["client_credentials"]).await;
    let post = |resource: &'static str| {
        let (env, id, secret) = (&env, id.clone(), secret.clone());
        async move {
            let mut body = vec![
                ("grant_type", "client_credentials"),
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
            ];
            if !resource.is_empty() {
                body.push(("resource", resource));
            }
            token_post(env, "/oauth/token", &body).await
        }
    };
    let (_, t) = post("").await;
    let all = verified_claims(&env, t["access_token"].as_str().unwrap(), "at+jwt").await;
    assert_eq!(
        all["aud"],
        serde_json::json!(env.state.config.default_audience),
        "no resource asked: one audience, the deployment's default, not every registered one"
    );
    let (status, e) = post("https://evil.example").await;
    assert_eq!((status, e["error"].as_str()), (400, Some("invalid_target")));
}

#[tokio::test]
async fn our_endpoints_refuse_a_revoked_jwt_access_token_at_once() {
    let env = env().await;
    let (id, secret) = jwt_client(&env, &["authorization_code", "refresh_token"]).await;
    let tokens = code_tokens(&env, &id, &secret).await;
    let at = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo_status(&env, at).await, 200);
    let (_, info) = token_post(
        &env,
        "/oauth/introspect",
        &[
            ("token", at),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(
        (info["active"].as_bool(), info["token_type"].as_str()),
        (Some(true), Some("Bearer"))
    );
    let (status, _) = token_post(
        &env,
        "/oauth/revoke",
        &[
            ("token", at),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        userinfo_status(&env, at).await,
        401,
        "revoked: refused at once, before exp"
    );
    let (_, info) = token_post(
        &env,
        "/oauth/introspect",
        &[
            ("token", at),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(info, serde_json::json!({ "active": false }));
    // A replayed refresh token revokes the family: its JWTs too.
    let t2 = code_tokens_again(&env, &id, &secret).await;
    let rt = t2["refresh_token"].as_str().unwrap();
    env.refresh(&id, &secret, rt).await;
    env.refresh(&id, &secret, rt).await;
    assert_eq!(
        userinfo_status(&env, t2["access_token"].as_str().unwrap()).await,
        401
    );
    // A JWT signed by someone else, or tampered with, is refused.
    let tampered = format!("{}a", &at[..at.len() - 1]);
    assert_eq!(userinfo_status(&env, &tampered).await, 401);
}

/// Another code flow for the (already created) test user.
async fn code_tokens_again(env: &Env, id: &str, secret: &str) -> serde_json::Value {
    let mut browser = Browser::default();
    let q = browser
        .authorize_code(env, &authorize_url(id, &[]), EMAIL, PASSWORD)
        .await;
    env.redeem(id, secret, &q["code"]).await.1
}

#[tokio::test]
async fn a_client_whose_access_tokens_never_expire_cannot_have_jwts() {
    let env = env().await;
    let new = shared::admin::NewClient {
        name: "x".into(),
        grants: vec!["client_credentials".into()],
        access_token_format: AccessTokenFormat::Jwt,
        access_ttl: Some(0),
        ..Default::default()
    };
    let e = shared::admin::create_client(&env.state.store, new, env.now())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("must expire"), "{e}");
}

#[tokio::test]
async fn discovery_and_the_jwks_are_public_cacheable_and_cost_no_request_when_warm() {
    let env = env().await;
    let (id, secret) = jwt_client(&env, &["client_credentials"]).await;
    token_post(
        &env,
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let r = env.userinfo(get(path, &[])).await;
        let m = json_body(&r);
        assert_eq!(
            (m["issuer"].as_str(), m["jwks_uri"].as_str()),
            (
                Some(ISS),
                Some("http://127.0.0.1:9000/.well-known/jwks.json")
            )
        );
        assert_eq!(m["authorization_response_iss_parameter_supported"], true);
        assert_eq!(
            m["end_session_endpoint"],
            "http://127.0.0.1:9000/oauth/logout"
        );
    }
    let r = env.userinfo(get("/.well-known/jwks.json", &[])).await;
    assert!(header_str(&r, "cache-control")
        .unwrap()
        .starts_with("public, max-age="));
    let jwks = json_body(&r);
    let key = &jwks["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["alg"].as_str(),
            key["use"].as_str()
        ),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    for private in ["d", "p", "q", "dp", "dq", "qi"] {
        assert!(key.get(private).is_none(), "no private member {private}");
    }
    env.state.store.round_trips();
    env.userinfo(get("/.well-known/jwks.json", &[])).await;
    env.userinfo(get("/.well-known/openid-configuration", &[]))
        .await;
    assert_eq!(
        env.state.store.round_trips().requests,
        0,
        "warm: no DynamoDB request"
    );
}
