//! Redirect URIs: which may be registered (RFC 6749 §3.1.2, RFC 9700 §2.1,
//! RFC 8252 §7, OpenID Connect Registration §2), and whether one presented in
//! a request is a registered one (RFC 6749 §3.1.2.3: exact match; RFC 8252
//! §7.3: a loopback IP redirect URI with any port). Everything that registers
//! a client checks its URIs here.

use url::{Host, Url};

/// The kind of application a client is (OpenID Connect Registration §2
/// `application_type`), when it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppType {
    /// Runs on a web server: https only, never localhost.
    Web,
    /// Runs on the person's device: loopback `http` with any port (RFC 8252
    /// §7.3), a private-use scheme (§7.1) or a claimed `https` URI (§7.2).
    Native,
}

/// What registering a redirect URI may allow beyond the rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rules {
    pub app_type: Option<AppType>,
    /// `http` on a host other than loopback: only by an operator, for a
    /// legacy client that cannot use https (`oauthctl --allow-http-redirect`).
    pub allow_http: bool,
}

fn is_loopback_ip(u: &Url) -> bool {
    match u.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    }
}

fn is_loopback(u: &Url) -> bool {
    is_loopback_ip(u) || u.host_str() == Some("localhost")
}

/// A private-use URI scheme (RFC 8252 §7.1): reverse domain name form, so it
/// contains a period (`com.example.app`); no `javascript:`, `data:`, `file:`.
fn is_private_use_scheme(scheme: &str) -> bool {
    scheme.contains('.')
}

/// Whether `uri` may be registered; `Err` says why not.
pub fn check(uri: &str, rules: Rules) -> Result<(), &'static str> {
    if uri.contains('*') {
        return Err("must not contain a wildcard");
    }
    let u = Url::parse(uri).map_err(|_| "must be an absolute URI")?;
    if u.fragment().is_some() || uri.contains('#') {
        return Err("must not contain a fragment");
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("must not contain a user name or password");
    }
    if u.cannot_be_a_base() {
        return Err("must be a URL with a path, e.g. com.example.app:/callback");
    }
    match (u.scheme(), rules.app_type) {
        ("https", Some(AppType::Web)) if is_loopback(&u) => {
            Err("a web application's redirect URI must not be on localhost")
        }
        ("https", _) if u.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        ("https", _) => Err("must name a host"),
        ("http", Some(AppType::Web)) => Err("a web application's redirect URI must use https"),
        ("http", _) if is_loopback(&u) || rules.allow_http => Ok(()),
        ("http", _) => Err("must use https (http only on a loopback address)"),
        (_, Some(AppType::Web)) => Err("a web application's redirect URI must use https"),
        (scheme, _) if is_private_use_scheme(scheme) => Ok(()),
        _ => Err("must use https, http on a loopback address, or a private-use scheme such as com.example.app:/"),
    }
}

/// Whether a request's `redirect_uri` is one of `registered`: the same
/// string, or for a registered loopback IP `http` URI the same but for the
/// port, which the native app picks at the time of the request (RFC 8252 §7.3).
pub fn matches(registered: &str, presented: &str) -> bool {
    if registered == presented {
        return true;
    }
    let (Ok(r), Ok(p)) = (Url::parse(registered), Url::parse(presented)) else {
        return false;
    };
    if r.scheme() != "http" || !is_loopback_ip(&r) {
        return false;
    }
    let without_port = |u: &Url| {
        let mut u = u.clone();
        let _ = u.set_port(None);
        u
    };
    p.scheme() == "http" && without_port(&r).as_str() == without_port(&p).as_str()
}

/// The registered URI a presented one matches.
pub fn find<'a>(registered: &'a [String], presented: &str) -> Option<&'a str> {
    registered
        .iter()
        .map(String::as_str)
        .find(|r| matches(r, presented))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANY: Rules = Rules {
        app_type: None,
        allow_http: false,
    };

    #[test]
    fn f9_only_web_and_native_redirect_uris_without_userinfo_wildcards_or_fragments_register() {
        for ok in [
            "https://app.example/cb",
            "https://app.example:8443/cb?x=1",
            "http://127.0.0.1/cb",
            "http://[::1]:8080/cb",
            "http://localhost:3000/cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert!(check(ok, ANY).is_ok(), "{ok}");
        }
        for bad in [
            "http://app.example/cb",
            "https://user:pw@app.example/cb",
            "https://*.app.example/cb",
            "https://app.example/cb#f",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/html,x",
            "myapp:/cb",
            "/relative",
        ] {
            assert!(check(bad, ANY).is_err(), "{bad}");
        }
        let legacy = Rules {
            allow_http: true,
            ..ANY
        };
        assert!(check("http://service.belladati.com/auth", legacy).is_ok());
    }

    #[test]
    fn web_applications_use_https_off_localhost_and_native_ones_loopback_or_their_scheme() {
        let web = Rules {
            app_type: Some(AppType::Web),
            ..ANY
        };
        let native = Rules {
            app_type: Some(AppType::Native),
            ..ANY
        };
        assert!(check("https://app.example/cb", web).is_ok());
        assert!(check("https://localhost/cb", web).is_err());
        assert!(check("http://127.0.0.1/cb", web).is_err());
        assert!(check("com.example.app:/cb", web).is_err());
        assert!(check("http://127.0.0.1/cb", native).is_ok());
        assert!(check("com.example.app:/cb", native).is_ok());
        assert!(check("https://app.example/cb", native).is_ok());
    }

    #[test]
    fn f9_a_loopback_ip_redirect_uri_matches_any_port_and_nothing_else_does() {
        assert!(matches("http://127.0.0.1/cb", "http://127.0.0.1:53123/cb"));
        assert!(matches(
            "http://127.0.0.1:8000/cb",
            "http://127.0.0.1:53123/cb"
        ));
        assert!(matches("http://[::1]/cb", "http://[::1]:4000/cb"));
        assert!(!matches("http://127.0.0.1/cb", "http://127.0.0.1:1/other"));
        assert!(!matches("http://127.0.0.1/cb", "https://127.0.0.1:1/cb"));
        assert!(!matches("http://localhost/cb", "http://localhost:1/cb"));
        assert!(!matches(
            "https://app.example/cb",
            "https://app.example:444/cb"
        ));
        assert!(!matches(
            "https://app.example/cb",
            "https://app.example/cb/"
        ));
    }
}
