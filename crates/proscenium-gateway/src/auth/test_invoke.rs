//! TestInvokeAuthorizer: an authorizer of the API's current definition run outside any
//! deployment, for the given headers, path and stage variables. The method ARN is AWS's
//! test one (`…/{apiId}/ESTestInvoke-stage/GET/`). Nothing is cached.

use std::collections::BTreeMap;

use bytes::Bytes;
use proscenium_model::{Authorizer, Scope};
use serde_json::{Map, Value};

use super::cognito::{self, CognitoAuthorizer};
use super::lambda::{self, LambdaAuthorizer};
use crate::Shared;
use crate::params::Source;

/// What the authorizer answered.
#[derive(Debug, Default)]
pub struct AuthorizerTest {
    pub client_status: u16,
    pub principal_id: Option<String>,
    pub policy: Option<String>,
    pub context: Vec<(String, String)>,
    pub claims: Option<Vec<(String, String)>>,
    pub latency_ms: u64,
    pub log: Vec<String>,
}

/// The request a test runs with.
pub struct TestRequest<'a> {
    pub scope: &'a Scope,
    pub api_id: &'a str,
    pub headers: &'a [(String, String)],
    pub path_with_query: &'a str,
    pub stage_variables: &'a BTreeMap<String, String>,
}

fn header<'a>(req: &'a TestRequest<'_>, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .rev()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn split_path(p: &str) -> (&str, Vec<(String, String)>) {
    let (path, query) = p.split_once('?').unwrap_or((p, ""));
    let path = if path.is_empty() { "/" } else { path };
    (path, crate::context::parse_query(Some(query)))
}

fn resolve(req: &TestRequest<'_>, source: &Source) -> Option<String> {
    let (_, query) = split_path(req.path_with_query);
    match source {
        Source::Header(n) => header(req, n).map(str::to_string),
        Source::Query(n) => query
            .iter()
            .rev()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone()),
        Source::StageVariable(n) => req.stage_variables.get(n).cloned(),
        _ => None,
    }
    .filter(|v| !v.is_empty())
}

/// Runs `a` for `req`.
pub async fn run(shared: &Shared, a: &Authorizer, req: &TestRequest<'_>) -> AuthorizerTest {
    let started = shared.config.clock.monotonic_nanos();
    let mut out = AuthorizerTest::default();
    out.log
        .push(format!("Starting authorizer: {} ({})", a.id, a.name));
    let arn = format!(
        "arn:aws:execute-api:{}:{}:{}/ESTestInvoke-stage/GET/",
        req.scope.region, req.scope.account, req.api_id
    );
    match a.kind.as_str() {
        "TOKEN" | "REQUEST" => run_lambda(shared, a, req, &arn, &mut out).await,
        "COGNITO_USER_POOLS" => run_cognito(shared, a, req, &mut out).await,
        other => {
            out.client_status = 500;
            out.log.push(format!("Unknown authorizer type {other}"));
        }
    }
    out.latency_ms = shared
        .config
        .clock
        .monotonic_nanos()
        .saturating_sub(started)
        / 1_000_000;
    out
}

async fn run_lambda(
    shared: &Shared,
    a: &Authorizer,
    req: &TestRequest<'_>,
    arn: &str,
    out: &mut AuthorizerTest,
) {
    let compiled = match LambdaAuthorizer::compile(a) {
        Ok(c) => c,
        Err(e) => {
            out.client_status = 500;
            out.log
                .push(format!("Execution failed due to configuration error: {e}"));
            return;
        }
    };
    let values: Vec<Option<String>> = compiled.sources.iter().map(|s| resolve(req, s)).collect();
    if values.iter().any(Option::is_none) {
        out.client_status = 401;
        out.log
            .push("The identity source is missing: Unauthorized request".into());
        return;
    }
    let values: Vec<String> = values.into_iter().flatten().collect();
    if let (Some(re), Some(token)) = (&compiled.validation, values.first())
        && !re.is_match(token)
    {
        out.client_status = 401;
        out.log
            .push("The token does not match identityValidationExpression".into());
        return;
    }
    let event = if compiled.token {
        let token = values.first().map_or("", String::as_str);
        out.log.push(format!("Incoming identity: {token}"));
        lambda::token_event(token, arn)
    } else {
        request_event(req, arn)
    };
    let function =
        crate::integration::substitute_stage_variables(&compiled.function, req.stage_variables);
    out.log.push(format!(
        "Endpoint request body after transformations: {}",
        String::from_utf8_lossy(&event)
    ));
    match lambda::invoke(shared, &function, Bytes::from(event)).await {
        Err(e) => {
            out.client_status = 500;
            out.log.push(format!(
                "Execution failed due to configuration error: {}",
                e.detail
            ));
        }
        Ok((payload, function_error)) => {
            out.log.push(format!(
                "Authorizer result body before parsing: {}",
                String::from_utf8_lossy(&payload)
            ));
            if function_error {
                let unauthorized = lambda::says_unauthorized(&payload);
                out.client_status = if unauthorized { 401 } else { 500 };
                out.log.push(if unauthorized {
                    "Unauthorized request".into()
                } else {
                    "Execution failed due to configuration error: Authorizer error".into()
                });
                return;
            }
            match lambda::parse_answer(&payload) {
                Err(why) => {
                    out.client_status = 500;
                    out.log.push(format!(
                        "Execution failed due to configuration error: Invalid JSON in response: {why}"
                    ));
                }
                Ok(r) => {
                    out.client_status = 200;
                    out.log.push(format!(
                        "Using valid authorizer policy for principal: {}",
                        r.principal_id
                    ));
                    out.log
                        .push("Successfully completed authorizer execution".into());
                    out.principal_id = Some(r.principal_id.clone());
                    out.policy = serde_json::from_slice::<Value>(&payload)
                        .ok()
                        .and_then(|v| v.get("policyDocument").cloned())
                        .map(|p| match p {
                            Value::String(s) => s,
                            other => other.to_string(),
                        });
                    out.context = r
                        .context
                        .iter()
                        .map(|(k, v)| (k.clone(), lambda::scalar_text(v)))
                        .collect();
                }
            }
        }
    }
}

fn request_event(req: &TestRequest<'_>, arn: &str) -> Vec<u8> {
    let (path, query) = split_path(req.path_with_query);
    let mut headers = Map::new();
    let mut multi = Map::new();
    for (n, v) in req.headers {
        headers.insert(n.clone(), Value::String(v.clone()));
        if let Value::Array(items) = multi
            .entry(n.clone())
            .or_insert_with(|| Value::Array(vec![]))
        {
            items.push(Value::String(v.clone()));
        }
    }
    let mut qs = Map::new();
    let mut mqs = Map::new();
    for (k, v) in &query {
        qs.insert(k.clone(), Value::String(v.clone()));
        if let Value::Array(items) = mqs.entry(k.clone()).or_insert_with(|| Value::Array(vec![])) {
            items.push(Value::String(v.clone()));
        }
    }
    let opt = |m: Map<String, Value>| {
        if m.is_empty() {
            Value::Null
        } else {
            Value::Object(m)
        }
    };
    let vars: Map<String, Value> = req
        .stage_variables
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let event = serde_json::json!({
        "type": "REQUEST",
        "methodArn": arn,
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": opt(headers),
        "multiValueHeaders": opt(multi),
        "queryStringParameters": opt(qs),
        "multiValueQueryStringParameters": opt(mqs),
        "pathParameters": Value::Object(Map::new()),
        "stageVariables": opt(vars),
        "requestContext": {
            "path": path,
            "accountId": req.scope.account,
            "stage": "test-invoke-stage",
            "httpMethod": "GET",
            "apiId": req.api_id,
        },
    });
    serde_json::to_vec(&event).unwrap_or_default()
}

async fn run_cognito(
    shared: &Shared,
    a: &Authorizer,
    req: &TestRequest<'_>,
    out: &mut AuthorizerTest,
) {
    let compiled = match CognitoAuthorizer::compile(a) {
        Ok(c) => c,
        Err(e) => {
            out.client_status = 500;
            out.log
                .push(format!("Execution failed due to configuration error: {e}"));
            return;
        }
    };
    let raw = resolve(req, &compiled.source).unwrap_or_default();
    let token = raw.strip_prefix("Bearer ").unwrap_or(&raw).trim();
    let now_secs = shared
        .config
        .clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let endpoint = shared.config.cognito_endpoint.as_deref();
    let issuers: Vec<String> = compiled
        .pools
        .iter()
        .map(|(region, pool)| cognito::issuer(endpoint, region, pool))
        .collect();
    let verdict = cognito::verify(shared, token, &issuers, &[], now_secs).await;
    match verdict {
        Ok(token) => {
            out.client_status = 200;
            out.log
                .push("Successfully completed authorizer execution".into());
            out.claims = Some(cognito::claim_pairs(&token.claims).pairs);
        }
        Err(e) => {
            out.client_status = e.kind.default_status();
            out.log.push(format!("Unauthorized request: {}", e.detail));
        }
    }
}
