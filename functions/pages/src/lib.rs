//! The HTML pages of every function that serves people: one stylesheet, one
//! CSP rule (hashes, no inline code but what is hashed, never framed, forms
//! only where the page says), one set of page headers. Plain, server-rendered,
//! working without JavaScript; maud escapes every interpolated value.
//!
//! - [`authorize`]: login, consent, logout, errors, the password change (the
//!   authorize function);
//! - [`account`]: the account page and the developer portal (the account
//!   function).

pub mod account;
pub mod authorize;

use base64::Engine;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use sha2::Digest as _;

/// The only style on the pages, allowed by its hash in the CSP.
pub const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
background:#f3f4f6;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827}
main{background:#fff;width:100%;max-width:26rem;margin:1rem;padding:2rem 1.5rem;border-radius:12px;
box-shadow:0 1px 3px rgba(0,0,0,.08),0 8px 24px rgba(0,0,0,.06)}
h1{font-size:1.35rem;margin:0 0 .25rem}
p.sub{margin:0 0 1.5rem;color:#4b5563}
label{display:block;font-weight:600;margin:1rem 0 .35rem}
input[type=email],input[type=password]{width:100%;padding:.7rem .8rem;font-size:1rem;border:1px solid #d1d5db;border-radius:8px}
input:focus{outline:2px solid #2563eb;outline-offset:1px}
button{width:100%;padding:.75rem;font-size:1rem;font-weight:600;border-radius:8px;border:1px solid transparent;cursor:pointer;margin-top:1.25rem}
button.primary{background:#2563eb;color:#fff}
button.secondary{background:#fff;color:#111827;border-color:#d1d5db}
.row{display:flex;gap:.75rem}.row button{flex:1}
.error{background:#fef2f2;border:1px solid #fecaca;color:#991b1b;padding:.75rem;border-radius:8px;margin-bottom:1rem}
ul.scopes{list-style:none;padding:0;margin:0 0 .5rem;border:1px solid #e5e7eb;border-radius:8px}
ul.scopes li{padding:.7rem .9rem;border-top:1px solid #e5e7eb}
ul.scopes li:first-child{border-top:0}
ul.scopes b{display:block}
ul.scopes span{color:#4b5563;font-size:.9rem}
.who{color:#4b5563;font-size:.9rem;margin-top:1rem}
.app{font-weight:700}
main.wide{max-width:48rem}
img.logo{display:block;border-radius:10px;margin:0 0 .75rem}
.warn{background:#fffbeb;border:1px solid #fcd34d;color:#78350f;padding:.75rem;border-radius:8px;margin:0 0 1rem}
.notice{background:#ecfdf5;border:1px solid #a7f3d0;color:#065f46;padding:.75rem;border-radius:8px;margin:0 0 1rem}
dl.about{display:grid;grid-template-columns:auto 1fr;gap:.25rem .75rem;margin:1rem 0;font-size:.9rem}
dl.about dt{color:#4b5563}dl.about dd{margin:0;overflow-wrap:anywhere}
p.links a{margin-right:1rem;font-size:.9rem}
textarea,select,input[type=text],input[type=url]{width:100%;padding:.6rem .7rem;font-size:1rem;border:1px solid #d1d5db;border-radius:8px;font-family:inherit}
fieldset{border:1px solid #e5e7eb;border-radius:8px;margin:1rem 0;padding:.5rem .9rem}
fieldset label{display:inline;font-weight:400;margin:0 1rem 0 .3rem}
table{width:100%;border-collapse:collapse;margin:.5rem 0 1rem;font-size:.95rem}
th,td{text-align:left;padding:.5rem .4rem;border-top:1px solid #e5e7eb;vertical-align:top}
th{color:#4b5563;font-weight:600}
td form{margin:0}td button{margin:0;width:auto;padding:.4rem .8rem}
code.secret{display:block;background:#f3f4f6;border:1px solid #e5e7eb;border-radius:8px;padding:.6rem;overflow-wrap:anywhere;font-size:.95rem;user-select:all}
h2{font-size:1.1rem;margin:1.75rem 0 .5rem}
nav.top{display:flex;gap:1rem;font-size:.9rem;margin-bottom:1rem}
"#;

/// The form-post page's only script (OAuth 2.0 Form Post Response Mode), allowed
/// by its hash; a button does the same with scripts off.
pub const FORM_POST_SCRIPT: &str = "document.forms[0].submit();";

fn sha256_source(text: &str) -> String {
    let hash =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes()));
    format!("'sha256-{hash}'")
}

/// `Content-Security-Policy` for a page: nothing but the one stylesheet (and,
/// for the form-post page, its one script), never framed, forms only to
/// `form_action` (`'self'`, and the client's origin where the response goes
/// on to it: Chrome applies `form-action` to a form's redirects too).
pub fn csp(form_action: &[String], script: Option<&str>) -> String {
    csp_with_images(form_action, script, &[])
}

/// [`csp`], with images from these origins too (an app's logo on the
/// consent page: loaded by the browser, never fetched by the server).
pub fn csp_with_images(form_action: &[String], script: Option<&str>, images: &[String]) -> String {
    static STYLE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let style = STYLE.get_or_init(|| sha256_source(CSS));
    let forms = if form_action.is_empty() {
        "'none'".to_string()
    } else {
        form_action.join(" ")
    };
    let script = script
        .map(|s| format!("script-src {}; ", sha256_source(s)))
        .unwrap_or_default();
    format!(
        "default-src 'none'; {script}style-src {style}; img-src 'self'{}; form-action {forms}; base-uri 'none'; frame-ancestors 'none'",
        images.iter().map(|i| format!(" {i}")).collect::<String>()
    )
}

/// A URI as a CSP source: its origin, or for a custom scheme (a native app's
/// redirect URI) the scheme.
pub fn csp_source(uri: &str) -> Option<String> {
    let u = url::Url::parse(uri).ok()?;
    match u.origin() {
        o @ url::Origin::Tuple(..) => Some(o.ascii_serialization()),
        url::Origin::Opaque(_) => Some(format!("{}:", u.scheme())),
    }
}

fn page_of(title: &str, wide: bool, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body { main.wide[wide] { (body) } }
        }
    }
}

pub(crate) fn layout(title: &str, body: Markup) -> Markup {
    page_of(title, false, body)
}

/// The layout of the pages with tables (the account page, the portal).
pub(crate) fn layout_wide(title: &str, body: Markup) -> Markup {
    page_of(title, true, body)
}

/// The auto-submitting form of the form-post response mode (its CSP names the
/// script's hash and the form's target).
pub fn form_post(action: &str, fields: &[(String, String)]) -> String {
    layout("Continue to the application", html! {
        h1 { "Continue to the application" }
        form method="post" action=(action) {
            @for (k, v) in fields {
                input type="hidden" name=(k) value=(v);
            }
            noscript {
                p.sub { "Scripts are off in this browser. Press Continue to go back to the application." }
                button.primary type="submit" { "Continue" }
            }
        }
        script { (PreEscaped(FORM_POST_SCRIPT)) }
    })
    .into_string()
}

/// An HTML page response with the page headers: its CSP, never framed, no
/// referrer, never cached or sniffed, and the cookies to set.
pub fn respond(status: u16, body: String, csp: &str, set_cookies: &[String]) -> Response<Body> {
    let mut r = Response::new(Body::Text(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    page_headers(&mut r, set_cookies);
    r
}

/// The headers of every response of a function that serves pages (the
/// redirects included): never framed, no referrer, never cached or sniffed.
pub fn page_headers(r: &mut Response<Body>, set_cookies: &[String]) {
    let h = r.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    for c in set_cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.append(header::SET_COOKIE, v);
        }
    }
}

/// A redirect with the page headers and the documents' CSP.
pub fn redirect(location: &str, status: u16, set_cookies: &[String]) -> Response<Body> {
    let mut r = Response::new(Body::Empty);
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FOUND);
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    shared::http_util::harden(r.headers_mut());
    page_headers(&mut r, set_cookies);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_post_page_allows_its_script_and_its_target_only() {
        let csp = csp(&["https://rp.example".into()], Some(FORM_POST_SCRIPT));
        assert!(csp.contains("script-src 'sha256-8lDeP0UDwCO6/RhblgeH/ctdBzjVpJxrXizsnIk3cEQ='"));
        assert!(csp.contains("form-action https://rp.example;"));
        assert!(!csp.contains("unsafe"));
        assert_eq!(
            csp_source("com.example.app:/cb").as_deref(),
            Some("com.example.app:")
        );
        assert_eq!(
            csp_source("https://rp.example:8443/cb?x").as_deref(),
            Some("https://rp.example:8443")
        );
    }
}
