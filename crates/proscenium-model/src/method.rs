//! Methods and method responses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{BoolMap, Integration, StringMap};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    pub http_method: String,
    pub authorization_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_validator_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
    #[serde(default, skip_serializing_if = "BoolMap::is_empty")]
    pub request_parameters: BoolMap,
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub request_models: StringMap,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub method_responses: BTreeMap<String, MethodResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_integration: Option<Integration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_scopes: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodResponse {
    pub status_code: String,
    /// `Some(empty)` when given empty: AWS prints what was put, and drops a map emptied by patches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_parameters: Option<BoolMap>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_models: Option<StringMap>,
}

/// HTTP methods API Gateway accepts for a method (`ANY` matches every one).
pub const HTTP_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];

/// AWS's authorization types.
pub const AUTHORIZATION_TYPES: &[&str] = &["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"];

/// Whether `code` is a status code AWS accepts in a method or integration response (`[1-5]\d\d`).
pub fn is_valid_status_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1].is_ascii_digit() && b[2].is_ascii_digit()
}

#[cfg(test)]
mod tests {
    #[test]
    fn status_codes() {
        assert!(super::is_valid_status_code("200"));
        assert!(super::is_valid_status_code("599"));
        assert!(!super::is_valid_status_code("600"));
        assert!(!super::is_valid_status_code("20"));
        assert!(!super::is_valid_status_code("abc"));
    }
}
