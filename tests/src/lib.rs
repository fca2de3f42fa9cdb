//! Test support: a fresh table on the moto server named by
//! `AWS_ENDPOINT_URL_DYNAMODB` per test, request builders, and a tiny
//! "browser" that keeps cookies and follows the authorize pages in-process.

use lambda_http::http::{self, header};
use lambda_http::{Body, Request, Response};
use shared::admin::{self, NewClient};
use shared::store::{Client, Store};
use shared::{Config, State};
use std::collections::BTreeMap;

pub mod https;
pub mod stack;

/// The KMS key (moto's) that encrypts the tests' signing keys.
pub const KMS_ALIAS: &str = "alias/oauth-tests";

/// A test's own table and state.
pub struct Env {
    pub state: State,
}

/// Creates a uniquely named table on the local DynamoDB API.
pub async fn env() -> Env {
    env_with(|c| c).await
}

/// Like [`env`], with a configuration tweak.
pub async fn env_with(tweak: impl FnOnce(Config) -> Config) -> Env {
    assert!(
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_ok(),
        "these tests need a local DynamoDB API: run `make test` (it starts moto)"
    );
    let table = format!("t-{}", shared::crypto::random_id());
    let mut config = Config::new(table.clone(), "http://127.0.0.1:9000");
    config.kms_key_id = Some(KMS_ALIAS.into());
    let config = tweak(config);
    let sdk = shared::store::sdk::sdk_config().await;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), table).recording();
    let kms = aws_sdk_kms::Client::new(&sdk);
    let (created, alias) = tokio::join!(
        store.create_table(),
        shared::keys::kms::ensure_local_key(&kms, KMS_ALIAS)
    );
    created.expect("create table");
    alias.expect("local KMS key");
    // Time stands still unless a test moves it: expiry is tested at exact seconds.
    let clock = shared::Clock::fixed(shared::clock::unix_now());
    Env {
        state: State::new(config, store).with_clock(clock).with_kms(kms),
    }
}

/// moto deep-copies every table on each TransactWriteItems, so each test drops its
/// table when it ends.
impl Drop for Env {
    fn drop(&mut self) {
        let store = self.state.store.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(store.delete_table())
                .map_err(std::io::Error::other)
        })
        .join();
    }
}

pub const REDIRECT: &str = "https://client.example/cb";
pub const EMAIL: &str = "ada@example.com";
pub const PASSWORD: &str = "correct horse battery staple";

impl Env {
    /// The state's clock, now.
    pub fn now(&self) -> i64 {
        self.state.clock.now()
    }

    /// Moves the state's (fixed) clock on.
    pub fn advance(&self, secs: i64) {
        self.state.clock.advance(secs)
    }

    /// A confidential client with the code and refresh grants; returns (client, secret).
    pub async fn client(&self, tweak: impl FnOnce(&mut NewClient)) -> (Client, Option<String>) {
        self.client_result(tweak).await.expect("create client")
    }

    /// Like [`Env::client`], the registration's outcome as it is.
    pub async fn client_result(
        &self,
        tweak: impl FnOnce(&mut NewClient),
    ) -> Result<(Client, Option<String>), admin::AdminError> {
        let mut new = NewClient {
            name: "Test App".into(),
            redirect_uris: vec![REDIRECT.into()],
            scopes: vec!["read".into(), "write".into()],
            ..Default::default()
        };
        tweak(&mut new);
        admin::create_client(&self.state.store, new, self.now()).await
    }

    pub async fn user(
        &self,
        tenant: Option<&str>,
        email: &str,
        password: &str,
        claims: &str,
    ) -> String {
        admin::create_user(
            &self.state.store,
            tenant,
            email,
            password,
            Some(claims),
            self.now(),
        )
        .await
        .expect("create user")
        .sub
    }

    /// A user (password [`PASSWORD`]) with the developer role: may use My Apps.
    pub async fn developer(&self, email: &str) -> String {
        let sub = self.user(None, email, PASSWORD, r#"{"name":"Dev"}"#).await;
        let who = admin::UserRef::Id(sub.clone());
        admin::users::update_user(&self.state.store, &who, None, Some(true))
            .await
            .expect("developer role");
        sub
    }

    pub async fn authorize(&self, req: Request) -> Response<Body> {
        authorize::handle(&self.state, req).await
    }
    pub async fn token(&self, req: Request) -> Response<Body> {
        token::handle(&self.state, req).await
    }
    pub async fn userinfo(&self, req: Request) -> Response<Body> {
        userinfo::handle(&self.state, req).await
    }
    pub async fn account(&self, req: Request) -> Response<Body> {
        account::handle(&self.state, req).await
    }

    /// A browser's request to the function its path is routed to (as the
    /// template routes it): the account function's pages, or authorize.
    pub async fn page(&self, req: Request) -> Response<Body> {
        let path = req.uri().path();
        if path == "/account" || path == "/developers" || path.starts_with("/developers/") {
            self.account(req).await
        } else {
            self.authorize(req).await
        }
    }

    /// A JSON request to the account function (registration): (status, JSON, response).
    pub async fn registration(
        &self,
        method: &str,
        uri: &str,
        body: Option<&serde_json::Value>,
        bearer: Option<&str>,
    ) -> (u16, serde_json::Value, Response<Body>) {
        let mut b = http::Request::builder().method(method).uri(uri);
        if let Some(t) = bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(j) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::Text(j.to_string())
            }
            None => Body::Empty,
        };
        let resp = self.account(b.body(body).unwrap()).await;
        let json = json_body(&resp);
        (resp.status().as_u16(), json, resp)
    }

    /// Redeems an authorization code issued for [`REDIRECT`] (client_secret_post).
    pub async fn redeem(
        &self,
        client_id: &str,
        secret: &str,
        code: &str,
    ) -> (u16, serde_json::Value, Response<Body>) {
        self.token_form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .await
    }

    /// Uses a refresh token (client_secret_post).
    pub async fn refresh(
        &self,
        client_id: &str,
        secret: &str,
        refresh_token: &str,
    ) -> (u16, serde_json::Value, Response<Body>) {
        self.token_form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .await
    }

    /// POSTs a form to the token endpoint and returns (status, JSON, response).
    pub async fn token_form(
        &self,
        body: &[(&str, &str)],
    ) -> (u16, serde_json::Value, Response<Body>) {
        let resp = self.token(post_form("/oauth/token", body, &[])).await;
        let json = json_body(&resp);
        (resp.status().as_u16(), json, resp)
    }
}

pub fn get(uri: &str, headers: &[(&str, &str)]) -> Request {
    let mut b = http::Request::builder().method("GET").uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::Empty).unwrap()
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

pub fn post_form(uri: &str, pairs: &[(&str, &str)], headers: &[(&str, &str)]) -> Request {
    let mut b = http::Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::Text(form(pairs))).unwrap()
}

pub fn body_text(resp: &Response<Body>) -> String {
    String::from_utf8_lossy(resp.body().as_ref()).into_owned()
}

pub fn json_body(resp: &Response<Body>) -> serde_json::Value {
    serde_json::from_slice(resp.body().as_ref()).unwrap_or(serde_json::Value::Null)
}

pub fn header_str<'a>(resp: &'a Response<Body>, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The query parameters of a redirect's Location.
pub fn location_params(resp: &Response<Body>) -> BTreeMap<String, String> {
    let loc = header_str(resp, "location").expect("a Location header");
    let url = url::Url::parse(loc).expect("absolute Location");
    url.query_pairs().into_owned().collect()
}

/// What a browser submits for a form: its hidden `fields`, then `extra` (the
/// typed values and the clicked button), whose values replace a hidden field
/// of the same name.
pub fn form_submission<'a>(
    fields: &'a [(String, String)],
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut pairs: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.extend_from_slice(extra);
    pairs
}

/// The hidden inputs of the (single) form on a page.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for tag in html.split("<input").skip(1) {
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        if !tag.contains("type=\"hidden\"") {
            continue;
        }
        let attr = |name: &str| {
            let key = format!("{name}=\"");
            tag.find(&key).map(|i| {
                let rest = &tag[i + key.len()..];
                unescape(&rest[..rest.find('"').unwrap_or(rest.len())])
            })
        };
        if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
            out.push((n, v));
        }
    }
    out
}

/// The hidden inputs of the form on a page that holds `marker` (a page with
/// several forms: the account page, the portal).
pub fn hidden_fields_of(html: &str, marker: &str) -> Vec<(String, String)> {
    let form = html
        .split("<form")
        .skip(1)
        .map(|f| &f[..f.find("</form>").unwrap_or(f.len())])
        .find(|f| f.contains(marker))
        .unwrap_or_else(|| panic!("no form with {marker:?} in {html}"));
    hidden_fields(&format!("<form{form}"))
}

/// The text of the element with this `id` (a secret or token shown once).
pub fn element_text(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[start..];
    let open = rest.find('>')? + 1;
    let close = rest[open..].find('<')?;
    Some(unescape(&rest[open..open + close]))
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A cookie jar that follows the authorize pages like a browser would.
#[derive(Default)]
pub struct Browser {
    cookies: BTreeMap<String, String>,
}

impl Browser {
    /// Takes a cookie another browser holds (the same person's browser).
    pub fn copy_cookie_from(&mut self, other: &Browser, name: &str) {
        if let Some(v) = other.cookies.get(name) {
            self.cookies.insert(name.to_string(), v.clone());
        }
    }

    /// A cookie this browser holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.get(name).cloned()
    }

    /// Sets a cookie by hand (one planted by someone else, or copied back).
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_string(), value.to_string());
    }

    /// The `Cookie` header this browser sends.
    /// Every cookie's value (the log hygiene test looks for them in the logs).
    pub fn cookie_values(&self) -> Vec<String> {
        self.cookies.values().cloned().collect()
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn absorb(&mut self, resp: &Response<Body>) {
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let c = cookie_pair(v.to_str().unwrap());
            if c.1.is_empty() {
                self.cookies.remove(&c.0);
            } else {
                self.cookies.insert(c.0, c.1);
            }
        }
    }

    pub async fn get(&mut self, env: &Env, uri: &str) -> Response<Body> {
        let cookie = self.cookie_header();
        let resp = env.page(get(uri, &[("cookie", cookie.as_str())])).await;
        self.absorb(&resp);
        resp
    }

    pub async fn post(&mut self, env: &Env, uri: &str, pairs: &[(&str, &str)]) -> Response<Body> {
        let cookie = self.cookie_header();
        let resp = env
            .page(post_form(uri, pairs, &[("cookie", cookie.as_str())]))
            .await;
        self.absorb(&resp);
        resp
    }

    /// Submits the form on `page` with its hidden fields plus `extra`.
    pub async fn submit(
        &mut self,
        env: &Env,
        path: &str,
        page: &Response<Body>,
        extra: &[(&str, &str)],
    ) -> Response<Body> {
        let fields = hidden_fields(&body_text(page));
        self.post(env, path, &form_submission(&fields, extra)).await
    }

    /// Signs in on a login page, follows the 303, and returns the next page or redirect.
    pub async fn sign_in(
        &mut self,
        env: &Env,
        path: &str,
        login_page: &Response<Body>,
        email: &str,
        password: &str,
    ) -> Response<Body> {
        let resp = self
            .submit(
                env,
                path,
                login_page,
                &[
                    ("action", "login"),
                    ("email", email),
                    ("password", password),
                ],
            )
            .await;
        if resp.status() == 303 {
            let loc = header_str(&resp, "location").unwrap().to_string();
            return self.get(env, &loc).await;
        }
        resp
    }

    /// Posts the form of `page` that holds `marker`, with `extra`.
    pub async fn submit_form(
        &mut self,
        env: &Env,
        path: &str,
        page: &Response<Body>,
        marker: &str,
        extra: &[(&str, &str)],
    ) -> Response<Body> {
        let fields = hidden_fields_of(&body_text(page), marker);
        self.post(env, path, &form_submission(&fields, extra)).await
    }

    /// Opens a page of the account function, signing in on the way when it
    /// sends the browser to `/login` (and back): the page.
    pub async fn open_signed_in(
        &mut self,
        env: &Env,
        path: &str,
        email: &str,
        password: &str,
    ) -> Response<Body> {
        let mut resp = self.get(env, path).await;
        if resp.status() == 303 {
            let to = header_str(&resp, "location").unwrap().to_string();
            assert!(to.starts_with("/login?return_to="), "{to}");
            let login = self.get(env, &to).await;
            resp = self.sign_in(env, "/login", &login, email, password).await;
        }
        resp
    }

    /// From an authorize URL through sign-in and Allow to the redirect with the code.
    pub async fn authorize_code(
        &mut self,
        env: &Env,
        uri: &str,
        email: &str,
        password: &str,
    ) -> BTreeMap<String, String> {
        let path = uri.split('?').next().unwrap().to_string();
        let mut page = self.get(env, uri).await;
        if body_text(&page).contains("name=\"password\"") {
            page = self.sign_in(env, &path, &page, email, password).await;
        }
        if page.status() == 200 {
            assert!(
                body_text(&page).contains("value=\"allow\""),
                "expected the consent page: {}",
                body_text(&page)
            );
            page = self.submit(env, &path, &page, &[("action", "allow")]).await;
        }
        assert_eq!(
            page.status(),
            302,
            "expected a redirect to the client: {}",
            body_text(&page)
        );
        location_params(&page)
    }
}

fn cookie_pair(set_cookie: &str) -> (String, String) {
    let first = set_cookie.split(';').next().unwrap_or("");
    let (k, v) = first.split_once('=').unwrap_or((first, ""));
    (k.trim().to_string(), v.trim().to_string())
}

/// An authorize URL for a client with the given extra parameters.
pub fn authorize_url(client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
    ];
    pairs.extend_from_slice(extra);
    format!("/oauth/authorize?{}", form(&pairs))
}

/// An `Authorization: Basic` value, both parts form-encoded as RFC 6749 §2.3.1 asks.
pub fn basic_auth(id: &str, secret: &str) -> String {
    use base64::Engine;
    let enc = |s: &str| form(&[("x", s)])[2..].to_string();
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

/// A PKCE pair (verifier, S256 challenge).
pub fn pkce() -> (String, String) {
    use base64::Engine;
    use sha2::Digest;
    let verifier = shared::crypto::random_token();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Signs the test user (created here) in and allows: the code for `client_id`.
pub async fn signed_in_code(env: &Env, client_id: &str, extra: &[(&str, &str)]) -> String {
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut browser = Browser::default();
    let q = browser
        .authorize_code(env, &authorize_url(client_id, extra), EMAIL, PASSWORD)
        .await;
    q["code"].clone()
}

/// A whole code flow for the test user (created here): the token response.
pub async fn code_tokens(env: &Env, client_id: &str, secret: &str) -> serde_json::Value {
    let code = signed_in_code(env, client_id, &[]).await;
    let (status, json, _) = env.redeem(client_id, secret, &code).await;
    assert_eq!(status, 200, "{json}");
    json
}

/// POSTs a form to the token function at `path`: (status, JSON).
pub async fn token_post(env: &Env, path: &str, body: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let resp = env.token(post_form(path, body, &[])).await;
    (resp.status().as_u16(), json_body(&resp))
}

/// The status userinfo answers for a bearer token.
pub async fn userinfo_status(env: &Env, at: &str) -> u16 {
    env.userinfo(get(
        "/oauth/userinfo",
        &[("authorization", &format!("Bearer {at}"))],
    ))
    .await
    .status()
    .as_u16()
}

/// A password-grant body (client_secret_post when there is a secret).
pub fn password_body<'a>(
    client_id: &'a str,
    secret: Option<&'a str>,
    user: &'a str,
    pw: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut body = vec![
        ("grant_type", "password"),
        ("client_id", client_id),
        ("username", user),
        ("password", pw),
    ];
    if let Some(s) = secret {
        body.push(("client_secret", s));
    }
    body
}

/// A value percent-encoded for a query string.
pub fn urlenc(s: &str) -> String {
    form(&[("x", s)])[2..].to_string()
}

/// Stores a code grant directly, as the authorize endpoint would have after
/// consent (setup for tests and the benchmark): returns the code.
pub async fn put_code_grant(
    store: &Store,
    client_id: &str,
    grant: shared::store::Granted,
    challenge: Option<&str>,
    expires_at: i64,
    now: i64,
) -> String {
    let item_and_code = code_grant_item(client_id, grant, challenge, expires_at, now);
    store
        .create_authorization(&item_and_code.0)
        .await
        .expect("store code grant");
    item_and_code.1
}

/// A code grant item (for [`REDIRECT`]) and its code.
pub fn code_grant_item(
    client_id: &str,
    grant: shared::store::Granted,
    challenge: Option<&str>,
    expires_at: i64,
    now: i64,
) -> (shared::store::Authorization, String) {
    use shared::authorization::{start, Start};
    use shared::credential;
    let id = credential::new_grant_id();
    let code = credential::mint(&id);
    let item = start(Start {
        id,
        client_id: client_id.to_string(),
        granted: grant,
        now,
        ends_at: None,
        code: Some(shared::store::CodeState {
            hash: credential::digest(&code),
            expires_at,
            used_at: None,
            redirect_uri: REDIRECT.to_string(),
            redirect_uri_given: true,
            challenge: challenge.map(str::to_string),
        }),
        issued: None,
    });
    (item, code)
}

/// The JWKS, as the userinfo function serves it.
pub async fn jwks(env: &Env) -> Vec<shared::jose::Jwk> {
    let resp = env.userinfo(get("/.well-known/jwks.json", &[])).await;
    assert_eq!(resp.status(), 200);
    serde_json::from_value(json_body(&resp)["keys"].clone()).expect("a JWKS")
}

/// A JWT's verified claims, checked against the served JWKS with `typ`.
pub async fn verified_claims(
    env: &Env,
    jwt: &str,
    typ: &str,
) -> serde_json::Map<String, serde_json::Value> {
    let keys = jwks(env).await;
    shared::jose::verify(jwt, &keys, &[Some(typ)])
        .unwrap_or_else(|e| panic!("{typ} does not verify: {e:?}"))
        .claims
}
