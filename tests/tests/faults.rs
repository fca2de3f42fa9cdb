//! DynamoDB going away and coming back under load: while many code and refresh
//! grants run at once, the connection to DynamoDB is cut and refused for a
//! while, then restored. Every response is 200 or 503; no code or refresh token
//! gives tokens twice; a grant whose write landed but whose answer was lost is
//! refused afterwards with a clear `invalid_grant`, never a 500.

use oauth_tests::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// A TCP proxy in front of moto that can be cut (every connection dropped,
/// new ones refused) and restored: DynamoDB stopping and starting, as the
/// functions see it.
struct Proxy {
    url: String,
    down: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (down, open) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(Mutex::new(Vec::new())),
        );
        let (d, o) = (down.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if d.load(Ordering::SeqCst) {
                    continue; // refused: dropped at once
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                o.lock().unwrap().push(task.abort_handle());
            }
        });
        Self { url, down, open }
    }

    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for t in self.open.lock().unwrap().drain(..) {
            t.abort();
        }
    }

    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_load_dynamodb_stopping_and_restarting_gives_200_or_503_and_nothing_twice() {
    let env = env().await;
    let (client, secret) = env.client(|_| {}).await;
    let secret = secret.unwrap();
    let grant = || shared::store::Granted {
        scope: vec!["read".into()],
        sub: Some("u".into()),
        ..Default::default()
    };
    let now = env.now();
    let mut codes = Vec::new();
    for _ in 0..60 {
        codes.push(
            put_code_grant(
                &env.state.store,
                &client.client_id,
                grant(),
                None,
                now + 300,
                now,
            )
            .await,
        );
    }
    let mut refresh_tokens = Vec::new();
    for code in codes.split_off(40) {
        let (s, t, _) = env.redeem(&client.client_id, &secret, &code).await;
        assert_eq!(s, 200);
        refresh_tokens.push(t["refresh_token"].as_str().unwrap().to_string());
    }
    // The same table through the proxy.
    let upstream = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .unwrap()
        .trim_start_matches("http://")
        .to_string();
    let proxy = Proxy::start(upstream).await;
    let store = shared::store::Store::with_endpoint(env.state.store.table(), &proxy.url).await;
    let faulty = Env {
        state: shared::State {
            store,
            ..env.state.clone()
        },
    };
    let requests: Vec<(&str, String)> = codes
        .iter()
        .map(|c| ("code", c.clone()))
        .chain(refresh_tokens.iter().map(|r| ("refresh", r.clone())))
        .collect();
    let load = futures::future::join_all(requests.iter().enumerate().map(|(i, (kind, value))| {
        let (faulty, id, secret) = (&faulty, client.client_id.clone(), secret.clone());
        async move {
            tokio::time::sleep(Duration::from_millis(40 * i as u64)).await;
            match *kind {
                "code" => faulty.redeem(&id, &secret, value).await,
                _ => faulty.refresh(&id, &secret, value).await,
            }
        }
    }));
    let outage = async {
        tokio::time::sleep(Duration::from_millis(600)).await;
        proxy.cut();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        proxy.restore();
    };
    let (results, ()) = tokio::join!(load, outage);
    let ok = results.iter().filter(|r| r.0 == 200).count();
    let unavailable = results.iter().filter(|r| r.0 == 503).count();
    println!(
        "{} grants under an outage of 1.5 s: {ok} answered 200, {unavailable} 503",
        results.len()
    );
    for (status, json, _) in &results {
        assert!(*status == 200 || *status == 503, "{status}: {json}");
    }
    assert!(unavailable > 0 && ok > 0, "the outage overlapped the load");
    // Each credential that got 503 is tried again now: tokens if its write never
    // landed, a clear invalid_grant if it did; never 500, never a second set.
    for ((kind, value), (status, _, _)) in requests.iter().zip(&results) {
        let (again, json, _) = match *kind {
            "code" => env.redeem(&client.client_id, &secret, value).await,
            _ => env.refresh(&client.client_id, &secret, value).await,
        };
        if *status == 200 {
            assert_eq!(
                (again, json["error"].as_str()),
                (400, Some("invalid_grant")),
                "used once"
            );
        } else {
            assert!(
                again == 200 || (again == 400 && json["error"] == "invalid_grant"),
                "{again}: {json}"
            );
        }
    }
}
