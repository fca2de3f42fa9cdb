//! The AWS SDK's configuration, built once per cold start.

use std::time::Duration;

/// SDK timeouts and retries: every endpoint answers within ~5 s even when
/// DynamoDB is unreachable or stalls (1 s connect, 1.5 s per attempt, 4 s in all,
/// at most 3 attempts with short backoff). One HTTP stack: hyper 1 + rustls on
/// ring (no aws-lc C build, no legacy hyper 0.14).
pub async fn sdk_config() -> aws_config::SdkConfig {
    use aws_config::retry::RetryConfig;
    use aws_config::timeout::TimeoutConfig;
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(1000))
                .read_timeout(Duration::from_millis(1500))
                .operation_attempt_timeout(Duration::from_millis(1500))
                .operation_timeout(Duration::from_millis(4000))
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(50))
                .with_max_backoff(Duration::from_millis(400)),
        )
        .load()
        .await
}
