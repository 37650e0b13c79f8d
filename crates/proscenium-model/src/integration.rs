//! Integrations (the backend a method calls) and integration responses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{StringMap, ValidationError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IntegrationType {
    Http,
    Aws,
    Mock,
    HttpProxy,
    AwsProxy,
}

impl IntegrationType {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "HTTP" => Self::Http,
            "AWS" => Self::Aws,
            "MOCK" => Self::Mock,
            "HTTP_PROXY" => Self::HttpProxy,
            "AWS_PROXY" => Self::AwsProxy,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "HTTP",
            Self::Aws => "AWS",
            Self::Mock => "MOCK",
            Self::HttpProxy => "HTTP_PROXY",
            Self::AwsProxy => "AWS_PROXY",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    #[serde(rename = "type")]
    pub kind: IntegrationType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub request_parameters: StringMap,
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub request_templates: StringMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passthrough_behavior: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
    pub timeout_in_millis: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_namespace: Option<String>,
    #[serde(default)]
    pub cache_key_parameters: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub integration_responses: BTreeMap<String, IntegrationResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_transfer_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_target: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsConfig {
    #[serde(default)]
    pub insecure_skip_verification: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationResponse {
    pub status_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_pattern: Option<String>,
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub response_parameters: StringMap,
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub response_templates: StringMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
}

/// Default and bounds of `timeoutInMillis`.
pub const DEFAULT_TIMEOUT_MS: i64 = 29_000;
pub const MIN_TIMEOUT_MS: i64 = 50;
pub const MAX_TIMEOUT_MS: i64 = 29_000;

pub const PASSTHROUGH_BEHAVIORS: &[&str] = &["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"];
pub const CONTENT_HANDLINGS: &[&str] = &["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"];
pub const CONNECTION_TYPES: &[&str] = &["INTERNET", "VPC_LINK"];

/// AWS's checks of an integration's backend (method, URI or ARN, role, timeout), as
/// PutIntegration and the OpenAPI importer apply them.
pub fn check_backend(i: &Integration) -> Result<(), ValidationError> {
    let needs_backend = i.kind != IntegrationType::Mock;
    if needs_backend && i.http_method.as_deref().unwrap_or("").is_empty() {
        return Err(ValidationError::bad_request(
            "Enumeration value for HttpMethod must be non-empty",
        ));
    }
    match i.kind {
        IntegrationType::Http | IntegrationType::HttpProxy => {
            let uri = i.uri.as_deref().unwrap_or("");
            let ok = (uri.starts_with("http://") || uri.starts_with("https://"))
                && uri.len() > "https://".len() - 1;
            if !ok && i.connection_type.as_deref() != Some("VPC_LINK") {
                return Err(ValidationError::bad_request(
                    "Invalid HTTP endpoint specified for URI",
                ));
            }
        }
        IntegrationType::Aws | IntegrationType::AwsProxy => {
            let uri = i.uri.as_deref().unwrap_or("");
            let parts: Vec<&str> = uri.splitn(6, ':').collect();
            if parts.len() < 6 || parts[0] != "arn" {
                return Err(ValidationError::bad_request(
                    "Invalid ARN specified in the request",
                ));
            }
            let tail = parts[5];
            if !(tail.starts_with("path/") || tail.starts_with("action/")) {
                return Err(ValidationError::bad_request(
                    "AWS ARN for integration must contain path or action",
                ));
            }
            if parts[2] != "apigateway" {
                return Err(ValidationError::bad_request(
                    "Invalid ARN specified in the request",
                ));
            }
            if i.kind == IntegrationType::AwsProxy
                && !(parts[4] == "lambda" || parts[4] == "firehose")
            {
                return Err(ValidationError::bad_request(
                    "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.",
                ));
            }
            // Lambda is invoked under the function's resource policy; every other AWS
            // service needs a role for API Gateway to assume.
            if i.kind == IntegrationType::Aws
                && parts[4] != "lambda"
                && i.credentials.as_deref().unwrap_or("").is_empty()
            {
                return Err(ValidationError::bad_request(
                    "Role ARN must be specified for AWS integrations",
                ));
            }
        }
        IntegrationType::Mock => {}
    }
    if !(MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&i.timeout_in_millis) {
        return Err(ValidationError::bad_request(format!(
            "Timeout should be between {MIN_TIMEOUT_MS} ms and {MAX_TIMEOUT_MS} ms"
        )));
    }
    Ok(())
}
