//! `DeploymentSnapshot`: the frozen, self-contained copy of an API that a deployment serves,
//! and its versioned encoding (a version marker; older versions are migrated on decode).

use serde::{Deserialize, Serialize};

use crate::{ApiDefinition, ValidationError};

/// The encoding version written today.
pub const SNAPSHOT_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentSnapshot {
    pub format: u32,
    pub deployment_id: String,
    pub definition: ApiDefinition,
}

/// Freezes `def` for deployment `deployment_id`, applying AWS's "can this be deployed?" rules.
pub fn build(
    deployment_id: &str,
    def: &ApiDefinition,
) -> Result<DeploymentSnapshot, ValidationError> {
    if !def.has_methods() {
        return Err(ValidationError::bad_request(
            "The REST API doesn't contain any methods",
        ));
    }
    let missing_integration = def
        .resources
        .values()
        .flat_map(|r| r.resource_methods.values())
        .any(|m| m.method_integration.is_none());
    if missing_integration {
        return Err(ValidationError::bad_request(
            "No integration defined for method",
        ));
    }
    Ok(DeploymentSnapshot {
        format: SNAPSHOT_FORMAT,
        deployment_id: deployment_id.to_string(),
        definition: def.clone(),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("snapshot is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("snapshot format {0} is newer than this binary understands ({SNAPSHOT_FORMAT})")]
    TooNew(u32),
    #[error("snapshot format {0} is not one this binary can read or migrate")]
    Unknown(u32),
}

impl DeploymentSnapshot {
    pub fn encode(&self) -> Vec<u8> {
        // Serialising plain data into a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Decodes any format this binary knows, migrating older ones to the current shape.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        #[derive(Deserialize)]
        struct Marker {
            format: u32,
        }
        let marker: Marker = serde_json::from_slice(bytes)?;
        match marker.format {
            SNAPSHOT_FORMAT => Ok(serde_json::from_slice(bytes)?),
            // Older formats are migrated here, one `mod vN` each, when the format changes.
            other if other > SNAPSHOT_FORMAT => Err(DecodeError::TooNew(other)),
            other => Err(DecodeError::Unknown(other)),
        }
    }
}
