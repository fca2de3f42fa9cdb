//! Validating an authorization request (RFC 6749 §4.1.1, §4.1.2.1). Two steps:
//! the client and its redirect URI first — failures there show an error page and
//! never redirect, since the URI cannot be trusted (§4.1.2.1 first paragraph) —
//! then everything else, whose failures are redirected to the client.

use super::{error_page, error_redirect, Answer};
use crate::crypto;
use crate::error::ErrorCode;
use crate::grant_type::GrantType;
use crate::params::Params;
use crate::scope;
use crate::store::Client;
use crate::tenant;

/// Authorization parameters echoed in every form, in this order.
const AUTH_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "partnerId",
];

/// A validated authorization request.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client: Client,
    pub redirect_uri: String,
    /// Whether the request named `redirect_uri` (§4.1.3 then wants it back).
    pub redirect_uri_given: bool,
    pub state: Option<String>,
    pub scopes: Vec<String>,
    pub code_challenge: Option<String>,
    pub tenant: String,
    /// The authorization parameters as received, for hidden form fields.
    pub fields: Vec<(String, String)>,
}

impl AuthRequest {
    /// The authorize URL this request came to, for the redirect after sign-in.
    pub fn self_url(&self, path: &str) -> String {
        let q: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.fields.iter())
            .finish();
        format!("{path}?{q}")
    }
}

/// The client (must exist and be enabled) and its redirect URI (exact match,
/// RFC 6749 §3.1.2.3; may be omitted when only one is registered, §3.1.2.3).
pub(super) fn check_client(
    params: &Params,
    client: Option<Client>,
) -> Result<(Client, String, bool), Box<Answer>> {
    let page = |title: &str, message: &str| Box::new(error_page(400, title, message));
    if params.get("client_id").is_none() {
        return Err(page("Invalid request", "The request has no client_id."));
    }
    let client = match client {
        Some(c) if !c.disabled => c,
        _ => {
            return Err(page(
                "Unknown application",
                "The application that sent you here is not registered.",
            ))
        }
    };
    match params.get("redirect_uri") {
        Some(uri) if client.redirect_uris.iter().any(|r| r == uri) => {
            Ok((client, uri.to_string(), true))
        }
        Some(_) => Err(page(
            "Invalid redirect URI",
            "The redirect URI in this request is not registered for the application, so you cannot be sent back to it.",
        )),
        None if client.redirect_uris.len() == 1 => {
            let uri = client.redirect_uris[0].clone();
            Ok((client, uri, false))
        }
        None => Err(page("Invalid request", "The request has no redirect_uri.")),
    }
}

/// Everything else; failures redirect to the client with an error (§4.1.2.1).
pub(super) fn check_request(
    params: &Params,
    client: Client,
    redirect_uri: String,
    given: bool,
) -> Result<AuthRequest, Box<Answer>> {
    let state = params.get("state").map(str::to_string);
    let fail = |code: ErrorCode, d: &str| {
        Box::new(error_redirect(&redirect_uri, state.as_deref(), code, d))
    };
    match params.get("response_type") {
        None => return Err(fail(ErrorCode::InvalidRequest, "response_type is required")),
        // BellaDati sends `CODE` (docs/compatibility.md).
        Some(rt) if rt.eq_ignore_ascii_case("code") => {}
        Some(_) => {
            return Err(fail(
                ErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            ))
        }
    }
    if !client.allows_grant(GrantType::AuthorizationCode) {
        return Err(fail(
            ErrorCode::UnauthorizedClient,
            "this client may not use the authorization code flow",
        ));
    }
    let scopes = scope::resolve(params.get("scope"), &client.scopes, &client.default_scopes)
        .map_err(|e| fail(e.code, &e.description))?;
    let challenge = params.get("code_challenge");
    // RFC 7636 §4.3, §4.4.1; S256 only (RFC 9700 §2.1.1).
    match (challenge, params.get("code_challenge_method")) {
        (Some(c), Some("S256")) if crypto::is_valid_pkce_value(c) => {}
        (Some(_), Some("S256")) => {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "code_challenge must be 43-128 characters of [A-Za-z0-9-._~]",
            ))
        }
        (Some(_), _) | (None, Some(_)) => {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "only code_challenge_method=S256 is supported, with a code_challenge",
            ))
        }
        (None, None) if client.is_public() => {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "public clients must use PKCE (code_challenge with S256)",
            ))
        }
        (None, None) => {}
    }
    let tenant = tenant::from_params(params).map_err(|e| fail(e.code, &e.description))?;
    let fields = AUTH_PARAMS
        .iter()
        .filter_map(|k| params.get(k).map(|v| (k.to_string(), v.to_string())))
        .collect();
    Ok(AuthRequest {
        client,
        redirect_uri,
        redirect_uri_given: given,
        state,
        scopes,
        code_challenge: challenge.map(str::to_string),
        tenant,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorize::{Page, View};
    use crate::store::models::test_client;

    fn client(public: bool, uris: &[&str]) -> Client {
        test_client(public, uris)
    }

    const CB: &str = "https://a.example/cb";

    fn params(q: &str) -> Params {
        Params::parse(q, b"").unwrap()
    }

    fn status_of(a: &Answer) -> u16 {
        match &a.view {
            View::Page(Page::Error { status, .. }) => *status,
            View::Redirect { status, .. } => *status,
            _ => 200,
        }
    }

    fn redirected_error(a: &Answer) -> String {
        let View::Redirect { location, .. } = &a.view else {
            panic!("a redirect")
        };
        let url = url::Url::parse(location).unwrap();
        url.query_pairs()
            .find(|(k, _)| k == "error")
            .unwrap()
            .1
            .into_owned()
    }

    #[test]
    fn an_unknown_disabled_or_unregistered_target_shows_a_page_and_never_redirects() {
        let p = params("client_id=c&redirect_uri=https%3A%2F%2Fevil.example%2Fcb");
        assert_eq!(
            status_of(&check_client(&p, Some(client(false, &[CB]))).unwrap_err()),
            400
        );
        assert_eq!(status_of(&check_client(&p, None).unwrap_err()), 400);
        let mut disabled = client(false, &[CB]);
        disabled.disabled = true;
        let p = params("client_id=c");
        assert_eq!(
            status_of(&check_client(&p, Some(disabled)).unwrap_err()),
            400
        );
        assert_eq!(
            status_of(&check_client(&params(""), None).unwrap_err()),
            400
        );
    }

    #[test]
    fn the_redirect_uri_may_be_omitted_only_when_one_is_registered() {
        let (_, uri, given) =
            check_client(&params("client_id=c"), Some(client(false, &[CB]))).unwrap();
        assert_eq!((uri.as_str(), given), (CB, false));
        let two = client(false, &[CB, "https://a.example/x"]);
        assert!(check_client(&params("client_id=c"), Some(two)).is_err());
    }

    #[test]
    fn response_type_code_in_any_case_and_nothing_else() {
        let ok = check_request(
            &params("response_type=CODE"),
            client(false, &[CB]),
            CB.into(),
            true,
        );
        assert!(ok.is_ok());
        let e = check_request(
            &params("response_type=token&state=s"),
            client(false, &[CB]),
            CB.into(),
            true,
        )
        .unwrap_err();
        assert_eq!(redirected_error(&e), "unsupported_response_type");
        let e = check_request(&params(""), client(false, &[CB]), CB.into(), true).unwrap_err();
        assert_eq!(redirected_error(&e), "invalid_request");
    }

    #[test]
    fn scopes_default_and_are_bounded_by_the_client() {
        let r = check_request(
            &params("response_type=code"),
            client(false, &[CB]),
            CB.into(),
            true,
        )
        .unwrap();
        assert_eq!(r.scopes, vec!["read".to_string()]);
        let e = check_request(
            &params("response_type=code&scope=admin"),
            client(false, &[CB]),
            CB.into(),
            true,
        )
        .unwrap_err();
        assert_eq!(redirected_error(&e), "invalid_scope");
    }

    #[test]
    fn pkce_is_s256_only_and_required_of_public_clients() {
        let ch = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        let q = format!("response_type=code&code_challenge={ch}&code_challenge_method=S256");
        assert!(check_request(&params(&q), client(true, &[CB]), CB.into(), true).is_ok());
        let plain = format!("response_type=code&code_challenge={ch}&code_challenge_method=plain");
        let e = check_request(&params(&plain), client(false, &[CB]), CB.into(), true).unwrap_err();
        assert_eq!(redirected_error(&e), "invalid_request");
        let e = check_request(
            &params("response_type=code"),
            client(true, &[CB]),
            CB.into(),
            true,
        )
        .unwrap_err();
        assert_eq!(redirected_error(&e), "invalid_request");
    }

    #[test]
    fn a_client_without_the_code_grant_is_unauthorized_client() {
        let mut c = client(false, &[CB]);
        c.grants = vec!["password".into()];
        let e = check_request(&params("response_type=code"), c, CB.into(), true).unwrap_err();
        assert_eq!(redirected_error(&e), "unauthorized_client");
    }

    #[test]
    fn the_echoed_fields_rebuild_the_authorize_url() {
        let r = check_request(
            &params("response_type=code&state=a%20b&x=1"),
            client(false, &[CB]),
            CB.into(),
            true,
        )
        .unwrap();
        assert_eq!(
            r.self_url("/oauth/authorize"),
            "/oauth/authorize?response_type=code&state=a+b"
        );
    }
}
