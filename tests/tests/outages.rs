//! DynamoDB unreachable or stalling: every endpoint answers 503 in time.

use oauth_tests::*;
use shared::{Config, State};
use std::time::{Duration, Instant};

/// A TCP server that accepts connections and never answers.
async fn stalling_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    format!("http://{addr}")
}

fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

#[tokio::test]
async fn every_endpoint_answers_503_within_5_seconds_when_dynamodb_is_down_or_stalls() {
    for (name, endpoint) in [
        ("closed port", closed_port()),
        ("stalling server", stalling_server().await),
    ] {
        let store = shared::store::Store::with_endpoint("t-down", &endpoint).await;
        let env = Env {
            state: State::new(Config::new("t-down", "http://127.0.0.1:9000"), store),
        };
        // Well-formed credentials, so that each request needs DynamoDB (a
        // malformed one is refused without it).
        let grant_id = shared::credential::new_grant_id();
        let (code, token) = (
            shared::credential::mint(&grant_id),
            shared::credential::mint(&grant_id),
        );
        let bearer = format!("Bearer {token}");
        let cases: Vec<(&str, lambda_http::Request)> = vec![
            ("authorize", get(&authorize_url("c", &[]), &[])),
            (
                "token",
                post_form(
                    "/oauth/token",
                    &[
                        ("grant_type", "authorization_code"),
                        ("code", &code),
                        ("client_id", "c"),
                        ("client_secret", "s"),
                    ],
                    &[],
                ),
            ),
            (
                "password",
                post_form(
                    "/oauth/token",
                    &[
                        ("grant_type", "password"),
                        ("username", "u@x.io"),
                        ("password", "p"),
                        ("client_id", "c"),
                        ("client_secret", "s"),
                    ],
                    &[],
                ),
            ),
            (
                "revoke",
                post_form(
                    "/oauth/revoke",
                    &[
                        ("token", &token),
                        ("client_id", "c"),
                        ("client_secret", "s"),
                    ],
                    &[],
                ),
            ),
            (
                "introspect",
                post_form(
                    "/oauth/introspect",
                    &[
                        ("token", &token),
                        ("client_id", "c"),
                        ("client_secret", "s"),
                    ],
                    &[],
                ),
            ),
            (
                "userinfo",
                get("/oauth/userinfo", &[("authorization", &bearer)]),
            ),
        ];
        let started = Instant::now();
        let results = futures::future::join_all(cases.into_iter().map(|(what, req)| {
            let env = &env;
            async move {
                let t = Instant::now();
                let resp = match what {
                    "authorize" => env.authorize(req).await,
                    "userinfo" => env.userinfo(req).await,
                    _ => env.token(req).await,
                };
                (what, resp, t.elapsed())
            }
        }))
        .await;
        for (what, resp, took) in results {
            println!(
                "{name}: {what} answered {} in {:.2} s",
                resp.status(),
                took.as_secs_f64()
            );
            assert_eq!(resp.status(), 503, "{name}: {what}");
            assert!(
                took < Duration::from_secs(5),
                "{name}: {what} took {took:?}"
            );
            if what != "authorize" {
                assert_eq!(
                    json_body(&resp)["error"],
                    "temporarily_unavailable",
                    "{name}: {what}"
                );
            } else {
                assert!(body_text(&resp).contains("temporarily unavailable"));
            }
        }
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
