//! The Rust `oauth2` crate as a client of the running local stack, used as its
//! documentation shows: authorization code with PKCE, refresh, client
//! credentials. Needs the stack: `infra/test.sh` runs it with `--ignored` and
//! `OAUTH_BASE` / `OAUTHCTL` set.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl,
    Scope, TokenResponse, TokenUrl,
};
use oauth_tests::hidden_fields;
use std::collections::BTreeMap;

fn base() -> String {
    std::env::var("OAUTH_BASE").expect("OAUTH_BASE: run through `make test`")
}

fn oauthctl(args: &[&str]) -> serde_json::Value {
    let bin = std::env::var("OAUTHCTL").expect("OAUTHCTL: run through `make test`");
    let out = std::process::Command::new(bin)
        .args(args)
        .output()
        .expect("run oauthctl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A user at a browser: keeps cookies, submits the login and consent forms.
struct User {
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
}

impl User {
    fn new() -> Self {
        Self {
            agent: ureq::AgentBuilder::new().redirects(0).build(),
            cookies: BTreeMap::new(),
        }
    }

    fn keep_cookies(&mut self, resp: &ureq::Response) {
        for c in resp.all("set-cookie") {
            let first = c.split(';').next().unwrap();
            let (k, v) = first.split_once('=').unwrap();
            self.cookies.insert(k.to_string(), v.to_string());
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn get(&mut self, url: &str) -> ureq::Response {
        let resp = self
            .agent
            .get(url)
            .set("cookie", &self.cookie_header())
            .call()
            .expect("GET");
        self.keep_cookies(&resp);
        resp
    }

    fn submit(&mut self, url: &str, page: &str, extra: &[(&str, &str)]) -> ureq::Response {
        let fields = hidden_fields(page);
        let mut pairs: Vec<(&str, &str)> = fields
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.extend_from_slice(extra);
        let resp = self
            .agent
            .post(url)
            .set("cookie", &self.cookie_header())
            .send_form(&pairs)
            .expect("POST");
        self.keep_cookies(&resp);
        resp
    }

    /// From the authorize URL to the redirect URI's query.
    fn authorize(&mut self, url: &str, email: &str, password: &str) -> BTreeMap<String, String> {
        let action = format!("{}/oauth/authorize", base());
        let login = self.get(url).into_string().unwrap();
        let after = self.submit(&action, &login, &[("email", email), ("password", password)]);
        assert_eq!(after.status(), 303);
        let next = format!("{}{}", base(), after.header("location").unwrap());
        let consent = self.get(&next).into_string().unwrap();
        let back = self.submit(&action, &consent, &[("action", "allow")]);
        assert_eq!(back.status(), 302);
        let loc = url::Url::parse(back.header("location").unwrap()).unwrap();
        loc.query_pairs().into_owned().collect()
    }
}

#[test]
#[ignore = "needs the running local stack; infra/test.sh runs it"]
fn rust_oauth2_crate_code_with_pkce_refresh_and_client_credentials() {
    let n = shared::crypto::random_id();
    let id = format!("rs-{}", &n[..10]);
    let redirect = "http://127.0.0.1:1/callback";
    let secret = oauthctl(&[
        "client",
        "create",
        "--name",
        "Rust app",
        "--id",
        &id,
        "--redirect-uri",
        redirect,
        "--scope",
        "read write",
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        "--grant",
        "client_credentials",
    ])["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let email = format!("rs-{}@example.com", &n[..10]);
    oauthctl(&["user", "create", "--email", &email, "--password", "rust-pw"]);

    let client = BasicClient::new(ClientId::new(id))
        .set_client_secret(ClientSecret::new(secret))
        .set_auth_uri(AuthUrl::new(format!("{}/oauth/authorize", base())).unwrap())
        .set_token_uri(TokenUrl::new(format!("{}/oauth/token", base())).unwrap())
        .set_redirect_uri(RedirectUrl::new(redirect.to_string()).unwrap());
    let http_client = ureq::AgentBuilder::new().redirects(0).build();

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("read".into()))
        .set_pkce_challenge(challenge)
        .url();
    let query = User::new().authorize(auth_url.as_str(), &email, "rust-pw");
    assert_eq!(query["state"], *csrf.secret());

    let token = client
        .exchange_code(AuthorizationCode::new(query["code"].clone()))
        .set_pkce_verifier(verifier)
        .request(&http_client)
        .expect("code exchange");
    assert_eq!(token.scopes().unwrap()[0].as_str(), "read");
    assert_eq!(token.expires_in().unwrap().as_secs(), 3600);

    let refreshed = client
        .exchange_refresh_token(token.refresh_token().expect("a refresh token"))
        .request(&http_client)
        .expect("refresh");
    assert_ne!(
        refreshed.access_token().secret(),
        token.access_token().secret()
    );

    let cc = client
        .exchange_client_credentials()
        .add_scope(Scope::new("write".into()))
        .request(&http_client)
        .expect("client credentials");
    assert!(cc.refresh_token().is_none());
    assert_eq!(cc.scopes().unwrap()[0].as_str(), "write");
}
