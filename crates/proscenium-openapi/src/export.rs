//! GetExport: a deployed definition written as OpenAPI 3.0.1 or Swagger 2.0, in AWS's
//! shapes (`"{code} response"` descriptions, string-typed parameters, models as schemas
//! with `$ref`s back in the document's spelling) and, on request, the API Gateway
//! extensions that the importer reads back, so that export → import → export is stable.

use serde_json::{Map, Value, json};

use proscenium_model::documentation::DocumentationPart;
use proscenium_model::{ApiDefinition, Authorizer, Integration, Method};

use crate::schema;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportType {
    Oas30,
    Swagger,
}

impl ExportType {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "oas30" => Some(Self::Oas30),
            "swagger" => Some(Self::Swagger),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Oas30 => "oas30",
            Self::Swagger => "swagger",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub kind: ExportType,
    /// The stage's name: Swagger's `basePath`, OpenAPI's `basePath` server variable.
    pub stage: String,
    /// `{api}.execute-api.{region}.amazonaws.com`.
    pub host: String,
    /// `info.version` when the API has none (AWS writes the deployment's date).
    pub version_fallback: String,
    /// `extensions=integrations` or `apigateway`: every API Gateway extension.
    pub integrations: bool,
    /// `extensions=authorizers` (implied by the above): authorizer extensions.
    pub authorizers: bool,
    /// The parts of the stage's documentation version (versions live with the API, not the
    /// deployment); `None`: the parts the deployment froze.
    pub documentation: Option<Vec<DocumentationPart>>,
}

impl ExportOptions {
    /// Reads AWS's comma-joined `extensions` parameter.
    pub fn extensions(&mut self, list: &str) {
        for e in list.split(',').map(str::trim) {
            match e {
                "integrations" | "apigateway" => {
                    self.integrations = true;
                    self.authorizers = true;
                }
                "authorizers" => self.authorizers = true,
                _ => {}
            }
        }
    }
}

const VERBS: &[(&str, &str)] = &[
    ("GET", "get"),
    ("PUT", "put"),
    ("POST", "post"),
    ("DELETE", "delete"),
    ("OPTIONS", "options"),
    ("HEAD", "head"),
    ("PATCH", "patch"),
    ("ANY", "x-amazon-apigateway-any-method"),
];

/// The document for `def` (a deployment's frozen definition).
pub fn export(def: &ApiDefinition, opts: &ExportOptions) -> Value {
    let oas = opts.kind == ExportType::Oas30;
    let api = &def.api;
    let mut doc = Map::new();
    let mut info = Map::new();
    let version = api
        .version
        .clone()
        .unwrap_or_else(|| opts.version_fallback.clone());
    if oas {
        doc.insert("openapi".into(), json!("3.0.1"));
        info.insert("title".into(), json!(api.name));
        if let Some(d) = &api.description {
            info.insert("description".into(), json!(d));
        }
        info.insert("version".into(), json!(version));
        doc.insert("info".into(), Value::Object(info));
        doc.insert(
            "servers".into(),
            json!([{
                "url": format!("https://{}/{{basePath}}", opts.host),
                "variables": {"basePath": {"default": opts.stage}}
            }]),
        );
    } else {
        doc.insert("swagger".into(), json!("2.0"));
        if let Some(d) = &api.description {
            info.insert("description".into(), json!(d));
        }
        info.insert("version".into(), json!(version));
        info.insert("title".into(), json!(api.name));
        doc.insert("info".into(), Value::Object(info));
        doc.insert("host".into(), json!(opts.host));
        doc.insert("basePath".into(), json!(format!("/{}", opts.stage)));
        doc.insert("schemes".into(), json!(["https"]));
    }
    if opts.integrations && !api.tags.is_empty() {
        doc.insert(
            "tags".into(),
            Value::Array(
                api.tags
                    .iter()
                    .map(|(k, v)| json!({"name": k, "x-amazon-apigateway-tag-value": v}))
                    .collect(),
            ),
        );
    }

    let mut schemes = Map::new();
    let mut resources: Vec<_> = def.resources.values().collect();
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    let mut paths = Map::new();
    for r in resources {
        if r.resource_methods.is_empty() {
            continue;
        }
        let mut item = Map::new();
        for (verb, key) in VERBS {
            if let Some(m) = r.resource_methods.get(*verb) {
                item.insert((*key).into(), operation(def, m, &r.id, opts, &mut schemes));
            }
        }
        paths.insert(r.path.clone(), Value::Object(item));
    }
    doc.insert("paths".into(), Value::Object(paths));

    let ref_prefix = if oas {
        "#/components/schemas/"
    } else {
        "#/definitions/"
    };
    let mut models = Map::new();
    for m in def.models.values() {
        let mut s = m
            .schema
            .as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .unwrap_or_else(|| json!({}));
        schema::to_doc_refs(&mut s, ref_prefix);
        models.insert(m.name.clone(), s);
    }
    if oas {
        let mut components = Map::new();
        if !models.is_empty() {
            components.insert("schemas".into(), Value::Object(models));
        }
        if !schemes.is_empty() {
            components.insert("securitySchemes".into(), Value::Object(schemes));
        }
        doc.insert("components".into(), Value::Object(components));
    } else {
        if !schemes.is_empty() {
            doc.insert("securityDefinitions".into(), Value::Object(schemes));
        }
        if !models.is_empty() {
            doc.insert("definitions".into(), Value::Object(models));
        }
    }
    if opts.integrations {
        api_extensions(def, &mut doc);
    }
    let mut parts: Vec<&DocumentationPart> = match &opts.documentation {
        Some(parts) => parts.iter().collect(),
        None => def.documentation_parts.values().collect(),
    };
    // By location, not by id: two APIs with the same parts write the same document.
    parts.sort_by_cached_key(|p| p.location.describe());
    let mut doc = Value::Object(doc);
    if !parts.is_empty() {
        crate::documentation::merge_into(&mut doc, &parts, oas);
        if opts.integrations
            && let Some(o) = doc.as_object_mut()
        {
            o.insert(
                "x-amazon-apigateway-documentation".into(),
                crate::documentation::write(&parts),
            );
        }
    }
    doc
}

/// The API-level extensions written with `extensions=integrations|apigateway`.
fn api_extensions(def: &ApiDefinition, doc: &mut Map<String, Value>) {
    let api = &def.api;
    if !def.request_validators.is_empty() {
        let v: Map<String, Value> = def
            .request_validators
            .values()
            .map(|v| {
                (
                    v.name.clone().unwrap_or_else(|| v.id.clone()),
                    json!({
                        "validateRequestParameters": v.validate_request_parameters,
                        "validateRequestBody": v.validate_request_body,
                    }),
                )
            })
            .collect();
        doc.insert(
            "x-amazon-apigateway-request-validators".into(),
            Value::Object(v),
        );
    }
    if !def.gateway_responses.is_empty() {
        let g: Map<String, Value> = def
            .gateway_responses
            .values()
            .map(|g| {
                let mut o = Map::new();
                if let Some(s) = &g.status_code {
                    o.insert("statusCode".into(), json!(s));
                }
                if !g.response_parameters.is_empty() {
                    o.insert("responseParameters".into(), json!(g.response_parameters));
                }
                if !g.response_templates.is_empty() {
                    o.insert("responseTemplates".into(), json!(g.response_templates));
                }
                (g.response_type.clone(), Value::Object(o))
            })
            .collect();
        doc.insert(
            "x-amazon-apigateway-gateway-responses".into(),
            Value::Object(g),
        );
    }
    if let Some(p) = &api.policy {
        let v = serde_json::from_str::<Value>(p).unwrap_or_else(|_| json!(p));
        doc.insert("x-amazon-apigateway-policy".into(), v);
    }
    if let Some(n) = api.minimum_compression_size {
        doc.insert(
            "x-amazon-apigateway-minimum-compression-size".into(),
            json!(n),
        );
    }
    if api.api_key_source != "HEADER" {
        doc.insert(
            "x-amazon-apigateway-api-key-source".into(),
            json!(api.api_key_source),
        );
    }
    if !api.binary_media_types.is_empty() {
        doc.insert(
            "x-amazon-apigateway-binary-media-types".into(),
            json!(api.binary_media_types),
        );
    }
}

fn string_schema(oas: bool) -> Value {
    if oas {
        json!({"schema": {"type": "string"}})
    } else {
        json!({"type": "string"})
    }
}

fn operation(
    def: &ApiDefinition,
    m: &Method,
    resource_id: &str,
    opts: &ExportOptions,
    schemes: &mut Map<String, Value>,
) -> Value {
    let oas = opts.kind == ExportType::Oas30;
    let ref_prefix = if oas {
        "#/components/schemas/"
    } else {
        "#/definitions/"
    };
    let mut op = Map::new();
    if let Some(id) = &m.operation_name {
        op.insert("operationId".into(), json!(id));
    }
    let integration = m.method_integration.as_ref();
    if !oas {
        let mut consumes: Vec<&String> = m.request_models.keys().collect();
        let mut produces: Vec<&String> = m
            .method_responses
            .values()
            .flat_map(|r| r.response_models.iter().flat_map(|x| x.keys()))
            .collect();
        if let Some(i) = integration {
            consumes.extend(i.request_templates.keys());
            produces.extend(
                i.integration_responses
                    .values()
                    .flat_map(|r| r.response_templates.keys()),
            );
        }
        for (k, mut list) in [("consumes", consumes), ("produces", produces)] {
            list.sort();
            list.dedup();
            if !list.is_empty() {
                op.insert(k.into(), json!(list));
            }
        }
    }
    let mut params = Vec::new();
    for (key, required) in &m.request_parameters {
        let Some(rest) = key.strip_prefix("method.request.") else {
            continue;
        };
        let (place, name) = match rest.split_once('.') {
            Some(("path", n)) => ("path", n),
            Some(("querystring", n)) => ("query", n),
            Some(("header", n)) => ("header", n),
            _ => continue,
        };
        let mut p = Map::new();
        p.insert("name".into(), json!(name));
        p.insert("in".into(), json!(place));
        let required = *required || place == "path";
        if required || !oas {
            p.insert("required".into(), json!(required));
        }
        if let Value::Object(s) = string_schema(oas) {
            p.extend(s);
        }
        params.push(Value::Object(p));
    }
    // Path parameters first, as AWS lists them.
    params.sort_by_key(|p| p["in"] != "path");
    if !oas && let Some((_, model)) = m.request_models.iter().next() {
        params.push(json!({
            "in": "body", "name": model, "required": true,
            "schema": {"$ref": format!("{ref_prefix}{model}")}
        }));
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if oas && !m.request_models.is_empty() {
        let content: Map<String, Value> = m
            .request_models
            .iter()
            .map(|(ct, model)| {
                (
                    ct.clone(),
                    json!({"schema": {"$ref": format!("{ref_prefix}{model}")}}),
                )
            })
            .collect();
        op.insert(
            "requestBody".into(),
            json!({"content": content, "required": true}),
        );
    }
    let mut responses = Map::new();
    for (code, r) in &m.method_responses {
        let mut o = Map::new();
        o.insert("description".into(), json!(format!("{code} response")));
        let models = r.response_models.clone().unwrap_or_default();
        if !oas && let Some(model) = models.values().next() {
            o.insert(
                "schema".into(),
                json!({"$ref": format!("{ref_prefix}{model}")}),
            );
        }
        let headers: Map<String, Value> = r
            .response_parameters
            .iter()
            .flatten()
            .filter_map(|(k, _)| k.strip_prefix("method.response.header."))
            .map(|h| (h.to_string(), string_schema(oas)))
            .collect();
        if !headers.is_empty() {
            o.insert("headers".into(), Value::Object(headers));
        }
        if oas {
            let content: Map<String, Value> = models
                .iter()
                .map(|(ct, model)| {
                    (
                        ct.clone(),
                        json!({"schema": {"$ref": format!("{ref_prefix}{model}")}}),
                    )
                })
                .collect();
            o.insert("content".into(), Value::Object(content));
        }
        responses.insert(code.clone(), Value::Object(o));
    }
    op.insert("responses".into(), Value::Object(responses));
    let security = security(def, m, opts, schemes);
    if !security.is_empty() {
        op.insert("security".into(), Value::Array(security));
    }
    if opts.integrations {
        if let Some(v) = m
            .request_validator_id
            .as_ref()
            .and_then(|id| def.request_validators.get(id))
        {
            op.insert(
                "x-amazon-apigateway-request-validator".into(),
                json!(v.name.clone().unwrap_or_else(|| v.id.clone())),
            );
        }
        if let Some(i) = integration {
            op.insert(
                "x-amazon-apigateway-integration".into(),
                integration_extension(i, resource_id),
            );
        }
    }
    Value::Object(op)
}

/// The method's security requirements, declaring the schemes they name.
fn security(
    def: &ApiDefinition,
    m: &Method,
    opts: &ExportOptions,
    schemes: &mut Map<String, Value>,
) -> Vec<Value> {
    let mut out = Vec::new();
    match m.authorization_type.as_str() {
        "AWS_IAM" => {
            schemes.insert(
                "sigv4".into(),
                json!({"type": "apiKey", "name": "Authorization", "in": "header",
                       "x-amazon-apigateway-authtype": "awsSigv4"}),
            );
            out.push(json!({"sigv4": []}));
        }
        "CUSTOM" | "COGNITO_USER_POOLS" => {
            if let Some(a) = m
                .authorizer_id
                .as_ref()
                .and_then(|id| def.authorizers.get(id))
            {
                schemes.insert(a.name.clone(), authorizer_scheme(a, opts));
                let scopes = m.authorization_scopes.clone().unwrap_or_default();
                out.push(json!({ a.name.clone(): scopes }));
            }
        }
        _ => {}
    }
    if m.api_key_required {
        schemes.insert(
            "api_key".into(),
            json!({"type": "apiKey", "name": "x-api-key", "in": "header"}),
        );
        out.push(json!({"api_key": []}));
    }
    out
}

fn authorizer_scheme(a: &Authorizer, opts: &ExportOptions) -> Value {
    let cognito = a.kind == "COGNITO_USER_POOLS";
    let header = a
        .identity_source
        .as_deref()
        .and_then(|s| s.strip_prefix("method.request.header."))
        .filter(|_| a.kind == "TOKEN" || cognito)
        .unwrap_or("Unused");
    let mut s = Map::new();
    s.insert("type".into(), json!("apiKey"));
    s.insert("name".into(), json!(header));
    s.insert("in".into(), json!("header"));
    let auth_type = a.auth_type.clone().unwrap_or_else(|| {
        if cognito {
            "cognito_user_pools".into()
        } else {
            "custom".into()
        }
    });
    s.insert("x-amazon-apigateway-authtype".into(), json!(auth_type));
    if opts.authorizers {
        let mut x = Map::new();
        x.insert("type".into(), json!(a.kind.to_ascii_lowercase()));
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                x.insert(k.into(), json!(v));
            }
        };
        put("authorizerUri", &a.authorizer_uri);
        put("authorizerCredentials", &a.authorizer_credentials);
        put("identitySource", &a.identity_source);
        put(
            "identityValidationExpression",
            &a.identity_validation_expression,
        );
        if let Some(arns) = &a.provider_arns {
            x.insert("providerARNs".into(), json!(arns));
        }
        if let Some(ttl) = a.authorizer_result_ttl_in_seconds {
            x.insert("authorizerResultTtlInSeconds".into(), json!(ttl));
        }
        s.insert("x-amazon-apigateway-authorizer".into(), Value::Object(x));
    }
    Value::Object(s)
}

fn integration_extension(i: &Integration, resource_id: &str) -> Value {
    let mut x = Map::new();
    x.insert("type".into(), json!(i.kind.as_str().to_ascii_lowercase()));
    if let Some(m) = &i.http_method {
        x.insert("httpMethod".into(), json!(m));
    }
    if let Some(u) = &i.uri {
        x.insert("uri".into(), json!(u));
    }
    if let Some(c) = &i.credentials {
        x.insert("credentials".into(), json!(c));
    }
    if !i.integration_responses.is_empty() {
        let r: Map<String, Value> = i
            .integration_responses
            .values()
            .map(|r| {
                let mut o = Map::new();
                o.insert("statusCode".into(), json!(r.status_code));
                if !r.response_parameters.is_empty() {
                    o.insert("responseParameters".into(), json!(r.response_parameters));
                }
                if !r.response_templates.is_empty() {
                    o.insert("responseTemplates".into(), json!(r.response_templates));
                }
                if let Some(c) = &r.content_handling {
                    o.insert("contentHandling".into(), json!(c));
                }
                (
                    r.selection_pattern
                        .clone()
                        .filter(|p| !p.is_empty())
                        .unwrap_or_else(|| "default".into()),
                    Value::Object(o),
                )
            })
            .collect();
        x.insert("responses".into(), Value::Object(r));
    }
    if !i.request_parameters.is_empty() {
        x.insert("requestParameters".into(), json!(i.request_parameters));
    }
    if !i.request_templates.is_empty() {
        x.insert("requestTemplates".into(), json!(i.request_templates));
    }
    if let Some(p) = &i.passthrough_behavior {
        x.insert("passthroughBehavior".into(), json!(p.to_ascii_lowercase()));
    }
    if let Some(c) = &i.content_handling {
        x.insert("contentHandling".into(), json!(c));
    }
    if i.timeout_in_millis != proscenium_model::integration::DEFAULT_TIMEOUT_MS {
        x.insert("timeoutInMillis".into(), json!(i.timeout_in_millis));
    }
    if let Some(ns) = i.cache_namespace.as_ref().filter(|ns| *ns != resource_id) {
        x.insert("cacheNamespace".into(), json!(ns));
    }
    if !i.cache_key_parameters.is_empty() {
        x.insert("cacheKeyParameters".into(), json!(i.cache_key_parameters));
    }
    if i.connection_type.as_deref() == Some("VPC_LINK") {
        x.insert("connectionType".into(), json!("VPC_LINK"));
        if let Some(c) = &i.connection_id {
            x.insert("connectionId".into(), json!(c));
        }
    }
    if let Some(t) = &i.tls_config {
        x.insert(
            "tlsConfig".into(),
            json!({"insecureSkipVerification": t.insecure_skip_verification}),
        );
    }
    Value::Object(x)
}

/// The document as bytes: JSON (pretty, as AWS writes it) or YAML.
pub fn render(doc: &Value, yaml: bool) -> Vec<u8> {
    if yaml {
        serde_yaml_ng::to_string(doc)
            .map(String::into_bytes)
            .unwrap_or_default()
    } else {
        serde_json::to_vec_pretty(doc).unwrap_or_default()
    }
}
