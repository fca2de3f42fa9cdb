//! The registered resource servers, cached per execution environment.

use crate::error::StoreError;
use crate::store::{Resource, Store};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an environment keeps its copy of the registered resources.
const CACHE_TTL: Duration = Duration::from_secs(60);

/// The registered resource servers an execution environment knows: read
/// when a request names a resource the client did not register itself, and
/// kept a minute.
#[derive(Debug, Default)]
pub struct Registered {
    cached: Mutex<Option<(Arc<[Resource]>, Instant)>>,
}

impl Registered {
    /// All of them, from the copy when it is young.
    pub async fn load(&self, store: &Store) -> Result<Arc<[Resource]>, StoreError> {
        if let Some((set, at)) = self.cached.lock().expect("resources lock").as_ref() {
            if at.elapsed() < CACHE_TTL {
                return Ok(set.clone());
            }
        }
        let set: Arc<[Resource]> = store
            .get_resources()
            .await?
            .map(|i| i.resources)
            .unwrap_or_default()
            .into();
        // None registered: not kept, so the first one registered is seen at once.
        if !set.is_empty() {
            *self.cached.lock().expect("resources lock") = Some((set.clone(), Instant::now()));
        }
        Ok(set)
    }

    /// Forgets the copy (after this environment changed them: oauthctl, tests).
    pub fn forget(&self) {
        *self.cached.lock().expect("resources lock") = None;
    }
}
