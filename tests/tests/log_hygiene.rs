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
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let lines = logs.lines().count();
    println!(
        "captured {lines} log lines, searched for {} secret values",
        secrets.len()
    );
    assert!(lines > 10, "logging was on");
    assert!(
        logs.contains("\"outcome\""),
        "the request lines were captured"
    );
    for s in &secrets {
        assert!(s.len() >= 8);
        if let Some(line) = logs.lines().find(|l| l.contains(s.as_str())) {
            eprintln!("LEAK in: {}", line.replace(s.as_str(), "<SECRET>"));
        }
        assert!(
            !logs.contains(s.as_str()),
            "a secret value appears in the logs"
        );
    }
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
