//! The HTML pages: login, consent and error. Plain, server-rendered, no
//! JavaScript; maud escapes every interpolated value.

use base64::Engine;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use sha2::Digest as _;
use shared::authn::ReturnTo;
use shared::authorize::Page;
use shared::Config;

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
        "default-src 'none'; {script}style-src {style}; img-src 'self'; form-action {forms}; base-uri 'none'; frame-ancestors 'none'"
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

fn layout(title: &str, body: Markup) -> Markup {
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
            body { main { (body) } }
        }
    }
}

fn hidden_fields(fields: &[(String, String)], csrf: &str) -> Markup {
    html! {
        @for (k, v) in fields {
            input type="hidden" name=(k) value=(v);
        }
        input type="hidden" name="csrf" value=(csrf);
    }
}

/// The login form's target and what it posts back: an authorization
/// request's own URL and parameters, or the sign-in page of another page.
fn login_target(return_to: &ReturnTo) -> (Option<&'static str>, Vec<(String, String)>) {
    match return_to {
        ReturnTo::AuthorizationRequest { fields, .. } => (None, fields.clone()),
        ReturnTo::Page(path) => (
            Some(shared::discovery::LOGIN_PATH),
            vec![("return_to".to_string(), path.clone())],
        ),
    }
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

/// Renders a page; returns the status and the HTML.
pub fn render(page: &Page, config: &Config) -> (u16, String) {
    match page {
        Page::LogoutConfirm {
            csrf,
            fields,
            client_name,
        } => (
            200,
            layout(
                "Sign out",
                html! {
                    h1 { "Sign out?" }
                    p.sub {
                        @if let Some(name) = client_name { (name) " asks to sign you out." }
                        @else { "An application asks to sign you out." }
                    }
                    form method="post" {
                        @for (k, v) in fields {
                            input type="hidden" name=(k) value=(v);
                        }
                        input type="hidden" name="csrf" value=(csrf);
                        button.primary type="submit" name="action" value="logout" { "Sign out" }
                    }
                },
            )
            .into_string(),
        ),
        Page::LoggedOut => (
            200,
            layout(
                "Signed out",
                html! {
                    h1 { "You are signed out" }
                    p.sub { "You can close this window." }
                },
            )
            .into_string(),
        ),
        Page::Error {
            status,
            title,
            message,
        } => (
            *status,
            layout(
                title,
                html! {
                    h1 { (title) }
                    p.sub { (message) }
                },
            )
            .into_string(),
        ),
        Page::Login {
            app,
            return_to,
            csrf,
            error,
            email,
            status,
        } => {
            let (action, fields) = login_target(return_to);
            (
            *status,
            layout("Sign in", html! {
                h1 { "Sign in" }
                @if let Some(app) = app { p.sub { "to continue to " span.app { (app) } } }
                @if let Some(e) = error { div.error role="alert" { (e) } }
                form method="post" action=[action] {
                    (hidden_fields(&fields, csrf))
                    input type="hidden" name="action" value="login";
                    label for="email" { "Email" }
                    input #email type="email" name="email" autocomplete="username" required autofocus value=[email.as_deref()];
                    label for="password" { "Password" }
                    input #password type="password" name="password" autocomplete="current-password" required;
                    button.primary type="submit" { "Sign in" }
                }
            })
            .into_string(),
        )
        }
        Page::Consent {
            client,
            scopes,
            fields,
            csrf,
            email,
            ..
        } => (
            200,
            layout(
                "Authorize access",
                html! {
                    h1 { span.app { (client.name) } " wants to access your account" }
                    p.sub { "If you allow it, " (client.name) " will be able to:" }
                    ul.scopes {
                        @if scopes.is_empty() {
                            li { b { "Know who you are" } span { "No other access is requested." } }
                        }
                        @for s in scopes {
                            li {
                                b { (s) }
                                @if let Some(d) = config.scope_descriptions.get(s) { span { (d) } }
                            }
                        }
                    }
                    form method="post" {
                        (hidden_fields(fields, csrf))
                        div.row {
                            button.secondary type="submit" name="action" value="deny" { "Deny" }
                            button.primary type="submit" name="action" value="allow" { "Allow" }
                        }
                    }
                    p.who { "Signed in as " (email) }
                },
            )
            .into_string(),
        ),
    }
}
