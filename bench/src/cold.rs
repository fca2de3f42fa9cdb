//! Cold starts: each release bootstrap spawned under the Runtime API emulator,
//! timed from the spawn to its first answer, beside a hello-world `lambda_http`
//! function built with the same profile (`src/bin/hello.rs`) and spawned the
//! same way. Each function is started twice over: with a first request it
//! answers without any storage (its start-up alone, the figure comparable with
//! hello world), and with a first request that needs DynamoDB (and KMS, for the
//! keys), as most real first requests do.

use crate::emulator::{apigw_event, runtime_api, serve, spawn, token_event, Bootstrap};
use crate::percentile;
use crate::warm::Fixture;
use oauth_tests::{authorize_url, basic_auth};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

/// One way of starting a function: its first request, one event per spawn.
struct Case {
    function: &'static str,
    first_request: &'static str,
    storage: bool,
    events: Vec<Value>,
}

/// Spawns `bin` once per event; the time from each spawn to its first answer.
async fn first_answers(boot: &Bootstrap, table: &str, events: Vec<Value>) -> (Vec<f64>, Vec<u16>) {
    let mut times = Vec::new();
    let mut statuses = Vec::new();
    for event in events {
        let (addr, mut rx) = runtime_api(vec![event]).await;
        let t0 = Instant::now();
        let mut child = spawn(boot, &addr, table);
        let (t1, status) = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("the function answered within 20 s")
            .expect("the emulator is running");
        times.push((t1 - t0).as_secs_f64() * 1e3);
        statuses.push(status);
        child.kill().await.ok();
    }
    times.sort_by(f64::total_cmp);
    (times, statuses)
}

fn get(path: &str, query: &str, headers: Value) -> Value {
    apigw_event("GET", path, query, headers, None)
}

async fn cases(f: &Fixture, spawns: usize) -> Vec<Case> {
    let host = json!({"host": "127.0.0.1"});
    let cc = token_event(
        &basic_auth(&f.cc_id, &f.cc_secret),
        "grant_type=client_credentials",
    );
    let login = authorize_url(&f.client_id, &[("scope", "read")]);
    let login_query = login.split_once('?').unwrap().1;
    let bearer = {
        let resp = token::handle(
            &f.env.state,
            oauth_tests::post_form(
                "/oauth/token",
                &[("grant_type", "client_credentials")],
                &[("authorization", &basic_auth(&f.cc_id, &f.cc_secret))],
            ),
        )
        .await;
        format!(
            "Bearer {}",
            oauth_tests::json_body(&resp)["access_token"]
                .as_str()
                .unwrap()
        )
    };
    let mut codes = Vec::new();
    for _ in 0..spawns {
        let code = f.code(&f.client_id, true).await;
        codes.push(token_event(
            &basic_auth(&f.client_id, &f.secret),
            &Fixture::redeem_body(&code),
        ));
    }
    let times = |e: Value| vec![e; spawns];
    vec![
        Case {
            function: "hello",
            first_request: "hello world: lambda_http answering a constant",
            storage: false,
            events: times(get("/", "", host.clone())),
        },
        Case {
            function: "authorize",
            first_request: "no client_id: 400 page, no storage",
            storage: false,
            events: times(get("/oauth/authorize", "", host.clone())),
        },
        Case {
            function: "authorize",
            first_request: "login page: client read, cookie key read + KMS Decrypt",
            storage: true,
            events: times(get("/oauth/authorize", login_query, host.clone())),
        },
        Case {
            function: "token",
            first_request: "unsupported grant_type: 400, no storage",
            storage: false,
            events: times(token_event(
                &basic_auth(&f.cc_id, &f.cc_secret),
                "grant_type=bogus",
            )),
        },
        Case {
            function: "token",
            first_request: "client_credentials: client read, grant write",
            storage: true,
            events: times(cc),
        },
        Case {
            function: "token",
            first_request:
                "code grant, openid: client ∥ grant, keyset read + KMS Decrypt, RS256 signature",
            storage: true,
            events: codes,
        },
        Case {
            function: "userinfo",
            first_request: "no token: 401, no storage",
            storage: false,
            events: times(get("/oauth/userinfo", "", host.clone())),
        },
        Case {
            function: "userinfo",
            first_request: "bearer token: grant read",
            storage: true,
            events: times(get(
                "/oauth/userinfo",
                "",
                json!({"host": "127.0.0.1", "authorization": bearer}),
            )),
        },
    ]
}

/// Every case, `spawns` times; the median and max to the first answer, the ratio
/// of each median to hello world's, and each function's peak RSS after 200
/// invocations of its storage request.
pub async fn cold_starts(f: &Fixture, table: &str, spawns: usize) -> Vec<Value> {
    let mut rows: Vec<Value> = Vec::new();
    let mut hello_ms = f64::NAN;
    for case in cases(f, spawns).await {
        let boot = Bootstrap::release(case.function);
        let bin = &boot.bin;
        eprintln!("  {}: {} x{spawns}", case.function, case.first_request);
        let rss_event = case.storage.then(|| case.events[0].clone());
        let (times, statuses) = first_answers(&boot, table, case.events).await;
        let median = percentile(&times, 50.0);
        if case.function == "hello" {
            hello_ms = median;
        }
        let mut row = json!({
            "function": case.function,
            "first_request": case.first_request,
            "storage": case.storage,
            "cold_start_ms_median": median,
            "cold_start_ms_max": times.last(),
            "ratio_to_hello": median / hello_ms,
            "spawns": spawns,
            "first_statuses": statuses.iter().collect::<std::collections::BTreeSet<_>>(),
            "bootstrap_bytes": std::fs::metadata(bin).map(|m| m.len()).unwrap_or(0),
        });
        // The arm64 build of `make build`, when there is one.
        let mut name = case.function.to_string();
        name[..1].make_ascii_uppercase();
        let arm = Path::new(".aws-sam/build")
            .join(format!("{name}Function"))
            .join("bootstrap");
        if let Ok(m) = std::fs::metadata(arm) {
            row["bootstrap_bytes_arm64"] = json!(m.len());
        }
        // Peak memory of one instance after 200 invocations (codes are single use:
        // the token function's RSS comes from its client_credentials case).
        if let Some(ev) = rss_event.filter(|_| !case.first_request.starts_with("code grant")) {
            let (_, _, _, hwm) = serve(&boot, table, vec![ev; 200], 0).await;
            row["peak_rss_mib_after_200"] = json!(hwm as f64 / 1024.0);
        }
        rows.push(row);
    }
    rows
}
