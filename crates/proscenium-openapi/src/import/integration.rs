//! `x-amazon-apigateway-integration` (or a `$ref` into
//! `x-amazon-apigateway-integrations`) → an Integration with its responses, checked as
//! PutIntegration and PutIntegrationResponse check them.

use std::collections::BTreeMap;

use serde_json::Value;

use proscenium_model::integration::{
    CONNECTION_TYPES, CONTENT_HANDLINGS, DEFAULT_TIMEOUT_MS, PASSTHROUGH_BEHAVIORS, TlsConfig,
    check_backend,
};
use proscenium_model::mapping;
use proscenium_model::method::is_valid_status_code;
use proscenium_model::{Integration, IntegrationResponse, IntegrationType, Method, StringMap};

use super::Ctx;
use super::settings::scalar_text;

/// Where the integration is, for AWS's messages.
pub(super) struct At<'a> {
    pub path: &'a str,
    pub verb: &'a str,
    pub resource_id: &'a str,
}

pub(super) fn parse(ctx: &mut Ctx, raw: &Value, method: &Method, at: &At) -> Option<Integration> {
    let Some(x) = ctx.resolve(raw) else {
        ctx.errors.push(format!(
            "Unable to put integration on '{}' for resource at path '{}': Invalid integration reference",
            at.verb, at.path
        ));
        return None;
    };
    let fail = |ctx: &mut Ctx, msg: &str| {
        ctx.errors.push(format!(
            "Unable to put integration on '{}' for resource at path '{}': {msg}",
            at.verb, at.path
        ));
    };
    let text = |k: &str| x.get(k).and_then(scalar_text);
    let upper = |k: &str| text(k).map(|s| s.to_ascii_uppercase());
    let Some(kind) = upper("type").as_deref().and_then(IntegrationType::parse) else {
        fail(
            ctx,
            &format!(
                "Invalid integration type specified: {}",
                text("type").unwrap_or_else(|| "null".into())
            ),
        );
        return None;
    };
    let passthrough = upper("passthroughBehavior").unwrap_or_else(|| "WHEN_NO_MATCH".into());
    if !PASSTHROUGH_BEHAVIORS.contains(&passthrough.as_str()) {
        fail(
            ctx,
            &format!(
                "Invalid passthrough behavior specified: {passthrough}. Valid options are WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER"
            ),
        );
        return None;
    }
    let content_handling = upper("contentHandling");
    if let Some(c) = &content_handling
        && !CONTENT_HANDLINGS.contains(&c.as_str())
    {
        fail(ctx, &format!("Invalid content handling specified: {c}"));
        return None;
    }
    let connection_type = upper("connectionType").or_else(|| {
        matches!(kind, IntegrationType::Http | IntegrationType::HttpProxy)
            .then(|| "INTERNET".to_string())
    });
    if let Some(c) = &connection_type
        && !CONNECTION_TYPES.contains(&c.as_str())
    {
        fail(ctx, &format!("Invalid connection type specified: {c}"));
        return None;
    }
    let request_parameters = request_parameters(ctx, x.get("requestParameters"), at);
    let request_templates = super::string_map(ctx, x.get("requestTemplates"));
    let integration = Integration {
        kind,
        http_method: upper("httpMethod").filter(|_| kind != IntegrationType::Mock),
        uri: text("uri").filter(|u| !u.is_empty()),
        connection_type,
        connection_id: text("connectionId"),
        credentials: text("credentials"),
        request_parameters,
        request_templates,
        passthrough_behavior: Some(passthrough),
        content_handling,
        timeout_in_millis: x
            .get("timeoutInMillis")
            .and_then(Value::as_i64)
            .unwrap_or(DEFAULT_TIMEOUT_MS),
        cache_namespace: Some(text("cacheNamespace").unwrap_or_else(|| at.resource_id.into())),
        cache_key_parameters: x
            .get("cacheKeyParameters")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        integration_responses: BTreeMap::new(),
        tls_config: x.get("tlsConfig").map(|t| TlsConfig {
            insecure_skip_verification: t
                .get("insecureSkipVerification")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }),
        response_transfer_mode: None,
        integration_target: None,
    };
    if let Err(e) = check_backend(&integration) {
        fail(ctx, &e.message);
        return None;
    }
    if let Err(e) = mapping::check_integration_request(
        &integration.request_parameters,
        &method.request_parameters,
    ) {
        fail(
            ctx,
            &format!(
                "Invalid mapping expression specified: Validation Result: warnings : [], errors : [{e}]"
            ),
        );
        return None;
    }
    let mut integration = integration;
    integration.integration_responses = responses(ctx, x.get("responses"), method, at);
    Some(integration)
}

/// `requestParameters`, whose values must be strings (AWS's warning otherwise).
fn request_parameters(ctx: &mut Ctx, v: Option<&Value>, at: &At) -> StringMap {
    let mut out = StringMap::new();
    for (k, x) in v.and_then(Value::as_object).into_iter().flatten() {
        match x {
            Value::String(s) => {
                out.insert(k.clone(), s.clone());
            }
            other => ctx.warnings.push(format!(
                "Invalid format for 'requestParameters'. Expected type string for property '{k}' of resource '{}' and method '{}' but got '{other}'",
                at.path, at.verb
            )),
        }
    }
    out
}

/// `responses`: selection pattern (`default` = none) → integration response, keyed by
/// status code as AWS keeps them.
fn responses(
    ctx: &mut Ctx,
    v: Option<&Value>,
    method: &Method,
    at: &At,
) -> BTreeMap<String, IntegrationResponse> {
    let mut out = BTreeMap::new();
    for (pattern, r) in v.and_then(Value::as_object).into_iter().flatten() {
        let status = r
            .get("statusCode")
            .and_then(scalar_text)
            .unwrap_or_default();
        let fail = |ctx: &mut Ctx, msg: &str| {
            ctx.errors.push(format!(
                "Unable to put integration response on '{}' for resource at path '{}': {msg}",
                at.verb, at.path
            ));
        };
        if !is_valid_status_code(&status) {
            fail(ctx, &format!("Invalid status code specified: {status}"));
            continue;
        }
        let content_handling = r
            .get("contentHandling")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase);
        if let Some(c) = &content_handling
            && !CONTENT_HANDLINGS.contains(&c.as_str())
        {
            fail(ctx, &format!("Invalid content handling specified: {c}"));
            continue;
        }
        let ir = IntegrationResponse {
            status_code: status.clone(),
            selection_pattern: (pattern != "default").then(|| pattern.clone()),
            response_parameters: super::string_map(ctx, r.get("responseParameters")),
            response_templates: super::string_map(ctx, r.get("responseTemplates")),
            content_handling,
        };
        let declared = method
            .method_responses
            .get(&status)
            .map(|m| m.response_parameters.clone().unwrap_or_default());
        if let Err(e) =
            mapping::check_integration_response(&ir.response_parameters, declared.as_ref())
        {
            fail(
                ctx,
                &format!(
                    "Invalid mapping expression specified: Validation Result: warnings : [], errors : [{e}]"
                ),
            );
            continue;
        }
        out.insert(status, ir);
    }
    out
}
