//! The bridge that lets the control plane's TestInvokeAuthorizer run an authorizer in the
//! data plane: the gateway behind the control crate's `AuthorizerTester` trait (the two
//! crates never depend on each other; the binary joins them here).

use std::sync::Arc;

use proscenium_control::tester::{AuthorizerTestInput, AuthorizerTestOutput, AuthorizerTester};
use proscenium_gateway::Gateway;
use proscenium_gateway::auth::test_invoke::TestRequest;

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
