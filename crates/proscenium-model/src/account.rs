//! Account-level settings and client certificates.

use serde::{Deserialize, Serialize};

use crate::{StringMap, Timestamp};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch_role_arn: Option<String>,
    pub throttle_settings: ThrottleSettings,
    #[serde(default)]
    pub features: Vec<String>,
    pub api_key_version: String,
}

impl Default for Account {
    /// AWS's defaults: 10 000 requests per second steady, 5 000 burst.
    fn default() -> Self {
        Account {
            cloudwatch_role_arn: None,
            throttle_settings: ThrottleSettings {
                burst_limit: 5000,
                rate_limit: 10000.0,
            },
            features: vec!["UsagePlans".into()],
            api_key_version: "4".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleSettings {
    pub burst_limit: i64,
    pub rate_limit: f64,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientCertificate {
    pub client_certificate_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub pem_encoded_certificate: String,
    /// The private key stays server-side: never serialised on the wire (the control plane
    /// builds responses from the other fields).
    pub private_key_pem: String,
    pub created_date: Timestamp,
    pub expiration_date: Timestamp,
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub tags: StringMap,
}

impl std::fmt::Debug for ClientCertificate {
    /// Never prints the private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("client_certificate_id", &self.client_certificate_id)
            .field("description", &self.description)
            .field("created_date", &self.created_date)
            .field("expiration_date", &self.expiration_date)
            .field("private_key_pem", &"<redacted>")
            .finish()
    }
}
