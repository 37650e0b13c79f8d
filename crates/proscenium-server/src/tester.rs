//! The bridge that lets the control plane's TestInvokeAuthorizer and TestInvokeMethod run an
//! authorizer or a method in the data plane: the gateway behind the control crate's
//! `AuthorizerTester` and `MethodTester` traits (the two
//! crates never depend on each other; the binary joins them here).

use std::sync::Arc;

use proscenium_control::tester::{
    AuthorizerTestInput, AuthorizerTestOutput, AuthorizerTester, MethodTestError, MethodTestInput,
    MethodTestOutput, MethodTester,
};
use proscenium_gateway::Gateway;
use proscenium_gateway::auth::test_invoke::TestRequest;
use proscenium_gateway::method_test::{MethodTestRequest, TestError};

pub struct GatewayTester(pub Arc<Gateway>);

#[async_trait::async_trait]
impl AuthorizerTester for GatewayTester {
    async fn test_authorizer(&self, input: AuthorizerTestInput) -> AuthorizerTestOutput {
        let req = TestRequest {
            scope: &input.scope,
            api_id: &input.api_id,
            headers: &input.headers,
            path_with_query: &input.path_with_query,
            stage_variables: &input.stage_variables,
        };
        let t = self.0.test_authorizer(&input.authorizer, &req).await;
        AuthorizerTestOutput {
            client_status: t.client_status,
            principal_id: t.principal_id,
            policy: t.policy,
            authorization: t.context.into_iter().map(|(k, v)| (k, vec![v])).collect(),
            claims: t.claims.map(|c| c.into_iter().collect()),
            latency_ms: t.latency_ms,
            log: t.log,
        }
    }
}

#[async_trait::async_trait]
impl MethodTester for GatewayTester {
    async fn test_method(
        &self,
        input: MethodTestInput,
    ) -> Result<MethodTestOutput, MethodTestError> {
        let identity =
            input
                .client_certificate
                .map(|c| proscenium_gateway::compile::ClientIdentity {
                    id: c.id,
                    cert_pem: c.cert_pem,
                    key_pem: c.key_pem,
                });
        let req = MethodTestRequest {
            scope: &input.scope,
            api_id: &input.api_id,
            definition: &input.definition,
            resource_id: &input.resource_id,
            http_method: &input.http_method,
            path_with_query: input.path_with_query.as_deref(),
            headers: &input.headers,
            body: &input.body,
            stage_variables: &input.stage_variables,
            client_identity: identity,
        };
        match self.0.test_method(req).await {
            Ok(t) => Ok(MethodTestOutput {
                status: t.status,
                body: t.body,
                headers: t.headers,
                log: t.log,
                latency_ms: t.latency_ms,
            }),
            Err(TestError::UnknownMethod) => Err(MethodTestError::UnknownMethod),
            Err(TestError::BadRequest(m)) => Err(MethodTestError::BadRequest(m)),
        }
    }
}
