//! Documents served to everyone: server metadata (RFC 8414) and the OpenAPI document.

use oauth_tests::*;

#[tokio::test]
async fn metadata_lists_every_endpoint_from_the_issuer() {
    let env = env().await;
    let resp = env
        .userinfo(get("/.well-known/oauth-authorization-server", &[]))
        .await;
    assert_eq!(resp.status(), 200);
    let m = json_body(&resp);
    assert_eq!(m["issuer"], "http://127.0.0.1:9000");
    for (k, path) in [
        ("authorization_endpoint", "/oauth/authorize"),
        ("token_endpoint", "/oauth/token"),
        ("userinfo_endpoint", "/oauth/userinfo"),
        ("revocation_endpoint", "/oauth/revoke"),
        ("introspection_endpoint", "/oauth/introspect"),
    ] {
        assert_eq!(m[k], format!("http://127.0.0.1:9000{path}"));
    }
    assert_eq!(
        m["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(m["response_types_supported"], serde_json::json!(["code"]));
    for g in [
        "authorization_code",
        "refresh_token",
        "password",
        "client_credentials",
    ] {
        assert!(m["grant_types_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == g));
    }
}

#[tokio::test]
async fn the_openapi_document_is_served_whatever_authorization_header_comes_with_it() {
    let env = env().await;
    for headers in [vec![], vec![("authorization", "Basic Zm9vOmJhcg==")]] {
        let resp = env.userinfo(get("/openapi.yaml", &headers)).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(
            header_str(&resp, "content-type"),
            Some("application/yaml; charset=utf-8")
        );
        assert!(body_text(&resp).starts_with("openapi: 3.1"));
        let meta = env
            .userinfo(get("/.well-known/oauth-authorization-server", &headers))
            .await;
        assert_eq!(meta.status(), 200);
    }
}
