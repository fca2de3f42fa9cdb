//! The paths of the endpoints and pages, from the issuer: one list that every
//! module may read without importing anything.

pub const AUTHORIZATION_PATH: &str = "/oauth/authorize";
pub const TOKEN_PATH: &str = "/oauth/token";
pub const USERINFO_PATH: &str = "/oauth/userinfo";
pub const REVOCATION_PATH: &str = "/oauth/revoke";
pub const INTROSPECTION_PATH: &str = "/oauth/introspect";
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
pub const END_SESSION_PATH: &str = "/oauth/logout";
/// RFC 7591's registration endpoint.
pub const REGISTRATION_PATH: &str = "/oauth/register";
/// The sign-in page of the pages that are not an authorization request.
pub const LOGIN_PATH: &str = "/login";
