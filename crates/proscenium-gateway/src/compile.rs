//! Compiling a deployment snapshot (and a stage) into the immutable structures the request
//! path reads: route trie, parsed mappings and templates, selection regexes, stage variables,
//! canary. All configuration errors surface here; a method whose integration cannot be
//! compiled answers AWS's 500 and the reason is logged once, at compile time.
//!
//! Pure: no I/O; the registry feeds it snapshots and stages.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use proscenium_model::integration::{DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, MIN_TIMEOUT_MS};
use proscenium_model::{
    DeploymentSnapshot, GatewayResponse, Integration, IntegrationType, Method, Scope, Stage,
};

use crate::aws_service::{self, AwsTarget};
use crate::binary::ContentHandling;
use crate::mapping::{self, Template};
use crate::params::{Source, Target, compile_request_target, parse_source};
use crate::responses::{self, Responses};
use crate::router::{Entry, Router};
use crate::settings::{self, StageSettings};
use crate::throttle::Bucket;
use crate::validate::Validation;

/// Stage variables (after any canary overrides).
pub type Variables = BTreeMap<String, String>;

/// One deployment, compiled. Shared by every stage (and canary) serving it.
#[derive(Debug)]
pub struct CompiledDeployment {
    pub api_id: String,
    /// The RestApi's name (a metrics label).
    pub api_name: String,
    pub deployment_id: String,
    pub router: Router<Arc<CompiledMethod>>,
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
    pub binary_media_types: Vec<String>,
    /// `minimumCompressionSize`: answers at least this large are gzipped for clients that
    /// accept it; `None` turns compression off.
    pub minimum_compression_size: Option<usize>,
    /// `disableExecuteApiEndpoint` as deployed: the default invoke URLs answer 403.
    pub execute_api_disabled: bool,
    /// Configuration problems found while compiling (also logged).
    pub problems: Vec<String>,
    /// Every method, by `CompiledMethod::index`.
    pub method_list: Vec<Arc<CompiledMethod>>,
    /// `apiKeySource` AUTHORIZER: the key is the Lambda authorizer's `usageIdentifierKey`.
    pub api_key_from_authorizer: bool,
    /// The API's resource policy as deployed (None: the API has none).
    pub resource_policy: Option<crate::auth::ResourcePolicy>,
}

impl CompiledDeployment {
    /// Every method of the deployment, in `index` order.
    pub fn methods(&self) -> impl Iterator<Item = &CompiledMethod> {
        self.method_list.iter().map(|m| &**m)
    }
}

/// A stage as served: a compiled deployment plus the stage's own settings.
#[derive(Debug)]
pub struct CompiledStage {
    pub scope: Scope,
    pub api_id: String,
    pub stage_name: String,
    pub deployment: Arc<CompiledDeployment>,
    pub variables: Arc<Variables>,
    pub canary: Option<Canary>,
    /// Whether this is the canary side of a stage.
    pub is_canary: bool,
    /// Throttling, caching, logging, metrics and tracing settings of this side.
    pub settings: Arc<StageSettings>,
    /// The client certificate the stage presents to HTTPS backends (`clientCertificateId`).
    pub client_identity: Option<Arc<ClientIdentity>>,
    /// The stage's authorizer flush generation (part of every authorizer cache key).
    pub authorizer_generation: u64,
    /// `{api}\0{stage}\0{authorizer_generation}\0{deployment}\0{side}`: how every authorizer
    /// cache key of this stage side starts (built once, not per request). The deployment and
    /// the side are in it: a redeploy or a canary may change an authorizer behind its id.
    pub auth_key_prefix: Arc<str>,
}

fn auth_key_prefix(api_id: &str, stage: &Stage, deployment_id: &str, canary: bool) -> Arc<str> {
    Arc::from(format!(
        "{api_id}\u{0}{}\u{0}{}\u{0}{deployment_id}\u{0}{}",
        stage.stage_name,
        stage.authorizer_flush_generation,
        if canary { "canary" } else { "base" }
    ))
}

/// A stage's client certificate and its key (PEM), for mutual TLS with backends.
#[derive(Clone)]
pub struct ClientIdentity {
    pub id: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for ClientIdentity {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("id", &self.id)
            .finish()
    }
}

/// A stage's canary: `percent` of requests are served by `stage`.
#[derive(Debug)]
pub struct Canary {
    pub percent: f64,
    pub stage: Arc<CompiledStage>,
}

#[derive(Debug)]
pub struct CompiledMethod {
    /// Position in `CompiledDeployment::method_list` (indexes per-stage settings).
    pub index: usize,
    pub http_method: String,
    pub resource_id: String,
    pub resource_path: String,
    pub validation: Validation,
    /// How callers are authenticated (`authorizationType` and its authorizer).
    pub auth: crate::auth::MethodAuth,
    /// `apiKeyRequired`: the request needs a key of a usage plan of the stage.
    pub api_key_required: bool,
    /// `Err(reason)`: the integration is missing or misconfigured (AWS's 500 at request time).
    pub integration: Result<CompiledIntegration, String>,
    /// The integration's `cacheKeyParameters` (name as configured, and where it reads).
    pub cache_key: Vec<(String, Source)>,
    /// `cacheNamespace` (the resource id when unset, as AWS does).
    pub cache_namespace: String,
}

#[derive(Debug)]
pub enum CompiledIntegration {
    Mock(MockIntegration),
    Http(HttpIntegration),
    HttpProxy(HttpIntegration),
    LambdaProxy(LambdaIntegration),
    LambdaAws(LambdaAwsIntegration),
    AwsService(AwsServiceIntegration),
}

/// How the request becomes the integration request (mappings and templates).
#[derive(Debug, Default)]
pub struct RequestSide {
    pub params: Vec<(Target, Source)>,
    /// Request templates by content type.
    pub templates: Vec<(String, Template)>,
    pub passthrough: Passthrough,
    /// The integration's `contentHandling`.
    pub content_handling: ContentHandling,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Passthrough {
    #[default]
    WhenNoMatch,
    WhenNoTemplates,
    Never,
}

#[derive(Debug)]
pub struct MockIntegration {
    pub request: RequestSide,
    pub responses: Responses,
    /// Per request template (same order): the status code of a template that reads nothing,
    /// parsed once (`Some(None)`: it names none); `None` for templates rendered per request.
    pub static_status: Vec<Option<Option<u16>>>,
}

#[derive(Debug)]
pub struct HttpIntegration {
    /// The backend method (`ANY`: the client's).
    pub method: String,
    /// The URI, with `${stageVariables.X}` and `{param}` placeholders still in it.
    pub uri: String,
    /// The URI parsed once, when it has no placeholders.
    pub static_uri: Option<http::Uri>,
    pub request: RequestSide,
    pub responses: Responses,
    pub timeout: Duration,
    /// `tlsConfig.insecureSkipVerification`: do not check an https backend's certificate.
    pub skip_tls_verification: bool,
}

/// An AWS (non-proxy) integration with Lambda.
#[derive(Debug)]
pub struct LambdaAwsIntegration {
    pub function: String,
    pub request: RequestSide,
    pub responses: Responses,
    pub timeout: Duration,
    /// The Invoke URL, built on first use when `function` names no stage variable.
    pub invoke_uri: std::sync::OnceLock<http::Uri>,
}

/// An AWS (non-proxy) integration with any other AWS service, signed with SigV4.
#[derive(Debug)]
pub struct AwsServiceIntegration {
    pub target: AwsTarget,
    /// Method, mappings, responses and timeout as for HTTP; `uri` is the path and query
    /// relative to the AWS endpoint (`/{path}` or `/?Action={name}`).
    pub http: HttpIntegration,
    /// The `credentials` role ARN: recorded, not assumed (requests are signed with the
    /// gateway's own credentials).
    pub credentials: Option<String>,
}

#[derive(Debug)]
pub struct LambdaIntegration {
    /// The function ARN or name from the integration URI (may hold `${stageVariables.X}`).
    pub function: String,
    /// The integration's HTTP method (Lambda is only invoked with POST).
    pub method: String,
    pub timeout: Duration,
    /// The Invoke URL, built on first use when `function` names no stage variable.
    pub invoke_uri: std::sync::OnceLock<http::Uri>,
}

/// [`compile_deployment_in`] for an API of the default account in us-east-1.
pub fn compile_deployment(api_id: &str, snapshot: &DeploymentSnapshot) -> CompiledDeployment {
    compile_deployment_in(&Scope::new("000000000000", "us-east-1"), api_id, snapshot)
}

/// Compiles a snapshot of an API of `scope`. Never fails as a whole: broken methods are
/// compiled as failing ones.
pub fn compile_deployment_in(
    scope: &Scope,
    api_id: &str,
    snapshot: &DeploymentSnapshot,
) -> CompiledDeployment {
    let def = &snapshot.definition;
    let mut router = Router::new();
    let mut problems = Vec::new();
    let mut method_list = Vec::new();
    let mut schemas = crate::schema::ModelSchemas::new(api_id, &def.models);
    for resource in def.resources.values() {
        let mut methods = crate::router::Map::default();
        for (name, method) in &resource.resource_methods {
            let integration = compile_method(method);
            if let Err(reason) = &integration {
                problems.push(format!("{} {}: {reason}", name, resource.path));
            }
            let (cache_key, cache_namespace) = cache_key_of(method, &resource.id, &mut problems);
            let auth = crate::auth::compile_method_auth(method, &def.authorizers);
            if let crate::auth::MethodAuth::Broken(reason) = &auth {
                problems.push(format!("{} {}: {reason}", name, resource.path));
            }
            let validation = Validation::compile(method, &def.request_validators, &mut schemas);
            for p in validation.problems() {
                problems.push(format!(
                    "{} {}: request model (requests are refused with 500): {p}",
                    name, resource.path
                ));
            }
            let compiled = Arc::new(CompiledMethod {
                index: method_list.len(),
                http_method: name.to_ascii_uppercase(),
                resource_id: resource.id.clone(),
                resource_path: resource.path.clone(),
                validation,
                auth,
                api_key_required: method.api_key_required,
                integration,
                cache_key,
                cache_namespace,
            });
            method_list.push(compiled.clone());
            methods.insert(name.to_ascii_uppercase(), compiled);
        }
        let entry = Entry {
            resource_id: resource.id.clone(),
            resource_path: resource.path.clone(),
            methods,
        };
        if let Err(e) = router.insert(entry) {
            problems.push(e.to_string());
        }
    }
    let resource_policy = crate::auth::compile_resource_policy(
        def.api.policy.as_deref(),
        &scope.region,
        &scope.account,
        api_id,
    );
    if let Some(crate::auth::ResourcePolicy::Invalid(why)) = &resource_policy {
        problems.push(format!("resource policy (every request is refused): {why}"));
    }
    for p in &problems {
        tracing::warn!(api_id, deployment_id = %snapshot.deployment_id, "configuration problem: {p}");
    }
    CompiledDeployment {
        api_id: api_id.to_string(),
        api_name: def.api.name.clone(),
        deployment_id: snapshot.deployment_id.clone(),
        router,
        gateway_responses: def.gateway_responses.clone(),
        binary_media_types: def.api.binary_media_types.clone(),
        minimum_compression_size: def
            .api
            .minimum_compression_size
            .and_then(|n| usize::try_from(n).ok()),
        execute_api_disabled: def.api.disable_execute_api_endpoint,
        problems,
        method_list,
        resource_policy,
        api_key_from_authorizer: def.api.api_key_source == "AUTHORIZER",
    }
}

/// The integration's `cacheKeyParameters` as sources, and its `cacheNamespace`.
fn cache_key_of(
    method: &Method,
    resource_id: &str,
    problems: &mut Vec<String>,
) -> (Vec<(String, Source)>, String) {
    let Some(i) = method.method_integration.as_ref() else {
        return (vec![], resource_id.to_string());
    };
    let mut key = Vec::new();
    for p in &i.cache_key_parameters {
        match parse_source(p) {
            Ok(src) => key.push((p.clone(), src)),
            Err(e) => problems.push(format!("cacheKeyParameters: {e}")),
        }
    }
    let ns = i
        .cache_namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| resource_id.to_string());
    (key, ns)
}

/// Puts a stage together from its compiled deployment(s); `builder` supplies (and keeps
/// across recompiles) the stateful settings: buckets, caches, metrics series.
pub fn compile_stage(
    scope: &Scope,
    api_id: &str,
    stage: &Stage,
    (deployment, canary_deployment): (Arc<CompiledDeployment>, Option<Arc<CompiledDeployment>>),
    account: Arc<Bucket>,
    client_identity: Option<Arc<ClientIdentity>>,
    builder: &mut settings::Builder<'_>,
) -> CompiledStage {
    let variables: Variables = stage.variables.clone();
    let canary = match (&stage.canary_settings, canary_deployment) {
        (Some(settings), Some(dep)) => {
            let mut vars = variables.clone();
            vars.extend(settings.stage_variable_overrides.clone());
            let side = builder.stage_settings(account.clone(), api_id, stage, &dep, true);
            let prefix = auth_key_prefix(api_id, stage, &dep.deployment_id, true);
            Some(Canary {
                percent: settings.percent_traffic.clamp(0.0, 100.0),
                stage: Arc::new(CompiledStage {
                    scope: scope.clone(),
                    api_id: api_id.to_string(),
                    stage_name: stage.stage_name.clone(),
                    deployment: dep,
                    variables: Arc::new(vars),
                    canary: None,
                    is_canary: true,
                    settings: Arc::new(side),
                    client_identity: client_identity.clone(),
                    authorizer_generation: stage.authorizer_flush_generation,
                    auth_key_prefix: prefix,
                }),
            })
        }
        _ => None,
    };
    let settings = builder.stage_settings(account, api_id, stage, &deployment, false);
    let prefix = auth_key_prefix(api_id, stage, &deployment.deployment_id, false);
    CompiledStage {
        scope: scope.clone(),
        api_id: api_id.to_string(),
        stage_name: stage.stage_name.clone(),
        deployment,
        variables: Arc::new(variables),
        canary,
        is_canary: false,
        settings: Arc::new(settings),
        client_identity,
        authorizer_generation: stage.authorizer_flush_generation,
        auth_key_prefix: prefix,
    }
}

fn compile_method(method: &Method) -> Result<CompiledIntegration, String> {
    let integration = method
        .method_integration
        .as_ref()
        .ok_or("the method has no integration")?;
    let timeout = timeout_of(integration);
    Ok(match integration.kind {
        IntegrationType::Mock => {
            let request = request_side(integration)?;
            let static_status = request
                .templates
                .iter()
                .map(|(_, t)| {
                    t.static_text()
                        .map(crate::integration::mock::parse_status_code)
                })
                .collect();
            CompiledIntegration::Mock(MockIntegration {
                request,
                responses: responses::compile(&integration.integration_responses)?,
                static_status,
            })
        }
        IntegrationType::Http | IntegrationType::HttpProxy => {
            let http = HttpIntegration {
                method: integration
                    .http_method
                    .clone()
                    .unwrap_or_else(|| "ANY".into())
                    .to_ascii_uppercase(),
                uri: integration
                    .uri
                    .clone()
                    .ok_or("the integration has no uri")?,
                static_uri: integration
                    .uri
                    .as_deref()
                    .filter(|u| !u.contains(['{', '$']))
                    .and_then(|u| u.parse().ok()),
                request: request_side(integration)?,
                responses: responses::compile(&integration.integration_responses)?,
                timeout,
                skip_tls_verification: integration
                    .tls_config
                    .as_ref()
                    .is_some_and(|t| t.insecure_skip_verification),
            };
            if integration.kind == IntegrationType::Http {
                CompiledIntegration::Http(http)
            } else {
                CompiledIntegration::HttpProxy(http)
            }
        }
        IntegrationType::AwsProxy => {
            let uri = integration
                .uri
                .as_deref()
                .ok_or("the integration has no uri")?;
            CompiledIntegration::LambdaProxy(LambdaIntegration {
                function: lambda_function(uri)
                    .ok_or_else(|| format!("not a Lambda invocation uri: {uri}"))?,
                method: integration
                    .http_method
                    .clone()
                    .unwrap_or_default()
                    .to_ascii_uppercase(),
                timeout,
                invoke_uri: std::sync::OnceLock::new(),
            })
        }
        IntegrationType::Aws => {
            let uri = integration
                .uri
                .as_deref()
                .ok_or("the integration has no uri")?;
            match lambda_function(uri) {
                Some(function) => CompiledIntegration::LambdaAws(LambdaAwsIntegration {
                    function,
                    request: request_side(integration)?,
                    responses: responses::compile(&integration.integration_responses)?,
                    timeout,
                    invoke_uri: std::sync::OnceLock::new(),
                }),
                None => {
                    let target = aws_service::parse(uri)?;
                    CompiledIntegration::AwsService(AwsServiceIntegration {
                        http: HttpIntegration {
                            method: integration
                                .http_method
                                .clone()
                                .unwrap_or_else(|| "POST".into())
                                .to_ascii_uppercase(),
                            uri: target.path_and_query(),
                            // Joined to the endpoint per request (aws.rs).
                            static_uri: None,
                            request: request_side(integration)?,
                            responses: responses::compile(&integration.integration_responses)?,
                            timeout,
                            skip_tls_verification: false,
                        },
                        target,
                        credentials: integration.credentials.clone(),
                    })
                }
            }
        }
    })
}

fn timeout_of(i: &Integration) -> Duration {
    let ms = if i.timeout_in_millis <= 0 {
        DEFAULT_TIMEOUT_MS
    } else {
        i.timeout_in_millis.clamp(MIN_TIMEOUT_MS, MAX_TIMEOUT_MS)
    };
    Duration::from_millis(ms as u64)
}

fn request_side(i: &Integration) -> Result<RequestSide, String> {
    let mut params = Vec::new();
    for (target, source) in &i.request_parameters {
        let t = compile_request_target(target).map_err(|e| e.to_string())?;
        let s = parse_source(source).map_err(|e| e.to_string())?;
        if let Some(t) = t {
            params.push((t, s));
        }
    }
    let mut templates = Vec::new();
    for (content_type, text) in &i.request_templates {
        let t =
            mapping::compile(text).map_err(|e| format!("request template {content_type}: {e}"))?;
        templates.push((content_type.to_ascii_lowercase(), t));
    }
    let passthrough = match i.passthrough_behavior.as_deref() {
        Some("WHEN_NO_TEMPLATES") => Passthrough::WhenNoTemplates,
        Some("NEVER") => Passthrough::Never,
        _ => Passthrough::WhenNoMatch,
    };
    Ok(RequestSide {
        params,
        templates,
        passthrough,
        content_handling: ContentHandling::parse(i.content_handling.as_deref()),
    })
}

/// `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function}/invocations`
/// → `{function}`.
pub fn lambda_function(uri: &str) -> Option<String> {
    let (_, path) = uri.split_once(":lambda:path/")?;
    let rest = path.strip_prefix("2015-03-31/functions/")?;
    let function = rest.strip_suffix("/invocations")?;
    (!function.is_empty()).then(|| function.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_uris() {
        assert_eq!(
            lambda_function("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations")
                .as_deref(),
            Some("arn:aws:lambda:us-east-1:1:function:f")
        );
        assert_eq!(
            lambda_function("arn:aws:apigateway:r:lambda:path/2015-03-31/functions/${stageVariables.fn}/invocations").as_deref(),
            Some("${stageVariables.fn}")
        );
        assert_eq!(lambda_function("arn:aws:apigateway:r:s3:path/x"), None);
    }

    fn aws_method(uri: &str) -> Method {
        serde_json::from_value(serde_json::json!({
            "httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": false,
            "methodIntegration": {
                "type": "AWS", "httpMethod": "POST", "uri": uri, "timeoutInMillis": 29000
            }
        }))
        .unwrap()
    }

    #[test]
    fn aws_service_uris_compile_and_bad_ones_are_method_errors() {
        let Ok(CompiledIntegration::AwsService(i)) =
            compile_method(&aws_method("arn:aws:apigateway:us-east-1:sqs:path/1/q"))
        else {
            panic!("not an AWS service integration");
        };
        assert_eq!(
            (i.http.uri.as_str(), i.http.method.as_str()),
            ("/1/q", "POST")
        );
        assert_eq!(i.target.signing_name(), "sqs");
        assert!(matches!(
            compile_method(&aws_method(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations"
            )),
            Ok(CompiledIntegration::LambdaAws(_))
        ));
        assert_eq!(
            compile_method(&aws_method("arn:aws:apigateway:us-east-1:sqs:queue")).unwrap_err(),
            aws_service::NO_PATH_OR_ACTION
        );
        assert!(compile_method(&aws_method("not-an-arn")).is_err());
    }
}
