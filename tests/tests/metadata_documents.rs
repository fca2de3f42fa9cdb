//! Client ID metadata documents (the MCP authorization specification's way
//! for a client to need no registration): a client whose `client_id` is an
//! https URL of its metadata signs a person in with PKCE; the document is
//! fetched once and cached; every unusable document, and every address a
//! fetch must never reach, is refused — the refusals tested through a stub
//! resolver, never by connecting anywhere but loopback.

use oauth_tests::https::{Canned, DocServer};
use oauth_tests::*;
use serde_json::{json, Value};
use std::time::Duration;

const HOST: &str = "mcp-client.test";
const CB: &str = "http://127.0.0.1:33418/callback";

fn doc(url: &str) -> Value {
    json!({
        "client_id": url,
        "client_name": "Docs MCP client",
        "client_uri": "https://mcp-client.test/",
        "redirect_uris": [CB],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none"
    })
}

/// A local stack whose outbound client trusts the test CA and resolves the
/// test host to loopback (the issuer is plain http on loopback: the local
/// exception holds).
async fn stack() -> (Env, DocServer, String) {
    let server = DocServer::start(&[HOST]).await;
    let mut env = env().await;
    let outbound = server.outbound(&env.state.config.issuer, &["127.0.0.1"]);
    env.state = env.state.clone().with_outbound(outbound);
    let url = format!("https://{HOST}:{}/oauth/client.json", server.port);
    (env, server, url)
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

#[tokio::test]
async fn a_metadata_document_client_signs_a_person_in_with_no_registration_and_is_fetched_once() {
    let (env, server, url) = stack().await;
    let mut cached = Canned::json(&doc(&url));
    cached
        .headers
        .push(("cache-control".into(), "max-age=3600".into()));
    server.serve("/oauth/client.json", cached);
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut browser = Browser::default();
    let (verifier, challenge) = pkce();
    let login = browser.get(&env, &authorize_for(&url, &challenge)).await;
    assert_eq!(login.status(), 200, "{}", body_text(&login));
    let consent = browser
        .sign_in(&env, "/oauth/authorize", &login, EMAIL, PASSWORD)
        .await;
    let html = body_text(&consent);
    assert!(
        html.contains("Docs MCP client") && html.contains("not verified"),
        "{html}"
    );
    assert!(
        html.contains("127.0.0.1") && html.contains("mcp-client.test"),
        "the hosts are shown"
    );
    let back = browser
        .submit(&env, "/oauth/authorize", &consent, &[("action", "allow")])
        .await;
    let code = location_params(&back)["code"].clone();
    let (status, t, _) = env
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("client_id", &url),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(server.hits(), 1, "fetched once");
    // A second sign-in fetches nothing: the document is cached in the table.
    let (_, challenge) = pkce();
    let again = browser.get(&env, &authorize_for(&url, &challenge)).await;
    assert!(
        body_text(&again).contains("value=\"allow\""),
        "consent each time: unverified"
    );
    assert_eq!(server.hits(), 1);
    let (status, t2, _) = env
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
            ("client_id", &url),
        ])
        .await;
    assert_eq!(status, 200, "{t2}");
    // Without PKCE: refused (a public client).
    let q = form(&[
        ("response_type", "code"),
        ("client_id", &url),
        ("redirect_uri", CB),
    ]);
    let resp = browser.get(&env, &format!("/oauth/authorize?{q}")).await;
    assert_eq!(location_params(&resp)["error"], "invalid_request");
}

/// The page a person sees for a client whose document cannot be used: a 400
/// page, never a redirect.
async fn refused_page(env: &Env, url: &str) -> String {
    let (_, challenge) = pkce();
    let resp = env
        .authorize(get(&authorize_for(url, &challenge), &[]))
        .await;
    assert_eq!(resp.status(), 400, "{}", body_text(&resp));
    assert!(header_str(&resp, "location").is_none(), "never a redirect");
    body_text(&resp)
}

#[tokio::test]
async fn every_unusable_document_is_a_clear_page_and_never_cached() {
    let (env, server, url) = stack().await;
    let cases: Vec<(&str, Canned)> = vec![
        ("its client_id is not the URL", {
            let mut d = doc(&url);
            d["client_id"] = json!("https://other.test/client.json");
            Canned::json(&d)
        }),
        ("it holds a client_secret", {
            let mut d = doc(&url);
            d["client_secret"] = json!("s3cret");
            Canned::json(&d)
        }),
        ("token_endpoint_auth_method must be none", {
            let mut d = doc(&url);
            d["token_endpoint_auth_method"] = json!("client_secret_basic");
            Canned::json(&d)
        }),
        ("redirect_uris", {
            let mut d = doc(&url);
            d["redirect_uris"] = json!(["http://evil.example/cb"]);
            Canned::json(&d)
        }),
        (
            "not a JSON object",
            Canned {
                body: b"<html>".to_vec(),
                ..Canned::json(&json!({}))
            },
        ),
        (
            "too large",
            Canned {
                body: vec![b' '; 20_000],
                ..Canned::json(&json!({}))
            },
        ),
        (
            "HTTP 302",
            Canned {
                status: 302,
                headers: vec![(
                    "location".into(),
                    "https://169.254.169.254/latest/meta-data".into(),
                )],
                ..Canned::json(&json!({}))
            },
        ),
        (
            "HTTP 404",
            Canned {
                status: 404,
                ..Canned::json(&json!({}))
            },
        ),
    ];
    for (why, canned) in cases {
        server.serve("/oauth/client.json", canned);
        let page = refused_page(&env, &url).await;
        assert!(page.contains(why), "{why}: {page}");
    }
    // The redirect URI must be one of the document's, exactly.
    server.serve("/oauth/client.json", Canned::json(&doc(&url)));
    let (_, challenge) = pkce();
    let q = form(&[
        ("response_type", "code"),
        ("client_id", &url),
        ("redirect_uri", "http://127.0.0.1:33418/other"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    let resp = env
        .authorize(get(&format!("/oauth/authorize?{q}"), &[]))
        .await;
    assert_eq!(resp.status(), 400);
    assert!(header_str(&resp, "location").is_none());
}

#[tokio::test]
async fn a_slow_document_times_out() {
    let (env, server, url) = stack().await;
    server.serve(
        "/oauth/client.json",
        Canned {
            delay: Duration::from_secs(8),
            ..Canned::json(&doc(&url))
        },
    );
    let started = std::time::Instant::now();
    let page = refused_page(&env, &url).await;
    let took = started.elapsed();
    println!(
        "a document answering in 8 s: refused after {} ms",
        took.as_millis()
    );
    assert!(page.contains("timed out"), "{page}");
    assert!(took < Duration::from_secs(7));
}

#[tokio::test]
async fn a_fetch_never_reaches_a_private_loopback_link_local_or_metadata_address() {
    // A deployment on a public issuer: no local exception. The stub resolver
    // answers what an attacker's DNS would; no connection is ever made (the
    // local server counts none).
    let server = DocServer::start(&[HOST]).await;
    let url = format!("https://{HOST}:{}/oauth/client.json", server.port);
    server.serve("/oauth/client.json", Canned::json(&doc(&url)));
    let mut env = env_with(|mut c| {
        c.issuer = "https://op.example".into();
        c
    })
    .await;
    for answer in [
        &["127.0.0.1"][..],
        &["10.0.0.5"],
        &["172.16.9.9"],
        &["192.168.1.1"],
        &["169.254.169.254"],
        &["100.64.0.1"],
        &["::1"],
        &["::ffff:127.0.0.1"],
        &["::ffff:169.254.169.254"],
        &["fd00:ec2::254"],
        &["fe80::1"],
        &["fc00::1", "10.0.0.1"],
    ] {
        env.state = env
            .state
            .clone()
            .with_outbound(server.outbound("https://op.example", answer));
        let page = refused_page(&env, &url).await;
        assert!(page.contains("no public address"), "{answer:?}: {page}");
    }
    // Address literals are refused before any request, whatever they spell.
    env.state = env
        .state
        .clone()
        .with_outbound(server.outbound("https://op.example", &["127.0.0.1"]));
    for literal in [
        "https://169.254.169.254/latest/client.json",
        "https://[::1]/client.json",
        "https://[::ffff:a9fe:a9fe]/client.json",
        "https://10.0.0.1/client.json",
    ] {
        let page = refused_page(&env, literal).await;
        assert!(page.contains("not usable"), "{literal}: {page}");
    }
    assert_eq!(server.hits(), 0, "nothing reached, not even loopback");
}
