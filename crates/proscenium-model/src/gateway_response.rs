//! Gateway responses: what API Gateway answers when it fails before or around the integration.
//!
//! Every type has AWS's default status and the `{"message":$context.error.messageString}`
//! template; an API may customise any type, and a customised DEFAULT_4XX/DEFAULT_5XX lends
//! its parameters and templates to the types of its class that are not customised themselves.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::StringMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayResponse {
    pub response_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    #[serde(default)]
    pub response_parameters: StringMap,
    #[serde(default)]
    pub response_templates: StringMap,
    pub default_response: bool,
}

/// The types AWS knows, with their default status codes (`None`: the class default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayResponseType {
    pub name: &'static str,
    pub default_status: Option<u16>,
}

pub const GATEWAY_RESPONSE_TYPES: &[GatewayResponseType] = &[
    t("ACCESS_DENIED", Some(403)),
    t("API_CONFIGURATION_ERROR", Some(500)),
    t("AUTHORIZER_CONFIGURATION_ERROR", Some(500)),
    t("AUTHORIZER_FAILURE", Some(500)),
    t("BAD_REQUEST_BODY", Some(400)),
    t("BAD_REQUEST_PARAMETERS", Some(400)),
    t("DEFAULT_4XX", None),
    t("DEFAULT_5XX", None),
    t("EXPIRED_TOKEN", Some(403)),
    t("INTEGRATION_FAILURE", Some(504)),
    t("INTEGRATION_TIMEOUT", Some(504)),
    t("INVALID_API_KEY", Some(403)),
    t("INVALID_SIGNATURE", Some(403)),
    t("MISSING_AUTHENTICATION_TOKEN", Some(403)),
    t("QUOTA_EXCEEDED", Some(429)),
    t("REQUEST_TOO_LARGE", Some(413)),
    t("RESOURCE_NOT_FOUND", Some(404)),
    t("THROTTLED", Some(429)),
    t("UNAUTHORIZED", Some(401)),
    t("UNSUPPORTED_MEDIA_TYPE", Some(415)),
    t("WAF_FILTERED", Some(403)),
];

const fn t(name: &'static str, default_status: Option<u16>) -> GatewayResponseType {
    GatewayResponseType {
        name,
        default_status,
    }
}

/// The default body template of every gateway response.
pub const DEFAULT_TEMPLATE: &str = "{\"message\":$context.error.messageString}";

pub fn lookup_type(name: &str) -> Option<GatewayResponseType> {
    GATEWAY_RESPONSE_TYPES
        .iter()
        .copied()
        .find(|t| t.name == name)
}

/// The effective gateway response of `ty` given the API's customisations (keyed by type).
pub fn effective(
    ty: GatewayResponseType,
    custom: &BTreeMap<String, GatewayResponse>,
) -> GatewayResponse {
    if let Some(c) = custom.get(ty.name) {
        return c.clone();
    }
    let class = match ty.default_status {
        Some(s) if s >= 500 => custom.get("DEFAULT_5XX"),
        Some(_) => custom.get("DEFAULT_4XX"),
        None => None,
    };
    let mut templates = StringMap::new();
    templates.insert("application/json".into(), DEFAULT_TEMPLATE.into());
    GatewayResponse {
        response_type: ty.name.to_string(),
        // A customised class default lends its status too (AWS: DEFAULT_5XX at 599 makes every
        // uncustomised 5XX type answer 599).
        status_code: class
            .and_then(|c| c.status_code.clone())
            .or(ty.default_status.map(|s| s.to_string())),
        response_parameters: class
            .map(|c| c.response_parameters.clone())
            .unwrap_or_default(),
        response_templates: class
            .map(|c| c.response_templates.clone())
            .unwrap_or(templates),
        default_response: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_defaults_lend_templates_but_not_status() {
        let mut custom = BTreeMap::new();
        let mut params = StringMap::new();
        params.insert("gatewayresponse.header.x".into(), "'y'".into());
        custom.insert(
            "DEFAULT_5XX".into(),
            GatewayResponse {
                response_type: "DEFAULT_5XX".into(),
                status_code: Some("599".into()),
                response_parameters: params.clone(),
                response_templates: StringMap::new(),
                default_response: false,
            },
        );
        let e = effective(lookup_type("API_CONFIGURATION_ERROR").unwrap(), &custom);
        assert_eq!(e.status_code.as_deref(), Some("599"));
        assert_eq!(e.response_parameters, params);
        assert!(e.default_response);
        let e4 = effective(lookup_type("THROTTLED").unwrap(), &custom);
        assert_eq!(
            e4.response_templates.get("application/json").unwrap(),
            DEFAULT_TEMPLATE
        );
        assert_eq!(GATEWAY_RESPONSE_TYPES.len(), 21);
    }
}
