//! The authorization endpoint's pages: login, consent, logout, errors.
//! Plain, server-rendered, no JavaScript; maud escapes every interpolated value.

use crate::layout;
use maud::{html, Markup};
use shared::authn::ReturnTo;
use shared::authorize::Page;
use shared::store::Client;
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
            answer_to,
        } => (
            200,
            consent(
                client,
                scopes,
                fields,
                csrf,
                email,
                answer_to.as_deref(),
                config,
            ),
        ),
        Page::ChangePassword {
            csrf,
            email,
            error,
            done,
            status,
        } => (
            *status,
            change_password(csrf, email, error.as_deref(), *done),
        ),
    }
}

/// The host of a URI, for people to recognise an app by.
fn host(uri: Option<&str>) -> Option<String> {
    uri.and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_string))
}

/// The logo an app registered, if it is https (never fetched by the server:
/// the browser loads it, and the page's CSP allows its origin).
pub fn logo(client: &Client) -> Option<&str> {
    client
        .about
        .logo_uri
        .as_deref()
        .filter(|u| u.starts_with("https://"))
}

fn consent(
    client: &Client,
    scopes: &[String],
    fields: &[(String, String)],
    csrf: &str,
    email: &str,
    answer_to: Option<&str>,
    config: &Config,
) -> String {
    let about = &client.about;
    let sends_to = host(answer_to);
    let home = host(about.client_uri.as_deref());
    // A Client ID Metadata Document's client is known by where its document
    // lives: the host of its client_id URL (the draft's advice to show it).
    let published_at = client
        .client_id
        .starts_with("https://")
        .then(|| host(Some(&client.client_id)))
        .flatten();
    layout(
        "Authorize access",
        html! {
            @if let Some(src) = logo(client) { img.logo src=(src) alt="" width="48" height="48"; }
            h1 { span.app { (client.name) } " wants to access your account" }
            @if client.unverified {
                div.warn role="note" {
                    b { "This app is not verified. " }
                    "The operator of this server has not checked who made it. Allow it only if you trust "
                    @if let Some(h) = &sends_to { span.app { (h) } } @else { "it" }
                    "."
                }
            }
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
            dl.about {
                @if let Some(h) = &published_at { dt { "Published by" } dd { (h) } }
                @if let Some(h) = &sends_to { dt { "Sends you back to" } dd { (h) } }
                @if let Some(h) = &home { dt { "Homepage" } dd { a href=[about.client_uri.as_deref()] rel="noopener noreferrer" { (h) } } }
            }
            @if about.tos_uri.is_some() || about.policy_uri.is_some() {
                p.links {
                    @if let Some(u) = &about.tos_uri { a href=(u) rel="noopener noreferrer" { "Terms of service" } " " }
                    @if let Some(u) = &about.policy_uri { a href=(u) rel="noopener noreferrer" { "Privacy policy" } }
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
    .into_string()
}

fn change_password(csrf: &str, email: &str, error: Option<&str>, done: bool) -> String {
    layout(
        "Change your password",
        html! {
            h1 { "Change your password" }
            p.sub { "for " (email) }
            @if done {
                div.notice role="status" { "Your password is changed. Your other browsers are signed out." }
                p { a href="/account" { "Back to your account" } }
            } @else {
                @if let Some(e) = error { div.error role="alert" { (e) } }
                form method="post" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="current_password" { "Current password" }
                    input #current_password type="password" name="current_password" autocomplete="current-password" required;
                    label for="new_password" { "New password" }
                    input #new_password type="password" name="new_password" autocomplete="new-password" minlength="8" required;
                    label for="new_password_again" { "New password, again" }
                    input #new_password_again type="password" name="new_password_again" autocomplete="new-password" minlength="8" required;
                    button.primary type="submit" { "Change password" }
                }
                p { a href="/account" { "Back to your account" } }
            }
        },
    )
    .into_string()
}
