//! `oauthctl`: the admin CLI. Same environment as the functions (`TABLE_NAME`,
//! `KMS_KEY_ID`, `AWS_ENDPOINT_URL_DYNAMODB`/`_KMS` locally, real AWS
//! credentials otherwise); JSON out, never a secret's hash.

use clap::{Args, Parser, Subcommand};
use serde_json::json;
use shared::admin::{self, clients, keys, users, ClientChange, NewClient, UserRef};
use shared::store::{AccessTokenFormat, Store};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "oauthctl",
    about = "Administer the OAuth server's table, clients, users and signing keys"
)]
struct Cli {
    /// DynamoDB table name.
    #[arg(long, env = "TABLE_NAME", default_value = "oauth", global = true)]
    table: String,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// The table itself.
    #[command(subcommand)]
    Table(TableCmd),
    /// OAuth clients.
    #[command(subcommand)]
    Client(ClientCmd),
    /// Users (resource owners).
    #[command(subcommand)]
    User(UserCmd),
    /// Signing keys (ID tokens, JWT access tokens).
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Resource servers any client may ask tokens for (RFC 8707): APIs, MCP servers.
    #[command(subcommand)]
    Resource(ResourceCmd),
    /// Initial access tokens for dynamic client registration (RFC 7591 §3).
    #[command(subcommand)]
    RegistrationToken(RegistrationTokenCmd),
}

#[derive(Subcommand)]
enum ResourceCmd {
    /// Register a resource server by its URI (the tokens' `aud`).
    Create {
        #[arg(long)]
        uri: String,
        #[command(flatten)]
        settings: ResourceArgs,
    },
    /// Every registered resource.
    List,
    /// One resource.
    Show {
        #[arg(long)]
        uri: String,
    },
    /// Change a resource's settings; what is not given stays.
    Update {
        #[arg(long)]
        uri: String,
        #[command(flatten)]
        settings: ResourceArgs,
    },
    /// Forget a resource (tokens already issued for it keep their `aud`).
    Delete {
        #[arg(long)]
        uri: String,
    },
}

#[derive(Args)]
struct ResourceArgs {
    /// A name for people (the consent page).
    #[arg(long)]
    name: Option<String>,
    /// The scopes it defines, space-separated: tokens for it carry only these.
    #[arg(long)]
    scope: Option<String>,
    /// Its tokens as RFC 9068 JWTs it validates itself (default), or opaque.
    #[arg(long = "access-token-format", value_parser = ["opaque", "jwt"])]
    access_token_format: Option<String>,
    /// Its access-token lifetime in seconds.
    #[arg(long = "access-ttl")]
    access_ttl: Option<i64>,
}

impl ResourceArgs {
    fn settings(self) -> admin::resources::ResourceSettings {
        admin::resources::ResourceSettings {
            name: self.name,
            scopes: self.scope.as_deref().map(split),
            access_token_format: self.access_token_format.as_deref().map(format),
            access_ttl: self.access_ttl,
        }
    }
}

#[derive(Subcommand)]
enum RegistrationTokenCmd {
    /// Make an initial access token (printed once, in `token`).
    Create {
        /// Lifetime in seconds.
        #[arg(long)]
        ttl: Option<i64>,
        /// How many registrations it allows.
        #[arg(long)]
        uses: Option<i64>,
        /// The scopes its clients may have (default: the registration scopes).
        #[arg(long)]
        scope: Option<String>,
    },
}

#[derive(Subcommand)]
enum TableCmd {
    /// Create the table with TTL and its index, the local KMS key when
    /// KMS_KEY_ID is an alias, and the first signing key (idempotent; for
    /// local use: in AWS the stack does all three).
    Create,
}

#[derive(Subcommand)]
enum KeysCmd {
    /// Every key: kid, alg, state (next, current, previous, retired) and dates.
    List,
    /// Start a rotation now: a new key is published, and signs after the
    /// publication window.
    Rotate,
    /// Emergency: retire a compromised key at once (its tokens fail from now on).
    Retire {
        #[arg(long)]
        kid: String,
    },
}

#[derive(Args)]
struct ClientId {
    #[arg(long)]
    id: String,
}

#[derive(Subcommand)]
enum ClientCmd {
    /// Register a client; prints its id and (once) its secret.
    Create(Box<ClientCreate>),
    /// Every client's settings (no secrets).
    List,
    /// One client's settings.
    Show(ClientId),
    /// Change a client's settings; what is not given stays.
    Update(Box<ClientUpdate>),
    /// Replace a confidential client's secret; prints the new one.
    RotateSecret(ClientId),
    /// Refuse new grants for a client and revoke all its grants.
    Disable(ClientId),
    /// Accept a disabled client again.
    Enable(ClientId),
    /// Revoke all its grants and delete it.
    Delete(ClientId),
}

#[derive(Args)]
struct ClientCreate {
    /// Name shown on the consent page.
    #[arg(long)]
    name: String,
    /// Client id (default: random). Any string, numeric-looking ones included.
    #[arg(long)]
    id: Option<String>,
    /// A public client: no secret, must use PKCE.
    #[arg(long)]
    public: bool,
    #[command(flatten)]
    settings: ClientSettings,
}

#[derive(Args)]
struct ClientUpdate {
    #[arg(long)]
    id: String,
    /// Name shown on the consent page.
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    settings: ClientSettings,
}

/// The settings create and update share.
#[derive(Args)]
struct ClientSettings {
    /// Registered redirect URI (exact match); repeat for several.
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// Allowed scopes, space-separated.
    #[arg(long)]
    scope: Option<String>,
    /// Scopes granted when a request names none (default: all allowed scopes).
    #[arg(long = "default-scope")]
    default_scope: Option<String>,
    /// Grant type; repeat for several (default: authorization_code, refresh_token).
    #[arg(long = "grant")]
    grants: Vec<String>,
    /// Access-token lifetime in seconds (0 = never expires).
    #[arg(long = "access-ttl")]
    access_ttl: Option<i64>,
    /// Refresh-token lifetime in seconds (0 = never expires).
    #[arg(long = "refresh-ttl")]
    refresh_ttl: Option<i64>,
    /// The longest a grant may be refreshed, from its start, in seconds (0 = no limit).
    #[arg(long = "max-grant-ttl")]
    max_grant_ttl: Option<i64>,
    /// Access tokens as RFC 9068 JWTs an API can validate itself (`jwt`), or opaque.
    #[arg(long = "access-token-format", value_parser = ["opaque", "jwt"])]
    access_token_format: Option<String>,
    /// Where RP-initiated logout may return (exact match); repeat for several.
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    /// A resource (RFC 8707) its tokens may be for, their audience; repeat for several.
    #[arg(long = "resource")]
    resources: Vec<String>,
    /// The audience when a request names no resource (one of --resource;
    /// default: the deployment's DEFAULT_AUDIENCE).
    #[arg(long = "default-resource")]
    default_resource: Option<String>,
    /// May introspect any client's tokens (RFC 7662 §4); others only their own.
    #[arg(long = "resource-server", num_args = 0..=1, default_missing_value = "true")]
    resource_server: Option<bool>,
    /// A client written against a legacy API: the user's flat stored claims at
    /// userinfo and `username` in token responses whatever the scope
    /// (docs/compatibility.md); others get what their scopes release.
    #[arg(long = "legacy-claims", num_args = 0..=1, default_missing_value = "true")]
    legacy_claims: Option<bool>,
    /// Accept http redirect URIs off loopback: only for a legacy client that
    /// cannot use https (BellaDati's documented example).
    #[arg(long = "allow-http-redirect", num_args = 0..=1, default_missing_value = "true")]
    allow_http_redirect: Option<bool>,
}

/// A repeated flag: `None` when not given at all.
fn given(v: Vec<String>) -> Option<Vec<String>> {
    (!v.is_empty()).then_some(v)
}

fn split(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn format(f: &str) -> AccessTokenFormat {
    if f == "jwt" {
        AccessTokenFormat::Jwt
    } else {
        AccessTokenFormat::Opaque
    }
}

impl ClientSettings {
    fn change(self, name: Option<String>) -> ClientChange {
        ClientChange {
            name,
            redirect_uris: given(self.redirect_uris),
            scopes: self.scope.as_deref().map(split),
            default_scopes: self.default_scope.as_deref().map(split),
            grants: given(self.grants),
            access_ttl: self.access_ttl,
            refresh_ttl: self.refresh_ttl,
            max_grant_ttl: self.max_grant_ttl,
            access_token_format: self.access_token_format.as_deref().map(format),
            post_logout_redirect_uris: given(self.post_logout_redirect_uris),
            resources: given(self.resources),
            default_resource: self.default_resource,
            resource_server: self.resource_server,
            legacy_claims: self.legacy_claims,
            allow_http_redirect: self.allow_http_redirect,
        }
    }
}

/// A user, by `--email` (with `--tenant` where needed) or by `--id`.
#[derive(Args)]
struct Who {
    #[arg(long, conflicts_with = "id", required_unless_present = "id")]
    email: Option<String>,
    /// Tenant (the Comm100 API's partnerId); default: the default tenant.
    #[arg(long, requires = "email")]
    tenant: Option<String>,
    /// The user's subject id.
    #[arg(long)]
    id: Option<String>,
}

impl Who {
    fn user(self) -> UserRef {
        match (self.email, self.id) {
            (Some(email), _) => UserRef::Email {
                tenant: self.tenant,
                email,
            },
            (None, Some(id)) => UserRef::Id(id),
            (None, None) => unreachable!("clap requires one"),
        }
    }
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create a user; prints its subject id.
    Create {
        #[arg(long)]
        email: String,
        /// The password (or OAUTHCTL_PASSWORD; without either, read from stdin or a prompt).
        #[arg(long, env = "OAUTHCTL_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Profile claims as a JSON object, e.g. '{"name":"Ada","role":"AGENT","siteId":10115}'.
        #[arg(long)]
        claims: Option<String>,
        /// Tenant (the Comm100 API's partnerId); default: the default tenant.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Every user (no password hashes), optionally of one tenant.
    List {
        #[arg(long)]
        tenant: Option<String>,
    },
    /// One user.
    Show(Who),
    /// Replace a user's profile claims.
    Update {
        #[command(flatten)]
        who: Who,
        /// Replace the profile claims (a JSON object).
        #[arg(long)]
        claims: Option<String>,
        /// May register apps in the developer portal (`--developer false` to take it away).
        #[arg(long, num_args = 0..=1, default_missing_value = "true")]
        developer: Option<bool>,
    },
    /// Set a new password, read from stdin or a prompt; revokes the user's grants and sessions.
    SetPassword(Who),
    /// No sign-in, no password grant; revokes the user's grants and sessions.
    Disable(Who),
    /// Allow a disabled user again.
    Enable(Who),
    /// Revoke the user's grants and sessions, and delete the user.
    Delete(Who),
}

/// A password from stdin (piped) or a prompt that does not echo.
fn read_password() -> Result<String, Box<dyn std::error::Error>> {
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("New password: ")?
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line
    };
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn client_cmd(
    store: &Store,
    cmd: ClientCmd,
    now: i64,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    Ok(match cmd {
        ClientCmd::Create(c) => {
            let c = *c;
            let change = c.settings.change(Some(c.name));
            let new = NewClient {
                id: c.id,
                name: change.name.unwrap_or_default(),
                redirect_uris: change.redirect_uris.unwrap_or_default(),
                scopes: change.scopes.unwrap_or_default(),
                default_scopes: change.default_scopes,
                grants: change.grants.unwrap_or_default(),
                public: c.public,
                access_ttl: change.access_ttl,
                refresh_ttl: change.refresh_ttl,
                max_grant_ttl: change.max_grant_ttl,
                access_token_format: change.access_token_format.unwrap_or_default(),
                post_logout_redirect_uris: change.post_logout_redirect_uris.unwrap_or_default(),
                resources: change.resources.unwrap_or_default(),
                default_resource: change.default_resource,
                resource_server: change.resource_server.unwrap_or(false),
                legacy_claims: change.legacy_claims.unwrap_or(false),
                allow_http_redirect: change.allow_http_redirect.unwrap_or(false),
                ..NewClient::default()
            };
            let (client, secret) = admin::create_client(store, new, now).await?;
            json!({ "client_id": client.client_id, "client_secret": secret })
        }
        ClientCmd::List => clients::list_clients(store).await?,
        ClientCmd::Show(c) => clients::show_client(store, &c.id).await?,
        ClientCmd::Update(u) => {
            let u = *u;
            clients::view(&clients::update_client(store, &u.id, u.settings.change(u.name)).await?)
        }
        ClientCmd::RotateSecret(c) => {
            let secret = admin::rotate_secret(store, &c.id).await?;
            json!({ "client_id": c.id, "client_secret": secret })
        }
        ClientCmd::Disable(c) => {
            let revoked = admin::disable_client(store, &c.id).await?;
            json!({ "client_id": c.id, "disabled": true, "revoked": revoked })
        }
        ClientCmd::Enable(c) => clients::view(&clients::enable_client(store, &c.id).await?),
        ClientCmd::Delete(c) => {
            let revoked = clients::delete_client(store, &c.id).await?;
            json!({ "client_id": c.id, "deleted": true, "revoked": revoked })
        }
    })
}

async fn user_cmd(
    store: &Store,
    cmd: UserCmd,
    now: i64,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    Ok(match cmd {
        UserCmd::Create {
            email,
            password,
            claims,
            tenant,
        } => {
            let password = match password {
                Some(p) => p,
                None => read_password()?,
            };
            let user = admin::create_user(
                store,
                tenant.as_deref(),
                &email,
                &password,
                claims.as_deref(),
                now,
            )
            .await?;
            json!({ "sub": user.sub, "tenant": user.tenant, "email": user.email })
        }
        UserCmd::List { tenant } => users::list_users(store, tenant.as_deref()).await?,
        UserCmd::Show(who) => users::show_user(store, &who.user()).await?,
        UserCmd::Update {
            who,
            claims,
            developer,
        } => users::update_user(store, &who.user(), claims.as_deref(), developer).await?,
        UserCmd::SetPassword(who) => {
            users::set_password(store, &who.user(), &read_password()?).await?
        }
        UserCmd::Disable(who) => users::disable_user(store, &who.user()).await?,
        UserCmd::Enable(who) => users::enable_user(store, &who.user()).await?,
        UserCmd::Delete(who) => users::delete_user(store, &who.user()).await?,
    })
}

async fn run(cli: Cli) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let mut config = shared::Config::from_env()?;
    config.table_name = cli.table.clone();
    let sdk = shared::store::sdk::sdk_config_with_system_roots().await;
    let kms = aws_sdk_kms::Client::new(&sdk);
    let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), cli.table.clone());
    let state = shared::State::new(config, store).with_kms(kms.clone());
    let now = shared::clock::unix_now();
    Ok(match cli.cmd {
        Cmd::Table(TableCmd::Create) => {
            let created = state.store.create_table().await?;
            let kms_key = match state.config.kms_key_id.as_deref() {
                Some(alias) if alias.starts_with("alias/") => Some(
                    shared::keys::kms::ensure_local_key(&kms, alias)
                        .await
                        .map_err(|e| format!("{e:?}"))?,
                ),
                _ => None,
            };
            // The first signing key, published before any relying party looks.
            let signing_key = match kms_key {
                Some(_) => Some(keys::prepare(&state, now).await?["kid"].clone()),
                None => None,
            };
            json!({ "table": cli.table, "created": created, "kms_key": kms_key, "signing_key": signing_key })
        }
        Cmd::Client(c) => client_cmd(&state.store, c, now).await?,
        Cmd::User(u) => user_cmd(&state.store, u, now).await?,
        Cmd::Resource(r) => {
            use admin::resources;
            let store = &state.store;
            match r {
                ResourceCmd::Create { uri, settings } => {
                    resources::create(store, &uri, settings.settings(), now).await?
                }
                ResourceCmd::List => resources::list(store).await?,
                ResourceCmd::Show { uri } => resources::show(store, &uri).await?,
                ResourceCmd::Update { uri, settings } => {
                    resources::update(store, &uri, settings.settings()).await?
                }
                ResourceCmd::Delete { uri } => resources::delete(store, &uri).await?,
            }
        }
        Cmd::RegistrationToken(RegistrationTokenCmd::Create { ttl, uses, scope }) => {
            let scopes = scope.as_deref().map(split);
            admin::registration_tokens::create(&state.store, ttl, uses, scopes, None, now).await?
        }
        Cmd::Keys(KeysCmd::List) => keys::list(&state, now).await?,
        Cmd::Keys(KeysCmd::Rotate) => keys::rotate(&state, now).await?,
        Cmd::Keys(KeysCmd::Retire { kid }) => keys::retire(&state, &kid, now).await?,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", json!({ "error": e.to_string() }));
            ExitCode::FAILURE
        }
    }
}
