//! Stages: a named pointer to a deployment, with the settings that apply at once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{StringMap, Timestamp};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub stage_name: String,
    pub deployment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub cache_cluster_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_cluster_size: Option<String>,
    /// Keyed `*/*` or `{resourcePath without leading slash}/{METHOD}`.
    #[serde(default)]
    pub method_settings: BTreeMap<String, MethodSetting>,
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub variables: StringMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_settings: Option<AccessLogSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_settings: Option<CanarySettings>,
    pub tracing_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_acl_arn: Option<String>,
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub tags: StringMap,
    pub created_date: Timestamp,
    pub last_updated_date: Timestamp,
    /// Bumped by FlushStageCache: the data plane empties the stage's cache when it changes.
    /// Stored, never shown on the wire.
    #[serde(default)]
    pub cache_flush_generation: u64,
    /// Bumped by FlushStageAuthorizersCache, likewise.
    #[serde(default)]
    pub authorizer_flush_generation: u64,
}

/// Stage members that are stored but are not part of AWS's Stage shape.
pub const INTERNAL_STAGE_FIELDS: &[&str] = &["cacheFlushGeneration", "authorizerFlushGeneration"];

impl Stage {
    /// AWS's `cacheClusterStatus`: available at once when enabled (there is no cluster to wait for).
    pub fn cache_cluster_status(&self) -> &'static str {
        if self.cache_cluster_enabled {
            "AVAILABLE"
        } else {
            "NOT_AVAILABLE"
        }
    }

    /// Deployments this stage keeps alive (its own and its canary's).
    pub fn references_deployment(&self, deployment_id: &str) -> bool {
        self.deployment_id == deployment_id
            || self
                .canary_settings
                .as_ref()
                .and_then(|c| c.deployment_id.as_deref())
                == Some(deployment_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSetting {
    pub metrics_enabled: bool,
    /// AWS prints the level only once it was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_level: Option<String>,
    pub data_trace_enabled: bool,
    pub throttling_burst_limit: i64,
    pub throttling_rate_limit: f64,
    pub caching_enabled: bool,
    pub cache_ttl_in_seconds: i64,
    pub cache_data_encrypted: bool,
    pub require_authorization_for_cache_control: bool,
    pub unauthorized_cache_control_header_strategy: String,
}

impl Default for MethodSetting {
    /// What AWS prints for a method setting nobody changed beyond one field.
    fn default() -> Self {
        MethodSetting {
            metrics_enabled: false,
            logging_level: None,
            data_trace_enabled: false,
            throttling_burst_limit: 5000,
            throttling_rate_limit: 10000.0,
            caching_enabled: false,
            cache_ttl_in_seconds: 300,
            cache_data_encrypted: false,
            require_authorization_for_cache_control: true,
            unauthorized_cache_control_header_strategy: "SUCCEED_WITH_RESPONSE_HEADER".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanarySettings {
    #[serde(default)]
    pub percent_traffic: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub stage_variable_overrides: StringMap,
    #[serde(default)]
    pub use_stage_cache: bool,
}

pub const CACHE_CLUSTER_SIZES: &[&str] =
    &["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"];
pub const LOGGING_LEVELS: &[&str] = &["OFF", "ERROR", "INFO"];
pub const CACHE_CONTROL_STRATEGIES: &[&str] = &[
    "FAIL_WITH_403",
    "SUCCEED_WITH_RESPONSE_HEADER",
    "SUCCEED_WITHOUT_RESPONSE_HEADER",
];

/// Stage names: letters, digits, hyphens and underscores, at most 128 characters.
pub fn is_valid_stage_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Stage variable names: `[A-Za-z0-9_]+`; values: `[A-Za-z0-9-._~:/?#&=,]+` at most 512 chars.
pub fn is_valid_variable_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}
