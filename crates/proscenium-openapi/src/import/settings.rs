//! The API's own settings from a document: `info` (name, description, version) and the
//! API-level extensions (binary media types, API key source, minimum compression size,
//! resource policy, endpoint configuration, tags by `x-amazon-apigateway-tag-value`).
//!
//! Overwrite sets each from the document (absent = AWS's default); merge sets only what the
//! document has.

use serde_json::Value;

use proscenium_model::rest_api::{API_KEY_SOURCES, ENDPOINT_TYPES};
use proscenium_model::{ApiDefinition, ValidationError};

use super::{Ctx, ImportMode};

const MAX_COMPRESSION: i64 = 10_485_760;

pub(super) fn apply(
    ctx: &mut Ctx,
    def: &mut ApiDefinition,
    mode: ImportMode,
) -> Result<(), ValidationError> {
    let doc = ctx.doc;
    let overwrite = mode == ImportMode::Overwrite;
    let info = doc.get("info");
    let text = |k: &str| info.and_then(|i| i.get(k)).and_then(scalar_text);
    if let Some(title) = text("title").filter(|t| !t.is_empty()) {
        def.api.name = title;
    }
    if def.api.name.is_empty() {
        return Err(crate::document::invalid_input());
    }
    let description = text("description").filter(|d| !d.is_empty());
    if overwrite || description.is_some() {
        def.api.description = description;
    }
    let version = text("version");
    if overwrite || version.is_some() {
        def.api.version = version;
    }

    let api = &mut def.api;
    match doc.get("x-amazon-apigateway-binary-media-types") {
        Some(Value::Array(types)) => {
            let types: Vec<String> = types
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            if overwrite {
                api.binary_media_types = types;
            } else {
                for t in types {
                    if !api.binary_media_types.contains(&t) {
                        api.binary_media_types.push(t);
                    }
                }
            }
        }
        Some(_) => ctx.warnings.push(
            "Invalid format for 'x-amazon-apigateway-binary-media-types'. Expected type array"
                .into(),
        ),
        None if overwrite => api.binary_media_types.clear(),
        None => {}
    }

    match doc.get("x-amazon-apigateway-api-key-source") {
        Some(v) => {
            let s = v.as_str().unwrap_or_default().to_ascii_uppercase();
            if !API_KEY_SOURCES.contains(&s.as_str()) {
                return Err(ValidationError::bad_request(format!(
                    "Invalid API Key Source specified: {}",
                    v.as_str().unwrap_or_default()
                )));
            }
            api.api_key_source = s;
        }
        None if overwrite => api.api_key_source = "HEADER".into(),
        None => {}
    }

    match doc.get("x-amazon-apigateway-minimum-compression-size") {
        Some(v) => match v.as_i64().filter(|n| (0..=MAX_COMPRESSION).contains(n)) {
            Some(n) => api.minimum_compression_size = Some(n),
            None => {
                return Err(ValidationError::bad_request(
                    "Invalid minimum compression size, must be between 0 and 10485760",
                ));
            }
        },
        None if overwrite => api.minimum_compression_size = None,
        None => {}
    }

    match doc.get("x-amazon-apigateway-policy") {
        Some(Value::String(s)) => api.policy = Some(s.clone()),
        Some(p @ Value::Object(_)) => api.policy = Some(p.to_string()),
        Some(_) => {
            return Err(ValidationError::bad_request(
                "Invalid policy document. Please check the policy syntax and ensure that Principals are valid.",
            ));
        }
        None if overwrite => api.policy = None,
        None => {}
    }

    // Swagger puts the endpoint configuration at the top; OpenAPI 3 on the first server.
    let endpoint = doc
        .get("x-amazon-apigateway-endpoint-configuration")
        .or_else(|| doc.pointer("/servers/0/x-amazon-apigateway-endpoint-configuration"));
    if let Some(ec) = endpoint {
        if let Some(types) = ec.get("types").and_then(Value::as_array) {
            let types: Vec<String> = types
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_uppercase)
                .collect();
            if types.len() != 1 || !ENDPOINT_TYPES.contains(&types[0].as_str()) {
                return Err(ValidationError::bad_request(
                    "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
                ));
            }
            api.endpoint_configuration.ip_address_type = Some(
                if types[0] == "PRIVATE" {
                    "dualstack"
                } else {
                    "ipv4"
                }
                .into(),
            );
            api.endpoint_configuration.types = types;
        }
        if let Some(ids) = ec.get("vpcEndpointIds").and_then(Value::as_array) {
            api.endpoint_configuration.vpc_endpoint_ids = Some(
                ids.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            );
        }
        if let Some(ip) = ec.get("ipAddressType").and_then(Value::as_str) {
            api.endpoint_configuration.ip_address_type = Some(ip.to_string());
        }
        if let Some(d) = ec.get("disableExecuteApiEndpoint").and_then(Value::as_bool) {
            api.disable_execute_api_endpoint = d;
        }
    }

    if let Some(tags) = doc.get("tags").and_then(Value::as_array) {
        for t in tags {
            if let (Some(k), Some(v)) = (
                t.get("name").and_then(Value::as_str),
                t.get("x-amazon-apigateway-tag-value").and_then(scalar_text),
            ) {
                api.tags.insert(k.to_string(), v);
            }
        }
    }
    Ok(())
}

/// A scalar as text (YAML reads `version: 1.0` as a number).
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
