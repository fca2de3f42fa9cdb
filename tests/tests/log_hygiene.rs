//! No token, code, secret, password or cookie in any log line: the whole flow
//! runs with every log level on, and the captured output is searched for every
//! secret value the flow issued or used.

use oauth_tests::*;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_whole_flow_logs_no_secret() {
    let (capture, _guard) = capture();
    let env = env().await;
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
    env.user(None, EMAIL, PASSWORD, r#"{"role":"AGENT"}"#).await;
    let mut secrets: Vec<String> = vec![secret.clone(), PASSWORD.to_string()];

    // Browser flow, collecting every cookie and CSRF value.
    let (verifier, challenge) = pkce();
    secrets.push(verifier.clone());
    let url = authorize_url(
        &client.client_id,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("state", "st"),
        ],
    );
    let mut browser = Browser::default();
    let login = browser.get(&env, &url).await;
    collect_cookies(&login, &mut secrets);
    secrets.extend(
        hidden_fields(&body_text(&login))
            .into_iter()
            .filter(|(k, _)| k == "csrf")
            .map(|(_, v)| v),
    );
    // A failed attempt logs too: the wrong password must not appear either.
    let wrong = "hunter2-wrong-password";
    secrets.push(wrong.into());
    let failed = browser
        .submit(
            &env,
            "/oauth/authorize",
            &login,
            &[("email", EMAIL), ("password", wrong)],
        )
        .await;
    assert_eq!(failed.status(), 400);
    let posted = browser
        .submit(
            &env,
            "/oauth/authorize",
            &failed,
            &[("email", EMAIL), ("password", PASSWORD)],
        )
        .await;
    collect_cookies(&posted, &mut secrets);
    let consent = browser
        .get(&env, header_str(&posted, "location").unwrap())
        .await;
    secrets.extend(
        hidden_fields(&body_text(&consent))
            .into_iter()
            .filter(|(k, _)| k == "csrf")
            .map(|(_, v)| v),
    );
    let back = browser
        .submit(&env, "/oauth/authorize", &consent, &[("action", "allow")])
        .await;
    let code = location_params(&back)["code"].clone();
    secrets.push(code.clone());

    let (_, t, _) = env
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", &client.client_id),
            ("client_secret", &secret),
        ])
        .await;
    // A replay (logs a warning and revokes the family).
    env.token_form(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", &verifier),
        ("client_id", &client.client_id),
        ("client_secret", &secret),
    ])
    .await;
    let (_, p, _) = env
        .token_form(&[
            ("grant_type", "password"),
            ("username", EMAIL),
            ("password", PASSWORD),
            ("client_id", &client.client_id),
            ("client_secret", &secret),
        ])
        .await;
    let (_, r, _) = env
        .refresh(
            &client.client_id,
            &secret,
            p["refresh_token"].as_str().unwrap(),
        )
        .await;
    for j in [&t, &p, &r] {
        for k in ["access_token", "refresh_token"] {
            if let Some(v) = j[k].as_str() {
                secrets.push(v.to_string());
            }
        }
    }
    let at = r["access_token"].as_str().unwrap();
    assert_eq!(
        env.userinfo(get(
            "/oauth/userinfo",
            &[("authorization", &format!("Bearer {at}"))]
        ))
        .await
        .status(),
        200
    );
    env.token(post_form(
        "/oauth/revoke",
        &[
            ("token", at),
            ("client_id", &client.client_id),
            ("client_secret", &secret),
        ],
        &[],
    ))
    .await;
    // Wrong secret via Basic.
    let bad = "not-the-secret-at-all";
    secrets.push(bad.into());
    env.token(post_form(
        "/oauth/token",
        &[("grant_type", "client_credentials")],
        &[("authorization", &basic_auth(&client.client_id, bad))],
    ))
    .await;

    assert_no_secret_in(&capture, &secrets);
}

/// Captures every log line of this thread's test, at TRACE level.
fn capture() -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    (capture, tracing::subscriber::set_default(subscriber))
}

fn assert_no_secret_in(capture: &Capture, secrets: &[String]) {
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    println!(
        "captured {} log lines, searched for {} secret values",
        logs.lines().count(),
        secrets.len()
    );
    assert!(
        logs.contains("\"outcome\""),
        "the request lines were captured"
    );
    for s in secrets {
        assert!(s.len() >= 8, "{s:?} is no secret value");
        if let Some(line) = logs.lines().find(|l| l.contains(s.as_str())) {
            eprintln!("LEAK in: {}", line.replace(s.as_str(), "<SECRET>"));
        }
        assert!(
            !logs.contains(s.as_str()),
            "a secret value appears in the logs"
        );
    }
}

/// Self-service: an initial access token, a registration and its
/// registration access tokens (RFC 7591/7592), the portal's secrets (shown
/// once, rotated) and test token, the pages' cookies and form tokens.
#[tokio::test(flavor = "current_thread")]
async fn registration_and_the_portal_log_no_secret() {
    let (capture, _guard) = capture();
    let env = env_with(|mut c| {
        c.client_registration = shared::config::RegistrationPolicy::Token;
        c
    })
    .await;
    let mut secrets: Vec<String> = vec![PASSWORD.to_string()];
    let made = shared::admin::registration_tokens::create(
        &env.state.store,
        Some(3600),
        Some(1),
        None,
        None,
        env.now(),
    )
    .await
    .unwrap();
    let initial = made["token"].as_str().unwrap().to_string();
    secrets.push(initial.clone());
    let metadata = serde_json::json!({
        "client_name": "Registered",
        "redirect_uris": ["https://app.example/cb"],
        "token_endpoint_auth_method": "client_secret_basic",
    });
    let (status, reg, _) = env
        .registration("POST", "/oauth/register", Some(&metadata), Some(&initial))
        .await;
    assert_eq!(status, 201, "{reg}");
    secrets.push(reg["client_secret"].as_str().unwrap().into());
    let uri = reg["registration_client_uri"].as_str().unwrap();
    let path = &uri[uri.find("/oauth/").unwrap()..];
    let token = reg["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    secrets.push(token.clone());
    let (status, read, _) = env.registration("GET", path, None, Some(&token)).await;
    assert_eq!(status, 200, "{read}");
    secrets.push(read["registration_access_token"].as_str().unwrap().into());
    // A used-up initial token and a wrong registration token, refused.
    let (status, _, _) = env
        .registration("POST", "/oauth/register", Some(&metadata), Some(&initial))
        .await;
    assert_eq!(status, 401);
    let wrong = "not-the-registration-token";
    secrets.push(wrong.into());
    let (status, _, _) = env.registration("GET", path, None, Some(wrong)).await;
    assert_eq!(status, 401);

    // The portal: sign in, register an app, rotate its secret, mint a test token.
    env.developer(EMAIL).await;
    let mut browser = Browser::default();
    let portal = browser
        .open_signed_in(&env, "/developers", EMAIL, PASSWORD)
        .await;
    collect_cookies(&portal, &mut secrets);
    secrets.extend(browser.cookie_values());
    let html = body_text(&portal);
    let fields = hidden_fields_of(&html, "value=\"register\"");
    secrets.extend(
        fields
            .iter()
            .filter(|(k, _)| k == "csrf")
            .map(|(_, v)| v.clone()),
    );
    let mut pairs = form_submission(
        &fields,
        &[
            ("action", "register"),
            ("client_name", "Portal App"),
            ("redirect_uris", "https://app.example/cb"),
            ("scope", "openid email"),
            ("token_endpoint_auth_method", "client_secret_basic"),
        ],
    );
    pairs.push(("grant_types", "authorization_code"));
    let app = browser.post(&env, "/developers", &pairs).await;
    let html = body_text(&app);
    let id = element_text(&html, "client_id").expect("the app's id");
    secrets.push(element_text(&html, "client_secret").expect("its secret"));
    let path = format!("/developers/apps/{id}");
    let rotated = browser
        .submit_form(
            &env,
            &path,
            &app,
            "value=\"rotate\"",
            &[("action", "rotate"), ("overlap_hours", "1")],
        )
        .await;
    secrets.push(element_text(&body_text(&rotated), "client_secret").expect("the new secret"));
    let minted = browser
        .submit_form(
            &env,
            &path,
            &rotated,
            "value=\"token\"",
            &[("action", "token"), ("scope", "openid email")],
        )
        .await;
    secrets.push(element_text(&body_text(&minted), "test_token").expect("a test token"));
    let account = browser.get(&env, "/account").await;
    assert_eq!(account.status(), 200);
    secrets.extend(
        hidden_fields(&body_text(&account))
            .into_iter()
            .filter(|(k, _)| k == "csrf")
            .map(|(_, v)| v),
    );
    secrets.extend(browser.cookie_values());
    assert_no_secret_in(&capture, &secrets);
}

fn collect_cookies(resp: &lambda_http::Response<lambda_http::Body>, out: &mut Vec<String>) {
    for v in resp.headers().get_all("set-cookie") {
        let first = v.to_str().unwrap().split(';').next().unwrap();
        if let Some((_, value)) = first.split_once('=') {
            if !value.is_empty() {
                out.push(value.to_string());
            }
        }
    }
}
