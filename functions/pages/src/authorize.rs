//! The authorization endpoint's pages: login, consent, logout, errors.
//! Plain, server-rendered, no JavaScript; maud escapes every interpolated value.

use crate::layout;
use maud::{html, Markup};
use shared::authn::ReturnTo;
use shared::authorize::Page;
use shared::Config;

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
