//! The developer portal ("My Apps") and the account page ("what I allowed"),
//! driven like a person at a browser: signing in through `/login`, every
//! form with its token, another developer's app refused in every form and
//! URL, a rotated secret's overlap, a test token, and an app's access ended
//! at once from the account page.

use oauth_tests::*;

const DEV: &str = "dev@example.com";
const DEV2: &str = "other-dev@example.com";

/// Registers an app in the portal: the app page (with its secret).
async fn register(
    env: &Env,
    browser: &mut Browser,
    extra: &[(&str, &str)],
) -> lambda_http::Response<lambda_http::Body> {
    let portal = browser
        .open_signed_in(env, "/developers", DEV, PASSWORD)
        .await;
    assert_eq!(portal.status(), 200, "{}", body_text(&portal));
    let mut fields = vec![
        ("action", "register"),
        ("client_name", "My Portal App"),
        ("redirect_uris", "https://client.example/cb"),
        ("scope", "openid email profile"),
        ("token_endpoint_auth_method", "client_secret_basic"),
        ("client_uri", "https://client.example/"),
    ];
    fields.extend_from_slice(extra);
    let pairs: Vec<(String, String)> = hidden_fields_of(&body_text(&portal), "value=\"register\"")
        .into_iter()
        .chain(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .chain(
            ["authorization_code", "refresh_token", "client_credentials"]
                .map(|g| ("grant_types".to_string(), g.to_string())),
        )
        .collect();
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post(env, "/developers", &pairs).await
}

/// The settings form as a browser sends it: its selects and checkboxes too.
fn settings<'a>(redirect_uris: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("action", "update"),
        ("redirect_uris", redirect_uris),
        ("client_name", name),
        ("scope", "openid email profile"),
        ("token_endpoint_auth_method", "client_secret_basic"),
        ("grant_types", "authorization_code"),
        ("grant_types", "refresh_token"),
        ("grant_types", "client_credentials"),
    ]
}

async fn client_credentials(env: &Env, id: &str, secret: &str) -> u16 {
    let basic = basic_auth(id, secret);
    env.token(post_form(
        "/oauth/token",
        &[("grant_type", "client_credentials")],
        &[("authorization", &basic)],
    ))
    .await
    .status()
    .as_u16()
}

#[tokio::test]
async fn a_developer_registers_an_app_rotates_its_secret_without_an_outage_and_mints_a_test_token()
{
    let env = env().await;
    let sub = env.developer(DEV).await;
    let mut browser = Browser::default();
    let app = register(&env, &mut browser, &[]).await;
    assert_eq!(app.status(), 200, "{}", body_text(&app));
    let html = body_text(&app);
    let id = element_text(&html, "client_id").expect("the client id");
    let secret = element_text(&html, "client_secret").expect("the secret, shown once");
    let client = env.state.store.get_client(&id).await.unwrap().unwrap();
    assert_eq!(client.owner.as_deref(), Some(sub.as_str()));
    assert_eq!(client.registered_by, shared::store::RegisteredBy::Portal);
    assert_eq!(client_credentials(&env, &id, &secret).await, 200);
    // The app's page again: the secret is not shown.
    let path = format!("/developers/apps/{id}");
    let page = browser.get(&env, &path).await;
    assert!(element_text(&body_text(&page), "client_secret").is_none());
    // Rotating with a 24-hour overlap: both secrets work, then only the new.
    let rotated = browser
        .submit_form(
            &env,
            &path,
            &page,
            "value=\"rotate\"",
            &[("action", "rotate"), ("overlap_hours", "24")],
        )
        .await;
    let new_secret = element_text(&body_text(&rotated), "client_secret").expect("the new secret");
    assert_ne!(new_secret, secret);
    assert_eq!(
        client_credentials(&env, &id, &secret).await,
        200,
        "the old one during the overlap"
    );
    assert_eq!(client_credentials(&env, &id, &new_secret).await, 200);
    env.advance(24 * 3600 + 1);
    assert_eq!(
        client_credentials(&env, &id, &secret).await,
        401,
        "the old one after it"
    );
    assert_eq!(client_credentials(&env, &id, &new_secret).await, 200);
    // A test token for the developer's own account (signed in again: the
    // session is older than its 8 hours by now).
    let page = browser.open_signed_in(&env, &path, DEV, PASSWORD).await;
    let minted = browser
        .submit_form(
            &env,
            &path,
            &page,
            "value=\"token\"",
            &[("action", "token"), ("scope", "openid email")],
        )
        .await;
    let token = element_text(&body_text(&minted), "test_token").expect("a test token, shown once");
    let info = env
        .userinfo(get(
            "/oauth/userinfo",
            &[("authorization", &format!("Bearer {token}"))],
        ))
        .await;
    assert_eq!(json_body(&info)["email"], DEV);
    // Editing: the redirect URIs change; a bad one is refused by the same rules.
    let page = browser.get(&env, &path).await;
    let bad = browser
        .submit_form(
            &env,
            &path,
            &page,
            "value=\"update\"",
            &settings("http://evil.example/cb", "My Portal App"),
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert!(body_text(&bad).contains("redirect_uris"));
    let saved = browser
        .submit_form(
            &env,
            &path,
            &page,
            "value=\"update\"",
            &settings(
                "https://client.example/cb\nhttps://client.example/cb2",
                "Renamed App",
            ),
        )
        .await;
    assert_eq!(saved.status(), 200, "{}", body_text(&saved));
    assert!(
        !body_text(&saved).contains("Previous secret"),
        "the overlap is over"
    );
    let client = env.state.store.get_client(&id).await.unwrap().unwrap();
    assert_eq!(client.name, "Renamed App");
    assert_eq!(client.redirect_uris.len(), 2);
    // Listed among the developer's apps.
    let portal = browser.get(&env, "/developers").await;
    assert!(body_text(&portal).contains("Renamed App"));
}

#[tokio::test]
async fn a_developer_sees_and_changes_only_their_own_apps() {
    let env = env().await;
    env.developer(DEV).await;
    env.developer(DEV2).await;
    let mut owner = Browser::default();
    let app = register(&env, &mut owner, &[]).await;
    let id = element_text(&body_text(&app), "client_id").unwrap();
    let path = format!("/developers/apps/{id}");
    let mut other = Browser::default();
    let own_portal = other
        .open_signed_in(&env, "/developers", DEV2, PASSWORD)
        .await;
    assert!(
        !body_text(&own_portal).contains(&id),
        "not in another developer's list"
    );
    let page = other.get(&env, &path).await;
    assert_eq!(page.status(), 404, "another developer's app is not found");
    // Every form, with the other developer's own valid form token.
    let own_token = hidden_fields_of(&body_text(&own_portal), "value=\"register\"")
        .into_iter()
        .find(|(k, _)| k == "csrf")
        .unwrap()
        .1;
    for action in ["update", "rotate", "delete", "token"] {
        let resp = other
            .post(
                &env,
                &path,
                &[
                    ("csrf", &own_token),
                    ("action", action),
                    ("client_name", "Stolen"),
                    ("redirect_uris", "https://evil.example/cb"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 404, "{action}");
    }
    let client = env.state.store.get_client(&id).await.unwrap().unwrap();
    assert_eq!(client.name, "My Portal App", "unchanged");
    // A person who is not a developer has no portal.
    env.user(None, "plain@example.com", PASSWORD, "{}").await;
    let mut plain = Browser::default();
    let page = plain
        .open_signed_in(&env, "/developers", "plain@example.com", PASSWORD)
        .await;
    assert_eq!(page.status(), 403);
    // Forms without their token are refused.
    let resp = owner.post(&env, &path, &[("action", "delete")]).await;
    assert_eq!(resp.status(), 403);
    assert!(env.state.store.get_client(&id).await.unwrap().is_some());
}

#[tokio::test]
async fn a_person_sees_an_app_they_allowed_and_revoking_it_ends_its_tokens_at_once() {
    let env = env().await;
    let (client, secret) = env
        .client(|c| c.scopes = vec!["read".into(), "write".into()])
        .await;
    let secret = secret.unwrap();
    let tokens = code_tokens(&env, &client.client_id, &secret).await;
    let (at, rt) = (
        tokens["access_token"].as_str().unwrap(),
        tokens["refresh_token"].as_str().unwrap(),
    );
    assert_eq!(userinfo_status(&env, at).await, 200);
    let mut browser = Browser::default();
    let page = browser
        .open_signed_in(&env, "/account", EMAIL, PASSWORD)
        .await;
    assert_eq!(page.status(), 200, "{}", body_text(&page));
    let html = body_text(&page);
    assert!(
        html.contains("Test App") && html.contains("client.example"),
        "{html}"
    );
    let marker = format!("value=\"{}\"", client.client_id);
    let done = browser
        .submit_form(&env, "/account", &page, &marker, &[("action", "revoke")])
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        userinfo_status(&env, at).await,
        401,
        "the opaque access token, at once"
    );
    let (status, _, _) = env.refresh(&client.client_id, &secret, rt).await;
    assert_eq!(status, 400, "the refresh token, at once");
    let who = shared::admin::UserRef::Email {
        tenant: None,
        email: EMAIL.into(),
    };
    let user = shared::admin::users::show_user(&env.state.store, &who)
        .await
        .unwrap();
    let sub = user["sub"].as_str().unwrap();
    let consent = env.state.store.get_consent(sub, &client.client_id).await;
    assert!(consent.unwrap().is_none(), "the consent is forgotten");
    let page = browser.get(&env, "/account").await;
    assert!(!body_text(&page).contains("Test App"));
    // Another person's app id in the revoke form revokes nothing of theirs.
    let forged = browser
        .submit_form(
            &env,
            "/account",
            &page,
            "sign-out-everywhere",
            &[("action", "revoke"), ("client_id", "someone-elses")],
        )
        .await;
    assert_eq!(
        forged.status(),
        403,
        "the token is bound to the app it was made for"
    );
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_person() {
    let env = env().await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut a = Browser::default();
    let mut b = Browser::default();
    a.open_signed_in(&env, "/account", EMAIL, PASSWORD).await;
    let page = b.open_signed_in(&env, "/account", EMAIL, PASSWORD).await;
    let html = body_text(&page);
    assert!(
        html.matches("<tr>").count() >= 3,
        "both sessions listed: {html}"
    );
    let out = b
        .submit_form(
            &env,
            "/account",
            &page,
            "sign-out-everywhere",
            &[("action", "sign-out-everywhere")],
        )
        .await;
    assert_eq!(out.status(), 303, "{}", body_text(&out));
    let again = a.get(&env, "/account").await;
    assert_eq!(again.status(), 303, "the other browser is signed out too");
    assert!(header_str(&again, "location")
        .unwrap()
        .starts_with("/login"));
}

#[tokio::test]
async fn a_person_changes_their_password_with_the_current_one_behind_the_lockout() {
    let env = env().await;
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut other = Browser::default();
    other
        .open_signed_in(&env, "/account", EMAIL, PASSWORD)
        .await;
    let mut browser = Browser::default();
    let page = browser
        .open_signed_in(&env, "/account/password", EMAIL, PASSWORD)
        .await;
    assert_eq!(page.status(), 200, "{}", body_text(&page));
    let wrong = browser
        .submit(
            &env,
            "/account/password",
            &page,
            &[
                ("current_password", "nope"),
                ("new_password", "a new passphrase"),
                ("new_password_again", "a new passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 400);
    let done = browser
        .submit(
            &env,
            "/account/password",
            &page,
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new passphrase"),
                ("new_password_again", "a new passphrase"),
            ],
        )
        .await;
    assert_eq!(done.status(), 200, "{}", body_text(&done));
    assert!(body_text(&done).contains("changed"));
    let (client, secret) = env.client(|c| c.grants = vec!["password".into()]).await;
    let (s, _, _) = env
        .token_form(&password_body(
            &client.client_id,
            secret.as_deref(),
            EMAIL,
            "a new passphrase",
        ))
        .await;
    assert_eq!(s, 200, "the new password works");
    let (s, _, _) = env
        .token_form(&password_body(
            &client.client_id,
            secret.as_deref(),
            EMAIL,
            PASSWORD,
        ))
        .await;
    assert_eq!(s, 400, "the old one does not");
    assert_eq!(
        other.get(&env, "/account").await.status(),
        303,
        "other browsers are signed out"
    );
    assert_eq!(
        browser.get(&env, "/account").await.status(),
        200,
        "this one stays"
    );
}
