//! For tests that drive the running local stack (`make test` starts it and
//! sets `OAUTH_BASE` and `OAUTHCTL`): the CLI and a cookie-keeping user agent
//! that signs in and allows like a person at a browser would.

use crate::{form_submission, hidden_fields};
use std::collections::BTreeMap;

pub fn base() -> String {
    std::env::var("OAUTH_BASE").expect("OAUTH_BASE: run through `make test`")
}

pub fn oauthctl(args: &[&str]) -> serde_json::Value {
    let bin = std::env::var("OAUTHCTL").expect("OAUTHCTL: run through `make test`");
    let out = std::process::Command::new(bin)
        .args(args)
        .output()
        .expect("run oauthctl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A user at a browser: keeps cookies, submits the login and consent forms.
pub struct UreqBrowser {
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
}

impl Default for UreqBrowser {
    fn default() -> Self {
        Self::new()
    }
}

impl UreqBrowser {
    pub fn new() -> Self {
        Self {
            agent: ureq::AgentBuilder::new().redirects(0).build(),
            cookies: BTreeMap::new(),
        }
    }

    fn keep_cookies(&mut self, resp: &ureq::Response) {
        for c in resp.all("set-cookie") {
            let first = c.split(';').next().unwrap();
            let (k, v) = first.split_once('=').unwrap();
            self.cookies.insert(k.to_string(), v.to_string());
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn get(&mut self, url: &str) -> ureq::Response {
        let resp = self
            .agent
            .get(url)
            .set("cookie", &self.cookie_header())
            .call()
            .expect("GET");
        self.keep_cookies(&resp);
        resp
    }

    pub fn submit(&mut self, url: &str, page: &str, extra: &[(&str, &str)]) -> ureq::Response {
        let fields = hidden_fields(page);
        let pairs = form_submission(&fields, extra);
        let resp = self
            .agent
            .post(url)
            .set("cookie", &self.cookie_header())
            .send_form(&pairs)
            .expect("POST");
        self.keep_cookies(&resp);
        resp
    }

    /// From the authorize URL to the redirect URI's query.
    pub fn authorize(
        &mut self,
        url: &str,
        email: &str,
        password: &str,
    ) -> BTreeMap<String, String> {
        let action = format!("{}/oauth/authorize", base());
        let login = self.get(url).into_string().unwrap();
        let after = self.submit(&action, &login, &[("email", email), ("password", password)]);
        assert_eq!(after.status(), 303);
        let next = format!("{}{}", base(), after.header("location").unwrap());
        let consent = self.get(&next).into_string().unwrap();
        let back = self.submit(&action, &consent, &[("action", "allow")]);
        assert_eq!(back.status(), 302);
        let loc = url::Url::parse(back.header("location").unwrap()).unwrap();
        loc.query_pairs().into_owned().collect()
    }
}
