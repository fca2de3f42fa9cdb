//! Warm requests, handler called in-process against the local DynamoDB API:
//! latency, the share of it spent waiting for DynamoDB, thread CPU, and the
//! DynamoDB requests and capacity units each request sends (counted by
//! DynamoDB's sizing rules from the requests the store makes, not from moto's
//! `ConsumedCapacity`).

use crate::{percentile, thread_cpu};
use lambda_http::Request;
use oauth_tests::{
    authorize_url, basic_auth, env, get, json_body, post_form, put_code_grant, Browser, Env, EMAIL,
    PASSWORD, REDIRECT,
};
use serde_json::{json, Value};
use shared::admin::NewClient;
use shared::store::{AccessTokenFormat, Granted, Store};
use std::cell::RefCell;
use std::time::Instant;

/// A table with the clients and the user every stage needs.
pub struct Fixture {
    pub env: Env,
    /// Code, refresh and password grants; opaque access tokens.
    pub client_id: String,
    pub secret: String,
    /// The same with JWT access tokens (RFC 9068).
    pub jwt_id: String,
    pub jwt_secret: String,
    /// client_credentials only.
    pub cc_id: String,
    pub cc_secret: String,
    pub sub: String,
}

pub async fn fixture() -> Fixture {
    let env = env().await;
    let scopes = ["openid", "offline_access", "read", "write"].map(String::from);
    let grants = ["authorization_code", "refresh_token", "password"].map(String::from);
    let (client, secret) = env
        .client(|c| {
            c.scopes = scopes.to_vec();
            c.default_scopes = Some(vec!["read".into()]);
            c.grants = grants.to_vec();
        })
        .await;
    let (jwt, jwt_secret) = env
        .client(|c| {
            c.scopes = scopes.to_vec();
            c.grants = grants.to_vec();
            c.access_token_format = AccessTokenFormat::Jwt;
        })
        .await;
    let (cc, cc_secret) = env
        .client(|c: &mut NewClient| {
            c.redirect_uris.clear();
            c.scopes = vec!["read".into()];
            c.grants = vec!["client_credentials".into()];
        })
        .await;
    let sub = env.user(None, EMAIL, PASSWORD, r#"{"role":"AGENT"}"#).await;
    Fixture {
        env,
        client_id: client.client_id,
        secret: secret.unwrap(),
        jwt_id: jwt.client_id,
        jwt_secret: jwt_secret.unwrap(),
        cc_id: cc.client_id,
        cc_secret: cc_secret.unwrap(),
        sub,
    }
}

impl Fixture {
    /// Stores a fresh code directly (setup, not measured): scope `read`, or
    /// `openid offline_access` with a nonce when `openid`.
    pub async fn code(&self, client_id: &str, openid: bool) -> String {
        let now = self.env.now();
        let scope = if openid {
            vec!["openid".into(), "offline_access".into()]
        } else {
            vec!["read".into()]
        };
        let grant = Granted {
            scope,
            sub: Some(self.sub.clone()),
            username: Some(EMAIL.into()),
            tenant: Some("default".into()),
            claims: Some(r#"{"role":"AGENT"}"#.into()),
            auth_time: Some(now),
            nonce: openid.then(|| "bench-nonce".to_string()),
            ..Granted::default()
        };
        put_code_grant(
            &self.env.state.store,
            client_id,
            grant,
            None,
            now + 3600,
            now,
        )
        .await
    }

    /// The token-endpoint form redeeming `code` (client_secret_basic).
    pub fn redeem_body(code: &str) -> String {
        oauth_tests::form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ])
    }

    fn redeem(&self, client_id: &str, secret: &str, code: &str) -> Request {
        let basic = basic_auth(client_id, secret);
        let mut req = post_form("/oauth/token", &[], &[("authorization", &basic)]);
        *req.body_mut() = Self::redeem_body(code).into();
        req
    }

    fn password_request(&self) -> Request {
        post_form(
            "/oauth/token",
            &oauth_tests::password_body(&self.client_id, Some(&self.secret), EMAIL, PASSWORD),
            &[],
        )
    }
}

#[derive(Default)]
pub struct Samples {
    wall_ms: Vec<f64>,
    ddb_ms: Vec<f64>,
    cpu_us: Vec<f64>,
    requests: usize,
    sequential: usize,
    rru: f64,
    wru: f64,
}

impl Samples {
    pub fn extend(&mut self, other: Samples) {
        self.wall_ms.extend(other.wall_ms);
        self.ddb_ms.extend(other.ddb_ms);
        self.cpu_us.extend(other.cpu_us);
        self.requests += other.requests;
        self.sequential += other.sequential;
        self.rru += other.rru;
        self.wru += other.wru;
    }

    fn summary(self, stage: Stage) -> Value {
        self.summary_named(stage.name(), stage.key())
    }

    pub fn summary_named(mut self, name: &str, key: &str) -> Value {
        let n = self.wall_ms.len().max(1) as f64;
        self.wall_ms.sort_by(f64::total_cmp);
        self.cpu_us.sort_by(f64::total_cmp);
        let wall: f64 = self.wall_ms.iter().sum();
        let ddb: f64 = self.ddb_ms.iter().sum();
        json!({
            "endpoint": name,
            "key": key,
            "requests": self.wall_ms.len(),
            "p50_ms": percentile(&self.wall_ms, 50.0),
            "p99_ms": percentile(&self.wall_ms, 99.0),
            "dynamodb_share": if wall > 0.0 { ddb / wall } else { 0.0 },
            "cpu_us_p50": percentile(&self.cpu_us, 50.0),
            "cpu_us_mean": self.cpu_us.iter().sum::<f64>() / n,
            "ddb_requests": self.requests as f64 / n,
            "ddb_sequential": self.sequential as f64 / n,
            "rru": self.rru / n,
            "wru": self.wru / n,
        })
    }
}

/// Runs `n` requests made by `make` (setup outside the timing), measuring wall
/// time, time waiting for DynamoDB, thread CPU, round trips and capacity units.
async fn measure<M, MF, R, RF>(f: &Fixture, n: usize, make: M, run: R) -> Samples
where
    M: FnMut() -> MF,
    MF: std::future::Future<Output = Request>,
    R: FnMut(Request) -> RF,
    RF: std::future::Future<Output = u16>,
{
    measure_on(&f.env.state.store, n, make, run).await
}

/// [`measure`] on any table.
pub async fn measure_on<M, MF, R, RF>(store: &Store, n: usize, mut make: M, mut run: R) -> Samples
where
    M: FnMut() -> MF,
    MF: std::future::Future<Output = Request>,
    R: FnMut(Request) -> RF,
    RF: std::future::Future<Output = u16>,
{
    let mut s = Samples::default();
    for _ in 0..n {
        let req = make().await;
        timed(store, &mut s, run(req)).await;
    }
    s
}

/// Times one request (the future that answers it, yielding its status) into `s`.
pub async fn timed<RF>(store: &Store, s: &mut Samples, run: RF)
where
    RF: std::future::Future<Output = u16>,
{
    store.round_trips();
    let (t0, c0) = (Instant::now(), thread_cpu());
    let status = run.await;
    let (wall, cpu) = (t0.elapsed(), thread_cpu() - c0);
    assert!(
        status < 400,
        "benchmark request {} failed with {status} after {wall:?} (see the error log above)",
        s.wall_ms.len()
    );
    let rt = store.round_trips();
    s.wall_ms.push(wall.as_secs_f64() * 1e3);
    s.ddb_ms.push(rt.waiting.as_secs_f64() * 1e3);
    s.cpu_us.push(cpu.as_secs_f64() * 1e6);
    s.requests += rt.requests;
    s.sequential += rt.sequential;
    s.rru += rt.rru;
    s.wru += rt.wru;
}

#[derive(Clone, Copy, PartialEq)]
pub enum Stage {
    LoginPage,
    AuthorizeCode,
    CodeGrant,
    CodeGrantOidcJwt,
    RefreshGrant,
    PasswordGrant,
    ClientCredentials,
    Userinfo,
    Introspection,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::LoginPage => "authorize: login page (signed out)",
            Stage::AuthorizeCode => {
                "authorize: redirect with a code (signed in, consent remembered)"
            }
            Stage::CodeGrant => "authorization_code grant (opaque tokens)",
            Stage::CodeGrantOidcJwt => {
                "authorization_code grant, openid (ID token + JWT access token)"
            }
            Stage::RefreshGrant => "refresh_token grant",
            Stage::PasswordGrant => "password grant (incl. Argon2id)",
            Stage::ClientCredentials => "client_credentials grant",
            Stage::Userinfo => "userinfo",
            Stage::Introspection => "introspection",
        }
    }

    /// A stable name for the report's cost rows.
    pub fn key(self) -> &'static str {
        match self {
            Stage::LoginPage => "login_page",
            Stage::AuthorizeCode => "authorize_code",
            Stage::CodeGrant => "code_grant",
            Stage::CodeGrantOidcJwt => "code_grant_oidc_jwt",
            Stage::RefreshGrant => "refresh_grant",
            Stage::PasswordGrant => "password_grant",
            Stage::ClientCredentials => "client_credentials",
            Stage::Userinfo => "userinfo",
            Stage::Introspection => "introspection",
        }
    }
}

/// `n` requests of one kind against one fixture (one table).
async fn run_stage(stage: Stage, f: &Fixture, n: usize) -> Samples {
    let st = &f.env.state;
    let tok = |r| async { token::handle(st, r).await.status().as_u16() };
    let first = json_body(&token::handle(st, f.password_request()).await);
    let at = first["access_token"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {at}");
    let refresh = RefCell::new(first["refresh_token"].as_str().unwrap().to_string());
    let read = [("scope", "read"), ("state", "s")];
    match stage {
        Stage::LoginPage => {
            let url = authorize_url(&f.client_id, &read);
            let page = |r| async { authorize::handle(st, r).await.status().as_u16() };
            measure(f, n, || async { get(&url, &[]) }, page).await
        }
        Stage::AuthorizeCode => {
            let url = authorize_url(&f.client_id, &read);
            let mut browser = Browser::default();
            browser.authorize_code(&f.env, &url, EMAIL, PASSWORD).await;
            let cookie = browser.cookie_header();
            let redirect = |r| async { authorize::handle(st, r).await.status().as_u16() };
            measure(
                f,
                n,
                || async { get(&url, &[("cookie", &cookie)]) },
                redirect,
            )
            .await
        }
        Stage::CodeGrant => {
            let make =
                || async { f.redeem(&f.client_id, &f.secret, &f.code(&f.client_id, false).await) };
            measure(f, n, make, tok).await
        }
        Stage::CodeGrantOidcJwt => {
            let make =
                || async { f.redeem(&f.jwt_id, &f.jwt_secret, &f.code(&f.jwt_id, true).await) };
            measure(f, n, make, tok).await
        }
        // A chain of refreshes, each with the previous response's refresh token.
        Stage::RefreshGrant => {
            let make = || async {
                let body = [
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &refresh.borrow()),
                ];
                let basic = basic_auth(&f.client_id, &f.secret);
                post_form("/oauth/token", &body, &[("authorization", &basic)])
            };
            let run = |r| async {
                let resp = token::handle(st, r).await;
                if let Some(rt) = json_body(&resp)["refresh_token"].as_str() {
                    *refresh.borrow_mut() = rt.to_string();
                }
                resp.status().as_u16()
            };
            measure(f, n, make, run).await
        }
        Stage::PasswordGrant => measure(f, n, || async { f.password_request() }, tok).await,
        Stage::ClientCredentials => {
            let basic = basic_auth(&f.cc_id, &f.cc_secret);
            let make = || async {
                post_form(
                    "/oauth/token",
                    &[("grant_type", "client_credentials")],
                    &[("authorization", &basic)],
                )
            };
            measure(f, n, make, tok).await
        }
        Stage::Userinfo => {
            let run = |r| async { userinfo::handle(st, r).await.status().as_u16() };
            measure(
                f,
                n,
                || async { get("/oauth/userinfo", &[("authorization", &bearer)]) },
                run,
            )
            .await
        }
        Stage::Introspection => {
            let basic = basic_auth(&f.client_id, &f.secret);
            let make = || async {
                post_form(
                    "/oauth/introspect",
                    &[("token", &at)],
                    &[("authorization", &basic)],
                )
            };
            measure(f, n, make, tok).await
        }
    }
}

/// Requests per table: a fresh table every hundred requests keeps moto's
/// per-request cost flat (it copies a table on some writes), so the figures
/// measure the server, not a growing table.
const PER_TABLE: usize = 100;

pub const STAGES: [Stage; 9] = [
    Stage::LoginPage,
    Stage::AuthorizeCode,
    Stage::CodeGrant,
    Stage::CodeGrantOidcJwt,
    Stage::RefreshGrant,
    Stage::PasswordGrant,
    Stage::ClientCredentials,
    Stage::Userinfo,
    Stage::Introspection,
];

/// Every stage, `n` requests each (the password grant a tenth: Argon2id).
pub async fn warm(n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    for stage in STAGES {
        let count = if stage == Stage::PasswordGrant {
            (n / 10).max(50)
        } else {
            n
        };
        eprintln!("  {}: {count} requests", stage.name());
        let mut all = Samples::default();
        let mut done = 0;
        while done < count {
            let f = fixture().await;
            let batch = PER_TABLE.min(count - done);
            all.extend(run_stage(stage, &f, batch).await);
            done += batch;
        }
        out.push(all.summary(stage));
    }
    out
}
