//! Deployments: immutable snapshots of an API, with the summary AWS prints.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{ApiDefinition, Timestamp};

/// The metadata of a deployment (the snapshot itself is stored beside it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_date: Timestamp,
    /// `path → METHOD → summary`, computed from the snapshot when deployed.
    #[serde(default)]
    pub api_summary: BTreeMap<String, BTreeMap<String, MethodSnapshot>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSnapshot {
    pub authorization_type: String,
    pub api_key_required: bool,
}

/// AWS's `apiSummary` of a definition.
pub fn api_summary(def: &ApiDefinition) -> BTreeMap<String, BTreeMap<String, MethodSnapshot>> {
    let mut out = BTreeMap::new();
    for r in def.resources.values() {
        if r.resource_methods.is_empty() {
            continue;
        }
        let methods = r
            .resource_methods
            .iter()
            .map(|(m, method)| {
                (
                    m.clone(),
                    MethodSnapshot {
                        authorization_type: method.authorization_type.clone(),
                        api_key_required: method.api_key_required,
                    },
                )
            })
            .collect();
        out.insert(r.path.clone(), methods);
    }
    out
}
