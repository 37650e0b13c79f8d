//! Lambda authorizers (TOKEN and REQUEST): the identity read from the request (missing, or
//! not matching `identityValidationExpression` → 401 without calling), the event AWS sends,
//! the call through the Lambda Invoke endpoint, the answer validated as AWS does
//! (`principalId`, `policyDocument`, scalar `context` values, `usageIdentifierKey`) and kept
//! in the result cache for `authorizerResultTtlInSeconds`.
//!
//! Failures as AWS answers them: the function's `Unauthorized` error → 401; any other
//! function error, an unusable answer or an unreachable endpoint → 500
//! AUTHORIZER_CONFIGURATION_ERROR.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;
use http_body_util::Full;
use proscenium_model::Authorizer;
use proscenium_model::policy::Policy;
use serde_json::{Map, Value};

use super::identity_sources;
use crate::Shared;
use crate::compile::CompiledStage;
use crate::context::RequestCtx;
use crate::error::GatewayError;
use crate::params::Source;

/// AWS's default result TTL, and its maximum.
pub const DEFAULT_TTL_SECS: u64 = 300;
pub const MAX_TTL_SECS: u64 = 3600;
/// How long the authorizer function may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(29);

/// A Lambda authorizer, compiled with the deployment.
#[derive(Debug)]
pub struct LambdaAuthorizer {
    pub id: String,
    /// TOKEN (else REQUEST).
    pub token: bool,
    /// The function ARN or name (may hold `${stageVariables.X}`).
    pub function: String,
    /// The identity sources as configured (TestInvokeAuthorizer reads them).
    pub sources: Vec<Source>,
    /// The same, compiled for the request path.
    pub compiled_sources: Vec<super::IdentitySource>,
    /// `identityValidationExpression`, anchored (TOKEN only).
    pub validation: Option<regex::Regex>,
    pub ttl_secs: u64,
}

impl LambdaAuthorizer {
    pub fn compile(a: &Authorizer) -> Result<Self, String> {
        let token = a.kind == "TOKEN";
        let uri = a
            .authorizer_uri
            .as_deref()
            .ok_or("the authorizer has no authorizerUri")?;
        let function = crate::compile::lambda_function(uri)
            .ok_or_else(|| format!("not a Lambda invocation uri: {uri}"))?;
        let default_source = token.then_some("method.request.header.Authorization");
        let sources = identity_sources(a.identity_source.as_deref().or(default_source))?;
        if token && !matches!(sources.as_slice(), [Source::Header(_)]) {
            return Err("a TOKEN authorizer's identitySource must be one request header".into());
        }
        let compiled_sources = sources
            .iter()
            .map(super::IdentitySource::compile)
            .collect::<Result<Vec<_>, _>>()?;
        let validation = match a.identity_validation_expression.as_deref() {
            Some(e) if token && !e.is_empty() => Some(
                regex::Regex::new(&format!("^(?:{e})$"))
                    .map_err(|err| format!("identityValidationExpression: {err}"))?,
            ),
            _ => None,
        };
        let ttl_secs = match a.authorizer_result_ttl_in_seconds {
            None => DEFAULT_TTL_SECS,
            Some(n) => n.clamp(0, MAX_TTL_SECS as i64) as u64,
        };
        Ok(LambdaAuthorizer {
            id: a.id.clone(),
            token,
            function,
            sources,
            compiled_sources,
            validation,
            ttl_secs,
        })
    }
}

/// What an authorizer answered (shared by the cache and the requests it serves).
#[derive(Debug)]
pub struct LambdaResult {
    pub principal_id: String,
    pub policy: Policy,
    /// The `context` map, values string, number or boolean.
    pub context: Vec<(String, Value)>,
    pub usage_identifier_key: Option<String>,
}

impl LambdaResult {
    /// A `context` value as `$context.authorizer.{key}` prints it.
    pub fn context_value(&self, key: &str) -> Option<String> {
        self.context
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| scalar_text(v))
    }
}

/// A scalar JSON value as text (`"a"` → `a`, `1` → `1`, `true` → `true`).
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Validates an authorizer's answer as AWS does.
pub fn parse_answer(payload: &[u8]) -> Result<LambdaResult, String> {
    let v: Value =
        serde_json::from_slice(payload).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let obj = v.as_object().ok_or("the answer is not a JSON object")?;
    let principal_id = match obj.get("principalId") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err("principalId is not a string".into()),
        None => return Err("the answer has no principalId".into()),
    };
    let policy = match obj.get("policyDocument") {
        Some(doc @ Value::Object(_)) => Policy::from_value(doc).map_err(|e| e.to_string())?,
        Some(Value::String(text)) => Policy::parse(text).map_err(|e| e.to_string())?,
        _ => return Err("the answer has no policyDocument".into()),
    };
    let mut context = Vec::new();
    match obj.get("context") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                match v {
                    Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                        context.push((k.clone(), v.clone()));
                    }
                    _ => {
                        return Err(format!(
                            "context value of {k} is not a string, number or boolean"
                        ));
                    }
                }
            }
        }
        Some(_) => return Err("context is not an object".into()),
    }
    let usage_identifier_key = match obj.get("usageIdentifierKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("usageIdentifierKey is not a string".into()),
    };
    Ok(LambdaResult {
        principal_id,
        policy,
        context,
        usage_identifier_key,
    })
}

/// Whether a function error's payload is the authorizer's `Unauthorized` (AWS's 401).
pub fn says_unauthorized(payload: &[u8]) -> bool {
    serde_json::from_slice::<Value>(payload)
        .ok()
        .is_some_and(|v| v.get("errorMessage").and_then(Value::as_str) == Some("Unauthorized"))
}

/// The TOKEN event.
pub fn token_event(token: &str, method_arn: &str) -> Vec<u8> {
    let mut m = Map::new();
    m.insert("type".into(), Value::String("TOKEN".into()));
    m.insert("authorizationToken".into(), Value::String(token.into()));
    m.insert("methodArn".into(), Value::String(method_arn.into()));
    serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
}

/// The REQUEST event: the Lambda proxy event's request members (no body) after `type` and
/// `methodArn`.
pub fn request_event(ctx: &RequestCtx, method_arn: &str) -> Result<Vec<u8>, String> {
    let proxy = crate::integration::lambda_proxy::event_json(ctx).map_err(|e| e.to_string())?;
    let Value::Object(proxy) =
        serde_json::from_slice::<Value>(&proxy).map_err(|e| e.to_string())?
    else {
        return Err("the request event is not an object".into());
    };
    let mut m = Map::new();
    m.insert("type".into(), Value::String("REQUEST".into()));
    m.insert("methodArn".into(), Value::String(method_arn.into()));
    for (k, v) in proxy {
        if k != "body" && k != "isBase64Encoded" {
            m.insert(k, v);
        }
    }
    serde_json::to_vec(&Value::Object(m)).map_err(|e| e.to_string())
}

/// Runs the authorizer for this request (or takes its cached answer): the answer and the
/// call's latency in milliseconds (0 from the cache).
pub async fn authorize(
    shared: &Shared,
    ctx: &mut RequestCtx,
    stage: &CompiledStage,
    a: &LambdaAuthorizer,
    method_arn: &str,
) -> Result<(Arc<LambdaResult>, u64), GatewayError> {
    let now = shared.config.clock.monotonic_nanos();
    let key = cache_key(ctx, stage, a)?;
    let key = (a.ttl_secs > 0 && !a.compiled_sources.is_empty()).then_some(key);
    if let Some(k) = &key
        && let Some(hit) = shared.auth_cache.get(k, now)
    {
        return Ok((hit, 0));
    }
    let event = if a.token {
        let token = a
            .compiled_sources
            .first()
            .and_then(|s| s.value(ctx))
            .map(|v| v.into_owned())
            .unwrap_or_default();
        token_event(&token, method_arn)
    } else {
        request_event(ctx, method_arn).map_err(GatewayError::authorizer_configuration)?
    };
    let function = crate::integration::substitute_stage_variables(&a.function, &stage.variables);
    let (payload, function_error) = invoke(shared, &function, Bytes::from(event)).await?;
    let took_ms = shared.config.clock.monotonic_nanos().saturating_sub(now) / 1_000_000;
    if function_error {
        if says_unauthorized(&payload) {
            return Err(GatewayError::unauthorized(format!(
                "authorizer {} answered Unauthorized",
                a.id
            )));
        }
        return Err(GatewayError::authorizer_configuration(format!(
            "authorizer {} failed: {}",
            a.id,
            String::from_utf8_lossy(&payload)
        )));
    }
    let result = Arc::new(parse_answer(&payload).map_err(|why| {
        GatewayError::authorizer_configuration(format!("authorizer {}: {why}", a.id))
    })?);
    if let Some(k) = key {
        let expires = now.saturating_add(a.ttl_secs * 1_000_000_000);
        shared.auth_cache.put(k, result.clone(), expires, now);
    }
    Ok((result, took_ms))
}

/// The cache key (stage, flush generation, authorizer, identity values, NUL-separated),
/// built as the sources are read; a missing identity (or one the validation expression
/// refuses) is the caller's 401.
fn cache_key(
    ctx: &RequestCtx,
    stage: &CompiledStage,
    a: &LambdaAuthorizer,
) -> Result<String, GatewayError> {
    {
        let c: &RequestCtx = ctx;
        let mut k = String::with_capacity(96);
        k.push_str(&stage.auth_key_prefix);
        k.push('\u{0}');
        k.push_str(&a.id);
        for (i, s) in a.compiled_sources.iter().enumerate() {
            let Some(v) = s.value(c) else {
                return Err(GatewayError::unauthorized(format!(
                    "authorizer {}: an identity source is missing",
                    a.id
                )));
            };
            if i == 0
                && let Some(re) = &a.validation
                && !re.is_match(&v)
            {
                return Err(GatewayError::unauthorized(format!(
                    "authorizer {}: the token does not match identityValidationExpression",
                    a.id
                )));
            }
            k.push('\u{0}');
            k.push_str(&v);
        }
        Ok(k)
    }
}

/// The cached answer for this request's identity, if the authorizer caches and has one.
pub fn cached(
    shared: &Shared,
    ctx: &RequestCtx,
    stage: &CompiledStage,
    a: &LambdaAuthorizer,
) -> Result<Option<Arc<LambdaResult>>, GatewayError> {
    let key = cache_key(ctx, stage, a)?;
    if a.ttl_secs == 0 || a.compiled_sources.is_empty() {
        return Ok(None);
    }
    Ok(shared
        .auth_cache
        .get(&key, shared.config.clock.monotonic_nanos()))
}

/// Calls the function through the Lambda Invoke endpoint: the payload and whether it is a
/// function error.
pub async fn invoke(
    shared: &Shared,
    function: &str,
    event: Bytes,
) -> Result<(Bytes, bool), GatewayError> {
    let endpoint = shared.config.lambda_endpoint.as_deref().ok_or_else(|| {
        GatewayError::authorizer_configuration("no Lambda endpoint configured (--lambda-endpoint)")
    })?;
    let uri = crate::integration::lambda::invoke_uri(endpoint, function)
        .map_err(|e| GatewayError::authorizer_configuration(e.detail))?;
    let mut req = http::Request::new(Full::new(event));
    *req.method_mut() = http::Method::POST;
    *req.uri_mut() = uri;
    req.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    req.headers_mut().insert(
        "x-amz-invocation-type",
        HeaderValue::from_static("RequestResponse"),
    );
    let (parts, body) = crate::client::send(
        &shared.client,
        req,
        CALL_TIMEOUT,
        shared.config.max_payload_bytes,
    )
    .await
    .map_err(|e| GatewayError::authorizer_configuration(format!("authorizer call: {e}")))?;
    if !parts.status.is_success() {
        return Err(GatewayError::authorizer_configuration(format!(
            "Lambda invoke answered {}",
            parts.status
        )));
    }
    Ok((body, parts.headers.contains_key("x-amz-function-error")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorizer(kind: &str, source: Option<&str>, ttl: Option<i64>) -> Authorizer {
        serde_json::from_value(serde_json::json!({
            "id": "az1", "name": "a", "type": kind,
            "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations",
            "identitySource": source,
            "authorizerResultTtlInSeconds": ttl,
            "identityValidationExpression": if kind == "TOKEN" { Some("Bearer .+") } else { None },
        }))
        .unwrap()
    }

    #[test]
    fn compiles_sources_ttl_and_validation() {
        let t = LambdaAuthorizer::compile(&authorizer("TOKEN", None, None)).unwrap();
        assert_eq!(t.sources, vec![Source::Header("Authorization".into())]);
        assert_eq!(t.ttl_secs, DEFAULT_TTL_SECS);
        assert!(t.validation.as_ref().unwrap().is_match("Bearer x"));
        assert!(!t.validation.as_ref().unwrap().is_match("xBearer x"));
        let r = LambdaAuthorizer::compile(&authorizer(
            "REQUEST",
            Some("method.request.header.X-A, method.request.querystring.q, stageVariables.v"),
            Some(0),
        ))
        .unwrap();
        assert_eq!(r.sources.len(), 3);
        assert_eq!(r.ttl_secs, 0);
        assert!(
            LambdaAuthorizer::compile(&authorizer(
                "TOKEN",
                Some("method.request.querystring.q"),
                None
            ))
            .is_err()
        );
    }

    #[test]
    fn answers_are_validated_as_aws_does() {
        let ok = br#"{"principalId":"u1","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]},"context":{"s":"x","n":1,"b":true},"usageIdentifierKey":"k"}"#;
        let r = parse_answer(ok).unwrap();
        assert_eq!(r.principal_id, "u1");
        assert_eq!(r.context_value("n").as_deref(), Some("1"));
        assert_eq!(r.context_value("b").as_deref(), Some("true"));
        assert_eq!(r.context_value("s").as_deref(), Some("x"));
        assert_eq!(r.usage_identifier_key.as_deref(), Some("k"));
        assert!(parse_answer(b"garbage").is_err());
        assert!(parse_answer(br#"{"principalId":"u"}"#).is_err());
        assert!(
            parse_answer(br#"{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]},"context":{"o":{"a":1}}}"#)
                .is_err()
        );
    }

    #[test]
    fn token_event_shape() {
        let v: Value = serde_json::from_slice(&token_event("t", "arn:x")).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type":"TOKEN","methodArn":"arn:x","authorizationToken":"t"})
        );
    }
}
