//! `GatewayConfig`: what the server tells the data plane at start-up.

use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::{Clock, Random, SystemClock, ThreadRandom};

/// API Gateway's payload limit (10 MB), for requests and backend responses.
pub const MAX_PAYLOAD_BYTES: usize = 10 * 1024 * 1024;

#[derive(Clone)]
pub struct GatewayConfig {
    /// Account id reported in `$context.accountId` when a stage's scope has none.
    pub account_id: String,
    /// Base URL of a Lambda Invoke API (`--lambda-endpoint`), e.g. `http://127.0.0.1:9001`.
    pub lambda_endpoint: Option<String>,
    /// Largest request body accepted (413 above it).
    pub max_payload_bytes: usize,
    /// Wall clock (request times).
    pub clock: Arc<dyn Clock>,
    /// Randomness (request ids, canary routing).
    pub random: Arc<dyn Random>,
    /// Where access and execution logs are written (`{data_dir}/logs/…`); None: no log files.
    pub data_dir: Option<PathBuf>,
    /// Caps every stage cache below its `cacheClusterSize` (bytes); None: the cluster size.
    pub cache_max_bytes: Option<u64>,
    /// A PEM bundle of extra CA certificates trusted for HTTPS backends (besides the system's).
    pub backend_ca: Option<PathBuf>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            account_id: "000000000000".into(),
            lambda_endpoint: None,
            max_payload_bytes: MAX_PAYLOAD_BYTES,
            clock: Arc::new(SystemClock),
            random: Arc::new(ThreadRandom),
            data_dir: None,
            cache_max_bytes: None,
            backend_ca: None,
        }
    }
}

impl std::fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("account_id", &self.account_id)
            .field("lambda_endpoint", &self.lambda_endpoint)
            .field("max_payload_bytes", &self.max_payload_bytes)
            .field("data_dir", &self.data_dir)
            .field("cache_max_bytes", &self.cache_max_bytes)
            .field("backend_ca", &self.backend_ca)
            .finish_non_exhaustive()
    }
}
