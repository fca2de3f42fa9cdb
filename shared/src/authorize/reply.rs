//! The authorization response to the client (RFC 6749 §4.1.2, §4.1.2.1): by a
//! redirect with a query, or by an auto-submitted form (OAuth 2.0 Form Post
//! Response Mode), always carrying `iss` (RFC 9207) and the request's `state`.

use super::{Answer, View};
use crate::error::ErrorCode;

/// Where and how the response goes, once the client and its redirect URI are
/// trusted.
#[derive(Debug, Clone)]
pub struct ClientReply {
    pub redirect_uri: String,
    pub state: Option<String>,
    pub form_post: bool,
    pub issuer: String,
}

impl ClientReply {
    /// The code (§4.1.2).
    pub fn code(&self, code: &str) -> Answer {
        self.answer(&[("code", code)], "code_issued")
    }

    /// An error (§4.1.2.1; OpenID Connect Core §3.1.2.6).
    pub fn error(&self, code: ErrorCode, description: &str) -> Answer {
        let pairs = [("error", code.as_str()), ("error_description", description)];
        self.answer(&pairs, "error_redirect")
    }

    fn answer(&self, pairs: &[(&str, &str)], result: &'static str) -> Answer {
        let mut all: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(s) = &self.state {
            all.push(("state".into(), s.clone()));
        }
        all.push(("iss".into(), self.issuer.clone()));
        let view = if self.form_post {
            View::FormPost {
                action: self.redirect_uri.clone(),
                fields: all,
            }
        } else {
            let pairs: Vec<(&str, &str)> =
                all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            View::Redirect {
                location: super::redirect_with(&self.redirect_uri, &pairs),
                status: 302,
            }
        };
        Answer::new(view, result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(form_post: bool) -> ClientReply {
        ClientReply {
            redirect_uri: "https://a.example/cb?x=1".into(),
            state: Some("s&1".into()),
            form_post,
            issuer: "https://op.example".into(),
        }
    }

    #[test]
    fn every_response_carries_state_and_iss() {
        let a = reply(false).error(ErrorCode::AccessDenied, "no");
        let View::Redirect { location, .. } = a.view else {
            panic!()
        };
        assert_eq!(
            location,
            "https://a.example/cb?x=1&error=access_denied&error_description=no&state=s%261&iss=https%3A%2F%2Fop.example"
        );
    }

    #[test]
    fn form_post_posts_the_same_fields_to_the_redirect_uri() {
        let a = reply(true).code("c0de");
        let View::FormPost { action, fields } = a.view else {
            panic!()
        };
        assert_eq!(action, "https://a.example/cb?x=1");
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["code", "state", "iss"]);
    }
}
