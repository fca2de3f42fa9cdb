//! Side by side with node-oidc-provider (`bench/peer/provider.mjs`), on equal
//! terms: the same two token-endpoint workloads, the same number of requests,
//! one at a time (Lambda gives each instance one request at a time; the peer gets
//! one keep-alive connection), and only the server process measured — the CPU
//! time of all its threads (`/proc/<pid>/task/*/schedstat`) over the measured
//! requests, divided by them.
//! The load generators (our Runtime API emulator, the peer's HTTP client), moto
//! and any router are other processes and are not counted.
//!
//! What differs: the peer keeps every grant and token in process memory (its
//! development adapter); ours writes each grant durably to DynamoDB, so its CPU
//! includes building, signing (SigV4) and parsing those HTTP requests. So ours
//! runs twice: against DynamoDB (moto), and as the same token handler over a
//! DynamoDB connector that answers from memory (`bench lambda-canned`), the
//! peer's condition. Both sign the OpenID code grant's ID token with RS256
//! (2048-bit keys).

use crate::cpu;
use crate::emulator::{process_cpu, serve, token_event, vm_hwm_kib, Bootstrap};
use crate::warm::Fixture;
use oauth_tests::basic_auth;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PEER_SECRET: &str = "bench-secret";

struct Peer {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Peer {
    /// Starts node-oidc-provider; returns it and the time from process start to
    /// its first client_credentials token.
    fn start(script: &Path) -> (Peer, f64) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let t0 = Instant::now();
        let child = Command::new("node")
            .arg(script)
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create("test-output/bench-peer.log")
                    .map_or(Stdio::null(), Stdio::from),
            )
            .spawn()
            .expect("node runs bench/peer/provider.mjs");
        let peer = Peer {
            child,
            base: format!("http://127.0.0.1:{port}"),
            agent: ureq::AgentBuilder::new().build(),
        };
        loop {
            if peer.token("bench", "grant_type=client_credentials").is_ok() {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "node-oidc-provider did not start"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        (peer, t0.elapsed().as_secs_f64() * 1e3)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// POSTs `body` to the token endpoint as `client`: the status, or what went wrong.
    fn token(&self, client: &str, body: &str) -> Result<u16, String> {
        let resp = self
            .agent
            .post(&format!("{}/token", self.base))
            .set("authorization", &basic_auth(client, PEER_SECRET))
            .set("content-type", "application/x-www-form-urlencoded")
            .send_string(body);
        match resp {
            Ok(resp) => {
                let status = resp.status();
                resp.into_string().ok();
                Ok(status)
            }
            Err(ureq::Error::Status(status, resp)) => Err(format!(
                "{status}: {}",
                resp.into_string().unwrap_or_default()
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Codes for `scope` made by the peer's own models, before the measured window.
    fn codes(&self, n: usize, scope: &str) -> Vec<String> {
        self.agent
            .post(&format!(
                "{}/bench/codes?n={n}&scope={}",
                self.base,
                oauth_tests::urlenc(scope)
            ))
            .call()
            .expect("the peer makes codes")
            .into_json()
            .expect("a JSON list of codes")
    }

    /// Sends `bodies` as `client`, one at a time; CPU, wall time and statuses
    /// over all but the first `warmup`.
    fn serve(
        &self,
        client: &str,
        bodies: &[String],
        warmup: usize,
    ) -> (Duration, Duration, Vec<u16>) {
        for body in &bodies[..warmup] {
            self.token(client, body).expect("the peer answers");
        }
        let (cpu0, t0) = (process_cpu(self.pid()).unwrap_or_default(), Instant::now());
        let statuses = bodies[warmup..]
            .iter()
            .map(|b| {
                self.token(client, b)
                    .unwrap_or_else(|e| panic!("the peer refused: {e}"))
            })
            .collect();
        let cpu = process_cpu(self.pid())
            .unwrap_or_default()
            .saturating_sub(cpu0);
        (cpu, t0.elapsed(), statuses)
    }
}

type Run = (Duration, Duration, Vec<u16>, u64);

fn figures(n: usize, run: &Run) -> Value {
    let cpu_us = run.0.as_secs_f64() * 1e6 / n as f64;
    json!({
        "cpu_us_per_request": cpu_us,
        "per_core_per_s": 1e6 / cpu_us,
        "sequential_req_per_s": n as f64 / run.1.as_secs_f64(),
        "peak_rss_mib": run.3 as f64 / 1024.0,
    })
}

/// One workload's figures: ours with DynamoDB (moto), ours with storage
/// answered from memory (when measured), and the peer's; the ratios ours / peer.
fn row(workload: &str, n: usize, dynamodb: Run, in_memory: Option<Run>, peer: Run) -> Value {
    for (who, run) in [
        ("ours", Some(&dynamodb)),
        ("ours in memory", in_memory.as_ref()),
        ("the peer", Some(&peer)),
    ] {
        if let Some(bad) = run.and_then(|r| r.2.iter().find(|&&s| s != 200)) {
            panic!("{workload}: {who} answered {bad}");
        }
    }
    let peer_us = peer.0.as_secs_f64();
    let ratio = |run: &Run| run.0.as_secs_f64() / peer_us;
    json!({
        "workload": workload,
        "requests": n,
        "ours": figures(n, &dynamodb),
        "ours_in_memory": in_memory.as_ref().map(|r| figures(n, r)),
        "peer": figures(n, &peer),
        "cpu_ratio": ratio(&dynamodb),
        "cpu_ratio_in_memory": in_memory.as_ref().map(ratio),
        "rss_ratio": dynamodb.3 as f64 / peer.3.max(1) as f64,
    })
}

/// The three workloads, `n` measured requests each after a warm-up; plus the
/// peer's process start → first token, and hello world's CPU per request (the
/// floor of any function under this runtime client and emulator).
pub async fn side_by_side(f: &Fixture, table: &str, script: &Path, n: usize) -> Value {
    let warmup = (n / 10).max(20);
    let token = Bootstrap::release("token");
    let (canned, canned_code) = cpu::canned();
    let in_memory = Bootstrap {
        bin: std::env::current_exe().expect("the harness"),
        args: vec!["lambda-canned".into()],
        env: vec![(
            "BENCH_CANNED".into(),
            serde_json::to_string(&canned).unwrap(),
        )],
    };
    let canned_basic = basic_auth(cpu::CLIENT_ID, cpu::SECRET);
    let (peer, peer_first_ms) = Peer::start(script);
    let peer_run = |client: &str, bodies: Vec<String>| {
        let (cpu, wall, statuses) = peer.serve(client, &bodies, warmup);
        (cpu, wall, statuses, vm_hwm_kib(peer.pid()).unwrap_or(0))
    };
    let mut rows = Vec::new();

    eprintln!("  client_credentials: {n} requests each, after {warmup}");
    let cc = "grant_type=client_credentials";
    let ours = serve(
        &token,
        table,
        vec![token_event(&basic_auth(&f.cc_id, &f.cc_secret), cc); warmup + n],
        warmup,
    )
    .await;
    let mem = serve(
        &in_memory,
        table,
        vec![token_event(&canned_basic, cc); warmup + n],
        warmup,
    )
    .await;
    let theirs = peer_run("bench", vec![cc.to_string(); warmup + n]);
    rows.push(row("client_credentials", n, ours, Some(mem), theirs));

    let hello = serve(
        &Bootstrap::release("hello"),
        table,
        vec![token_event(&canned_basic, cc); warmup + n],
        warmup,
    )
    .await;
    let hello_us = hello.0.as_secs_f64() * 1e6 / n as f64;

    // OAuth: an access and a refresh token, no ID token (no signature either side).
    eprintln!(
        "  authorization_code, OAuth (access + refresh token): {n} requests each, after {warmup}"
    );
    let basic = &basic_auth(&f.client_id, &f.secret);
    // Fresh codes for both servers, one per request: ours from the fixture's
    // grant items, the peer's from its bench route.
    let code_events = |openid: bool| async move {
        let mut events = Vec::with_capacity(warmup + n);
        for _ in 0..warmup + n {
            let code = f.code(&f.client_id, openid).await;
            events.push(token_event(basic, &Fixture::redeem_body(&code)));
        }
        events
    };
    let peer_bodies = |scope: &str| -> Vec<String> {
        let codes = peer.codes(warmup + n, scope);
        codes.iter().map(|c| Fixture::redeem_body(c)).collect()
    };
    let ours = serve(&token, table, code_events(false).await, warmup).await;
    let mem_event = token_event(&canned_basic, &Fixture::redeem_body(&canned_code));
    let mem = serve(&in_memory, table, vec![mem_event; warmup + n], warmup).await;
    let theirs = peer_run("bench-code", peer_bodies("offline_access"));
    rows.push(row(
        "authorization_code, OAuth: access + refresh token",
        n,
        ours,
        Some(mem),
        theirs,
    ));

    // OpenID Connect: the same plus an ID token signed RS256 (2048-bit) by both.
    eprintln!("  authorization_code, openid: {n} requests each, after {warmup}");
    let ours = serve(&token, table, code_events(true).await, warmup).await;
    let theirs = peer_run("bench-code", peer_bodies("openid offline_access"));
    rows.push(row(
        "authorization_code, openid: + ID token (RS256)",
        n,
        ours,
        None,
        theirs,
    ));

    let version = Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    json!({
        "peer": "node-oidc-provider (bench/peer, in-memory adapter, development keys)",
        "node": version,
        "peer_start_to_first_token_ms": peer_first_ms,
        "hello_world_cpu_us_per_request": hello_us,
        "rows": rows,
    })
}
