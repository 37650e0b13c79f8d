//! VPC links: account-level records naming the network load balancers that integrations with
//! `connectionType: VPC_LINK` reach. Plain data; the wire shape (which members AWS prints
//! when) is the control plane's business.
//!
//! Must not: do I/O or know about HTTP.

use serde::{Deserialize, Serialize};

use crate::{StringMap, Timestamp};

/// The status message AWS gives an available VPC link.
pub const AVAILABLE_MESSAGE: &str = "Your vpc link is ready for use";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcLink {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub target_arns: Vec<String>,
    /// `AVAILABLE`, `PENDING`, `DELETING` or `FAILED`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    #[serde(default)]
    pub tags: StringMap,
    /// When it was created (listing order; not a wire member).
    pub created_date: Timestamp,
}
