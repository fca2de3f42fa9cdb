//! What runs the release bootstraps the way Lambda does: a Runtime API emulator
//! on loopback handing out API Gateway (HTTP API, payload 2.0) events one at a
//! time, and the spawned process's CPU time and peak memory read from /proc.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// An API Gateway HTTP API (payload 2.0) event.
pub fn apigw_event(
    method: &str,
    path: &str,
    query: &str,
    headers: Value,
    body: Option<&str>,
) -> Value {
    json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": query,
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

/// A token-endpoint event: a form body with HTTP Basic client authentication.
pub fn token_event(basic: &str, body: &str) -> Value {
    apigw_event(
        "POST",
        "/oauth/token",
        "",
        json!({"host": "127.0.0.1", "content-type": "application/x-www-form-urlencoded", "authorization": basic}),
        Some(body),
    )
}

/// A Lambda Runtime API emulator on loopback: hands out `events` one by one and
/// reports when each response arrives.
pub async fn runtime_api(
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
            // Each answer goes out in one write with Nagle off: the runtime client
            // must not sit out a delayed ACK (40 ms) between head and body.
            sock.set_nodelay(true).ok();
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
                        sock.write_all((head + &payload).as_bytes()).await.ok();
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

pub fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// CPU time of a process: the sum over its threads of the time each has run,
/// in nanoseconds (`/proc/<pid>/task/*/schedstat`), or, where that is missing,
/// user plus system time in clock ticks (`/proc/<pid>/stat`).
pub fn process_cpu(pid: u32) -> Option<Duration> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let ns: Option<u64> = tasks
        .map(|t| {
            let t = t.ok()?;
            let s = std::fs::read_to_string(t.path().join("schedstat")).ok()?;
            s.split_whitespace().next()?.parse::<u64>().ok()
        })
        .sum();
    ns.map(Duration::from_nanos)
        .or_else(|| process_cpu_ticks(pid))
}

fn process_cpu_ticks(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count from the closing paren.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf reads a constant of the system.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_nanos(ticks * 1_000_000_000 / hz))
}

/// A function's process: a release bootstrap, or the harness itself acting as one.
#[derive(Clone)]
pub struct Bootstrap {
    pub bin: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl Bootstrap {
    /// `target/release/{name}`.
    pub fn release(name: &str) -> Self {
        Bootstrap {
            bin: Path::new("target/release").join(name),
            args: Vec::new(),
            env: Vec::new(),
        }
    }
}

/// Starts a bootstrap against the emulator at `addr`, in the bench's
/// environment (local DynamoDB and KMS endpoints, the tests' KMS key).
pub fn spawn(boot: &Bootstrap, addr: &str, table: &str) -> tokio::process::Child {
    tokio::process::Command::new(&boot.bin)
        .args(&boot.args)
        .envs(boot.env.iter().map(|(k, v)| (k, v)))
        .env("AWS_LAMBDA_RUNTIME_API", addr)
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
        .env("TABLE_NAME", table)
        .env("KMS_KEY_ID", oauth_tests::KMS_ALIAS)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn bootstrap")
}

/// Serves `events` to one spawned bootstrap, one at a time as Lambda does; after
/// the first `warmup` answers, measures the process's CPU time and the wall time
/// over the rest. Returns (CPU, wall, statuses of the measured answers, peak RSS KiB).
pub async fn serve(
    boot: &Bootstrap,
    table: &str,
    events: Vec<Value>,
    warmup: usize,
) -> (Duration, Duration, Vec<u16>, u64) {
    let total = events.len();
    let (addr, mut rx) = runtime_api(events).await;
    let mut child = spawn(boot, &addr, table);
    let pid = child.id().expect("pid");
    for _ in 0..warmup {
        next_answer(&mut rx).await;
    }
    let (cpu0, t0) = (process_cpu(pid).unwrap_or_default(), Instant::now());
    let mut statuses = Vec::with_capacity(total - warmup);
    for _ in warmup..total {
        statuses.push(next_answer(&mut rx).await.1);
    }
    let (cpu, wall) = (
        process_cpu(pid).unwrap_or_default().saturating_sub(cpu0),
        t0.elapsed(),
    );
    let hwm = vm_hwm_kib(pid).unwrap_or(0);
    child.kill().await.ok();
    (cpu, wall, statuses, hwm)
}

async fn next_answer(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<(Instant, u16)>,
) -> (Instant, u16) {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("the function answered within 30 s")
        .expect("the emulator is running")
}
