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
    /// Base URL AWS service integrations are sent to (`--aws-endpoint`), e.g.
    /// `http://127.0.0.1:4566`; `{service}` and `{region}` in it are replaced per integration.
    pub aws_endpoint: Option<String>,
    /// What AWS service integrations are signed with.
    pub aws_credentials: AwsCredentials,
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
    /// Where Cognito user pools live (`--cognito-endpoint`): issuers are `{endpoint}/{poolId}`;
    /// None: `https://cognito-idp.{region}.amazonaws.com`.
    pub cognito_endpoint: Option<String>,
    /// The callers AWS_IAM methods authenticate (SigV4 for `execute-api`).
    pub identities: Vec<crate::auth::iam::Identity>,
    /// `redis://…`: throttling shared by every node using the same Redis (`cluster_limits`);
    /// None: each node applies the limits alone.
    pub redis: Option<String>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            account_id: "000000000000".into(),
            lambda_endpoint: None,
            aws_endpoint: None,
            aws_credentials: AwsCredentials::default(),
            max_payload_bytes: MAX_PAYLOAD_BYTES,
            clock: Arc::new(SystemClock),
            random: Arc::new(ThreadRandom),
            data_dir: None,
            cache_max_bytes: None,
            backend_ca: None,
            cognito_endpoint: None,
            identities: Vec::new(),
            redis: None,
        }
    }
}

impl std::fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("account_id", &self.account_id)
            .field("lambda_endpoint", &self.lambda_endpoint)
            .field("aws_endpoint", &self.aws_endpoint)
            .field("aws_credentials", &self.aws_credentials)
            .field("max_payload_bytes", &self.max_payload_bytes)
            .field("data_dir", &self.data_dir)
            .field("cache_max_bytes", &self.cache_max_bytes)
            .field("backend_ca", &self.backend_ca)
            .finish_non_exhaustive()
    }
}

/// Credentials for signing AWS service integration requests. The default is LocalStack's
/// convention, `test`/`test`.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl Default for AwsCredentials {
    fn default() -> Self {
        AwsCredentials {
            access_key_id: "test".into(),
            secret_access_key: "test".into(),
            session_token: None,
        }
    }
}

impl std::fmt::Debug for AwsCredentials {
    /// Never prints the secret or the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}
