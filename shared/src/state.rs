//! What a function builds once per cold start and shares across invocations.

use crate::clock::Clock;
use crate::config::Config;
use crate::keys::Keys;
use crate::store::Store;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct State {
    pub config: Config,
    pub store: Store,
    /// Read once per request (`state.clock.now()`) and passed to the rules.
    pub clock: Clock,
    /// The signing keys this environment knows (and the signer where it signs).
    pub keys: Arc<Keys>,
    /// The registered resource servers this environment knows.
    pub resources: Arc<crate::resource::registered::Registered>,
    /// The outbound HTTP client, built on first use (most requests make none).
    #[cfg(feature = "outbound")]
    pub outbound: Arc<std::sync::OnceLock<Result<crate::outbound::Outbound, String>>>,
}

impl State {
    pub fn new(config: Config, store: Store) -> Self {
        Self {
            config,
            store,
            clock: Clock::system(),
            keys: Arc::default(),
            resources: Arc::default(),
            #[cfg(feature = "outbound")]
            outbound: Arc::default(),
        }
    }

    /// The outbound HTTP client (built once per environment, on first use).
    #[cfg(feature = "outbound")]
    pub fn outbound(&self) -> Result<&crate::outbound::Outbound, crate::OAuthError> {
        let built = self.outbound.get_or_init(|| {
            crate::outbound::Outbound::new(
                &self.config.issuer,
                self.config.outbound_ca_file.as_deref(),
                None,
            )
        });
        built.as_ref().map_err(|e| {
            crate::OAuthError::server_error().with_cause(format!("outbound client: {e}"))
        })
    }

    /// The same state with this outbound client (tests: a stub resolver).
    #[cfg(feature = "outbound")]
    pub fn with_outbound(mut self, outbound: crate::outbound::Outbound) -> Self {
        self.outbound = Arc::new(std::sync::OnceLock::from(Ok(outbound)));
        self
    }

    /// The same state with a KMS client: the cookie key, and signing where the
    /// `signing` feature is on (token, oauthctl, the tests).
    #[cfg(feature = "kms")]
    pub fn with_kms(mut self, client: aws_sdk_kms::Client) -> Self {
        let kms = self
            .config
            .kms_key_id
            .clone()
            .map(|key_id| crate::keys::kms::Kms { client, key_id });
        self.keys = Arc::new(Keys::with_kms(kms, self.config.key_policy));
        self
    }

    /// The same state on another clock (tests move time by hand).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Reads the configuration and builds the AWS clients (no I/O happens
    /// until the first request).
    pub async fn from_env() -> Result<Self, String> {
        let config = Config::from_env()?;
        let sdk = crate::store::sdk::sdk_config().await;
        let store = Store::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            config.table_name.clone(),
        );
        let state = Self::new(config, store);
        #[cfg(feature = "kms")]
        let state = state.with_kms(aws_sdk_kms::Client::new(&sdk));
        Ok(state)
    }
}
