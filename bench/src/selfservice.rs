//! The self-service figures: a registration (RFC 7591, open policy), a
//! sign-in with a Client ID Metadata Document on first use (fetched over https
//! from a loopback server, then cached in the table) and when cached, that
//! client's code grant, the account page with the apps a person allowed, and
//! a revocation from it. Same measurements as the warm stages (latency,
//! DynamoDB requests, sequential ones, capacity units by DynamoDB's sizing
//! rules); the document fetch is outbound HTTP, not DynamoDB.

use crate::warm::{timed, Samples};
use lambda_http::{Body, Request};
use oauth_tests::https::{Canned, DocServer};
use oauth_tests::{
    body_text, env_with, form, form_submission, get, hidden_fields_of, pkce, post_form, Browser,
    Env, EMAIL, PASSWORD,
};
use serde_json::{json, Value};
use shared::config::RegistrationPolicy;

const HOST: &str = "mcp-client.test";
const CB: &str = "http://127.0.0.1:33418/callback";
/// Requests per table, as in the warm stages.
const PER_TABLE: usize = 100;

async fn stack() -> (Env, DocServer) {
    let server = DocServer::start(&[HOST]).await;
    let mut env = env_with(|mut c| {
        c.client_registration = RegistrationPolicy::Open;
        c
    })
    .await;
    let outbound = server.outbound(&env.state.config.issuer, &["127.0.0.1"]);
    env.state = env.state.clone().with_outbound(outbound);
    env.user(None, EMAIL, PASSWORD, "{}").await;
    (env, server)
}

fn document(url: &str) -> Canned {
    let mut c = Canned::json(&json!({
        "client_id": url, "client_name": "Bench MCP client", "redirect_uris": [CB],
        "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
        "token_endpoint_auth_method": "none"
    }));
    c.headers
        .push(("cache-control".into(), "max-age=3600".into()));
    c
}

fn authorize_for(client_id: &str, challenge: &str) -> String {
    let q = form(&[
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", CB),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
        ("state", "st"),
    ]);
    format!("/oauth/authorize?{q}")
}

fn registration() -> Request {
    let body = json!({
        "client_name": "Bench MCP agent", "redirect_uris": [CB],
        "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
        "token_endpoint_auth_method": "none"
    });
    lambda_http::http::Request::builder()
        .method("POST")
        .uri("/oauth/register")
        .header("content-type", "application/json")
        .body(Body::Text(body.to_string()))
        .unwrap()
}

#[derive(Clone, Copy)]
enum Case {
    Registration,
    DocumentFirstUse,
    DocumentCached,
    DocumentCodeGrant,
    AccountPage,
    AccountRevoke,
}

impl Case {
    fn name(self) -> &'static str {
        match self {
            Case::Registration => "registration (RFC 7591, open, public client)",
            Case::DocumentFirstUse => {
                "authorize: login page, metadata-document client, first use (fetch + cache)"
            }
            Case::DocumentCached => "authorize: login page, metadata-document client, cached",
            Case::DocumentCodeGrant => "authorization_code grant, metadata-document client (PKCE)",
            Case::AccountPage => "account page (one app allowed, one session)",
            Case::AccountRevoke => "account page: revoke an app",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Case::Registration => "registration",
            Case::DocumentFirstUse => "cimd_first_use",
            Case::DocumentCached => "cimd_cached",
            Case::DocumentCodeGrant => "cimd_code_grant",
            Case::AccountPage => "account_page",
            Case::AccountRevoke => "account_revoke",
        }
    }
}

/// One app allowed by the person in `browser` (setup, not measured).
async fn allow(env: &Env, browser: &mut Browser, client_id: &str) {
    let challenge = pkce().1;
    let q = browser
        .authorize_code(env, &authorize_for(client_id, &challenge), EMAIL, PASSWORD)
        .await;
    assert!(q.contains_key("code"), "{q:?}");
}

async fn run(case: Case, n: usize) -> Samples {
    let (env, server) = stack().await;
    let st = &env.state;
    let store = &st.store;
    let status = |r: lambda_http::Response<Body>| r.status().as_u16();
    let url = |i: usize| format!("https://{HOST}:{}/c/{i}.json", server.port);
    let mut s = Samples::default();
    match case {
        Case::Registration => {
            for _ in 0..n {
                let req = registration();
                timed(store, &mut s, async {
                    status(account::handle(st, req).await)
                })
                .await;
            }
        }
        Case::DocumentFirstUse => {
            for i in 0..n {
                server.serve(&format!("/c/{i}.json"), document(&url(i)));
                let req = get(&authorize_for(&url(i), &pkce().1), &[]);
                timed(store, &mut s, async {
                    status(authorize::handle(st, req).await)
                })
                .await;
            }
            assert_eq!(server.hits(), n, "one fetch per first use");
        }
        Case::DocumentCached => {
            server.serve("/c/0.json", document(&url(0)));
            let page = authorize_for(&url(0), &pkce().1);
            authorize::handle(st, get(&page, &[])).await;
            for _ in 0..n {
                let req = get(&page, &[]);
                timed(store, &mut s, async {
                    status(authorize::handle(st, req).await)
                })
                .await;
            }
            assert_eq!(server.hits(), 1, "fetched once");
        }
        Case::DocumentCodeGrant => {
            server.serve("/c/0.json", document(&url(0)));
            let client_id = url(0);
            let mut browser = Browser::default();
            // One grant first, untimed: a warm environment has made its signing
            // key and read the keyset (the first signature on a new table does).
            for i in 0..=n {
                let (verifier, challenge) = pkce();
                let q = browser
                    .authorize_code(
                        &env,
                        &authorize_for(&client_id, &challenge),
                        EMAIL,
                        PASSWORD,
                    )
                    .await;
                let body = [
                    ("grant_type", "authorization_code"),
                    ("code", q["code"].as_str()),
                    ("redirect_uri", CB),
                    ("client_id", client_id.as_str()),
                    ("code_verifier", verifier.as_str()),
                ];
                let req = post_form("/oauth/token", &body, &[]);
                if i == 0 {
                    assert_eq!(status(token::handle(st, req).await), 200);
                    continue;
                }
                timed(store, &mut s, async {
                    status(token::handle(st, req).await)
                })
                .await;
            }
        }
        Case::AccountPage => {
            server.serve("/c/0.json", document(&url(0)));
            let mut browser = Browser::default();
            let page = browser
                .open_signed_in(&env, "/account", EMAIL, PASSWORD)
                .await;
            assert_eq!(page.status(), 200);
            allow(&env, &mut browser, &url(0)).await;
            let cookie = browser.cookie_header();
            for _ in 0..n {
                let req = get("/account", &[("cookie", &cookie)]);
                timed(store, &mut s, async {
                    status(account::handle(st, req).await)
                })
                .await;
            }
        }
        Case::AccountRevoke => {
            server.serve("/c/0.json", document(&url(0)));
            let mut browser = Browser::default();
            browser
                .open_signed_in(&env, "/account", EMAIL, PASSWORD)
                .await;
            let marker = format!("value=\"{}\"", url(0));
            for _ in 0..n {
                allow(&env, &mut browser, &url(0)).await;
                let page = browser.get(&env, "/account").await;
                let fields = hidden_fields_of(&body_text(&page), &marker);
                let pairs = form_submission(&fields, &[("action", "revoke")]);
                let req = post_form("/account", &pairs, &[("cookie", &browser.cookie_header())]);
                timed(store, &mut s, async {
                    status(account::handle(st, req).await)
                })
                .await;
            }
        }
    }
    s
}

/// Every case, `n` requests each (on fresh tables every hundred).
pub async fn measure(n: usize) -> Vec<Value> {
    let cases = [
        Case::Registration,
        Case::DocumentFirstUse,
        Case::DocumentCached,
        Case::DocumentCodeGrant,
        Case::AccountPage,
        Case::AccountRevoke,
    ];
    let mut out = Vec::new();
    for case in cases {
        eprintln!("  {}: {n} requests", case.name());
        let mut all = Samples::default();
        let mut done = 0;
        while done < n {
            let batch = PER_TABLE.min(n - done);
            all.extend(run(case, batch).await);
            done += batch;
        }
        out.push(all.summary_named(case.name(), case.key()));
    }
    out
}
