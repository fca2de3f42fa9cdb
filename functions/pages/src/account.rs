//! The account function's pages: the account page (the apps a person
//! allowed, their sessions), the developer portal (their apps, registering
//! one) and an app's page. Every form posts to the page itself with its
//! token; nothing needs JavaScript (secrets are shown in a selectable block).

use crate::layout_wide;
use maud::{html, Markup};
use shared::account::people::AccountPage;
use shared::account::portal::{AppPage, Form, PortalPage};
use shared::account::Page;

/// A time as people read it (UTC).
fn when(t: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(t) {
        Ok(d) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            d.year(),
            d.month() as u8,
            d.day(),
            d.hour(),
            d.minute()
        ),
        Err(_) => "—".to_string(),
    }
}

fn nav(developer: bool) -> Markup {
    html! {
        nav.top {
            a href="/account" { "Your account" }
            @if developer { a href="/developers" { "My Apps" } }
        }
    }
}

/// Renders a page; returns the status and the HTML.
pub fn render(page: &Page) -> (u16, String) {
    match page {
        Page::Account(p) => (200, account(p)),
        Page::Portal(p) => (200, portal(p)),
        Page::App(p) => (if p.error.is_some() { 400 } else { 200 }, app(p)),
        Page::NotDeveloper { email } => (
            403,
            layout_wide(
                "My Apps",
                html! {
                    (nav(false))
                    h1 { "My Apps" }
                    p.sub { "You are signed in as " (email) ", who is not a developer here. Ask the operator of this server for the developer role." }
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
            layout_wide(title, html! { h1 { (title) } p.sub { (message) } }).into_string(),
        ),
    }
}

fn account(p: &AccountPage) -> String {
    layout_wide(
        "Your account",
        html! {
            (nav(p.developer))
            h1 { "Your account" }
            p.sub { "Signed in as " (p.email) }
            @if let Some(n) = &p.notice { div.notice role="status" { (n) } }
            h2 { "Apps you allowed" }
            @if p.apps.is_empty() {
                p { "You have not allowed any app to access your account." }
            } @else {
                table {
                    thead { tr { th { "App" } th { "Can" } th { "Allowed" } th { "Last used" } th {} } }
                    tbody {
                        @for a in &p.apps {
                            tr {
                                td { b { (a.name) } br; span.who { (a.host) } }
                                td { (a.scopes.join(", ")) }
                                td { (when(a.first_allowed)) }
                                td { @if let Some(t) = a.last_used { (when(t)) } @else { "—" } }
                                td {
                                    form method="post" {
                                        input type="hidden" name="csrf" value=(a.csrf);
                                        input type="hidden" name="client_id" value=(a.client_id);
                                        button.secondary type="submit" name="action" value="revoke" aria-label=(format!("Revoke {}", a.name)) { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
                @if p.apps.iter().any(|a| a.jwt) {
                    p.who { "Revoking ends an app's refresh tokens and its access tokens here at once. Access tokens that APIs check by themselves (JWTs) keep working until they expire, within minutes." }
                }
            }
            h2 { "Where you are signed in" }
            table {
                thead { tr { th { "Browser" } th { "Since" } th { "Until" } } }
                tbody {
                    @for s in &p.sessions {
                        tr {
                            td { (if s.user_agent.is_empty() { "Unknown browser" } else { &s.user_agent }) @if s.current { " " b { "(this browser)" } } }
                            td { (when(s.started)) }
                            td { (when(s.expires_at)) }
                        }
                    }
                }
            }
            form method="post" {
                input type="hidden" name="csrf" value=(p.signout_csrf);
                button.secondary type="submit" name="action" value="sign-out-everywhere" { "Sign out everywhere" }
            }
            h2 { "Password" }
            p { a href="/account/password" { "Change your password" } }
        },
    )
    .into_string()
}

/// The registration form's fields, RFC 7591 names as field names.
fn fields(f: &Form, registrable: Option<&[String]>) -> Markup {
    let grant = |g: &str| f.grant_types.iter().any(|x| x == g);
    let method = |m: &str| f.token_endpoint_auth_method == m;
    html! {
        label for="client_name" { "Name" }
        input #client_name type="text" name="client_name" value=(f.client_name) required maxlength="200";
        label for="redirect_uris" { "Redirect URIs (one per line)" }
        textarea #redirect_uris name="redirect_uris" rows="3" { (f.redirect_uris) }
        label for="scope" { "Scopes (space-separated)" }
        input #scope type="text" name="scope" value=(f.scope);
        @if let Some(r) = registrable { p.who { "Scopes you may register: " (r.join(" ")) } }
        label for="token_endpoint_auth_method" { "How the app authenticates" }
        select #token_endpoint_auth_method name="token_endpoint_auth_method" {
            option value="client_secret_basic" selected[method("client_secret_basic")] { "With a secret, HTTP Basic (a server-side app)" }
            option value="client_secret_post" selected[method("client_secret_post")] { "With a secret in the request body" }
            option value="none" selected[method("none")] { "No secret: a public app with PKCE (browser, mobile, desktop)" }
        }
        label for="application_type" { "Kind of app" }
        select #application_type name="application_type" {
            option value="" selected[f.application_type.is_empty()] { "Not said" }
            option value="web" selected[f.application_type == "web"] { "Web (https redirect URIs)" }
            option value="native" selected[f.application_type == "native"] { "Native (loopback or its own scheme)" }
        }
        fieldset {
            legend { "Grant types" }
            input #g_code type="checkbox" name="grant_types" value="authorization_code" checked[grant("authorization_code")];
            label for="g_code" { "authorization_code" }
            input #g_refresh type="checkbox" name="grant_types" value="refresh_token" checked[grant("refresh_token")];
            label for="g_refresh" { "refresh_token" }
            input #g_cc type="checkbox" name="grant_types" value="client_credentials" checked[grant("client_credentials")];
            label for="g_cc" { "client_credentials" }
        }
        label for="client_uri" { "Homepage" }
        input #client_uri type="url" name="client_uri" value=(f.client_uri);
        label for="logo_uri" { "Logo (https)" }
        input #logo_uri type="url" name="logo_uri" value=(f.logo_uri);
        label for="tos_uri" { "Terms of service" }
        input #tos_uri type="url" name="tos_uri" value=(f.tos_uri);
        label for="policy_uri" { "Privacy policy" }
        input #policy_uri type="url" name="policy_uri" value=(f.policy_uri);
    }
}

fn portal(p: &PortalPage) -> String {
    layout_wide(
        "My Apps",
        html! {
            (nav(true))
            h1 { "My Apps" }
            p.sub { "Signed in as " (p.email) }
            @if p.apps.is_empty() {
                p { "You have no apps yet." }
            } @else {
                table {
                    thead { tr { th { "App" } th { "Client id" } th { "Registered" } } }
                    tbody {
                        @for a in &p.apps {
                            tr {
                                td { a href=(format!("/developers/apps/{}", a.client_id)) { (a.name) } }
                                td { code { (a.client_id) } }
                                td { (when(a.created_at)) }
                            }
                        }
                    }
                }
            }
            h2 { "Register an app" }
            @if let Some(e) = &p.error { div.error role="alert" { (e) } }
            form method="post" {
                input type="hidden" name="csrf" value=(p.csrf);
                (fields(&p.form, Some(&p.registrable)))
                button.primary type="submit" name="action" value="register" { "Register" }
            }
            @if p.tokens {
                h2 { "Initial access token" }
                p { "Apps that register themselves (RFC 7591) need one on this server." }
                @if let Some(t) = &p.new_token {
                    div.notice role="status" { "Copy it now: it is shown only once." }
                    code.secret #registration_token { (t) }
                }
                form method="post" {
                    input type="hidden" name="csrf" value=(p.csrf);
                    label for="uses" { "Registrations it allows (it lives one day)" }
                    input #uses type="text" name="uses" value="1" inputmode="numeric";
                    button.secondary type="submit" name="action" value="registration-token" { "Make a token" }
                }
            }
        },
    )
    .into_string()
}

fn app(p: &AppPage) -> String {
    // The forms name the app's page: it is also shown at /developers, right
    // after registering (with the secret, once).
    let id: String = url::form_urlencoded::byte_serialize(p.client.client_id.as_bytes()).collect();
    let action = format!("/developers/apps/{id}");
    let c = &p.client;
    let hidden = html! { input type="hidden" name="csrf" value=(p.csrf); };
    layout_wide(
        &c.name,
        html! {
            (nav(true))
            p { a href="/developers" { "← My Apps" } }
            h1 { (c.name) }
            @if let Some(n) = &p.notice { div.notice role="status" { (n) } }
            @if let Some(e) = &p.error { div.error role="alert" { (e) } }
            dl.about {
                dt { "Client id" } dd { code #client_id { (c.client_id) } }
                dt { "Kind" } dd { (if c.is_public() { "Public (PKCE, no secret)" } else { "Confidential" }) }
                dt { "People who allowed it" } dd #people { (p.people) }
                @if let Some(prev) = &c.previous_secret { dt { "Previous secret" } dd { "accepted until " (when(prev.until)) } }
            }
            @if let Some(s) = &p.secret {
                div.notice role="status" { "The client secret: copy it now, it is shown only once." }
                code.secret #client_secret { (s) }
            }
            @if let Some(t) = &p.test_token {
                div.notice role="status" { "A test access token for your own account: copy it now, it is shown only once." }
                code.secret #test_token { (t) }
            }
            h2 { "Settings" }
            form method="post" action=(action) {
                (hidden)
                (fields(&p.form, None))
                button.primary type="submit" name="action" value="update" { "Save" }
            }
            @if !c.is_public() {
                h2 { "Rotate the secret" }
                form method="post" action=(action) {
                    (hidden)
                    label for="overlap_hours" { "Keep the old secret working for" }
                    select #overlap_hours name="overlap_hours" {
                        option value="0" { "No time: stop it now" }
                        option value="1" { "1 hour" }
                        option value="24" selected { "24 hours" }
                        option value="168" { "7 days" }
                    }
                    button.secondary type="submit" name="action" value="rotate" { "Rotate the secret" }
                }
            }
            h2 { "Test token" }
            form method="post" action=(action) {
                (hidden)
                label for="token_scope" { "Scopes (space-separated, from " (c.scopes.join(" ")) ")" }
                input #token_scope type="text" name="scope" value=(c.default_scopes.join(" "));
                button.secondary type="submit" name="action" value="token" { "Mint a test token" }
            }
            h2 { "Delete" }
            form method="post" action=(action) {
                (hidden)
                p { "Deleting the app revokes the access of everyone who allowed it." }
                button.secondary type="submit" name="action" value="delete" { "Delete this app" }
            }
        },
    )
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_as_utc_dates() {
        assert_eq!(when(0), "1970-01-01 00:00 UTC");
        assert_eq!(when(1_798_761_600), "2027-01-01 00:00 UTC");
        assert_eq!(when(951_782_400 + 3_660), "2000-02-29 01:01 UTC");
    }
}
