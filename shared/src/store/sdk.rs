//! The AWS SDK's configuration, built once per cold start.

use aws_smithy_http_client::tls::TrustStore;
use std::time::Duration;

/// SDK timeouts and retries: every endpoint answers within ~5 s even when
/// DynamoDB is unreachable or stalls (1 s connect, 1.5 s per attempt, 4 s in all,
/// at most 3 attempts with short backoff). One HTTP stack: hyper 1 + rustls on
/// ring (no legacy hyper 0.14), trusting the compiled-in roots of
/// [`compiled_roots`].
pub async fn sdk_config() -> aws_config::SdkConfig {
    sdk_config_trusting(compiled_roots()).await
}

/// The same configuration trusting the machine's own certificate store: for
/// `oauthctl` on an operator's machine, which may sit behind a TLS-inspecting
/// proxy whose CA only that store knows.
pub async fn sdk_config_with_system_roots() -> aws_config::SdkConfig {
    sdk_config_trusting(TrustStore::default()).await
}

async fn sdk_config_trusting(roots: TrustStore) -> aws_config::SdkConfig {
    use aws_config::retry::RetryConfig;
    use aws_config::timeout::TimeoutConfig;
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext};
    let tls = TlsContext::builder()
        .with_trust_store(roots)
        .build()
        .expect("the compiled-in root certificates form a valid trust store");
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls)
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

/// The names of the roots of Amazon Trust Services, which issue the
/// certificates of every AWS service endpoint (DynamoDB and KMS included):
/// Amazon Root CA 1 to 4, and the Starfield Services root that cross-signs them.
const AWS_ROOT_NAMES: [&[u8]; 2] = [
    b"Amazon Root CA ",
    b"Starfield Services Root Certificate Authority - G2",
];

/// The functions trust only the roots that can have issued an AWS endpoint's
/// certificate, taken from Mozilla's root store as compiled into
/// `webpki-root-certs` and verified by rustls/webpki as any root is. The
/// default, the system store, means opening and parsing ~150 files, and even
/// compiled in, decoding ~150 PEM certificates costs ~2 ms of every cold start
/// (measured by `make bench`); five cost almost nothing, and a narrower set of
/// trusted issuers is stricter, not weaker, verification.
fn compiled_roots() -> TrustStore {
    TrustStore::empty().with_pem_certificate(compiled_roots_pem())
}

fn aws_roots() -> impl Iterator<Item = &'static [u8]> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|cert| cert.as_ref())
        .filter(|der| {
            // A self-signed root's subject names it in plain ASCII in its DER.
            AWS_ROOT_NAMES
                .iter()
                .any(|name| memchr::memmem::find(der, name).is_some())
        })
}

fn compiled_roots_pem() -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut pem = String::with_capacity(8 * 2048);
    for der in aws_roots() {
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        pem.push_str(&b64.encode(der));
        pem.push_str("\n-----END CERTIFICATE-----\n");
    }
    pem
}

#[cfg(test)]
mod tests {
    use rustls_pki_types::{pem::PemObject, CertificateDer};

    /// The five Amazon Trust Services roots, and nothing else, come back out of
    /// the PEM the SDK is given, each a usable trust anchor (the SDK panics on
    /// one that is not).
    #[test]
    fn the_compiled_in_roots_are_the_five_aws_roots_and_parse_as_anchors() {
        let pem = super::compiled_roots_pem();
        let certs: Vec<CertificateDer> = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            certs.len(),
            5,
            "Amazon Root CA 1-4 and Starfield Services G2"
        );
        let mut store = rustls::RootCertStore::empty();
        for cert in certs {
            store.add(cert).unwrap();
        }
        assert_eq!(store.len(), 5);
        let text = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
        let subjects: Vec<String> = store
            .roots
            .iter()
            .map(|a| text(a.subject.as_ref()))
            .collect();
        for n in 1..=4 {
            let name = format!("Amazon Root CA {n}");
            assert!(subjects.iter().any(|s| s.contains(&name)), "{name} missing");
        }
    }
}
