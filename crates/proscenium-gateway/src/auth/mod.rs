//! The access phase of the pipeline, between routing and the integration, in AWS's order:
//! IAM authentication (SigV4) → resource policy (explicit denials first) → authorizer
//! (Lambda TOKEN/REQUEST with its result cache, or Cognito user pools) → the two outcomes
//! combined as AWS's evaluation table for REST APIs says.
//!
//! Compiled once per deployment ([`compile_method_auth`], [`compile_resource_policy`]); a
//! method with `authorizationType` NONE in an API without a resource policy never enters
//! this phase. Fail closed: anything that cannot be evaluated refuses the request.

pub mod cache;
pub mod cognito;
pub mod iam;
pub mod lambda;
pub mod test_invoke;

use std::collections::BTreeMap;
use std::sync::Arc;

use proscenium_model::policy::{Decision, Policy, Request};
use proscenium_model::{Authorizer, Method};

use crate::Shared;
use crate::context::RequestCtx;
use crate::error::GatewayError;
use crate::params::{Source, parse_source};

/// How a method authenticates its callers.
#[derive(Debug, Clone)]
pub enum MethodAuth {
    None,
    Iam,
    Lambda(Arc<lambda::LambdaAuthorizer>),
    Cognito {
        authorizer: Arc<cognito::CognitoAuthorizer>,
        /// The method's `authorizationScopes` (access tokens must carry one).
        scopes: Vec<String>,
    },
    /// A configuration that cannot be enforced (unknown authorizer or type): every request
    /// is refused with AWS's 500 and the reason is logged at compile time.
    Broken(String),
}

impl MethodAuth {
    pub fn is_none(&self) -> bool {
        matches!(self, MethodAuth::None)
    }
}

/// The API's resource policy as deployed.
#[derive(Debug)]
pub enum ResourcePolicy {
    Parsed(Policy),
    /// Unreadable: every request is refused.
    Invalid(String),
}

/// Who the access phase let in (read by `$context.authorizer.*`, `$context.identity.*` and the
/// Lambda proxy event).
#[derive(Debug, Default, Clone)]
pub struct AuthContext {
    pub lambda: Option<Arc<lambda::LambdaResult>>,
    /// The Lambda authorizer's latency in milliseconds (0 when its result was cached).
    pub lambda_latency_ms: u64,
    pub claims: Option<Arc<cognito::Claims>>,
    pub iam: Option<Arc<iam::Caller>>,
    /// The API key the request presented, once accepted.
    pub api_key: Option<crate::usage::AcceptedKey>,
}

impl AuthContext {
    /// `$context.authorizer.{name}` / `$context.identity.{name}` for the authenticated caller.
    pub fn var(&self, name: &str) -> Option<String> {
        if let Some(rest) = name.strip_prefix("authorizer.") {
            if let Some(claim) = rest.strip_prefix("claims.") {
                return self.claims.as_ref()?.get(claim);
            }
            if let Some(l) = &self.lambda {
                return match rest {
                    "principalId" => Some(l.principal_id.clone()),
                    "integrationLatency" => Some(self.lambda_latency_ms.to_string()),
                    key => l.context_value(key),
                };
            }
            return None;
        }
        if let Some(rest) = name.strip_prefix("identity.") {
            match (rest, &self.api_key) {
                ("apiKey", Some(k)) => return Some(k.value.to_string()),
                ("apiKeyId", Some(k)) => return Some(k.id.clone()),
                _ => {}
            }
            let c = self.iam.as_ref()?;
            return match rest {
                "caller" | "user" => Some(c.user_id.clone()),
                "userArn" => Some(c.arn.clone()),
                "accessKey" => Some(c.access_key_id.clone()),
                "accountId" => Some(c.account_id.clone()),
                _ => None,
            };
        }
        None
    }

    /// The `$context.authorizer` group as JSON (templates read it as a map).
    pub fn authorizer_json(&self) -> serde_json::Value {
        use serde_json::{Map, Value};
        let mut m = Map::new();
        if let Some(l) = &self.lambda {
            m.insert("principalId".into(), Value::String(l.principal_id.clone()));
            m.insert(
                "integrationLatency".into(),
                Value::from(self.lambda_latency_ms),
            );
            for (k, v) in &l.context {
                m.insert(k.clone(), Value::String(lambda::scalar_text(v)));
            }
        }
        if let Some(c) = &self.claims {
            let claims: Map<String, Value> = c
                .pairs
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            m.insert("claims".into(), Value::Object(claims));
        }
        Value::Object(m)
    }
}

/// Compiles a method's authorization against the deployment's authorizers.
pub fn compile_method_auth(
    method: &Method,
    authorizers: &BTreeMap<String, Authorizer>,
) -> MethodAuth {
    match method.authorization_type.as_str() {
        "NONE" => MethodAuth::None,
        "AWS_IAM" => MethodAuth::Iam,
        kind @ ("CUSTOM" | "COGNITO_USER_POOLS") => {
            let Some(a) = method
                .authorizer_id
                .as_deref()
                .and_then(|id| authorizers.get(id))
            else {
                return MethodAuth::Broken(format!(
                    "authorization type {kind} without a known authorizer"
                ));
            };
            match (kind, a.kind.as_str()) {
                ("CUSTOM", "TOKEN" | "REQUEST") => match lambda::LambdaAuthorizer::compile(a) {
                    Ok(l) => MethodAuth::Lambda(Arc::new(l)),
                    Err(e) => MethodAuth::Broken(format!("authorizer {}: {e}", a.id)),
                },
                ("COGNITO_USER_POOLS", "COGNITO_USER_POOLS") => {
                    match cognito::CognitoAuthorizer::compile(a) {
                        Ok(c) => MethodAuth::Cognito {
                            authorizer: Arc::new(c),
                            scopes: method.authorization_scopes.clone().unwrap_or_default(),
                        },
                        Err(e) => MethodAuth::Broken(format!("authorizer {}: {e}", a.id)),
                    }
                }
                (kind, ty) => MethodAuth::Broken(format!(
                    "authorization type {kind} with an authorizer of type {ty}"
                )),
            }
        }
        other => MethodAuth::Broken(format!("unknown authorization type {other}")),
    }
}

/// Compiles the API's `policy` (None: no resource policy). `execute-api:/…` resources are
/// expanded here too, for policies stored before the control plane expanded them.
pub fn compile_resource_policy(
    text: Option<&str>,
    region: &str,
    account: &str,
    api_id: &str,
) -> Option<ResourcePolicy> {
    let text = text.filter(|t| !t.trim().is_empty())?;
    let expanded = proscenium_model::policy::expand_resources(text, region, account, api_id);
    Some(match Policy::parse(&expanded) {
        Ok(p) => {
            let unknown = p.unsupported_operators();
            if !unknown.is_empty() {
                tracing::warn!(
                    api_id,
                    "resource policy uses condition operators that are evaluated fail-closed: {}",
                    unknown.join(", ")
                );
            }
            ResourcePolicy::Parsed(p)
        }
        Err(e) => ResourcePolicy::Invalid(e.to_string()),
    })
}

/// Parses an identity source list (`method.request.header.A, method.request.querystring.b`).
pub fn identity_sources(text: Option<&str>) -> Result<Vec<Source>, String> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(|s| parse_source(s.trim()).map_err(|e| e.to_string()))
        .collect()
}

/// An identity source compiled for the request path (header names parsed once).
#[derive(Debug, Clone, PartialEq)]
pub enum IdentitySource {
    Header(http::HeaderName),
    Query(String),
    StageVariable(String),
    Context(String),
    /// A source no request can fill (a header name that is not valid): always missing.
    Never,
}

impl IdentitySource {
    pub fn compile(s: &Source) -> Result<Self, String> {
        Ok(match s {
            Source::Header(n) => http::HeaderName::from_bytes(n.as_bytes())
                .map(IdentitySource::Header)
                .unwrap_or(IdentitySource::Never),
            Source::Query(n) => IdentitySource::Query(n.clone()),
            Source::StageVariable(n) => IdentitySource::StageVariable(n.clone()),
            Source::Context(n) => IdentitySource::Context(n.clone()),
            other => return Err(format!("{other:?} cannot be an identity source")),
        })
    }

    /// The value in this request (`None` when absent or empty).
    pub fn value<'c>(&self, ctx: &'c RequestCtx) -> Option<std::borrow::Cow<'c, str>> {
        use std::borrow::Cow;
        let v: Cow<'c, str> = match self {
            // The last value, as the REQUEST event's `headers` shows it.
            IdentitySource::Header(h) => {
                let v = ctx.headers.get_all(h).iter().next_back()?;
                Cow::Borrowed(std::str::from_utf8(v.as_bytes()).ok()?)
            }
            IdentitySource::Query(n) => Cow::Borrowed(
                ctx.query
                    .iter()
                    .rev()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| v.as_str())?,
            ),
            IdentitySource::StageVariable(n) => {
                Cow::Owned(ctx.stage.as_deref()?.variables.get(n)?.clone())
            }
            IdentitySource::Context(n) => Cow::Owned(ctx.context_var(n)?),
            IdentitySource::Never => return None,
        };
        // NUL separates values in cache keys, and U+FFFD is what undecodable bytes become:
        // a value holding either could stand for another, so it counts as missing.
        (!v.is_empty() && !v.contains(['\u{0}', '\u{FFFD}'])).then_some(v)
    }
}

/// A condition key's values for this request (`aws:SourceIp` is given apart).
fn condition_key(ctx: &RequestCtx, caller_arn: Option<&str>, k: &str) -> Option<Vec<String>> {
    let is = |name: &str| k.eq_ignore_ascii_case(name);
    if is("aws:UserAgent") {
        ctx.header("user-agent").map(|v| vec![v])
    } else if is("aws:Referer") {
        ctx.header("referer").map(|v| vec![v])
    } else if is("aws:SecureTransport") {
        // The data plane is not told whether the listener is TLS (documented).
        Some(vec!["false".to_string()])
    } else if is("aws:PrincipalArn") {
        caller_arn.map(|v| vec![v.to_string()])
    } else if is("aws:PrincipalAccount") {
        caller_arn
            .and_then(|a| a.split(':').nth(4))
            .map(|a| vec![a.to_string()])
    } else {
        None
    }
}

/// Whether the routed request must go through the access phase.
pub fn needed(ctx: &RequestCtx) -> bool {
    let has_policy = ctx
        .stage
        .as_deref()
        .is_some_and(|s| s.deployment.resource_policy.is_some());
    has_policy
        || ctx
            .matched
            .as_ref()
            .is_some_and(|m| !m.method.auth.is_none())
}

/// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}` for this request.
pub fn method_arn(ctx: &RequestCtx) -> String {
    let region = ctx
        .stage
        .as_deref()
        .map_or("us-east-1", |s| s.scope.region.as_str());
    // The path as the router matched it: segments percent-decoded, empty ones (a trailing or
    // doubled slash) left out, so `/%61dmin` and `/admin/` are `admin` to a policy as they
    // are to the router.
    let mut path = String::with_capacity(ctx.target.path().len());
    for seg in ctx.target.path().split('/').filter(|s| !s.is_empty()) {
        if !path.is_empty() {
            path.push('/');
        }
        if seg.contains('%') {
            path.push_str(&percent_encoding::percent_decode_str(seg).decode_utf8_lossy());
        } else {
            path.push_str(seg);
        }
    }
    let path = path.as_str();
    let parts = [
        "arn:aws:execute-api:",
        region,
        ":",
        ctx.account_id(),
        ":",
        ctx.target.api_id(),
        "/",
        ctx.target.stage(),
        "/",
        ctx.method.as_str(),
        "/",
        path,
    ];
    let mut arn = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        arn.push_str(p);
    }
    arn
}

/// The ARN as AWS prints it in denials: the account masked to its last four digits.
fn masked_arn(arn: &str) -> String {
    let mut parts: Vec<String> = arn.splitn(6, ':').map(str::to_string).collect();
    if let Some(account) = parts.get_mut(4)
        && account.len() > 4
    {
        let keep = account[account.len() - 4..].to_string();
        *account = format!("********{keep}");
    }
    parts.join(":")
}

fn policy_denial(who: &str, arn: &str, explicit: bool) -> GatewayError {
    let suffix = if explicit {
        " with an explicit deny"
    } else {
        ""
    };
    GatewayError::access_denied(format!(
        "User: {who} is not authorized to perform: execute-api:Invoke on resource: {}{suffix}",
        masked_arn(arn)
    ))
}

const AUTHORIZER_EXPLICIT_DENY: &str =
    "User is not authorized to access this resource with an explicit deny";
const AUTHORIZER_IMPLICIT_DENY: &str = "User is not authorized to access this resource";

/// What the access phase has decided before any authorizer is called.
pub struct Pending {
    stage: Arc<crate::compile::CompiledStage>,
    method: Arc<crate::compile::CompiledMethod>,
    arn: String,
    now_secs: i64,
    caller_arn: Option<String>,
    policy_decision: Option<Decision>,
}

/// How far [`authorize_now`] got.
pub enum Step {
    /// Decided without I/O (no authorizer, IAM, a cached answer, a refusal).
    Done(Result<(), GatewayError>),
    /// An authorizer must be called: [`authorize_call`].
    Call(Box<Pending>),
}

/// The access phase up to what needs I/O: SigV4, the resource policy, and the authorizer
/// when its answer is in the cache. On success `ctx.auth` holds who was let in.
pub fn authorize_now(shared: &Shared, ctx: &mut RequestCtx) -> Step {
    let p = match prelude(shared, ctx) {
        Ok(p) => p,
        Err(e) => return Step::Done(Err(e)),
    };
    let method = p.method.clone();
    let decision = match &method.auth {
        MethodAuth::None => None,
        MethodAuth::Broken(why) => {
            return Step::Done(Err(GatewayError::authorizer_configuration(why.clone())));
        }
        MethodAuth::Iam => {
            // The gateway's identities carry no IAM policies of their own: a caller of the
            // API's account is allowed by IAM; another account's needs the resource policy
            // too (AWS's cross-account table).
            let same_account = ctx
                .auth
                .as_ref()
                .and_then(|a| a.iam.as_ref())
                .is_some_and(|c| c.account_id == ctx.account_id());
            if same_account {
                Some(Decision::Allow)
            } else if p.policy_decision == Some(Decision::Allow) {
                return Step::Done(Ok(()));
            } else {
                let who = p.caller_arn.as_deref().unwrap_or("anonymous");
                return Step::Done(Err(policy_denial(who, &p.arn, false)));
            }
        }
        MethodAuth::Lambda(a) => match lambda::cached(shared, ctx, &p.stage, a) {
            Err(e) => return Step::Done(Err(e)),
            Ok(None) => return Step::Call(Box::new(p)),
            Ok(Some(result)) => match lambda_decision(ctx, &p, result, 0) {
                Ok(d) => d,
                Err(e) => return Step::Done(Err(e)),
            },
        },
        MethodAuth::Cognito { authorizer, scopes } => {
            match cognito::cached(shared, ctx, &p.stage, authorizer, scopes, p.now_secs) {
                Err(e) => return Step::Done(Err(e)),
                Ok(None) => return Step::Call(Box::new(p)),
                Ok(Some(claims)) => {
                    ctx.auth.get_or_insert_with(Default::default).claims = Some(claims);
                    Some(Decision::Allow)
                }
            }
        }
    };
    Step::Done(combine(&p, decision))
}

/// The rest of the access phase when an authorizer must be called (Lambda, or Cognito keys
/// to fetch).
pub async fn authorize_call(
    shared: &Shared,
    ctx: &mut RequestCtx,
    p: Box<Pending>,
) -> Result<(), GatewayError> {
    let method = p.method.clone();
    let decision = match &method.auth {
        MethodAuth::Lambda(a) => {
            let (result, latency_ms) = lambda::authorize(shared, ctx, &p.stage, a, &p.arn).await?;
            lambda_decision(ctx, &p, result, latency_ms)?
        }
        MethodAuth::Cognito { authorizer, scopes } => {
            let claims =
                cognito::authorize(shared, ctx, &p.stage, authorizer, scopes, p.now_secs).await?;
            ctx.auth.get_or_insert_with(Default::default).claims = Some(claims);
            Some(Decision::Allow)
        }
        // Decided by `authorize_now`.
        _ => return Err(GatewayError::internal("no authorizer to call")),
    };
    combine(&p, decision)
}

/// IAM authentication and the resource policy's explicit denials.
fn prelude(shared: &Shared, ctx: &mut RequestCtx) -> Result<Pending, GatewayError> {
    let Some(stage) = ctx.stage.clone() else {
        return Err(GatewayError::forbidden());
    };
    let Some(method) = ctx.matched.as_ref().map(|m| m.method.clone()) else {
        return Err(GatewayError::forbidden());
    };
    let arn = method_arn(ctx);
    let now_secs = ctx
        .now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);

    // IAM first: the resource policy may name the caller.
    if let MethodAuth::Iam = method.auth {
        let caller = iam::authenticate(shared, ctx, &stage.scope.region, now_secs as u64)?;
        ctx.auth.get_or_insert_with(Default::default).iam = Some(Arc::new(caller));
    }
    let caller_arn = ctx
        .auth
        .as_ref()
        .and_then(|a| a.iam.as_ref())
        .map(|c| c.arn.clone());
    let who = caller_arn.as_deref().unwrap_or("anonymous");

    let policy_decision = match &stage.deployment.resource_policy {
        None => None,
        Some(ResourcePolicy::Invalid(why)) => {
            tracing::warn!(api_id = %stage.api_id, "resource policy cannot be read: {why}");
            return Err(policy_denial(who, &arn, false));
        }
        Some(ResourcePolicy::Parsed(p)) => {
            let c: &RequestCtx = ctx;
            // Keys other than aws:SourceIp are read only when a condition names them.
            let key = |k: &str| condition_key(c, caller_arn.as_deref(), k);
            let d = p.evaluate(
                &Request {
                    action: "execute-api:Invoke",
                    resource: &arn,
                    caller_arn: caller_arn.as_deref(),
                    source_ip: Some(c.remote.ip()),
                    key: &key,
                },
                now_secs,
            );
            if d == Decision::Deny {
                return Err(policy_denial(who, &arn, true));
            }
            Some(d)
        }
    };
    Ok(Pending {
        stage,
        method,
        arn,
        now_secs,
        caller_arn,
        policy_decision,
    })
}

/// A Lambda authorizer's policy evaluated for this request (its answer kept in `ctx.auth`).
fn lambda_decision(
    ctx: &mut RequestCtx,
    p: &Pending,
    result: Arc<lambda::LambdaResult>,
    latency_ms: u64,
) -> Result<Option<Decision>, GatewayError> {
    let c: &RequestCtx = ctx;
    let key = |k: &str| condition_key(c, p.caller_arn.as_deref(), k);
    let d = result.policy.evaluate(
        &Request {
            action: "execute-api:Invoke",
            resource: &p.arn,
            caller_arn: None,
            source_ip: Some(c.remote.ip()),
            key: &key,
        },
        p.now_secs,
    );
    let auth = ctx.auth.get_or_insert_with(Default::default);
    auth.lambda = Some(result);
    auth.lambda_latency_ms = latency_ms;
    if d == Decision::Deny {
        return Err(GatewayError::access_denied(AUTHORIZER_EXPLICIT_DENY));
    }
    Ok(Some(d))
}

/// The authorizer's (or IAM's) decision and the resource policy's, as AWS's table combines
/// them for callers of the API's account.
fn combine(p: &Pending, auth_decision: Option<Decision>) -> Result<(), GatewayError> {
    let who = p.caller_arn.as_deref().unwrap_or("anonymous");
    match (auth_decision, p.policy_decision) {
        (None, None | Some(Decision::Allow)) => Ok(()),
        (None, Some(_)) => Err(policy_denial(who, &p.arn, false)),
        (Some(Decision::Allow), _) => Ok(()),
        (Some(_), Some(Decision::Allow)) => Ok(()),
        (Some(_), _) => Err(GatewayError::access_denied(AUTHORIZER_IMPLICIT_DENY)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denial_messages_mask_the_account() {
        let e = policy_denial(
            "anonymous",
            "arn:aws:execute-api:us-east-1:000000001977:abc/dev/GET/pets",
            true,
        );
        assert_eq!(
            e.message,
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********1977:abc/dev/GET/pets with an explicit deny"
        );
        assert!(e.capital_message);
        assert_eq!(e.kind.default_status(), 403);
    }

    fn method(auth: &str, authorizer: Option<&str>) -> Method {
        serde_json::from_value(serde_json::json!({
            "httpMethod": "GET", "authorizationType": auth, "apiKeyRequired": false,
            "authorizerId": authorizer,
        }))
        .unwrap()
    }

    #[test]
    fn unknown_authorizers_and_types_fail_closed() {
        let none = BTreeMap::new();
        assert!(matches!(
            compile_method_auth(&method("NONE", None), &none),
            MethodAuth::None
        ));
        assert!(matches!(
            compile_method_auth(&method("AWS_IAM", None), &none),
            MethodAuth::Iam
        ));
        assert!(matches!(
            compile_method_auth(&method("CUSTOM", Some("nope")), &none),
            MethodAuth::Broken(_)
        ));
        assert!(matches!(
            compile_method_auth(&method("SOMETHING", None), &none),
            MethodAuth::Broken(_)
        ));
    }
}
