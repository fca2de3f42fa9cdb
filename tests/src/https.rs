//! A local https server for client ID metadata documents (the tests'): a
//! test CA and a certificate for any host name, made by rcgen; the server
//! answers each path with a canned response and counts the requests. The
//! server's outbound client is told to trust the CA (`OUTBOUND_CA_FILE`'s
//! job) and, through a stub resolver, that the test host names are loopback:
//! nothing ever leaves 127.0.0.1.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One canned answer.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Canned {
    pub fn json(body: &serde_json::Value) -> Self {
        Self {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            delay: Duration::ZERO,
        }
    }
}

/// The running server.
pub struct DocServer {
    pub port: u16,
    /// The CA's certificate, PEM, in a file (as `OUTBOUND_CA_FILE` names one).
    pub ca_file: std::path::PathBuf,
    routes: Arc<Mutex<HashMap<String, Canned>>>,
    hits: Arc<AtomicUsize>,
}

impl DocServer {
    /// Starts the server with a certificate for `hosts`.
    pub async fn start(hosts: &[&str]) -> Self {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "oauth tests CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let names: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        let params = rcgen::CertificateParams::new(names).unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();
        let dir = std::env::temp_dir().join(format!("oauth-tests-{}", shared::crypto::random_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<Mutex<HashMap<String, Canned>>> = Arc::default();
        let hits = Arc::new(AtomicUsize::new(0));
        let (r, h) = (routes.clone(), hits.clone());
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let (acceptor, routes, hits) = (acceptor.clone(), r.clone(), h.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    hits.fetch_add(1, Ordering::SeqCst);
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let path = head.split(' ').nth(1).unwrap_or("/").to_string();
                    let canned = routes
                        .lock()
                        .unwrap()
                        .get(&path)
                        .cloned()
                        .unwrap_or(Canned {
                            status: 404,
                            headers: vec![],
                            body: b"not found".to_vec(),
                            delay: Duration::ZERO,
                        });
                    tokio::time::sleep(canned.delay).await;
                    let mut out = format!(
                        "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                        canned.status,
                        canned.body.len()
                    );
                    for (k, v) in &canned.headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str("\r\n");
                    let _ = tls.write_all(out.as_bytes()).await;
                    let _ = tls.write_all(&canned.body).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        Self {
            port,
            ca_file,
            routes,
            hits,
        }
    }

    /// Answers `path` with `canned` from now on.
    pub fn serve(&self, path: &str, canned: Canned) {
        self.routes.lock().unwrap().insert(path.to_string(), canned);
    }

    /// How many requests it has answered.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// An outbound client for a deployment with `issuer`, trusting the test
    /// CA, with every name resolving to `answer` (loopback for the documents;
    /// private or metadata-service addresses for the refusals, which are
    /// never connected to).
    pub fn outbound(&self, issuer: &str, answer: &[&str]) -> shared::outbound::Outbound {
        let ips: Vec<IpAddr> = answer.iter().map(|a| a.parse().unwrap()).collect();
        let lookup: shared::outbound::Lookup = Arc::new(move |_: &str| Ok(ips.clone()));
        shared::outbound::Outbound::new(issuer, self.ca_file.to_str(), Some(lookup)).unwrap()
    }
}
