//! What the control plane needs from the data plane to answer TestInvokeAuthorizer and
//! TestInvokeMethod: an injected [`AuthorizerTester`] and [`MethodTester`] (the binary wires
//! the gateway in), so the control plane never depends on the gateway crate. Plain data in
//! and out.

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

/// A TestInvokeMethod request, resolved against the API's current definition.
#[derive(Debug, Clone)]
pub struct MethodTestInput {
    pub scope: Scope,
    pub api_id: String,
    pub definition: std::sync::Arc<proscenium_model::ApiDefinition>,
    pub resource_id: String,
    pub http_method: String,
    pub path_with_query: Option<String>,
    /// Request headers (`headers`, then `multiValueHeaders`), in order.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub stage_variables: BTreeMap<String, String>,
    /// `clientCertificateId`, resolved: the certificate and its private key (PEM).
    pub client_certificate: Option<TestCertificate>,
}

/// A client certificate for a test (the private key never leaves the server).
#[derive(Clone)]
pub struct TestCertificate {
    pub id: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for TestCertificate {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCertificate")
            .field("id", &self.id)
            .finish()
    }
}

/// What the method answered, in TestInvokeMethod's terms.
#[derive(Debug, Clone, Default)]
pub struct MethodTestOutput {
    pub status: u16,
    pub body: String,
    /// Response headers in order (names as AWS prints them).
    pub headers: Vec<(String, String)>,
    /// AWS's execution log text.
    pub log: String,
    pub latency_ms: u64,
}

/// Why a method test could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodTestError {
    UnknownMethod,
    BadRequest(String),
}

/// Runs a method of the current definition outside any deployment.
#[async_trait::async_trait]
pub trait MethodTester: Send + Sync {
    async fn test_method(
        &self,
        input: MethodTestInput,
    ) -> Result<MethodTestOutput, MethodTestError>;
}
