//! Structured JSON logs: one line per request. Log lines name clients, grant
//! types and outcomes, never a token, code, secret, password or cookie.

use std::time::Instant;

/// Installs a JSON subscriber honouring `RUST_LOG` (default `info`).
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .try_init();
}

/// What one request did, filled in by its handler and written once, at the end.
/// Only identifiers and outcomes go in, never a secret value.
#[derive(Debug)]
pub struct RequestLog {
    function: &'static str,
    request_id: Option<String>,
    method: String,
    endpoint: String,
    started: Instant,
    pub client_id: Option<String>,
    pub grant_type: Option<&'static str>,
    /// A short label: `issued`, `invalid_grant`, `login_page`, …
    pub outcome: &'static str,
    /// Why a 5xx happened (a store error's text), when one did.
    pub cause: Option<String>,
}

impl RequestLog {
    pub fn start(function: &'static str, req: &lambda_http::Request) -> Self {
        use lambda_http::RequestExt;
        Self {
            function,
            request_id: req.lambda_context_ref().map(|c| c.request_id.clone()),
            method: req.method().as_str().to_string(),
            endpoint: req.uri().path().to_string(),
            started: Instant::now(),
            client_id: None,
            grant_type: None,
            outcome: "-",
            cause: None,
        }
    }

    /// Writes the line: `info` normally, `error` with the cause for a 5xx.
    pub fn finish(self, status: u16) {
        let latency_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let (function, method, endpoint) = (self.function, &self.method, &self.endpoint);
        let request_id = self.request_id.as_deref().unwrap_or("-");
        let client_id = self.client_id.as_deref().unwrap_or("-");
        let grant_type = self.grant_type.unwrap_or("-");
        let outcome = self.outcome;
        match &self.cause {
            Some(cause) => tracing::error!(
                function,
                request_id,
                method,
                endpoint,
                status,
                client_id,
                grant_type,
                outcome,
                cause = cause.as_str(),
                latency_ms,
                "request"
            ),
            None => tracing::info!(
                function, request_id, method, endpoint, status, client_id, grant_type, outcome,
                latency_ms, "request"
            ),
        }
    }
}
