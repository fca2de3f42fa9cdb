//! `make bench`: warm latency, DynamoDB round trips and capacity units, handler
//! CPU, cold starts beside a hello-world function, size, memory, cost, and
//! node-oidc-provider side by side; written as one JSON report that
//! `infra/bench_report.py` prints as tables.
//!
//! Needs a local DynamoDB and KMS API (`AWS_ENDPOINT_URL_DYNAMODB`,
//! `AWS_ENDPOINT_URL_KMS`, started by infra/bench.sh) and the release bootstraps
//! (`target/release/{authorize,token,userinfo,hello}`).

mod cold;
mod cpu;
mod emulator;
mod peer;
mod selfservice;
mod signing;
mod warm;

use lambda_http::Request;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

const REDIRECT: &str = oauth_tests::REDIRECT;

fn post(uri: &str, pairs: &[(&str, &str)]) -> Request {
    oauth_tests::post_form(uri, pairs, &[])
}

/// us-east-1 list prices, named in the report.
mod price {
    /// Lambda arm64, per GB-second and per request.
    pub const LAMBDA_GB_S: f64 = 0.000_013_333_4;
    pub const LAMBDA_REQ: f64 = 0.20 / 1e6;
    /// API Gateway HTTP API, per request (first 300 million a month).
    pub const HTTP_API_REQ: f64 = 1.00 / 1e6;
    /// DynamoDB on-demand, per write and read request unit.
    pub const WRU: f64 = 0.625 / 1e6;
    pub const RRU: f64 = 0.125 / 1e6;
    /// DynamoDB provisioned, per WCU-hour and RCU-hour.
    pub const WCU_HOUR: f64 = 0.00065;
    pub const RCU_HOUR: f64 = 0.00013;
}

/// Memory of each function in infra/template.yaml.
fn memory_mb(function: &str) -> f64 {
    if function == "userinfo" {
        128.0
    } else {
        1024.0
    }
}

fn arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

fn num(name: &str, default: usize) -> usize {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
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

/// Cost per million grants: each grant's function calls (function, warm stage
/// whose p50 is its billed duration) and the capacity units those stages sent.
fn costs(warm: &[Value]) -> Vec<Value> {
    let stage = |key: &str| {
        warm.iter()
            .find(|r| r["key"] == key)
            .unwrap_or_else(|| panic!("no warm stage {key}"))
    };
    let grants: [(&str, &[(&str, &str)]); 7] = [
        (
            "authorization_code: authorize redirect + code grant",
            &[("authorize", "authorize_code"), ("token", "code_grant")],
        ),
        (
            "authorization_code, openid: + ID token and JWT access token",
            &[
                ("authorize", "authorize_code"),
                ("token", "code_grant_oidc_jwt"),
            ],
        ),
        ("refresh_token", &[("token", "refresh_grant")]),
        ("password", &[("token", "password_grant")]),
        ("client_credentials", &[("token", "client_credentials")]),
        ("userinfo", &[("userinfo", "userinfo")]),
        ("introspection", &[("token", "introspection")]),
    ];
    grants
        .iter()
        .map(|(grant, calls)| {
            let (mut lambda, mut rru, mut wru, mut billed) = (0.0, 0.0, 0.0, Vec::new());
            for (function, key) in calls.iter() {
                let s = stage(key);
                let ms = s["p50_ms"].as_f64().unwrap_or(0.0).ceil();
                lambda += price::LAMBDA_REQ + ms / 1000.0 * memory_mb(function) / 1024.0 * price::LAMBDA_GB_S;
                rru += s["rru"].as_f64().unwrap_or(0.0);
                wru += s["wru"].as_f64().unwrap_or(0.0);
                billed.push(json!({ "function": function, "billed_ms": ms, "memory_mb": memory_mb(function) }));
            }
            let api = calls.len() as f64 * price::HTTP_API_REQ;
            let ddb = rru * price::RRU + wru * price::WRU;
            json!({ "grant": grant, "calls": billed, "rru": rru, "wru": wru,
                    "lambda_usd": lambda * 1e6, "http_api_usd": api * 1e6, "dynamodb_usd": ddb * 1e6,
                    "total_usd_per_million": (lambda + api + ddb) * 1e6 })
        })
        .collect()
}

/// A month (30 days) of code grants at 1,000 and 10,000 per second: on-demand,
/// and DynamoDB provisioned for the steady rate at 70% target utilisation.
fn scale(costs: &[Value]) -> Vec<Value> {
    let code = &costs[0];
    let month_s = 30.0 * 24.0 * 3600.0;
    [1_000.0, 10_000.0]
        .iter()
        .map(|rate: &f64| {
            let millions = rate * month_s / 1e6;
            let f = |k: &str| code[k].as_f64().unwrap_or(0.0) * millions;
            let (wru, rru) = (code["wru"].as_f64().unwrap_or(0.0), code["rru"].as_f64().unwrap_or(0.0));
            let (wcu, rcu) = ((rate * wru / 0.7).ceil(), (rate * rru / 0.7).ceil());
            let provisioned = (wcu * price::WCU_HOUR + rcu * price::RCU_HOUR) * 720.0;
            json!({ "grants_per_second": rate, "grants_per_month_millions": millions,
                    "lambda_usd": f("lambda_usd"), "http_api_usd": f("http_api_usd"),
                    "dynamodb_on_demand_usd": f("dynamodb_usd"),
                    "dynamodb_provisioned_usd": provisioned, "provisioned_wcu": wcu, "provisioned_rcu": rcu,
                    "writes_per_second": rate * wru, "reads_per_second": rate * rru })
        })
        .collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if std::env::args().nth(1).as_deref() == Some("lambda-canned") {
        return cpu::lambda().await;
    }
    if std::env::args().nth(1).as_deref() == Some("cpu") {
        let mode = arg("--mode").unwrap_or_else(|| "code".into());
        return cpu::main(&mode, num("--iterations", 1000), num("--warmup", 200)).await;
    }
    if std::env::var("RUST_LOG").is_err() {
        std::env::set_var("RUST_LOG", "error");
    }
    shared::telemetry::init();
    let n = num("--requests", 1000);
    let spawns = num("--spawns", 20);
    let out_path = arg("--json").unwrap_or_else(|| "test-output/bench.json".into());

    // `--only warm,self,cpu,signing,cold,peer`: some sections only (all by default).
    let only = arg("--only").unwrap_or_else(|| "warm,self,cpu,signing,cold,peer".into());
    let runs = |section: &str| only.split(',').any(|s| s == section);

    let (mut warm, mut costs) = (Vec::new(), Vec::new());
    if runs("warm") {
        eprintln!(
            "warm: {n} requests per endpoint, handler in-process against the local DynamoDB API"
        );
        warm = warm::warm(n).await;
        costs = self::costs(&warm);
        // Argon2id alone, reported apart from the handler CPU.
        let hash = shared::crypto::hash_password("bench-password");
        let mut argon = Vec::new();
        for _ in 0..20 {
            let c0 = thread_cpu();
            assert!(shared::crypto::verify_password("bench-password", &hash));
            argon.push((thread_cpu() - c0).as_secs_f64() * 1e3);
        }
        argon.sort_by(f64::total_cmp);
        warm.push(json!({ "endpoint": "argon2id verify (m=19MiB,t=2,p=1)", "key": "argon2id", "cpu_ms_p50": percentile(&argon, 50.0) }));
    }
    // Registration, metadata documents and the account page: a tenth as many
    // (each revocation first allows an app, each first use serves a document).
    let self_service = if runs("self") {
        let m = (n / 10).max(20);
        eprintln!(
            "self-service: {m} requests per case (registration, metadata documents, account page)"
        );
        selfservice::measure(m).await
    } else {
        Vec::new()
    };
    let handler_cpu = if runs("cpu") {
        eprintln!(
            "handler CPU: code grant with a canned DynamoDB connector (native and callgrind)"
        );
        cpu::measure(n)
    } else {
        Value::Null
    };

    // Cold starts and the side by side share one table with the clients and keys.
    let f = warm::fixture().await;
    let table = f.env.state.config.table_name.clone();
    let signing = if runs("signing") {
        eprintln!("signing: a fresh environment's first signature, then {n} RS256 signatures");
        signing::measure(&f, n).await
    } else {
        Value::Null
    };
    let mut cold = Vec::new();
    if runs("cold") {
        eprintln!("cold starts: {spawns} spawns per case");
        cold = cold::cold_starts(&f, &table, spawns).await;
    }
    let side_by_side = match arg("--peer").filter(|_| runs("peer")) {
        Some(script) => {
            eprintln!("side by side with node-oidc-provider");
            peer::side_by_side(&f, &table, Path::new(&script), num("--peer-requests", 2000)).await
        }
        None => Value::Null,
    };

    let report = json!({
        "machine": format!("{} cores, {}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0), std::env::consts::ARCH),
        "dynamodb": "moto server on loopback (Python): its latency dominates every DynamoDB figure",
        "warm": warm,
        "self_service": self_service,
        "handler_cpu": handler_cpu,
        "signing": signing,
        "cold": cold,
        "side_by_side": side_by_side,
        "cost_per_million": costs,
        "scale": if costs.is_empty() { json!([]) } else { json!(scale(&costs)) },
        "prices": {
            "region": "us-east-1",
            "lambda_arm64_per_gb_s": price::LAMBDA_GB_S, "lambda_per_request": price::LAMBDA_REQ,
            "http_api_per_request": price::HTTP_API_REQ, "dynamodb_per_wru": price::WRU, "dynamodb_per_rru": price::RRU,
            "dynamodb_per_wcu_hour": price::WCU_HOUR, "dynamodb_per_rcu_hour": price::RCU_HOUR,
        }
    });
    if let Some(dir) = Path::new(&out_path).parent() {
        std::fs::create_dir_all(dir).ok();
    }
    std::fs::write(&out_path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("{}", serde_json::to_string(&report).unwrap());
}
