//! What a function builds once per cold start and shares across invocations.

use crate::clock::Clock;
use crate::config::Config;
use crate::store::Store;

#[derive(Clone, Debug)]
pub struct State {
    pub config: Config,
    pub store: Store,
    /// Read once per request (`state.clock.now()`) and passed to the rules.
    pub clock: Clock,
}

impl State {
    pub fn new(config: Config, store: Store) -> Self {
        Self {
            config,
            store,
            clock: Clock::system(),
        }
    }

    /// The same state on another clock (tests move time by hand).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Reads the configuration and builds the DynamoDB client (no I/O happens
    /// until the first request).
    pub async fn from_env() -> Result<Self, String> {
        let config = Config::from_env()?;
        let store = Store::from_env(config.table_name.clone()).await;
        Ok(Self::new(config, store))
    }
}
