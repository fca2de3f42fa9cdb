//! Protocol errors (RFC 6749 §5.2 / §4.1.2.1, RFC 6750 §3) and store errors.

use serde::Serialize;

/// The error codes this server emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
    InvalidToken,
    ServerError,
    TemporarilyUnavailable,
    /// RFC 8707 §2: a `resource` the client may not have.
    InvalidTarget,
    /// OpenID Connect Core §3.1.2.6 (with `prompt=none`).
    LoginRequired,
    ConsentRequired,
    RequestNotSupported,
    RequestUriNotSupported,
    RegistrationNotSupported,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::InvalidToken => "invalid_token",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidTarget => "invalid_target",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::RegistrationNotSupported => "registration_not_supported",
        }
    }
}

/// An OAuth error with a human description. The description never contains a
/// secret value: only parameter names and fixed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: String,
    /// For `invalid_client`: whether the client tried HTTP Basic, so the 401 carries
    /// `WWW-Authenticate: Basic` (RFC 6749 §5.2).
    pub basic_auth_attempted: bool,
    /// Why a 5xx happened, for the request's log line; never sent to the caller.
    pub cause: Option<String>,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            basic_auth_attempted: false,
            cause: None,
        }
    }
    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, d)
    }
    pub fn invalid_client(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidClient, d)
    }
    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidGrant, d)
    }
    pub fn invalid_scope(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidScope, d)
    }
    pub fn unauthorized_client(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::UnauthorizedClient, d)
    }
    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::TemporarilyUnavailable,
            "the service is temporarily unavailable, retry later",
        )
    }
    pub fn server_error() -> Self {
        Self::new(
            ErrorCode::ServerError,
            "the server failed to handle the request",
        )
    }
    /// Records why (for the log line only).
    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    /// HTTP status for the token endpoint (RFC 6749 §5.2).
    pub fn status(&self) -> u16 {
        match self.code {
            ErrorCode::InvalidClient | ErrorCode::InvalidToken => 401,
            ErrorCode::TemporarilyUnavailable => 503,
            ErrorCode::ServerError => 500,
            _ => 400,
        }
    }

    /// The JSON body: `{"error": …, "error_description": …}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "error": self.code.as_str(), "error_description": self.description })
            .to_string()
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.description)
    }
}

impl std::error::Error for OAuthError {}

/// What can go wrong talking to DynamoDB, as far as callers care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// Unreachable, throttled, timed out, or misconfigured: answer 503.
    Unavailable(String),
    /// An item that does not decode into its model (or a model that does not
    /// encode): a bug or a hand-edited table, not an outage. Answer 500.
    Corrupt(String),
    /// A conditional write found an item that already exists.
    AlreadyExists,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unavailable(why) => write!(f, "store unavailable: {why}"),
            Self::Corrupt(why) => write!(f, "corrupt item: {why}"),
            Self::AlreadyExists => write!(f, "item already exists"),
        }
    }
}

impl std::error::Error for StoreError {}

/// The caller's view of a store failure: 503 for an outage, 500 for anything
/// else, with the cause kept for the request's log line (the conversion itself
/// logs nothing).
impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        let cause = e.to_string();
        match e {
            StoreError::Unavailable(_) => OAuthError::unavailable(),
            StoreError::Corrupt(_) | StoreError::AlreadyExists => OAuthError::server_error(),
        }
        .with_cause(cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_is_503_and_a_corrupt_item_is_500_each_with_its_cause() {
        let e: OAuthError = StoreError::Unavailable("timeout".into()).into();
        assert_eq!(
            (e.status(), e.code),
            (503, ErrorCode::TemporarilyUnavailable)
        );
        assert!(e.cause.unwrap().contains("timeout"));
        let e: OAuthError = StoreError::Corrupt("missing field `sub`".into()).into();
        assert_eq!((e.status(), e.code), (500, ErrorCode::ServerError));
        assert!(
            !e.to_json().contains("sub"),
            "the cause stays out of the body"
        );
    }
}
