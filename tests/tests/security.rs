//! The findings of the external security review, one test each, named after
//! the finding (README "Security model"). Each failed on the code before its fix.

use oauth_tests::*;
use std::time::Instant;

async fn password_grant(
    env: &Env,
    client_id: &str,
    secret: &str,
    pw: &str,
) -> (u16, serde_json::Value) {
    let (s, j, _) = env
        .token_form(&password_body(client_id, Some(secret), EMAIL, pw))
        .await;
    (s, j)
}

#[tokio::test]
async fn finding_01_a_huge_scope_or_body_is_refused_in_microseconds_before_any_work() {
    let env = env().await;
    let (client, secret) = env.client(|c| c.grants = vec!["password".into()]).await;
    let scope: String = (0..60_000).map(|i| format!("s{i} ")).collect();
    env.state.store.round_trips();
    for (what, body) in [
        (
            "60,000 scopes",
            form(&[
                ("grant_type", "password"),
                ("client_id", &client.client_id),
                ("scope", &scope),
            ]),
        ),
        ("1 MiB body", "x".repeat(1 << 20)),
    ] {
        let req = lambda_http::http::Request::builder()
            .method("POST")
            .uri("/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(lambda_http::Body::Text(body))
            .unwrap();
        let started = Instant::now();
        let resp = env.token(req).await;
        let took = started.elapsed();
        println!("{what}: {} in {} µs", resp.status(), took.as_micros());
        assert_eq!(resp.status(), 400, "{what}");
        assert_eq!(json_body(&resp)["error"], "invalid_request");
    }
    assert_eq!(
        env.state.store.round_trips().requests,
        0,
        "no DynamoDB request"
    );
    let _ = secret;
}

#[tokio::test]
async fn finding_02_an_overlong_client_id_email_or_state_is_a_400_not_a_503() {
    let env = env().await;
    let (client, secret) = env.client(|c| c.grants = vec!["password".into()]).await;
    let long = "a".repeat(3000);
    let (status, j) = token_post(
        &env,
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &long),
            ("client_secret", "s"),
        ],
    )
    .await;
    assert_eq!(
        (status, j["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let basic = env
        .token(post_form(
            "/oauth/token",
            &[("grant_type", "client_credentials")],
            &[("authorization", &basic_auth(&long, "s"))],
        ))
        .await;
    assert_eq!(basic.status(), 400);
    let email = format!("{long}@example.com");
    let (s, j, _) = env
        .token_form(&password_body(
            &client.client_id,
            secret.as_deref(),
            &email,
            "pw",
        ))
        .await;
    assert_eq!((s, j["error"].as_str()), (400, Some("invalid_request")));
    // A state no redirect could carry is not echoed: a page, no redirect.
    let state = "s".repeat(5000);
    let page = env
        .authorize(get(
            &authorize_url(&client.client_id, &[("state", &state)]),
            &[],
        ))
        .await;
    assert_eq!(page.status(), 400);
    assert!(header_str(&page, "location").is_none());
}

#[tokio::test]
async fn finding_03_fifty_concurrent_wrong_guesses_get_at_most_five_password_checks() {
    let env = env().await;
    let (client, secret) = env.client(|c| c.grants = vec!["password".into()]).await;
    let secret = secret.unwrap();
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let guesses = (0..50).map(|i| {
        let (env, id, secret) = (&env, client.client_id.clone(), secret.clone());
        async move { password_grant(env, &id, &secret, &format!("guess-{i}")).await }
    });
    let results = futures::future::join_all(guesses).await;
    let checked = results
        .iter()
        .filter(|(_, j)| j["error_description"] == "invalid username or password")
        .count();
    let locked = results
        .iter()
        .filter(|(_, j)| {
            j["error_description"]
                .as_str()
                .is_some_and(|d| d.contains("locked"))
        })
        .count();
    println!("50 concurrent wrong guesses: {checked} password checks, {locked} refused unchecked");
    assert!(checked <= 5, "{checked} checks");
    assert_eq!(checked + locked, 50);
    // The right password is refused too while locked.
    let (_, j) = password_grant(&env, &client.client_id, &secret, PASSWORD).await;
    assert!(j["error_description"].as_str().unwrap().contains("locked"));
}

#[tokio::test]
async fn finding_04_an_attackers_failures_do_not_lock_the_owner_out_of_their_known_browser() {
    let env = env().await;
    let (client, secret) = env
        .client(|c| c.grants = vec!["authorization_code".into(), "password".into()])
        .await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let url = authorize_url(&client.client_id, &[]);
    // The owner signed in from this browser before: it holds a device cookie.
    let mut owner = Browser::default();
    owner.authorize_code(&env, &url, EMAIL, PASSWORD).await;
    // An attacker, without it, exhausts the user's shared allowance.
    let mut attacker = Browser::default();
    for _ in 0..5 {
        let login = attacker.get(&env, &url).await;
        let r = attacker
            .submit(
                &env,
                "/oauth/authorize",
                &login,
                &[("email", EMAIL), ("password", "guess")],
            )
            .await;
        assert_eq!(r.status(), 400);
    }
    let login = attacker.get(&env, &url).await;
    let r = attacker
        .submit(
            &env,
            "/oauth/authorize",
            &login,
            &[("email", EMAIL), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        r.status(),
        429,
        "the shared allowance is spent: locked, even with the right password"
    );
    let (_, j) = password_grant(
        &env,
        &client.client_id,
        secret.as_deref().unwrap(),
        PASSWORD,
    )
    .await;
    assert!(j["error_description"].as_str().unwrap().contains("locked"));
    // The owner's known browser has its own allowance: it signs in.
    let mut fresh = Browser::default();
    fresh.copy_cookie_from(&owner, "oauth_device");
    let login = fresh.get(&env, &url).await;
    let r = fresh
        .sign_in(&env, "/oauth/authorize", &login, EMAIL, PASSWORD)
        .await;
    assert_eq!(
        r.status(),
        302,
        "signed in from the known browser: {}",
        body_text(&r)
    );
}

#[tokio::test]
async fn finding_05_revocation_is_read_with_every_token_and_outlives_every_token_of_the_grant() {
    let env = env().await;
    let (client, secret) = env.client(|c| c.refresh_ttl = Some(90 * 86_400)).await;
    let secret = secret.unwrap();
    let code = signed_in_code(&env, &client.client_id, &[]).await;
    let (_, t, _) = env.redeem(&client.client_id, &secret, &code).await;
    // A replay revokes; every token of the grant is refused on its next use.
    env.redeem(&client.client_id, &secret, &code).await;
    assert_eq!(
        userinfo_status(&env, t["access_token"].as_str().unwrap()).await,
        401
    );
    let (s, _, _) = env
        .refresh(
            &client.client_id,
            &secret,
            t["refresh_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(s, 400);
    let id = code.split('.').next().unwrap();
    let item = env
        .state
        .store
        .get_authorization(id)
        .await
        .unwrap()
        .unwrap();
    assert!(item.revoked_at.is_some());
    assert!(
        item.expires_at.unwrap() >= env.now() + 90 * 86_400,
        "the revoked grant lives as long as its longest refresh token"
    );
}

#[tokio::test]
async fn finding_06_a_caller_without_the_secret_cannot_burn_or_race_a_code() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let code = signed_in_code(&env, &client.client_id, &[]).await;
    let id = client.client_id.clone();
    let attackers = (0..30).map(|_| env.redeem(&id, "not-the-secret", &code));
    let (attempts, real) = tokio::join!(
        futures::future::join_all(attackers),
        env.redeem(&id, &secret, &code)
    );
    assert!(attempts.iter().all(|(s, _, _)| *s == 401));
    assert_eq!(real.0, 200, "the real client wins: {}", real.1);
    assert_eq!(
        userinfo_status(&env, real.1["access_token"].as_str().unwrap()).await,
        200,
        "not revoked"
    );
}

#[tokio::test]
async fn finding_07_remembered_consent_is_not_used_for_a_public_client() {
    let env = env().await;
    let (client, _) = env.client(|c| c.public = true).await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let (_, challenge) = pkce();
    let url = authorize_url(
        &client.client_id,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    let mut browser = Browser::default();
    browser.authorize_code(&env, &url, EMAIL, PASSWORD).await;
    let again = browser.get(&env, &url).await;
    assert_eq!(again.status(), 200, "asked again (RFC 8252 §8.6)");
    assert!(body_text(&again).contains("value=\"allow\""));
}

#[tokio::test]
async fn finding_08_a_narrower_refresh_narrows_the_access_token_and_keeps_the_grants_scope() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let t = code_tokens(&env, &client.client_id, &secret).await;
    assert_eq!(t["scope"], "read write");
    let (_, narrow, _) = env
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
            ("scope", "read"),
            ("client_id", &client.client_id),
            ("client_secret", &secret),
        ])
        .await;
    assert_eq!(narrow["scope"], "read");
    let (_, full, _) = env
        .refresh(
            &client.client_id,
            &secret,
            narrow["refresh_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(
        full["scope"], "read write",
        "RFC 6749 §6: the refresh token keeps the original scope"
    );
}

#[tokio::test]
async fn finding_09_a_grant_cannot_be_refreshed_past_its_maximum_lifetime() {
    let env = env().await;
    let (client, secret) = env.client(|c| c.max_grant_ttl = Some(1000)).await;
    let secret = secret.unwrap();
    let t = code_tokens(&env, &client.client_id, &secret).await;
    env.advance(999);
    let (s, r, _) = env
        .refresh(
            &client.client_id,
            &secret,
            t["refresh_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(s, 200);
    env.advance(1);
    let (s, e, _) = env
        .refresh(
            &client.client_id,
            &secret,
            r["refresh_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn finding_10_only_resource_servers_introspect_other_clients_tokens() {
    let env = env().await;
    let (owner, owner_secret) = env
        .client(|c| c.grants = vec!["client_credentials".into()])
        .await;
    let (other, other_secret) = env
        .client(|c| c.grants = vec!["client_credentials".into()])
        .await;
    let (rs, rs_secret) = env
        .client(|c| {
            c.grants = vec!["client_credentials".into()];
            c.resource_server = true;
        })
        .await;
    let (_, t) = token_post(
        &env,
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &owner.client_id),
            ("client_secret", owner_secret.as_deref().unwrap()),
        ],
    )
    .await;
    let at = t["access_token"].as_str().unwrap();
    let ask = |id: String, secret: String| {
        let env = &env;
        async move {
            token_post(
                env,
                "/oauth/introspect",
                &[
                    ("token", at),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ],
            )
            .await
            .1
        }
    };
    assert_eq!(
        ask(owner.client_id.clone(), owner_secret.unwrap()).await["active"],
        true,
        "its own"
    );
    assert_eq!(
        ask(other.client_id.clone(), other_secret.unwrap()).await,
        serde_json::json!({"active": false})
    );
    assert_eq!(
        ask(rs.client_id.clone(), rs_secret.unwrap()).await["active"],
        true,
        "a resource server"
    );
}

#[tokio::test]
async fn finding_11_changing_a_password_or_disabling_or_deleting_a_user_revokes_everything_at_once()
{
    use shared::admin::{users, UserRef};
    let env = env().await;
    let store = &env.state.store;
    let (client, secret) = env
        .client(|c| {
            c.grants = vec![
                "authorization_code".into(),
                "refresh_token".into(),
                "password".into(),
            ]
        })
        .await;
    let secret = secret.unwrap();
    let who = UserRef::Email {
        tenant: None,
        email: EMAIL.into(),
    };
    let t = code_tokens(&env, &client.client_id, &secret).await;
    let shown = users::show_user(store, &who).await.unwrap();
    assert!(shown.get("password_hash").is_none() && shown["sub"].is_string());
    // A new password: the old grant and session go.
    let r = users::set_password(store, &who, "a new password")
        .await
        .unwrap();
    assert!(
        r["revoked"].as_u64().unwrap() >= 2,
        "grant and session: {r}"
    );
    assert_eq!(
        userinfo_status(&env, t["access_token"].as_str().unwrap()).await,
        401
    );
    assert_eq!(
        password_grant(&env, &client.client_id, &secret, "a new password")
            .await
            .0,
        200
    );
    // Disabled: no password grant, no sign-in, tokens gone; enabled again: back.
    let (_, t2) = password_grant(&env, &client.client_id, &secret, "a new password").await;
    users::disable_user(store, &who).await.unwrap();
    assert_eq!(
        userinfo_status(&env, t2["access_token"].as_str().unwrap()).await,
        401
    );
    assert_eq!(
        password_grant(&env, &client.client_id, &secret, "a new password")
            .await
            .0,
        400
    );
    let mut browser = Browser::default();
    let login = browser
        .get(&env, &authorize_url(&client.client_id, &[]))
        .await;
    let r = browser
        .sign_in(&env, "/oauth/authorize", &login, EMAIL, "a new password")
        .await;
    assert_eq!(r.status(), 400, "a disabled user cannot sign in");
    users::enable_user(store, &who).await.unwrap();
    assert_eq!(
        password_grant(&env, &client.client_id, &secret, "a new password")
            .await
            .0,
        200
    );
    // Deleted: gone, and so is what it held.
    users::delete_user(store, &who).await.unwrap();
    assert!(users::show_user(store, &who).await.is_err());
    // A client deleted: its grants go, and it no longer authenticates.
    env.user(None, "eve@example.com", PASSWORD, "{}").await;
    let (_, ct, _) = env
        .token_form(&password_body(
            &client.client_id,
            Some(&secret),
            "eve@example.com",
            PASSWORD,
        ))
        .await;
    let revoked = shared::admin::clients::delete_client(store, &client.client_id)
        .await
        .unwrap();
    assert!(revoked >= 1);
    assert_eq!(
        userinfo_status(&env, ct["access_token"].as_str().unwrap()).await,
        401
    );
    let listed = shared::admin::clients::list_clients(store).await.unwrap();
    assert!(!listed.to_string().contains("secret_hash"));
}

#[tokio::test]
async fn finding_12_cookies_are_host_prefixed_and_the_login_csrf_token_is_an_hmac_of_its_cookie() {
    let env = env_with(|c| {
        let mut https = shared::Config::new(c.table_name.clone(), "https://auth.example.com");
        https.kms_key_id = c.kms_key_id.clone();
        https
    })
    .await;
    let (client, _) = env.client(|_| {}).await;
    let page = env
        .authorize(get(&authorize_url(&client.client_id, &[]), &[]))
        .await;
    let set_cookie = header_str(&page, "set-cookie").unwrap();
    assert!(
        set_cookie.starts_with("__Host-oauth_login_csrf="),
        "{set_cookie}"
    );
    assert!(
        set_cookie.contains("Secure")
            && set_cookie.contains("Path=/")
            && !set_cookie.contains("Domain")
    );
    let cookie = set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    let token = hidden_fields(&body_text(&page))
        .into_iter()
        .find(|(k, _)| k == "csrf")
        .unwrap()
        .1;
    assert_ne!(token, cookie, "not a plain double submit");
    let csp = header_str(&page, "content-security-policy").unwrap();
    assert!(csp.contains("form-action 'self'"), "{csp}");
    // A planted cookie with its own value as the token is refused.
    let planted = "p".repeat(43);
    let mut fields: Vec<(String, String)> = hidden_fields(&body_text(&page))
        .into_iter()
        .filter(|(k, _)| k != "csrf" && k != "action")
        .collect();
    fields.extend([
        ("csrf".into(), planted.clone()),
        ("action".into(), "login".into()),
        ("email".into(), EMAIL.into()),
        ("password".into(), PASSWORD.into()),
    ]);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let cookie_header = format!("__Host-oauth_login_csrf={planted}");
    let r = env
        .authorize(post_form(
            "/oauth/authorize",
            &pairs,
            &[("cookie", &cookie_header)],
        ))
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn finding_14_unknown_users_cost_the_same_check_from_the_first_attempt() {
    let env = env().await;
    let (client, secret) = env.client(|c| c.grants = vec!["password".into()]).await;
    let secret = secret.unwrap();
    let mut took = Vec::new();
    for i in 0..3 {
        let started = Instant::now();
        let (s, j, _) = env
            .token_form(&password_body(
                &client.client_id,
                Some(&secret),
                &format!("nobody{i}@example.com"),
                "pw",
            ))
            .await;
        took.push(started.elapsed().as_millis());
        assert_eq!(
            (s, j["error_description"].as_str()),
            (400, Some("invalid username or password"))
        );
    }
    println!("unknown-user attempts, ms: {took:?} (the first computes nothing extra: the dummy hash is a constant)");
}
