//! OpenID Connect through the real handlers: the ID token, userinfo by scope,
//! `offline_access`, `prompt`, `max_age`, `login_hint`, `id_token_hint`, the
//! form-post response mode, `iss` on every response (RFC 9207), and what is
//! refused by name.

use oauth_tests::*;
use std::collections::BTreeMap;

const ISS: &str = "http://127.0.0.1:9000";

async fn oidc_user(env: &Env) -> String {
    env.user(
        None,
        EMAIL,
        PASSWORD,
        r#"{"name":"Ada Lovelace","given_name":"Ada","family_name":"Lovelace","role":"AGENT"}"#,
    )
    .await
}

/// The code's redirect parameters after sign-in (and consent) in `browser`.
async fn code_for(
    env: &Env,
    browser: &mut Browser,
    client_id: &str,
    extra: &[(&str, &str)],
) -> BTreeMap<String, String> {
    browser
        .authorize_code(env, &authorize_url(client_id, extra), EMAIL, PASSWORD)
        .await
}

#[tokio::test]
async fn an_openid_code_grant_returns_a_signed_id_token_with_every_claim() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let sub = oidc_user(&env).await;
    let mut browser = Browser::default();
    let q = code_for(
        &env,
        &mut browser,
        &client.client_id,
        &[
            ("scope", "openid profile"),
            ("nonce", "n-0S6_WzA2Mj"),
            ("state", "s1"),
        ],
    )
    .await;
    assert_eq!(q["iss"], ISS, "RFC 9207");
    let (status, t, _) = env
        .redeem(&client.client_id, secret.as_deref().unwrap(), &q["code"])
        .await;
    assert_eq!(status, 200, "{t}");
    assert!(
        t.get("refresh_token").is_none(),
        "no refresh token without offline_access (OIDC Core §11)"
    );
    let c = verified_claims(&env, t["id_token"].as_str().unwrap(), "JWT").await;
    assert_eq!(c["iss"], ISS);
    assert_eq!(c["sub"], sub.as_str());
    assert_eq!(c["aud"], client.client_id.as_str());
    assert_eq!(c["azp"], client.client_id.as_str());
    assert_eq!(c["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(c["amr"], serde_json::json!(["pwd"]));
    assert!(c["sid"].is_string());
    let (iat, exp, auth_time) = (
        c["iat"].as_i64().unwrap(),
        c["exp"].as_i64().unwrap(),
        c["auth_time"].as_i64().unwrap(),
    );
    assert_eq!((iat, exp - iat), (env.now(), 3600));
    assert!(auth_time <= iat);
    assert_eq!(
        c["at_hash"],
        shared::jose::at_hash(t["access_token"].as_str().unwrap()).as_str()
    );
    assert!(
        c.get("name").is_none(),
        "profile claims are userinfo's (OIDC Core §5.4)"
    );
    assert_ne!(c["sub"].as_str(), Some(EMAIL), "sub is never the email");
}

#[tokio::test]
async fn userinfo_of_an_openid_token_releases_the_claims_of_its_scope() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let sub = oidc_user(&env).await;
    let mut browser = Browser::default();
    let mut results = Vec::new();
    for scope in ["openid", "openid profile", "openid email", "read"] {
        let q = code_for(&env, &mut browser, &client.client_id, &[("scope", scope)]).await;
        let (_, t, _) = env
            .redeem(&client.client_id, secret.as_deref().unwrap(), &q["code"])
            .await;
        let at = t["access_token"].as_str().unwrap().to_string();
        results.push(json_body(
            &env.userinfo(get(
                "/oauth/userinfo",
                &[("authorization", &format!("Bearer {at}"))],
            ))
            .await,
        ));
    }
    let mut results = results.into_iter();
    let mut info = |_: &str| std::future::ready(results.next().unwrap());
    assert_eq!(info("openid").await, serde_json::json!({ "sub": sub }));
    let p = info("openid profile").await;
    assert_eq!(
        (p["name"].as_str(), p["family_name"].as_str()),
        (Some("Ada Lovelace"), Some("Lovelace"))
    );
    assert!(p.get("email").is_none() && p.get("role").is_none());
    let e = info("openid email").await;
    assert_eq!(
        (e["email"].as_str(), e["email_verified"].as_bool()),
        (Some(EMAIL), Some(false))
    );
    // Without openid: the same scope rules (personal data only within the
    // consented scope); the flat stored claims are a legacy client's.
    let plain = info("read").await;
    assert_eq!(plain, serde_json::json!({ "sub": sub }));
}

#[tokio::test]
async fn offline_access_needs_consent_and_gives_a_refresh_token_whose_id_token_keeps_the_authentication(
) {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    oidc_user(&env).await;
    let mut browser = Browser::default();
    code_for(
        &env,
        &mut browser,
        &client.client_id,
        &[("scope", "openid offline_access")],
    )
    .await;
    // Consent remembered, but offline access asks again.
    let page = browser
        .get(
            &env,
            &authorize_url(
                &client.client_id,
                &[("scope", "openid offline_access"), ("nonce", "n1")],
            ),
        )
        .await;
    assert_eq!(page.status(), 200);
    assert!(body_text(&page).contains("offline_access"));
    let back = browser
        .submit(&env, "/oauth/authorize", &page, &[("action", "allow")])
        .await;
    let q = location_params(&back);
    let (_, t, _) = env.redeem(&client.client_id, &secret, &q["code"]).await;
    let first = verified_claims(&env, t["id_token"].as_str().unwrap(), "JWT").await;
    env.advance(60);
    let (status, r, _) = env
        .refresh(
            &client.client_id,
            &secret,
            t["refresh_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let again = verified_claims(&env, r["id_token"].as_str().unwrap(), "JWT").await;
    for k in ["iss", "sub", "aud", "auth_time", "sid"] {
        assert_eq!(again[k], first[k], "{k} stays (OIDC Core §12.2)");
    }
    assert_eq!(
        again["iat"].as_i64().unwrap(),
        first["iat"].as_i64().unwrap() + 60
    );
    assert!(again.get("nonce").is_none(), "no nonce on refresh");
    // prompt=none cannot consent: offline access is dropped, not refused.
    let silent = browser
        .get(
            &env,
            &authorize_url(
                &client.client_id,
                &[("scope", "openid offline_access"), ("prompt", "none")],
            ),
        )
        .await;
    let q = location_params(&silent);
    let (_, t, _) = env.redeem(&client.client_id, &secret, &q["code"]).await;
    assert_eq!(t["scope"], "openid");
    assert!(t.get("refresh_token").is_none());
}

#[tokio::test]
async fn prompt_none_answers_login_required_then_consent_required_without_a_page() {
    let env = env().await;
    let (client, _) = env.client(|_| {}).await;
    oidc_user(&env).await;
    let mut browser = Browser::default();
    let url = authorize_url(
        &client.client_id,
        &[("scope", "openid"), ("prompt", "none"), ("state", "st")],
    );
    let r = browser.get(&env, &url).await;
    assert_eq!(r.status(), 302);
    let q = location_params(&r);
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str(), q["iss"].as_str()),
        ("login_required", "st", ISS)
    );
    // Signed in (for another scope), never consented to openid: consent_required.
    code_for(&env, &mut browser, &client.client_id, &[("scope", "read")]).await;
    let q = location_params(&browser.get(&env, &url).await);
    assert_eq!(q["error"], "consent_required");
    // Consented: a code, no page.
    code_for(
        &env,
        &mut browser,
        &client.client_id,
        &[("scope", "openid")],
    )
    .await;
    let q = location_params(&browser.get(&env, &url).await);
    assert!(q.contains_key("code"), "{q:?}");
    // none with another value is invalid.
    let bad = authorize_url(&client.client_id, &[("prompt", "none login")]);
    assert_eq!(
        location_params(&browser.get(&env, &bad).await)["error"],
        "invalid_request"
    );
}

#[tokio::test]
async fn prompt_login_and_max_age_ask_for_a_fresh_sign_in_once() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    oidc_user(&env).await;
    let mut browser = Browser::default();
    code_for(
        &env,
        &mut browser,
        &client.client_id,
        &[("scope", "openid")],
    )
    .await;
    env.advance(120);
    for extra in [[("prompt", "login")], [("max_age", "60")]] {
        let mut params = vec![("scope", "openid")];
        params.extend_from_slice(&extra);
        let page = browser
            .get(&env, &authorize_url(&client.client_id, &params))
            .await;
        assert!(
            body_text(&page).contains("name=\"password\""),
            "{extra:?}: sign in again"
        );
        let back = browser
            .sign_in(&env, "/oauth/authorize", &page, EMAIL, PASSWORD)
            .await;
        assert_eq!(
            back.status(),
            302,
            "{extra:?}: after signing in, no second sign-in"
        );
        let (_, t, _) = env
            .redeem(
                &client.client_id,
                secret.as_deref().unwrap(),
                &location_params(&back)["code"],
            )
            .await;
        let c = verified_claims(&env, t["id_token"].as_str().unwrap(), "JWT").await;
        assert_eq!(
            c["auth_time"].as_i64(),
            Some(env.now()),
            "{extra:?}: a new authentication"
        );
        env.advance(120);
    }
    // max_age not exceeded: no sign-in.
    let r = browser
        .get(
            &env,
            &authorize_url(
                &client.client_id,
                &[("scope", "openid"), ("max_age", "3600")],
            ),
        )
        .await;
    assert_eq!(r.status(), 302);
}

#[tokio::test]
async fn login_hint_fills_the_email_and_an_id_token_hint_for_another_user_asks_for_a_sign_in() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    oidc_user(&env).await;
    let page = env
        .authorize(get(
            &authorize_url(&client.client_id, &[("login_hint", "hint@example.com")]),
            &[],
        ))
        .await;
    assert!(body_text(&page).contains("value=\"hint@example.com\""));
    // An ID token of this user as hint: fine while signed in as them.
    let mut browser = Browser::default();
    let q = code_for(
        &env,
        &mut browser,
        &client.client_id,
        &[("scope", "openid")],
    )
    .await;
    let (_, t, _) = env
        .redeem(&client.client_id, secret.as_deref().unwrap(), &q["code"])
        .await;
    let hint = t["id_token"].as_str().unwrap();
    let r = browser
        .get(
            &env,
            &authorize_url(
                &client.client_id,
                &[
                    ("scope", "openid"),
                    ("id_token_hint", hint),
                    ("prompt", "none"),
                ],
            ),
        )
        .await;
    assert!(location_params(&r).contains_key("code"));
    // Another user signed in: the hint does not match.
    env.user(None, "bob@example.com", PASSWORD, "{}").await;
    let mut bob = Browser::default();
    bob.authorize_code(
        &env,
        &authorize_url(&client.client_id, &[("scope", "openid")]),
        "bob@example.com",
        PASSWORD,
    )
    .await;
    let r = bob
        .get(
            &env,
            &authorize_url(
                &client.client_id,
                &[
                    ("scope", "openid"),
                    ("id_token_hint", hint),
                    ("prompt", "none"),
                ],
            ),
        )
        .await;
    assert_eq!(location_params(&r)["error"], "login_required");
    // A forged hint is refused.
    let forged = format!("{}x", &hint[..hint.len() - 1]);
    let r = bob
        .get(
            &env,
            &authorize_url(&client.client_id, &[("id_token_hint", &forged)]),
        )
        .await;
    assert_eq!(location_params(&r)["error"], "invalid_request");
}

#[tokio::test]
async fn request_objects_and_registration_are_refused_by_name_with_iss() {
    let env = env().await;
    let (client, _) = env.client(|_| {}).await;
    for (k, v, e) in [
        (
            "request",
            "eyJhbGciOiJub25lIn0.e30.",
            "request_not_supported",
        ),
        (
            "request_uri",
            "https://rp.example/r",
            "request_uri_not_supported",
        ),
        ("registration", "{}", "registration_not_supported"),
    ] {
        let r = env
            .authorize(get(
                &authorize_url(&client.client_id, &[(k, v), ("state", "s")]),
                &[],
            ))
            .await;
        let q = location_params(&r);
        assert_eq!(
            (q["error"].as_str(), q["iss"].as_str(), q["state"].as_str()),
            (e, ISS, "s")
        );
    }
    // Unknown parameters are ignored.
    let r = env
        .authorize(get(
            &authorize_url(
                &client.client_id,
                &[("display", "popup"), ("ui_locales", "fr")],
            ),
            &[],
        ))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn form_post_posts_the_code_or_the_error_to_the_redirect_uri_with_js_or_without() {
    let env = env().await;
    let (client, _) = env.client(|_| {}).await;
    oidc_user(&env).await;
    let mut browser = Browser::default();
    let url = authorize_url(
        &client.client_id,
        &[
            ("scope", "openid"),
            ("response_mode", "form_post"),
            ("state", "fp"),
        ],
    );
    let login = browser.get(&env, &url).await;
    let consent = browser
        .sign_in(&env, "/oauth/authorize", &login, EMAIL, PASSWORD)
        .await;
    let page = browser
        .submit(&env, "/oauth/authorize", &consent, &[("action", "allow")])
        .await;
    assert_eq!(page.status(), 200);
    let html = body_text(&page);
    assert!(html.contains(&format!("action=\"{REDIRECT}\"")) && html.contains("method=\"post\""));
    assert!(
        html.contains("<noscript>") && html.contains("type=\"submit\""),
        "works with scripts off"
    );
    let fields: BTreeMap<String, String> = hidden_fields(&html).into_iter().collect();
    assert_eq!(
        (fields["state"].as_str(), fields["iss"].as_str()),
        ("fp", ISS)
    );
    assert!(fields.contains_key("code"));
    let csp = header_str(&page, "content-security-policy").unwrap();
    assert!(
        csp.contains("form-action https://client.example;") && csp.contains("script-src 'sha256-")
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(header_str(&page, "cache-control"), Some("no-store"));
    // Errors go the same way; an unknown mode is a page, not a redirect.
    let err = env
        .authorize(get(
            &authorize_url(
                &client.client_id,
                &[("response_mode", "form_post"), ("scope", "admin")],
            ),
            &[],
        ))
        .await;
    let fields: BTreeMap<String, String> = hidden_fields(&body_text(&err)).into_iter().collect();
    assert_eq!(fields["error"], "invalid_scope");
    let bad = env
        .authorize(get(
            &authorize_url(&client.client_id, &[("response_mode", "fragment")]),
            &[],
        ))
        .await;
    assert_eq!(bad.status(), 400);
    assert!(header_str(&bad, "location").is_none());
}

#[tokio::test]
async fn every_redirect_to_the_client_carries_iss() {
    let env = env().await;
    let (client, _) = env.client(|_| {}).await;
    oidc_user(&env).await;
    let mut browser = Browser::default();
    let q = code_for(&env, &mut browser, &client.client_id, &[]).await;
    assert_eq!(q["iss"], ISS);
    let url = format!(
        "/oauth/authorize?response_type=token&client_id={}&redirect_uri={}",
        client.client_id,
        urlenc(REDIRECT)
    );
    let e = env.authorize(get(&url, &[])).await;
    assert_eq!(location_params(&e)["error"], "unsupported_response_type");
    assert_eq!(location_params(&e)["iss"], ISS);
}
