//! Validating an authorization request (RFC 6749 §4.1.1, §4.1.2.1; OpenID
//! Connect Core §3.1.2.1). Two steps: the client and its redirect URI first —
//! failures there show an error page and never redirect, since the URI cannot
//! be trusted (§4.1.2.1) — then everything else, whose failures are sent back
//! to the client.

use super::reply::ClientReply;
use super::{error_page, Answer};
use crate::error::ErrorCode;
use crate::grant_type::GrantType;
use crate::oidc::{self, OFFLINE_ACCESS};
use crate::params::Params;
use crate::pkce;
use crate::redirect_uri;
use crate::resource;
use crate::scope;
use crate::store::{Client, Resource};
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
    "nonce",
    "prompt",
    "max_age",
    "login_hint",
    "id_token_hint",
    "response_mode",
    "claims",
    "resource",
];

/// The `prompt` parameter (OpenID Connect Core §3.1.2.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prompt {
    /// No page may be shown: answer with an error instead.
    pub none: bool,
    /// Sign in again even with a session (`select_account` too: there is one
    /// account per session, so choosing one is signing in).
    pub login: bool,
    /// Show the consent page even when consent was given before.
    pub consent: bool,
}

impl Prompt {
    /// Unknown values are ignored; `none` with another value is an error.
    pub fn parse(value: Option<&str>) -> Result<Self, &'static str> {
        let mut p = Self::default();
        for v in value.unwrap_or("").split(' ') {
            match v {
                "none" => p.none = true,
                "login" | "select_account" => p.login = true,
                "consent" => p.consent = true,
                _ => {}
            }
        }
        if p.none && (p.login || p.consent) {
            return Err("prompt=none cannot be combined with another value");
        }
        Ok(p)
    }
}

/// A validated authorization request.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client: Client,
    pub redirect_uri: String,
    /// Whether the request named `redirect_uri` (§4.1.3 then wants it back).
    pub redirect_uri_given: bool,
    /// How the response goes back.
    pub reply: ClientReply,
    pub scopes: Vec<String>,
    pub code_challenge: Option<String>,
    pub tenant: String,
    pub nonce: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    pub id_token_hint: Option<String>,
    /// RFC 8707 resources asked for: the tokens' audiences.
    pub resources: Vec<String>,
    /// Claims asked for by name in the ID token (§5.5).
    pub id_token_claims: Vec<String>,
    /// The authorization parameters as received, for hidden form fields.
    pub fields: Vec<(String, String)>,
}

/// The client (must exist and be enabled), its redirect URI (exact match,
/// RFC 6749 §3.1.2.3; may be omitted when only one is registered), and the
/// response mode (unsupported: a 400 page, OpenID Connect Core §3.1.2.6).
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
    if !matches!(
        params.get("response_mode"),
        None | Some("query") | Some("form_post")
    ) {
        return Err(page(
            "Invalid request",
            "The response mode of this request is not supported.",
        ));
    }
    match params.get("redirect_uri") {
        Some(uri) if redirect_uri::find(&client.redirect_uris, uri).is_some() => {
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

/// Everything else; failures are sent back to the client (§4.1.2.1).
pub(super) fn check_request(
    params: &Params,
    client: Client,
    redirect_uri: String,
    given: bool,
    issuer: &str,
    registered: &[Resource],
) -> Result<AuthRequest, Box<Answer>> {
    let reply = ClientReply {
        redirect_uri: redirect_uri.clone(),
        state: params.get("state").map(str::to_string),
        form_post: params.get("response_mode") == Some("form_post"),
        issuer: issuer.to_string(),
    };
    let fail = |code: ErrorCode, d: &str| Box::new(reply.error(code, d));
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
    // OpenID Connect Core §3.1.2.6: request objects and registration are not supported.
    for (param, code) in [
        ("request", ErrorCode::RequestNotSupported),
        ("request_uri", ErrorCode::RequestUriNotSupported),
        ("registration", ErrorCode::RegistrationNotSupported),
    ] {
        if params.get(param).is_some() {
            return Err(fail(
                code,
                &format!("the {param} parameter is not supported"),
            ));
        }
    }
    if !client.allows_grant(GrantType::AuthorizationCode) {
        return Err(fail(
            ErrorCode::UnauthorizedClient,
            "this client may not use the authorization code flow",
        ));
    }
    let resources = resource::at_authorization(params, &client, registered)
        .map_err(|d| fail(ErrorCode::InvalidTarget, d))?;
    // Any client may ask for a registered resource server's scopes with it
    // (and gets them when it names no scope).
    let resource_scopes = resource::scopes_of(&resources, registered);
    let mut also: Vec<&str> = oidc::STANDARD_SCOPES.to_vec();
    also.extend(resource_scopes.iter().map(String::as_str));
    let mut defaults = client.default_scopes.clone();
    defaults.extend(
        resource_scopes
            .iter()
            .filter(|s| !defaults.contains(s))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let mut scopes = scope::resolve_with(params.get("scope"), &client.scopes, &defaults, &also)
        .map_err(|e| fail(e.code, &e.description))?;
    // §11: offline access is a refresh token, which this client cannot have.
    if !client.allows_grant(GrantType::RefreshToken) {
        scopes.retain(|s| s != OFFLINE_ACCESS);
    }
    let code_challenge = pkce::challenge(
        &client,
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    )
    .map_err(|d| fail(ErrorCode::InvalidRequest, d))?;
    let tenant = tenant::from_params(params).map_err(|e| fail(e.code, &e.description))?;
    let prompt =
        Prompt::parse(params.get("prompt")).map_err(|d| fail(ErrorCode::InvalidRequest, d))?;
    let max_age = match params.get("max_age") {
        None => None,
        Some(v) => Some(v.parse::<i64>().ok().filter(|m| *m >= 0).ok_or_else(|| {
            fail(
                ErrorCode::InvalidRequest,
                "max_age must be a number of seconds",
            )
        })?),
    };
    let id_token_claims = match params.get("claims") {
        Some(c) => oidc::parse_claims_param(c).map_err(|d| fail(ErrorCode::InvalidRequest, d))?,
        None => Vec::new(),
    };
    let fields = AUTH_PARAMS
        .iter()
        .flat_map(|k| {
            params
                .get_all(k)
                .into_iter()
                .map(|v| (k.to_string(), v.to_string()))
        })
        .collect();
    Ok(AuthRequest {
        client,
        redirect_uri,
        redirect_uri_given: given,
        scopes,
        code_challenge,
        tenant,
        nonce: params.get("nonce").map(str::to_string),
        prompt,
        max_age,
        login_hint: params.get("login_hint").map(str::to_string),
        id_token_hint: params.get("id_token_hint").map(str::to_string),
        resources,
        id_token_claims,
        fields,
        reply,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorize::{Page, View};
    use crate::store::models::test_client;

    const CB: &str = "https://a.example/cb";
    const ISS: &str = "https://op.example";

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

    /// The `error` sent back to the client.
    fn sent_error(a: &Answer) -> String {
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

    /// `check_request` for `q` with the test client.
    fn check(q: &str, public: bool) -> Result<AuthRequest, Box<Answer>> {
        check_request(
            &params(q),
            test_client(public, &[CB]),
            CB.into(),
            true,
            ISS,
            &[],
        )
    }

    fn error_of(q: &str, public: bool) -> String {
        sent_error(&check(q, public).unwrap_err())
    }

    #[test]
    fn an_unknown_disabled_or_unregistered_target_shows_a_page_and_never_redirects() {
        let p = params("client_id=c&redirect_uri=https%3A%2F%2Fevil.example%2Fcb");
        assert_eq!(
            status_of(&check_client(&p, Some(test_client(false, &[CB]))).unwrap_err()),
            400
        );
        assert_eq!(status_of(&check_client(&p, None).unwrap_err()), 400);
        let mut disabled = test_client(false, &[CB]);
        disabled.disabled = true;
        assert_eq!(
            status_of(&check_client(&params("client_id=c"), Some(disabled)).unwrap_err()),
            400
        );
        assert_eq!(
            status_of(&check_client(&params(""), None).unwrap_err()),
            400
        );
    }

    #[test]
    fn an_unsupported_response_mode_is_a_page_not_a_redirect() {
        let p = params("client_id=c&response_mode=fragment");
        assert_eq!(
            status_of(&check_client(&p, Some(test_client(false, &[CB]))).unwrap_err()),
            400
        );
        let p = params("client_id=c&response_mode=form_post");
        assert!(check_client(&p, Some(test_client(false, &[CB]))).is_ok());
    }

    #[test]
    fn the_redirect_uri_may_be_omitted_only_when_one_is_registered() {
        let (_, uri, given) =
            check_client(&params("client_id=c"), Some(test_client(false, &[CB]))).unwrap();
        assert_eq!((uri.as_str(), given), (CB, false));
        let two = test_client(false, &[CB, "https://a.example/x"]);
        assert!(check_client(&params("client_id=c"), Some(two)).is_err());
    }

    #[test]
    fn response_type_code_in_any_case_and_nothing_else() {
        assert!(check("response_type=CODE", false).is_ok());
        assert_eq!(
            error_of("response_type=token&state=s", false),
            "unsupported_response_type"
        );
        assert_eq!(error_of("", false), "invalid_request");
    }

    #[test]
    fn scopes_default_and_are_bounded_by_the_client_but_openid_scopes_are_everyones() {
        assert_eq!(check("response_type=code", false).unwrap().scopes, ["read"]);
        assert_eq!(
            error_of("response_type=code&scope=admin", false),
            "invalid_scope"
        );
        let r = check("response_type=code&scope=openid+email+read", false).unwrap();
        assert_eq!(r.scopes, ["email", "openid", "read"]);
        let r = check("response_type=code&scope=openid+offline_access", false).unwrap();
        assert_eq!(r.scopes, ["openid"], "no refresh grant, no offline access");
    }

    #[test]
    fn pkce_is_s256_only_and_required_of_public_clients() {
        let ch = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(check(
            &format!("response_type=code&code_challenge={ch}&code_challenge_method=S256"),
            true
        )
        .is_ok());
        let plain = format!("response_type=code&code_challenge={ch}&code_challenge_method=plain");
        assert_eq!(error_of(&plain, false), "invalid_request");
        assert_eq!(error_of("response_type=code", true), "invalid_request");
    }

    #[test]
    fn a_client_without_the_code_grant_is_unauthorized_client() {
        let mut c = test_client(false, &[CB]);
        c.grants = vec!["password".into()];
        let e =
            check_request(&params("response_type=code"), c, CB.into(), true, ISS, &[]).unwrap_err();
        assert_eq!(sent_error(&e), "unauthorized_client");
    }

    #[test]
    fn request_objects_and_registration_are_refused_by_name() {
        for (p, e) in [
            ("request=eyJ", "request_not_supported"),
            ("request_uri=https%3A%2F%2Fx", "request_uri_not_supported"),
            ("registration=%7B%7D", "registration_not_supported"),
        ] {
            assert_eq!(error_of(&format!("response_type=code&{p}"), false), e);
        }
    }

    #[test]
    fn prompt_none_stands_alone_and_max_age_is_seconds() {
        assert_eq!(
            Prompt::parse(Some("login consent")).unwrap(),
            Prompt {
                none: false,
                login: true,
                consent: true
            }
        );
        assert!(Prompt::parse(Some("none login")).is_err());
        assert_eq!(Prompt::parse(Some("unknown")).unwrap(), Prompt::default());
        assert_eq!(
            error_of("response_type=code&prompt=none+consent", false),
            "invalid_request"
        );
        assert_eq!(
            error_of("response_type=code&max_age=-1", false),
            "invalid_request"
        );
        assert_eq!(
            check("response_type=code&max_age=0", false)
                .unwrap()
                .max_age,
            Some(0)
        );
    }

    #[test]
    fn resources_must_be_registered_absolute_uris() {
        let mut c = test_client(false, &[CB]);
        c.resources = vec!["https://api.example".into()];
        let ok = check_request(
            &params("response_type=code&resource=https%3A%2F%2Fapi.example"),
            c.clone(),
            CB.into(),
            true,
            ISS,
            &[],
        );
        assert_eq!(ok.unwrap().resources, ["https://api.example"]);
        for r in [
            "https%3A%2F%2Fother.example",
            "relative",
            "https%3A%2F%2Fapi.example%23f",
        ] {
            let e = check_request(
                &params(&format!("response_type=code&resource={r}")),
                c.clone(),
                CB.into(),
                true,
                ISS,
                &[],
            );
            assert_eq!(sent_error(&e.unwrap_err()), "invalid_target", "{r}");
        }
    }
}
