//! The RestApi entity: the API's own settings (not its resources, which live in the definition).

use serde::{Deserialize, Serialize};

use crate::{StringMap, Timestamp};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApi {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_date: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binary_media_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_compression_size: Option<i64>,
    pub api_key_source: String,
    pub endpoint_configuration: EndpointConfiguration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub tags: StringMap,
    pub disable_execute_api_endpoint: bool,
    pub root_resource_id: String,
}

impl RestApi {
    /// An API with AWS's defaults for what a caller did not choose: created at time 0, no
    /// description, version, policy, tags or binary media types, the `HEADER` API key source
    /// and the default endpoint configuration.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        root_resource_id: impl Into<String>,
    ) -> RestApi {
        RestApi {
            id: id.into(),
            name: name.into(),
            description: None,
            created_date: 0.0,
            version: None,
            warnings: vec![],
            binary_media_types: vec![],
            minimum_compression_size: None,
            api_key_source: "HEADER".into(),
            endpoint_configuration: EndpointConfiguration::default(),
            policy: None,
            tags: StringMap::default(),
            disable_execute_api_endpoint: false,
            root_resource_id: root_resource_id.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConfiguration {
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_endpoint_ids: Option<Vec<String>>,
}

/// AWS's endpoint types.
pub const ENDPOINT_TYPES: &[&str] = &["REGIONAL", "EDGE", "PRIVATE"];
/// AWS's IP address types.
pub const IP_ADDRESS_TYPES: &[&str] = &["ipv4", "dualstack"];
/// AWS's API key sources.
pub const API_KEY_SOURCES: &[&str] = &["HEADER", "AUTHORIZER"];
