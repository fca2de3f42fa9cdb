//! Apps that register themselves: dynamic client registration (RFC 7591) and
//! its management (RFC 7592), the registration policies, an unused open
//! registration's removal, and registered resource servers (RFC 8707).

use oauth_tests::*;
use serde_json::{json, Value};
use shared::config::RegistrationPolicy;

const NATIVE_CB: &str = "http://127.0.0.1:8765/callback";

async fn open_env() -> Env {
    env_with(|mut c| {
        c.client_registration = RegistrationPolicy::Open;
        c
    })
    .await
}

fn mcp_metadata() -> Value {
    json!({
        "client_name": "An MCP client",
        "redirect_uris": [NATIVE_CB],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        "scope": "openid profile",
        "software_id": "mcp-client",
        "x-unknown-member": {"ignored": true}
    })
}

/// Signs the test user in at `authorize_url` for a public client with PKCE
/// and allows: the code and the verifier. Returns also the consent page.
async fn pkce_code(
    env: &Env,
    client_id: &str,
    redirect: &str,
    extra: &[(&str, &str)],
) -> (String, String, String) {
    // The person, once.
    let claims = Some(r#"{"name":"Ada"}"#);
    let _ = shared::admin::create_user(&env.state.store, None, EMAIL, PASSWORD, claims, env.now())
        .await;
    let (verifier, challenge) = pkce();
    let mut q = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
        ("state", "s1"),
    ];
    q.extend_from_slice(extra);
    let url = format!("/oauth/authorize?{}", form(&q));
    let mut browser = Browser::default();
    let login = browser.get(env, &url).await;
    assert_eq!(login.status(), 200, "{}", body_text(&login));
    let consent = browser
        .sign_in(env, "/oauth/authorize", &login, EMAIL, PASSWORD)
        .await;
    let consent_html = body_text(&consent);
    assert!(consent_html.contains("value=\"allow\""), "{consent_html}");
    let back = browser
        .submit(env, "/oauth/authorize", &consent, &[("action", "allow")])
        .await;
    assert_eq!(back.status(), 302, "{}", body_text(&back));
    (
        location_params(&back)["code"].clone(),
        verifier,
        consent_html,
    )
}

#[tokio::test]
async fn an_app_registers_itself_signs_a_person_in_and_manages_its_registration() {
    let env = open_env().await;
    let (status, reg, resp) = env
        .registration("POST", "/oauth/register", Some(&mcp_metadata()), None)
        .await;
    assert_eq!(status, 201, "{reg}");
    assert_eq!(header_str(&resp, "cache-control"), Some("no-store"));
    let id = reg["client_id"].as_str().unwrap().to_string();
    assert!(
        reg.get("client_secret").is_none(),
        "a public client has no secret"
    );
    for member in [
        "client_id_issued_at",
        "registration_access_token",
        "registration_client_uri",
    ] {
        assert!(reg.get(member).is_some(), "{member}: {reg}");
    }
    assert_eq!(reg["redirect_uris"], json!([NATIVE_CB]));
    assert_eq!(reg["token_endpoint_auth_method"], "none");
    assert_eq!(
        reg["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(reg["software_id"], "mcp-client");
    assert!(reg.get("x-unknown-member").is_none());
    let uri = reg["registration_client_uri"].as_str().unwrap();
    assert_eq!(uri, format!("http://127.0.0.1:9000/oauth/register/{id}"));

    // The code flow with PKCE, the consent page saying the app is unverified,
    // on a loopback redirect URI with another port (RFC 8252 §7.3).
    let other_port = "http://127.0.0.1:51999/callback";
    let (code, verifier, consent) = pkce_code(&env, &id, other_port, &[("scope", "profile")]).await;
    assert!(consent.contains("not verified"), "{consent}");
    assert!(
        consent.contains("127.0.0.1"),
        "the redirect URI's host is shown"
    );
    let (status, t, _) = env
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", other_port),
            ("client_id", &id),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(status, 200, "{t}");
    let refresh = t["refresh_token"].as_str().unwrap().to_string();

    // RFC 7592: read, with a new registration access token each time.
    let path = format!("/oauth/register/{id}");
    let token = reg["registration_access_token"].as_str().unwrap();
    let (status, read, _) = env.registration("GET", &path, None, Some(token)).await;
    assert_eq!(status, 200, "{read}");
    let token2 = read["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(token2, token);
    let (status, _, resp) = env.registration("GET", &path, None, Some(token)).await;
    assert_eq!(status, 401, "the old registration access token stopped");
    assert!(header_str(&resp, "www-authenticate")
        .unwrap()
        .contains("invalid_token"));
    // Replace: a new name.
    let mut new = mcp_metadata();
    new["client_id"] = json!(id);
    new["client_name"] = json!("Renamed");
    let (status, put, _) = env
        .registration("PUT", &path, Some(&new), Some(&token2))
        .await;
    assert_eq!(
        (status, put["client_name"].as_str()),
        (200, Some("Renamed")),
        "{put}"
    );
    let token3 = put["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    // Delete: every grant of the client ends at once.
    let (status, _, _) = env.registration("DELETE", &path, None, Some(&token3)).await;
    assert_eq!(status, 204);
    let (status, j, _) = env
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &id),
        ])
        .await;
    assert_eq!(status, 401, "the client is gone: {j}");
    assert!(env.state.store.get_client(&id).await.unwrap().is_none());
    assert!(env
        .state
        .store
        .authorization_keys(&id, None)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn every_bad_metadata_member_is_a_spec_shaped_error_naming_it() {
    let env = open_env().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"client_name": "x", "redirect_uris": ["http://app.example/cb"]}),
            "invalid_redirect_uri",
            "redirect_uris",
        ),
        (
            json!({"client_name": "x", "redirect_uris": ["https://a.example/cb#f"]}),
            "invalid_redirect_uri",
            "redirect_uris",
        ),
        (
            json!({"client_name": "x", "redirect_uris": "https://a.example/cb"}),
            "invalid_client_metadata",
            "redirect_uris",
        ),
        (
            json!({"client_name": "x", "redirect_uris": ["https://a.example/cb"], "grant_types": ["password"]}),
            "invalid_client_metadata",
            "grant_types",
        ),
        (
            json!({"client_name": "x", "redirect_uris": ["https://a.example/cb"], "grant_types": ["authorization_code", "client_credentials"]}),
            "invalid_client_metadata",
            "grant_types",
        ),
        (
            json!({"client_name": "x", "redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
            "token_endpoint_auth_method",
        ),
        (
            json!({"client_name": "x", "redirect_uris": ["https://a.example/cb"], "logo_uri": "javascript:alert(1)"}),
            "invalid_client_metadata",
            "logo_uri",
        ),
        (
            json!({"client_name": "x", "redirect_uris": ["http://127.0.0.1/cb"], "application_type": "web"}),
            "invalid_redirect_uri",
            "redirect_uris",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"]}),
            "invalid_client_metadata",
            "client_name",
        ),
        (
            json!({"client_name": "x", "redirect_uris": (0..11).map(|i| format!("https://a.example/{i}")).collect::<Vec<_>>()}),
            "invalid_redirect_uri",
            "redirect_uris",
        ),
    ];
    for (body, code, member) in cases {
        let (status, e, _) = env
            .registration("POST", "/oauth/register", Some(&body), None)
            .await;
        assert_eq!(
            (status, e["error"].as_str()),
            (400, Some(code)),
            "{body}: {e}"
        );
        assert!(
            e["error_description"].as_str().unwrap().starts_with(member),
            "{e}"
        );
    }
    // Not JSON at all.
    let req = post_form("/oauth/register", &[("client_name", "x")], &[]);
    let resp = env.account(req).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(json_body(&resp)["error"], "invalid_client_metadata");
}

#[tokio::test]
async fn who_may_register_is_the_deployments_choice() {
    let off = env().await;
    let (status, e, _) = off
        .registration("POST", "/oauth/register", Some(&mcp_metadata()), None)
        .await;
    assert_eq!((status, e["error"].as_str()), (403, Some("access_denied")));
    let meta = shared::discovery::metadata(&off.state);
    assert!(
        meta.get("registration_endpoint").is_none(),
        "not advertised when off"
    );
    assert_eq!(meta["client_id_metadata_document_supported"], true);

    let env = env_with(|mut c| {
        c.client_registration = RegistrationPolicy::Token;
        c
    })
    .await;
    let meta = shared::discovery::metadata(&env.state);
    assert_eq!(
        meta["registration_endpoint"],
        "http://127.0.0.1:9000/oauth/register"
    );
    let (status, _, _) = env
        .registration("POST", "/oauth/register", Some(&mcp_metadata()), None)
        .await;
    assert_eq!(status, 401, "no initial access token");
    let made = shared::admin::registration_tokens::create(
        &env.state.store,
        Some(3600),
        Some(2),
        None,
        None,
        env.now(),
    )
    .await
    .unwrap();
    let token = made["token"].as_str().unwrap();
    for _ in 0..2 {
        let (status, reg, _) = env
            .registration(
                "POST",
                "/oauth/register",
                Some(&mcp_metadata()),
                Some(token),
            )
            .await;
        assert_eq!(status, 201, "{reg}");
        let c = env
            .state
            .store
            .get_client(reg["client_id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(
            !c.unverified && c.expires_at.is_none(),
            "a token's registration is the operator's"
        );
    }
    let (status, _, _) = env
        .registration(
            "POST",
            "/oauth/register",
            Some(&mcp_metadata()),
            Some(token),
        )
        .await;
    assert_eq!(status, 401, "two uses, spent");

    // Open: anyone, fenced; an initial access token brought along is still
    // checked, and its registration is the operator's, not fenced.
    let open = open_env().await;
    let (status, reg, _) = open
        .registration("POST", "/oauth/register", Some(&mcp_metadata()), None)
        .await;
    assert_eq!(status, 201, "{reg}");
    let fenced = open
        .state
        .store
        .get_client(reg["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(fenced.unverified && fenced.expires_at.is_some());
    let (status, e, _) = open
        .registration(
            "POST",
            "/oauth/register",
            Some(&mcp_metadata()),
            Some("not-a-token"),
        )
        .await;
    assert_eq!((status, e["error"].as_str()), (401, Some("invalid_token")));
    let made = shared::admin::registration_tokens::create(
        &open.state.store,
        Some(3600),
        Some(1),
        None,
        None,
        open.now(),
    )
    .await
    .unwrap();
    let (status, reg, _) = open
        .registration(
            "POST",
            "/oauth/register",
            Some(&mcp_metadata()),
            made["token"].as_str(),
        )
        .await;
    assert_eq!(status, 201, "{reg}");
    let c = open
        .state
        .store
        .get_client(reg["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!c.unverified && c.expires_at.is_none());
}

#[tokio::test]
async fn an_open_registration_that_is_never_used_goes_and_each_use_pushes_that_on() {
    let env = open_env().await;
    let idle = env.state.config.client_idle_ttl;
    let (_, reg, _) = env
        .registration("POST", "/oauth/register", Some(&mcp_metadata()), None)
        .await;
    let id = reg["client_id"].as_str().unwrap().to_string();
    let client = env.state.store.get_client(&id).await.unwrap().unwrap();
    assert_eq!(client.expires_at, Some(env.now() + idle), "a DynamoDB TTL");
    // Used two days later: its removal moves on.
    env.advance(2 * 86_400);
    let (code, verifier, _) = pkce_code(&env, &id, NATIVE_CB, &[]).await;
    let (status, t, _) = env
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", NATIVE_CB),
            ("client_id", &id),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(status, 200, "{t}");
    let client = env.state.store.get_client(&id).await.unwrap().unwrap();
    assert_eq!(client.expires_at, Some(env.now() + idle));
    // Past it, unused: as good as gone (TTL deletes late, every read checks).
    env.advance(idle);
    let page = env
        .authorize(get(
            &format!("/oauth/authorize?response_type=code&client_id={id}"),
            &[],
        ))
        .await;
    assert_eq!(page.status(), 400);
    assert!(body_text(&page).contains("not registered"));
}

#[tokio::test]
async fn a_token_for_a_registered_resource_carries_it_as_its_only_audience_in_its_format() {
    let env = open_env().await;
    let mcp = "https://mcp.example.com/mcp";
    shared::admin::resources::create(
        &env.state.store,
        mcp,
        shared::admin::resources::ResourceSettings {
            scopes: Some(vec!["tools:read".into(), "tools:call".into()]),
            ..Default::default()
        },
        env.now(),
    )
    .await
    .unwrap();
    // A dynamically registered client knows nothing of it, yet may ask for it.
    let (_, reg, _) = env
        .registration("POST", "/oauth/register", Some(&mcp_metadata()), None)
        .await;
    let id = reg["client_id"].as_str().unwrap().to_string();
    let (code, verifier, consent) = pkce_code(
        &env,
        &id,
        NATIVE_CB,
        &[("resource", mcp), ("scope", "openid tools:read tools:call")],
    )
    .await;
    assert!(consent.contains("tools:call"));
    let (status, t, _) = env
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", NATIVE_CB),
            ("client_id", &id),
            ("code_verifier", &verifier),
            ("resource", mcp),
        ])
        .await;
    assert_eq!(status, 200, "{t}");
    let at = t["access_token"].as_str().unwrap();
    let claims = verified_claims(&env, at, "at+jwt").await;
    assert_eq!(claims["aud"], mcp, "its only audience");
    assert_eq!(
        claims["scope"], "tools:call tools:read",
        "only the resource's scopes"
    );
    assert_eq!(t["scope"], "tools:call tools:read");
    // With no scope asked, the resource's scopes.
    let (code, verifier, _) = pkce_code(&env, &id, NATIVE_CB, &[("resource", mcp)]).await;
    let (_, t, _) = env
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", NATIVE_CB),
            ("client_id", &id),
            ("code_verifier", &verifier),
        ])
        .await;
    let claims = verified_claims(&env, t["access_token"].as_str().unwrap(), "at+jwt").await;
    assert_eq!(
        (claims["aud"].as_str(), claims["scope"].as_str()),
        (Some(mcp), Some("tools:call tools:read"))
    );
    // An unknown resource: invalid_target, at both endpoints.
    let (_, challenge) = pkce();
    let q = form(&[
        ("response_type", "code"),
        ("client_id", &id),
        ("redirect_uri", NATIVE_CB),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
        ("resource", "https://unknown.example/mcp"),
    ]);
    let resp = env
        .authorize(get(&format!("/oauth/authorize?{q}"), &[]))
        .await;
    assert_eq!(location_params(&resp)["error"], "invalid_target");
    // (No openid: a refresh token without offline_access.)
    let (code, verifier, _) = pkce_code(
        &env,
        &id,
        NATIVE_CB,
        &[("resource", mcp), ("scope", "tools:read")],
    )
    .await;
    let (_, t, _) = env
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", NATIVE_CB),
            ("client_id", &id),
            ("code_verifier", &verifier),
        ])
        .await;
    let refresh = t["refresh_token"].as_str().unwrap();
    let (status, e, _) = env
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &id),
            ("resource", "https://unknown.example/mcp"),
        ])
        .await;
    assert_eq!((status, e["error"].as_str()), (400, Some("invalid_target")));
}

#[tokio::test]
async fn a_body_that_is_not_json_text_is_invalid_client_metadata() {
    let env = open_env().await;
    for (method, uri) in [("POST", "/oauth/register"), ("PUT", "/oauth/register/0")] {
        let req = http::Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .header("authorization", "Bearer x")
            .body(lambda_http::Body::Binary(b"~\xff\xfe\x80y".to_vec()))
            .unwrap();
        let resp = env.account(req).await;
        let status = resp.status().as_u16();
        assert!(status == 400 || status == 401, "{method} {uri}: {status}");
        if status == 400 {
            assert_eq!(json_body(&resp)["error"], "invalid_client_metadata");
        }
    }
}
