//! `make bench`: cold start, warm latency, DynamoDB round trips, handler CPU,
//! size, RSS and cost, printed as one table and written as JSON.
//!
//! Needs a local DynamoDB API (`AWS_ENDPOINT_URL_DYNAMODB`, started by
//! infra/bench.sh) and the release `bootstrap`s (`target/release/{authorize,token,userinfo}`).

mod cpu;

use base64::Engine;
use lambda_http::Request;
use oauth_tests::{form, get, json_body as json_of};
use serde_json::{json, Value};
use shared::admin::{self, NewClient};
use shared::store::{Grant, Store};
use shared::{Config, State};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

fn post(uri: &str, pairs: &[(&str, &str)]) -> Request {
    oauth_tests::post_form(uri, pairs, &[])
}

const REDIRECT: &str = "https://client.example/cb";
const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "bench-password";

// Prices used (us-east-1 list prices), named in the output.
const PRICE_LAMBDA_GB_S: f64 = 0.000_013_333_4; // arm64, per GB-second
const PRICE_LAMBDA_REQ: f64 = 0.20 / 1e6;
const PRICE_HTTP_API_REQ: f64 = 1.00 / 1e6;
const PRICE_WRU: f64 = 0.625 / 1e6;
const PRICE_RRU: f64 = 0.125 / 1e6;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

struct Fixture {
    state: State,
    client_id: String,
    secret: String,
    cc_id: String,
    cc_secret: String,
    sub: String,
}

async fn fixture(table: &str) -> Fixture {
    let store = Store::from_env(table).await.recording();
    store.create_table().await.expect("create table");
    let state = State::new(Config::new(table, "http://127.0.0.1:9000"), store);
    let (client, secret) = admin::create_client(
        &state.store,
        NewClient {
            name: "Bench".into(),
            redirect_uris: vec![REDIRECT.into()],
            scopes: vec!["read".into(), "write".into()],
            grants: ["authorization_code", "refresh_token", "password"]
                .map(String::from)
                .to_vec(),
            ..Default::default()
        },
        state.clock.now(),
    )
    .await
    .unwrap();
    let (cc, cc_secret) = admin::create_client(
        &state.store,
        NewClient {
            id: Some("bench-cc".into()),
            name: "Bench CC".into(),
            scopes: vec!["read".into()],
            grants: vec!["client_credentials".into()],
            ..Default::default()
        },
        state.clock.now(),
    )
    .await
    .unwrap();
    let user = admin::create_user(
        &state.store,
        None,
        EMAIL,
        PASSWORD,
        Some(r#"{"role":"AGENT"}"#),
        state.clock.now(),
    )
    .await
    .unwrap();
    Fixture {
        state,
        client_id: client.client_id,
        secret: secret.unwrap(),
        cc_id: cc.client_id,
        cc_secret: cc_secret.unwrap(),
        sub: user.sub,
    }
}

/// Stores a fresh code directly (setup, not measured).
async fn fresh_code(f: &Fixture) -> String {
    let now = f.state.clock.now();
    let grant = Grant {
        scope: vec!["read".into()],
        sub: Some(f.sub.clone()),
        username: Some(EMAIL.into()),
        tenant: Some("default".into()),
        claims: Some("{}".into()),
        ..Grant::default()
    };
    oauth_tests::put_code_grant(&f.state.store, &f.client_id, grant, None, now + 300, now).await
}

#[derive(Default)]
struct Samples {
    wall_ms: Vec<f64>,
    ddb_ms: Vec<f64>,
    cpu_us: Vec<f64>,
    requests: usize,
    sequential: usize,
}

impl Samples {
    fn summary(mut self, name: &str) -> Value {
        let n = self.wall_ms.len().max(1) as f64;
        self.wall_ms.sort_by(f64::total_cmp);
        self.cpu_us.sort_by(f64::total_cmp);
        let wall: f64 = self.wall_ms.iter().sum();
        let ddb: f64 = self.ddb_ms.iter().sum();
        json!({
            "endpoint": name,
            "requests": self.wall_ms.len(),
            "p50_ms": percentile(&self.wall_ms, 50.0),
            "p99_ms": percentile(&self.wall_ms, 99.0),
            "dynamodb_share": if wall > 0.0 { ddb / wall } else { 0.0 },
            "cpu_us_p50": percentile(&self.cpu_us, 50.0),
            "cpu_us_mean": self.cpu_us.iter().sum::<f64>() / n,
            "ddb_requests": self.requests as f64 / n,
            "ddb_sequential": self.sequential as f64 / n,
        })
    }
}

/// Runs `n` requests made by `make` (setup outside the timing), measuring wall
/// time, time waiting for DynamoDB, thread CPU and round trips.
async fn measure<M, MF, R, RF>(f: &Fixture, n: usize, mut make: M, mut run: R) -> Samples
where
    M: FnMut() -> MF,
    MF: std::future::Future<Output = Request>,
    R: FnMut(Request) -> RF,
    RF: std::future::Future<Output = u16>,
{
    let mut s = Samples::default();
    for i in 0..n {
        let req = make().await;
        f.state.store.round_trips();
        let (t0, c0) = (Instant::now(), thread_cpu());
        let status = run(req).await;
        let (wall, cpu) = (t0.elapsed(), thread_cpu() - c0);
        assert!(
            status < 400,
            "benchmark request {i} failed with {status} after {:?} (see the error log above)",
            wall
        );
        let rt = f.state.store.round_trips();
        s.wall_ms.push(wall.as_secs_f64() * 1e3);
        s.ddb_ms.push(rt.waiting.as_secs_f64() * 1e3);
        s.cpu_us.push(cpu.as_secs_f64() * 1e6);
        s.requests += rt.requests;
        s.sequential += rt.sequential;
    }
    s
}

#[derive(Clone, Copy)]
enum Stage {
    AuthorizePage,
    CodeGrant,
    RefreshGrant,
    PasswordGrant,
    ClientCredentials,
    Userinfo,
    Introspection,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::AuthorizePage => "authorize page",
            Stage::CodeGrant => "authorization_code grant",
            Stage::RefreshGrant => "refresh_token grant",
            Stage::PasswordGrant => "password grant (incl. Argon2id)",
            Stage::ClientCredentials => "client_credentials grant",
            Stage::Userinfo => "userinfo",
            Stage::Introspection => "introspection",
        }
    }
}

fn password_request(f: &Fixture) -> Request {
    post(
        "/oauth/token",
        &[
            ("grant_type", "password"),
            ("username", EMAIL),
            ("password", PASSWORD),
            ("client_id", &f.client_id),
            ("client_secret", &f.secret),
        ],
    )
}

/// `n` requests of one kind against one fixture (one table).
async fn run_stage(stage: Stage, f: &Fixture, n: usize) -> Samples {
    let st = &f.state;
    let auth_url = format!(
        "/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&scope=read&state=s",
        f.client_id,
        &form(&[("x", REDIRECT)])[2..]
    );
    let first = json_of(&token::handle(st, password_request(f)).await);
    let at = first["access_token"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {at}");
    let refresh = std::cell::RefCell::new(first["refresh_token"].as_str().unwrap().to_string());
    let tok = |r| async { token::handle(st, r).await.status().as_u16() };
    match stage {
        Stage::AuthorizePage => {
            measure(
                f,
                n,
                || async { get(&auth_url, &[]) },
                |r| async { authorize::handle(st, r).await.status().as_u16() },
            )
            .await
        }
        Stage::CodeGrant => {
            measure(
                f,
                n,
                || async {
                    let code = fresh_code(f).await;
                    post(
                        "/oauth/token",
                        &[
                            ("grant_type", "authorization_code"),
                            ("code", &code),
                            ("redirect_uri", REDIRECT),
                            ("client_id", &f.client_id),
                            ("client_secret", &f.secret),
                        ],
                    )
                },
                tok,
            )
            .await
        }
        // A chain of refreshes, each with the previous response's refresh token.
        Stage::RefreshGrant => {
            measure(
                f,
                n,
                || async {
                    post(
                        "/oauth/token",
                        &[
                            ("grant_type", "refresh_token"),
                            ("refresh_token", &refresh.borrow()),
                            ("client_id", &f.client_id),
                            ("client_secret", &f.secret),
                        ],
                    )
                },
                |r| async {
                    let resp = token::handle(st, r).await;
                    if let Some(rt) = json_of(&resp)["refresh_token"].as_str() {
                        *refresh.borrow_mut() = rt.to_string();
                    }
                    resp.status().as_u16()
                },
            )
            .await
        }
        Stage::PasswordGrant => measure(f, n, || async { password_request(f) }, tok).await,
        Stage::ClientCredentials => {
            measure(
                f,
                n,
                || async {
                    post(
                        "/oauth/token",
                        &[
                            ("grant_type", "client_credentials"),
                            ("client_id", &f.cc_id),
                            ("client_secret", &f.cc_secret),
                        ],
                    )
                },
                tok,
            )
            .await
        }
        Stage::Userinfo => {
            measure(
                f,
                n,
                || async { get("/oauth/userinfo", &[("authorization", &bearer)]) },
                |r| async { userinfo::handle(st, r).await.status().as_u16() },
            )
            .await
        }
        Stage::Introspection => {
            measure(
                f,
                n,
                || async {
                    post(
                        "/oauth/introspect",
                        &[
                            ("token", &at),
                            ("client_id", &f.client_id),
                            ("client_secret", &f.secret),
                        ],
                    )
                },
                tok,
            )
            .await
        }
    }
}

/// Requests per table: moto deep-copies a whole table on every TransactWriteItems,
/// so a table that grows without bound would measure moto, not the server (and
/// trips a thread-safety bug of moto's under concurrent writes).
const PER_TABLE: usize = 100;

async fn warm(n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let stages = [
        (Stage::AuthorizePage, n),
        (Stage::CodeGrant, n),
        (Stage::RefreshGrant, n),
        (Stage::PasswordGrant, (n / 10).max(50)),
        (Stage::ClientCredentials, n),
        (Stage::Userinfo, n),
        (Stage::Introspection, n),
    ];
    for (stage, count) in stages {
        eprintln!("  {}: {count} requests", stage.name());
        let mut all = Samples::default();
        let mut done = 0;
        while done < count {
            let f = fixture(&format!("bench-{}", shared::crypto::random_id())).await;
            let batch = PER_TABLE.min(count - done);
            let s = run_stage(stage, &f, batch).await;
            f.state.store.delete_table().await.expect("delete table");
            all.wall_ms.extend(s.wall_ms);
            all.ddb_ms.extend(s.ddb_ms);
            all.cpu_us.extend(s.cpu_us);
            all.requests += s.requests;
            all.sequential += s.sequential;
            done += batch;
        }
        out.push(all.summary(stage.name()));
    }

    // Handler CPU with the I/O taken out (canned DynamoDB answers), natively and
    // as callgrind instruction counts, the SDK's share told apart.
    eprintln!("handler CPU: code grant with a canned DynamoDB connector (native and callgrind)");
    out.push(cpu::measure(n));

    // Argon2id alone, reported apart from the handler CPU.
    let hash = shared::crypto::hash_password(PASSWORD);
    let mut argon = Vec::new();
    for _ in 0..20 {
        let c0 = thread_cpu();
        assert!(shared::crypto::verify_password(PASSWORD, &hash));
        argon.push((thread_cpu() - c0).as_secs_f64() * 1e3);
    }
    argon.sort_by(f64::total_cmp);
    out.push(json!({ "endpoint": "argon2id verify (m=19MiB,t=2,p=1)", "cpu_ms_p50": percentile(&argon, 50.0) }));
    out
}

/// An API Gateway HTTP API (payload 2.0) event.
fn apigw_event(method: &str, path: &str, headers: Value, body: Option<&str>) -> Value {
    json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "bench", "domainName": "127.0.0.1", "domainPrefix": "bench",
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench" },
            "requestId": "bench", "routeKey": format!("{method} {path}"), "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// A Lambda Runtime API emulator on loopback: hands out `events` one by one and
/// reports when each response arrives.
async fn runtime_api(
    events: Vec<Value>,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<(Instant, u16)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let events = std::sync::Arc::new(std::sync::Mutex::new(events.into_iter().enumerate()));
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let (events, tx) = (events.clone(), tx.clone());
            tokio::spawn(async move {
                let mut reader = BufReader::new(sock);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let request_line = line.clone();
                    let mut len = 0usize;
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 || line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0u8; len];
                    reader.read_exact(&mut body).await.ok();
                    let sock = reader.get_mut();
                    if request_line.starts_with("GET ") && request_line.contains("/invocation/next")
                    {
                        let next = events.lock().unwrap().next();
                        let Some((i, ev)) = next else {
                            // No more work: leave the function waiting until it is killed.
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                            return;
                        };
                        let payload = ev.to_string();
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: req-{i}\r\n\
                             Lambda-Runtime-Deadline-Ms: {}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n\
                             Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\nContent-Length: {}\r\n\r\n",
                            (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() + 30_000),
                            payload.len()
                        );
                        sock.write_all(head.as_bytes()).await.ok();
                        sock.write_all(payload.as_bytes()).await.ok();
                    } else {
                        let status = serde_json::from_slice::<Value>(&body)
                            .ok()
                            .and_then(|v| v["statusCode"].as_u64())
                            .unwrap_or(0) as u16;
                        let _ = tx.send((Instant::now(), status));
                        sock.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                            .await
                            .ok();
                    }
                }
            });
        }
    });
    (addr, rx)
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Spawns a release bootstrap under the emulator `runs` times: time to the first
/// response; then one spawn serving `warm_n` invocations for peak RSS.
async fn cold(bin: &Path, event: &Value, table: &str, runs: usize, warm_n: usize) -> Value {
    let mut times = Vec::new();
    let mut statuses = Vec::new();
    let mut rss_cold = 0;
    for _ in 0..runs {
        let (addr, mut rx) = runtime_api(vec![event.clone()]).await;
        let t0 = Instant::now();
        let mut child = spawn(bin, &addr, table);
        let (t1, status) = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("function answered")
            .unwrap();
        times.push((t1 - t0).as_secs_f64() * 1e3);
        statuses.push(status);
        rss_cold = rss_cold.max(child.id().and_then(vm_hwm_kib).unwrap_or(0));
        child.kill().await.ok();
    }
    let (addr, mut rx) = runtime_api(vec![event.clone(); warm_n]).await;
    let mut child = spawn(bin, &addr, table);
    for _ in 0..warm_n {
        tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("answered")
            .unwrap();
    }
    let rss_warm = child.id().and_then(vm_hwm_kib).unwrap_or(0);
    child.kill().await.ok();
    times.sort_by(f64::total_cmp);
    json!({
        "cold_start_ms_median": percentile(&times, 50.0),
        "cold_start_ms_max": times.last().copied().unwrap_or(f64::NAN),
        "spawns": runs,
        "first_status": statuses.first(),
        "peak_rss_mib_first_invocation": rss_cold as f64 / 1024.0,
        "peak_rss_mib": rss_warm as f64 / 1024.0,
        "after_invocations": warm_n,
        "bootstrap_bytes": std::fs::metadata(bin).map(|m| m.len()).unwrap_or(0),
    })
}

fn spawn(bin: &Path, addr: &str, table: &str) -> tokio::process::Child {
    tokio::process::Command::new(bin)
        .env("AWS_LAMBDA_RUNTIME_API", addr)
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
        .env("TABLE_NAME", table)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn bootstrap")
}

/// Lambda cost per million requests at a memory size and billed duration.
fn lambda_cost(ms: f64, mb: f64) -> f64 {
    1e6 * (PRICE_LAMBDA_REQ + ms.ceil() / 1000.0 * mb / 1024.0 * PRICE_LAMBDA_GB_S)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if std::env::args().nth(1).as_deref() == Some("cpu") {
        let mode = std::env::args()
            .skip_while(|a| a != "--mode")
            .nth(1)
            .unwrap_or_else(|| "code".into());
        return cpu::main(&mode, arg("--iterations", 1000), arg("--warmup", 200)).await;
    }
    if std::env::var("RUST_LOG").is_err() {
        std::env::set_var("RUST_LOG", "error");
    }
    shared::telemetry::init();
    let n = arg("--requests", 1000);
    let spawns = arg("--spawns", 20);
    let out_path = std::env::args()
        .skip_while(|a| a != "--json")
        .nth(1)
        .unwrap_or_else(|| "test-output/bench.json".into());

    eprintln!("warm latency: {n} requests per endpoint against the local DynamoDB API");
    let warm = warm(n).await;

    // Cold starts need a table with a client and a token for the events.
    let table = format!("bench-cold-{}", shared::crypto::random_id());
    let f = fixture(&table).await;
    let cc = token::handle(
        &f.state,
        post(
            "/oauth/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &f.cc_id),
                ("client_secret", &f.cc_secret),
            ],
        ),
    )
    .await;
    assert_eq!(cc.status(), 200);
    let pw = token::handle(
        &f.state,
        post(
            "/oauth/token",
            &[
                ("grant_type", "password"),
                ("username", EMAIL),
                ("password", PASSWORD),
                ("client_id", &f.client_id),
                ("client_secret", &f.secret),
            ],
        ),
    )
    .await;
    let at = json_of(&pw)["access_token"].as_str().unwrap().to_string();
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", f.cc_id, f.cc_secret))
    );
    let events = [
        (
            "authorize",
            apigw_event(
                "GET",
                "/oauth/authorize",
                json!({"host": "127.0.0.1"}),
                None,
            ),
        ),
        (
            "token",
            apigw_event(
                "POST",
                "/oauth/token",
                json!({"host": "127.0.0.1", "content-type": "application/x-www-form-urlencoded", "authorization": basic}),
                Some("grant_type=client_credentials"),
            ),
        ),
        (
            "userinfo",
            apigw_event(
                "GET",
                "/oauth/userinfo",
                json!({"host": "127.0.0.1", "authorization": format!("Bearer {at}")}),
                None,
            ),
        ),
    ];
    let mut cold_rows = Vec::new();
    for (name, mut ev) in events {
        if name == "authorize" {
            ev["rawQueryString"] = json!(format!(
                "response_type=code&client_id={}&redirect_uri={}",
                f.client_id,
                &form(&[("x", REDIRECT)])[2..]
            ));
        }
        let bin = Path::new("target/release").join(name);
        eprintln!("cold start: {name} x{spawns}");
        let mut row = cold(&bin, &ev, &table, spawns, 200).await;
        row["function"] = json!(name);
        let arm = Path::new(".aws-sam/build")
            .join(format!(
                "{}{}Function",
                name[..1].to_uppercase(),
                &name[1..]
            ))
            .join("bootstrap");
        if let Ok(m) = std::fs::metadata(&arm) {
            row["bootstrap_bytes_arm64"] = json!(m.len());
        }
        cold_rows.push(row);
    }

    // Cost per million of each grant: Lambda at the template's memory size and the
    // measured p50 duration, HTTP API, DynamoDB units for the items touched.
    let p50 = |name: &str| {
        warm.iter()
            .find(|r| r["endpoint"] == name)
            .and_then(|r| r["p50_ms"].as_f64())
            .unwrap_or(0.0)
    };
    // (grant, function memory MB, measured endpoint, RRU, WRU). Reads are strongly
    // consistent (1 RRU each, items < 4 KB); transactional writes cost 2 WRU per item;
    // every code and token also writes its KEYS_ONLY `family-index` entry (1 WRU).
    let grants = [
        // client read; consume 1 + transaction (check 2, access 2, refresh 2) + 2 GSI
        (
            "authorization_code (token call)",
            1024.0,
            "authorization_code grant",
            1.0,
            9.0,
        ),
        // the same shape as the code grant
        ("refresh_token", 1024.0, "refresh_token grant", 1.0, 9.0),
        // client, user, lockout counter; transaction (access 2, refresh 2) + 2 GSI
        (
            "password",
            1024.0,
            "password grant (incl. Argon2id)",
            3.0,
            6.0,
        ),
        // client; one PutItem 1 + 1 GSI
        (
            "client_credentials",
            1024.0,
            "client_credentials grant",
            1.0,
            2.0,
        ),
        ("userinfo", 128.0, "userinfo", 1.0, 0.0),
    ];
    let costs: Vec<Value> = grants
        .iter()
        .map(|(g, mb, ep, rru, wru)| {
            let lambda = lambda_cost(p50(ep), *mb);
            let api = 1e6 * PRICE_HTTP_API_REQ;
            let ddb = 1e6 * (rru * PRICE_RRU + wru * PRICE_WRU);
            json!({ "grant": g, "memory_mb": mb, "billed_ms": p50(ep).ceil(), "lambda_usd": lambda, "http_api_usd": api,
                    "dynamodb_usd": ddb, "rru": rru, "wru": wru, "total_usd_per_million": lambda + api + ddb })
        })
        .collect();

    let report = json!({
        "machine": format!("{} cores, {}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0), std::env::consts::ARCH),
        "dynamodb": "moto server on loopback (Python): its latency dominates every DynamoDB figure",
        "warm": warm,
        "cold": cold_rows,
        "cost_per_million": costs,
        "prices": {
            "lambda_arm64_per_gb_s": PRICE_LAMBDA_GB_S, "lambda_per_request": PRICE_LAMBDA_REQ,
            "http_api_per_request": PRICE_HTTP_API_REQ, "dynamodb_per_wru": PRICE_WRU, "dynamodb_per_rru": PRICE_RRU,
            "region": "us-east-1"
        }
    });
    if let Some(dir) = Path::new(&out_path).parent() {
        std::fs::create_dir_all(dir).ok();
    }
    std::fs::write(&out_path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("{}", serde_json::to_string(&report).unwrap());
}
