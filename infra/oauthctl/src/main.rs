//! `oauthctl`: the admin CLI. Same environment as the functions (`TABLE_NAME`,
//! `KMS_KEY_ID`, `AWS_ENDPOINT_URL_DYNAMODB`/`_KMS` locally, real AWS
//! credentials otherwise); JSON out.

use clap::{Args, Parser, Subcommand};
use serde_json::json;
use shared::admin::{self, NewClient};
use shared::store::AccessTokenFormat;
use shared::store::Store;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "oauthctl",
    about = "Administer the OAuth server's table, clients and users"
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

#[derive(Subcommand)]
enum TableCmd {
    /// Create the table with TTL and its index, and the local KMS key when
    /// KMS_KEY_ID is an alias (idempotent; for local use).
    Create,
}

#[derive(Subcommand)]
enum ClientCmd {
    /// Register a client; prints its id and (once) its secret.
    Create(Box<ClientCreate>),
    /// Replace a confidential client's secret; prints the new one.
    RotateSecret {
        #[arg(long)]
        id: String,
    },
    /// Refuse new grants for a client and revoke all its outstanding tokens.
    Disable {
        #[arg(long)]
        id: String,
    },
}

#[derive(Args)]
struct ClientCreate {
    /// Name shown on the consent page.
    #[arg(long)]
    name: String,
    /// Registered redirect URI (exact match); repeat for several.
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// Allowed scopes, space-separated.
    #[arg(long, default_value = "")]
    scope: String,
    /// Scopes granted when a request names none (default: all allowed scopes).
    #[arg(long = "default-scope")]
    default_scope: Option<String>,
    /// Grant type; repeat for several (default: authorization_code, refresh_token).
    #[arg(long = "grant")]
    grants: Vec<String>,
    /// Client id (default: random). Any string, numeric-looking ones included.
    #[arg(long)]
    id: Option<String>,
    /// A public client: no secret, must use PKCE.
    #[arg(long)]
    public: bool,
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
    #[arg(long = "access-token-format", value_parser = ["opaque", "jwt"], default_value = "opaque")]
    access_token_format: String,
    /// Where RP-initiated logout may return (exact match); repeat for several.
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    /// A resource (RFC 8707) its tokens may be for, their audience; repeat for several.
    #[arg(long = "resource")]
    resources: Vec<String>,
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create a user; prints its subject id.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, env = "OAUTHCTL_PASSWORD", hide_env_values = true)]
        password: String,
        /// Profile claims as a JSON object, e.g. '{"role":"AGENT","siteId":10115}'.
        #[arg(long)]
        claims: Option<String>,
        /// Tenant (seed 002's partnerId); default: the default tenant.
        #[arg(long)]
        tenant: Option<String>,
    },
}

fn split(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

async fn run(cli: Cli) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let mut config = shared::Config::from_env()?;
    config.table_name = cli.table.clone();
    let sdk = shared::store::sdk::sdk_config().await;
    let kms = aws_sdk_kms::Client::new(&sdk);
    let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), cli.table.clone());
    let state = shared::State::new(config, store).with_kms(kms.clone());
    let store = &state.store;
    let now = shared::clock::unix_now();
    Ok(match cli.cmd {
        Cmd::Table(TableCmd::Create) => {
            let created = store.create_table().await?;
            let kms_key = match state.config.kms_key_id.as_deref() {
                Some(alias) if alias.starts_with("alias/") => Some(
                    shared::keys::kms::ensure_local_key(&kms, alias)
                        .await
                        .map_err(|e| format!("{e:?}"))?,
                ),
                _ => None,
            };
            json!({ "table": cli.table, "created": created, "kms_key": kms_key })
        }
        Cmd::Keys(KeysCmd::List) => shared::admin::keys::list(&state, now).await?,
        Cmd::Keys(KeysCmd::Rotate) => shared::admin::keys::rotate(&state, now).await?,
        Cmd::Keys(KeysCmd::Retire { kid }) => {
            shared::admin::keys::retire(&state, &kid, now).await?
        }
        Cmd::Client(ClientCmd::Create(c)) => {
            let (client, secret) = admin::create_client(
                store,
                NewClient {
                    id: c.id,
                    name: c.name,
                    redirect_uris: c.redirect_uris,
                    scopes: split(&c.scope),
                    default_scopes: c.default_scope.as_deref().map(split),
                    grants: c.grants,
                    public: c.public,
                    access_ttl: c.access_ttl,
                    refresh_ttl: c.refresh_ttl,
                    max_grant_ttl: c.max_grant_ttl,
                    access_token_format: if c.access_token_format == "jwt" {
                        AccessTokenFormat::Jwt
                    } else {
                        AccessTokenFormat::Opaque
                    },
                    post_logout_redirect_uris: c.post_logout_redirect_uris,
                    resources: c.resources,
                },
                now,
            )
            .await?;
            let mut out = json!({ "client_id": client.client_id, "client_secret": secret });
            if secret.is_none() {
                out["client_secret"] = serde_json::Value::Null;
            }
            out
        }
        Cmd::Client(ClientCmd::RotateSecret { id }) => {
            let secret = admin::rotate_secret(store, &id).await?;
            json!({ "client_id": id, "client_secret": secret })
        }
        Cmd::Client(ClientCmd::Disable { id }) => {
            let revoked = admin::disable_client(store, &id).await?;
            json!({ "client_id": id, "disabled": true, "revoked": revoked })
        }
        Cmd::User(UserCmd::Create {
            email,
            password,
            claims,
            tenant,
        }) => {
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
