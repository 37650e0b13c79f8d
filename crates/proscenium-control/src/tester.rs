//! What the control plane needs from the data plane to answer TestInvokeAuthorizer: an
//! injected [`AuthorizerTester`] (the binary wires the gateway in), so the control plane never
//! depends on the gateway crate. Plain data in and out.

use std::collections::BTreeMap;

use proscenium_model::{Authorizer, Scope};

/// A TestInvokeAuthorizer request, resolved against the API's current definition.
#[derive(Debug, Clone)]
pub struct AuthorizerTestInput {
    pub scope: Scope,
    pub api_id: String,
    pub authorizer: Authorizer,
    /// Request headers (`headers` and `multiValueHeaders`), in order.
    pub headers: Vec<(String, String)>,
    /// `pathWithQueryString` (e.g. `/pets?limit=2`).
    pub path_with_query: String,
    pub body: String,
    pub stage_variables: BTreeMap<String, String>,
}

/// What the authorizer answered, in TestInvokeAuthorizer's terms.
#[derive(Debug, Clone, Default)]
pub struct AuthorizerTestOutput {
    /// 200 when the caller was authenticated, 401 when not, 500 when the authorizer failed.
    pub client_status: u16,
    pub principal_id: Option<String>,
    /// The returned policy document as JSON text.
    pub policy: Option<String>,
    /// The authorizer's `context` (Lambda) as AWS's `authorization` map.
    pub authorization: BTreeMap<String, Vec<String>>,
    /// A Cognito token's claims.
    pub claims: Option<BTreeMap<String, String>>,
    pub latency_ms: u64,
    pub log: Vec<String>,
}

/// Runs an authorizer outside any deployment.
#[async_trait::async_trait]
pub trait AuthorizerTester: Send + Sync {
    async fn test_authorizer(&self, input: AuthorizerTestInput) -> AuthorizerTestOutput;
}
