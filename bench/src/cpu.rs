//! Handler CPU per request with the I/O taken out: the token function's code grant
//! runs against a DynamoDB connector that answers from memory, so every cycle
//! spent is the handler's own or the AWS SDK's (building, signing and parsing the
//! three requests), never waiting.
//!
//! `bench cpu --mode code|code-sdk --iterations N` runs one mode and prints a JSON
//! line; the main harness runs it natively for microseconds and under
//! `valgrind --tool=callgrind` for instruction counts (two iteration counts, the
//! difference divided by the difference: start-up and setup cancel out).
//! `code-sdk` makes the same three DynamoDB calls through the same client with the
//! same answers, so `code − code-sdk` is the handler's own work.
//!
//! `bench lambda-canned` is the token function itself, as its bootstrap runs it,
//! over the same connector: the side by side's "ours, storage answered from
//! memory", the same condition as node-oidc-provider's in-memory adapter.

use crate::{percentile, post, thread_cpu, REDIRECT};
use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_runtime_api::shared::IntoShared;
use aws_smithy_types::body::SdkBody;
use serde_json::{json, Map, Value};
use shared::store::{self, Granted, Store};
use shared::{Config, State};
use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

pub const CLIENT_ID: &str = "bench-cpu";
pub const SECRET: &str = "bench-cpu-secret-0123456789abcdef";
/// Answers DynamoDB's JSON protocol from memory, by `X-Amz-Target` and, for
/// GetItem, by the key's prefix: the client, or the code's grant (never used,
/// so every request redeems it afresh).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Canned {
    client_item: String,
    grant_item: String,
}

impl HttpConnector for Canned {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let target = request.headers().get("x-amz-target").unwrap_or_default();
        let key = request
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
            .and_then(|v| v["Key"]["pk"]["S"].as_str().map(str::to_string))
            .unwrap_or_default();
        let body = match target.rsplit('.').next() {
            Some("GetItem") if key.starts_with("client#") => self.client_item.clone(),
            Some("GetItem") => self.grant_item.clone(),
            Some("PutItem") => "{}".to_string(),
            _ => {
                let e = format!("the canned connector has no answer for {target:?}");
                return HttpConnectorFuture::ready(Err(ConnectorError::other(e.into(), None)));
            }
        };
        let mut response = HttpResponse::new(
            StatusCode::try_from(200).expect("status"),
            SdkBody::from(body),
        );
        response
            .headers_mut()
            .insert("content-type", "application/x-amz-json-1.0");
        HttpConnectorFuture::ready(Ok(response))
    }
}

impl HttpClient for Canned {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.clone().into_shared()
    }
}

/// An attribute value in DynamoDB's wire JSON.
fn wire(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(b) => json!({ "NULL": b }),
        AttributeValue::Ss(v) => json!({ "SS": v }),
        AttributeValue::Ns(v) => json!({ "NS": v }),
        AttributeValue::L(v) => json!({ "L": v.iter().map(wire).collect::<Vec<_>>() }),
        AttributeValue::M(m) => json!({ "M": wire_item(m) }),
        other => panic!("no wire form for {other:?} in the benchmark's items"),
    }
}

fn wire_item(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), wire(v)))
            .collect::<Map<_, _>>(),
    )
}

fn item_json<T: serde::Serialize>(field: &str, value: &T) -> String {
    let item: HashMap<String, AttributeValue> = serde_dynamo::to_item(value).expect("item");
    json!({ field: wire_item(&item) }).to_string()
}

/// The canned client (code, refresh and client-credentials grants) and code
/// grant (scope `read`, never used), and the code that redeems it.
pub fn canned() -> (Canned, String) {
    let now = shared::clock::unix_now();
    let new = shared::registration::NewClient {
        name: "Bench CPU".into(),
        redirect_uris: vec![REDIRECT.into()],
        scopes: vec!["read".into(), "write".into()],
        default_scopes: Some(vec![]),
        grants: ["authorization_code", "refresh_token", "client_credentials"]
            .map(String::from)
            .to_vec(),
        ..Default::default()
    };
    let registrar = shared::registration::Registrar::Operator;
    let client = store::Client {
        secret_hash: Some(shared::crypto::sha256_hex(SECRET)),
        ..shared::registration::settle(new, CLIENT_ID.into(), &registrar, &[], now)
            .expect("canned client")
    };
    let grant = Granted {
        scope: vec!["read".into()],
        sub: Some("0f5e8c1a-sub".into()),
        username: Some("bench@example.com".into()),
        tenant: Some("default".into()),
        claims: Some(r#"{"role":"AGENT"}"#.into()),
        ..Granted::default()
    };
    // Far enough ahead for any run.
    let (item, code) = oauth_tests::code_grant_item(CLIENT_ID, grant, None, now + 86_400, now);
    let canned = Canned {
        client_item: item_json("Item", &client),
        grant_item: item_json("Item", &item),
    };
    (canned, code)
}

/// The production SDK configuration with the connector swapped for [`Canned`].
async fn canned_state(canned: Canned) -> State {
    let conf = aws_sdk_dynamodb::config::Builder::from(&store::sdk::sdk_config().await)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDBENCH", "bench", None, None, "bench"))
        .endpoint_url("http://127.0.0.1:1")
        .http_client(SharedHttpClient::new(canned))
        .build();
    let store = Store::new(aws_sdk_dynamodb::Client::from_conf(conf), "bench-cpu");
    State::new(Config::new("bench-cpu", "http://127.0.0.1:9000"), store)
}

async fn state() -> (State, String) {
    let (canned, code) = canned();
    (canned_state(canned).await, code)
}

/// `bench lambda-canned`: the token function's bootstrap over the canned
/// connector given (as JSON) in `BENCH_CANNED`.
pub async fn lambda() {
    let canned: Canned =
        serde_json::from_str(&std::env::var("BENCH_CANNED").expect("BENCH_CANNED"))
            .expect("BENCH_CANNED holds a Canned");
    let state: &'static State = Box::leak(Box::new(canned_state(canned).await));
    lambda_http::run(lambda_http::service_fn(
        move |req: lambda_http::Request| async move {
            Ok::<_, std::convert::Infallible>(token::handle(state, req).await)
        },
    ))
    .await
    .expect("the runtime runs");
}

/// The code grant's token request, client authenticated in the body.
fn code_grant_request(code: &str) -> lambda_http::Request {
    post(
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
        ],
    )
}

/// One code grant through the token function's handler.
async fn code_grant(st: &State, code: &str) {
    let resp = token::handle(st, code_grant_request(code)).await;
    assert_eq!(resp.status(), 200, "code grant: {:?}", resp.body());
}

/// The same grant's three DynamoDB calls alone, as the handler makes them.
async fn code_grant_sdk_only(st: &State, code: &str) {
    let grant_id = match shared::credential::shape(code) {
        shared::credential::Shape::Bound { grant_id } => grant_id,
        other => panic!("not a code: {other:?}"),
    };
    let (client, item) = tokio::join!(
        st.store.get_client(CLIENT_ID),
        st.store.get_authorization(grant_id)
    );
    assert!(client.expect("client").is_some());
    let mut item = item.expect("grant").expect("a grant");
    let read = item.v;
    item.v += 1;
    let written = st
        .store
        .replace_authorization(&item, read)
        .await
        .expect("replace");
    assert!(matches!(written, store::Replaced::Done));
}

/// `bench cpu --mode code|code-sdk --iterations N [--warmup W]`: prints
/// `{"mode", "iterations", "us_p50", "us_mean", "cpu_us_p50"}`.
pub async fn main(mode: &str, iterations: usize, warmup: usize) {
    let (st, code) = state().await;
    let mut wall = Vec::with_capacity(iterations);
    let mut cpu = Vec::with_capacity(iterations);
    for i in 0..warmup + iterations {
        let (t0, c0) = (Instant::now(), thread_cpu());
        match mode {
            "code" => code_grant(&st, &code).await,
            "code-sdk" => code_grant_sdk_only(&st, &code).await,
            other => panic!("unknown mode {other}"),
        }
        if i >= warmup {
            wall.push(t0.elapsed().as_secs_f64() * 1e6);
            cpu.push((thread_cpu() - c0).as_secs_f64() * 1e6);
        }
    }
    let mean = wall.iter().sum::<f64>() / wall.len().max(1) as f64;
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    println!(
        "{}",
        json!({ "mode": mode, "iterations": iterations, "us_p50": percentile(&wall, 50.0),
                "us_mean": mean, "cpu_us_p50": percentile(&cpu, 50.0) })
    );
}

/// Arguments and environment of one `bench cpu` run.
fn cpu_args(cmd: &mut Command, mode: &str, iterations: usize, warmup: usize) {
    cmd.args(["cpu", "--mode", mode])
        .args(["--iterations", &iterations.to_string()])
        .args(["--warmup", &warmup.to_string()])
        .env("RUST_LOG", "error")
        .env("AWS_REGION", "us-east-1");
}

/// Instructions of one `bench cpu` run under callgrind (`None` without valgrind).
fn callgrind_instructions(mode: &str, iterations: usize) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = std::env::temp_dir().join(format!(
        "bench-callgrind-{mode}-{iterations}-{}.out",
        std::process::id()
    ));
    let mut cmd = Command::new("valgrind");
    cmd.args(["--tool=callgrind", "--quiet"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&exe);
    cpu_args(&mut cmd, mode, iterations, 0);
    let status = cmd.stdout(std::process::Stdio::null()).status().ok()?;
    let text = std::fs::read_to_string(&out).ok();
    std::fs::remove_file(&out).ok();
    if !status.success() {
        eprintln!("callgrind run of {mode} x{iterations} failed: {status}");
        return None;
    }
    text?
        .lines()
        .find_map(|l| {
            l.strip_prefix("summary: ")
                .or_else(|| l.strip_prefix("totals: "))
        })
        .and_then(|v| v.trim().parse().ok())
}

/// Runs `bench cpu` natively and under callgrind for both modes; one report row.
///
/// Native timings on a shared or frequency-scaled machine wander by ±40% from run
/// to run, so the two modes run interleaved five times and the best p50 of each
/// counts. Instruction counts are the stable figure; the handler's own share in
/// microseconds is its instructions at the code grant's measured time per
/// instruction.
pub fn measure(iterations: usize) -> Value {
    let exe = std::env::current_exe().expect("current exe");
    let native = |mode: &str| -> f64 {
        let mut cmd = Command::new(&exe);
        cpu_args(&mut cmd, mode, iterations, 200);
        let out = cmd.output().expect("run bench cpu");
        assert!(out.status.success(), "bench cpu --mode {mode} failed");
        let v: Value = serde_json::from_slice(&out.stdout).expect("bench cpu output");
        v["us_p50"].as_f64().unwrap_or(f64::NAN)
    };
    let (mut code_us, mut sdk_us) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..5 {
        code_us = code_us.min(native("code"));
        sdk_us = sdk_us.min(native("code-sdk"));
    }
    // Instructions per request: two runs, 20 and 120 requests; the difference is
    // 100 requests with every fixed cost (process start, SDK config) cancelled.
    let per_request = |mode: &str| -> Option<f64> {
        let (a, b) = (
            callgrind_instructions(mode, 20)?,
            callgrind_instructions(mode, 120)?,
        );
        Some((b as f64 - a as f64) / 100.0)
    };
    let (code_ir, sdk_ir) = (per_request("code"), per_request("code-sdk"));
    let own_ir = code_ir.zip(sdk_ir).map(|(c, s)| c - s);
    let own_us = own_ir.zip(code_ir).map(|(o, c)| o * code_us / c);
    json!({
        "endpoint": "code grant CPU, no I/O (canned DynamoDB connector)",
        "iterations": iterations,
        "handler_incl_sdk_us_p50": code_us,
        "sdk_calls_alone_us_p50": sdk_us,
        "handler_incl_sdk_instructions": code_ir,
        "sdk_calls_alone_instructions": sdk_ir,
        "handler_own_instructions": own_ir,
        "handler_own_us_estimate": own_us,
        "goal_us": 100,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canned connector carries a whole code grant (200 with tokens) and the
    /// SDK-only path, so the CPU figures measure the real handler path.
    #[tokio::test(flavor = "current_thread")]
    async fn code_grant_runs_against_the_canned_connector() {
        let (st, code) = state().await;
        let resp = token::handle(&st, code_grant_request(&code)).await;
        assert_eq!(resp.status(), 200);
        let body = oauth_tests::json_body(&resp);
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() == 66));
        code_grant_sdk_only(&st, &code).await;
    }
}
