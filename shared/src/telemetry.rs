//! Structured JSON logs. Log lines name clients, grant types and outcomes,
//! never a token, code, secret, password or cookie.

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

/// One structured line per request: who, what, outcome and latency. Callers pass
/// only identifiers and outcomes, never a secret value.
#[allow(clippy::too_many_arguments)]
pub fn request_done(
    function: &str,
    request_id: Option<&str>,
    method: &str,
    endpoint: &str,
    status: u16,
    client_id: Option<&str>,
    grant_type: Option<&str>,
    outcome: &str,
    started: std::time::Instant,
) {
    tracing::info!(
        function,
        request_id = request_id.unwrap_or("-"),
        method,
        endpoint,
        status,
        client_id = client_id.unwrap_or("-"),
        grant_type = grant_type.unwrap_or("-"),
        outcome,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
}

/// The Lambda request id, when running under the Lambda runtime.
pub fn request_id(req: &lambda_http::Request) -> Option<String> {
    use lambda_http::RequestExt;
    req.lambda_context_ref().map(|c| c.request_id.clone())
}
