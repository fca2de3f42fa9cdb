//! What a function builds once per cold start and shares across invocations.

use crate::config::Config;
use crate::store::Store;

#[derive(Clone, Debug)]
pub struct State {
    pub config: Config,
    pub store: Store,
}

impl State {
    pub fn new(config: Config, store: Store) -> Self {
        Self { config, store }
    }

    /// Reads the configuration and builds the DynamoDB client (no I/O happens
    /// until the first request).
    pub async fn from_env() -> Result<Self, String> {
        let config = Config::from_env()?;
        let store = Store::from_env(config.table_name.clone()).await;
        Ok(Self { config, store })
    }
}
