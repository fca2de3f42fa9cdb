//! The one HTTP client for requests the server itself makes (client metadata
//! documents, upstream identity providers, CloudFormation's custom-resource
//! responses): `reqwest` on rustls, with short timeouts, a size limit, no
//! redirects, and address rules checked on every address a name resolves to,
//! before any connection (SSRF, RFC 9700 §4.3 and the client ID metadata
//! document draft's security considerations).
//!
//! Only public unicast addresses are reached: no loopback, private (RFC 1918,
//! unique local), link-local (the instance metadata service at
//! 169.254.169.254 and `fd00:ec2::254` among them), shared (100.64/10),
//! unspecified, multicast, documentation or reserved ranges, in IPv4 or IPv6
//! form, IPv4-mapped IPv6 included. The one exception is local development:
//! when the issuer itself is plain http on loopback, loopback is reached too.
//!
//! Certificates are checked against Mozilla's roots, plus the PEM bundle
//! named by `OUTBOUND_CA_FILE` (a private CA; the tests' own).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// How long a connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a whole request may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Why an outbound request failed (never a page's text: callers say it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundError {
    /// The URL is not one this server fetches (scheme, host).
    Refused(&'static str),
    /// The name resolves to no address the rules allow.
    Address,
    /// The server answered with something other than 2xx (a redirect too).
    Status(u16),
    /// The body is larger than allowed.
    TooLarge,
    /// No answer in time, or the connection failed.
    Unreachable(String),
}

impl std::fmt::Display for OutboundError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(why) => write!(f, "refused: {why}"),
            Self::Address => write!(f, "the host resolves to no public address"),
            Self::Status(s) => write!(f, "answered HTTP {s}"),
            Self::TooLarge => write!(f, "the response is too large"),
            Self::Unreachable(e) => write!(f, "unreachable: {e}"),
        }
    }
}

/// Which addresses may be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressRules {
    /// Loopback too: only when the issuer itself is plain http on loopback.
    pub loopback: bool,
}

impl AddressRules {
    /// The rules for a deployment with this issuer.
    pub fn for_issuer(issuer: &str) -> Self {
        Self {
            loopback: crate::config::is_loopback_http(issuer),
        }
    }

    /// Whether an address may be reached.
    pub fn permits(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) => self.permits_v4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => self.permits_v4(v4),
                None => self.permits_v6(v6),
            },
        }
    }

    fn permits_v4(&self, ip: Ipv4Addr) -> bool {
        if ip.is_loopback() {
            return self.loopback;
        }
        let [a, b, c, _] = ip.octets();
        !(ip.is_private()
            || ip.is_link_local()
            || ip.is_unspecified()
            || ip.is_broadcast()
            || ip.is_multicast()
            || ip.is_documentation()
            || a == 0
            || (a == 100 && (64..128).contains(&b))
            || (a == 192 && b == 0 && c == 0)
            || (a == 198 && (18..20).contains(&b))
            || a >= 240)
    }

    fn permits_v6(&self, ip: Ipv6Addr) -> bool {
        if ip.is_loopback() {
            return self.loopback;
        }
        let first = ip.segments()[0];
        !(ip.is_unspecified()
            || ip.is_multicast()
            || (first & 0xfe00) == 0xfc00
            || (first & 0xffc0) == 0xfe80
            || (first & 0xffc0) == 0xfec0
            || first == 0x2001 && ip.segments()[1] == 0x0db8
            || first == 0x0064 && ip.segments()[1] == 0xff9b
            || ip.to_ipv4().is_some_and(|v4| !self.permits_v4(v4)))
    }
}

/// How names are resolved: the system's resolver, or (tests) a stub that
/// answers whatever addresses it is given, so that refusals are tested
/// without ever connecting to them.
pub type Lookup = Arc<dyn Fn(&str) -> Result<Vec<IpAddr>, String> + Send + Sync + 'static>;

/// Resolves a name and keeps the addresses the rules permit.
struct Resolver {
    rules: AddressRules,
    lookup: Option<Lookup>,
}

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (rules, lookup) = (self.rules, self.lookup.clone());
        let host = name.as_str().to_string();
        Box::pin(async move {
            let ips: Vec<IpAddr> = match lookup {
                Some(f) => f(&host)?,
                None => tokio::net::lookup_host((host.as_str(), 0))
                    .await?
                    .map(|a| a.ip())
                    .collect(),
            };
            let allowed: Vec<SocketAddr> = ips
                .into_iter()
                .filter(|ip| rules.permits(*ip))
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(AddressRefused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[derive(Debug)]
struct AddressRefused;

impl std::fmt::Display for AddressRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no permitted address")
    }
}

impl std::error::Error for AddressRefused {}

/// The outbound client of an execution environment.
#[derive(Clone, Debug)]
pub struct Outbound {
    client: reqwest::Client,
    rules: AddressRules,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("rules", &self.rules)
            .finish()
    }
}

/// The roots outbound certificates are checked against: Mozilla's, and the
/// PEM bundle at `ca_file` if any.
fn roots(ca_file: Option<&str>) -> Result<rustls::RootCertStore, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut store = rustls::RootCertStore::empty();
    let (added, _) =
        store.add_parsable_certificates(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
    if added == 0 {
        return Err("no root certificates".into());
    }
    if let Some(path) = ca_file {
        for cert in CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("OUTBOUND_CA_FILE {path}: {e}"))?
        {
            let cert = cert.map_err(|e| format!("OUTBOUND_CA_FILE {path}: {e}"))?;
            store
                .add(cert)
                .map_err(|e| format!("OUTBOUND_CA_FILE {path}: {e}"))?;
        }
    }
    Ok(store)
}

impl Outbound {
    /// The client for a deployment with `issuer`, trusting `ca_file`'s roots
    /// too; `lookup` replaces the system resolver (tests).
    pub fn new(
        issuer: &str,
        ca_file: Option<&str>,
        lookup: Option<Lookup>,
    ) -> Result<Self, String> {
        let rules = AddressRules::for_issuer(issuer);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots(ca_file)?)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .dns_resolver(Arc::new(Resolver { rules, lookup }))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TIMEOUT)
            .no_proxy()
            .user_agent("oauth-server")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { client, rules })
    }

    /// Checks a URL before any request: http(s) only (`https` unless
    /// `allow_http`), a host, and when the host is an address literal (which
    /// no resolver sees), that address against the rules.
    pub fn check_url(&self, url: &url::Url, allow_http: bool) -> Result<(), OutboundError> {
        match url.scheme() {
            "https" => {}
            "http" if allow_http => {}
            _ => return Err(OutboundError::Refused("https only")),
        }
        let ip = match url.host() {
            None => return Err(OutboundError::Refused("no host")),
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => None,
        };
        if ip.is_some_and(|ip| !self.rules.permits(ip)) {
            return Err(OutboundError::Address);
        }
        Ok(())
    }

    /// Sends a request and reads at most `max` bytes of a 2xx answer: the
    /// headers and the body.
    pub async fn send(
        &self,
        req: reqwest::RequestBuilder,
        max: usize,
    ) -> Result<(reqwest::header::HeaderMap, Vec<u8>), OutboundError> {
        let mut resp = req.send().await.map_err(|e| classify(&e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(OutboundError::Status(status.as_u16()));
        }
        if resp.content_length().is_some_and(|n| n > max as u64) {
            return Err(OutboundError::TooLarge);
        }
        let headers = resp.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e))? {
            if body.len() + chunk.len() > max {
                return Err(OutboundError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok((headers, body))
    }

    /// A GET of `url` (checked first), at most `max` bytes.
    pub async fn get(
        &self,
        url: &url::Url,
        allow_http: bool,
        accept: &str,
        max: usize,
    ) -> Result<(reqwest::header::HeaderMap, Vec<u8>), OutboundError> {
        self.check_url(url, allow_http)?;
        let req = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, accept);
        self.send(req, max).await
    }

    /// A request builder of this client (the caller checks the URL first).
    pub fn request(&self, method: reqwest::Method, url: url::Url) -> reqwest::RequestBuilder {
        self.client.request(method, url)
    }
}

fn classify(e: &reqwest::Error) -> OutboundError {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        if s.is::<AddressRefused>() {
            return OutboundError::Address;
        }
        source = s.source();
    }
    if e.is_timeout() {
        return OutboundError::Unreachable("timed out".into());
    }
    OutboundError::Unreachable(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: AddressRules = AddressRules { loopback: false };

    #[test]
    fn only_public_unicast_addresses_are_permitted_in_any_form() {
        for ok in [
            "93.184.215.14",
            "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
            "1.1.1.1",
        ] {
            assert!(PUBLIC.permits(ok.parse().unwrap()), "{ok}");
        }
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
        ] {
            assert!(!PUBLIC.permits(bad.parse().unwrap()), "{bad}");
        }
        let local = AddressRules { loopback: true };
        assert!(local.permits("127.0.0.1".parse().unwrap()));
        assert!(local.permits("::1".parse().unwrap()));
        assert!(!local.permits("10.0.0.1".parse().unwrap()), "only loopback");
    }

    #[test]
    fn the_local_exception_holds_only_for_a_plain_http_loopback_issuer() {
        assert!(AddressRules::for_issuer("http://127.0.0.1:9000").loopback);
        assert!(AddressRules::for_issuer("http://localhost:9000").loopback);
        assert!(!AddressRules::for_issuer("https://auth.example.com").loopback);
        assert!(!AddressRules::for_issuer("https://127.0.0.1").loopback);
    }

    fn stub(ips: &'static [&'static str]) -> Lookup {
        Arc::new(move |_: &str| Ok(ips.iter().map(|i| i.parse().unwrap()).collect()))
    }

    #[tokio::test]
    async fn a_name_resolving_to_a_refused_address_is_never_connected_to() {
        for ips in [
            &["10.0.0.5"][..],
            &["169.254.169.254"],
            &["::ffff:127.0.0.1", "fd00:ec2::254"],
            &["127.0.0.1"],
        ] {
            let out = Outbound::new("https://op.example", None, Some(stub(ips))).unwrap();
            let url = url::Url::parse("https://metadata.example/doc.json").unwrap();
            let e = out
                .get(&url, false, "application/json", 1024)
                .await
                .unwrap_err();
            assert_eq!(e, OutboundError::Address, "{ips:?}");
        }
    }

    #[test]
    fn address_literals_and_other_schemes_are_refused_before_any_request() {
        let out = Outbound::new("https://op.example", None, None).unwrap();
        let check = |u: &str| out.check_url(&url::Url::parse(u).unwrap(), false);
        assert_eq!(
            check("https://169.254.169.254/latest/meta-data"),
            Err(OutboundError::Address)
        );
        assert_eq!(check("https://[::1]/x"), Err(OutboundError::Address));
        assert_eq!(
            check("https://[::ffff:a00:1]/x"),
            Err(OutboundError::Address)
        );
        assert!(matches!(
            check("http://example.com/x"),
            Err(OutboundError::Refused(_))
        ));
        assert!(matches!(
            check("file:///etc/passwd"),
            Err(OutboundError::Refused(_))
        ));
        assert_eq!(check("https://93.184.215.14/x"), Ok(()));
    }
}
