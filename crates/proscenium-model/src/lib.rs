//! Proscenium's domain model: API Gateway's REST API concepts as plain Rust.
//!
//! Owns: the entities (RestApi, Resource tree, Method, Integration, responses, Model,
//! Authorizer, RequestValidator, GatewayResponse, Deployment, Stage, Account, …), the rules
//! that are true whatever the wire (pathPart grammar, method keys, deployability), ID
//! generation, and the versioned snapshot encoding the data plane consumes.
//!
//! Must not: do I/O, read clocks or randomness (callers inject them), know about HTTP or SQL.
//!
//! The serde form of each entity is camelCase and coincides with the AWS wire member names;
//! the control plane adds wire-only concerns (defaults that AWS prints, list envelopes).

pub mod account;
pub mod authorizer;
pub mod definition;
pub mod deployment;
pub mod documentation;
pub mod domain_name;
pub mod error;
pub mod gateway_response;
pub mod id;
pub mod integration;
pub mod mapping;
pub mod method;
pub mod model_schema;
pub mod model_template;
pub mod policy;
pub mod resource;
pub mod rest_api;
pub mod snapshot;
pub mod stage;
pub mod usage_plan;
pub mod validator;
pub mod vpc_link;

pub use account::{Account, ClientCertificate, ThrottleSettings};
pub use authorizer::Authorizer;
pub use definition::ApiDefinition;
pub use deployment::{Deployment, MethodSnapshot};
pub use domain_name::{BasePathMapping, DomainName};
pub use error::ValidationError;
pub use gateway_response::{GatewayResponse, GatewayResponseType};
pub use integration::{Integration, IntegrationResponse, IntegrationType};
pub use method::{Method, MethodResponse};
pub use model_schema::Model;
pub use resource::Resource;
pub use rest_api::{EndpointConfiguration, RestApi};
pub use snapshot::DeploymentSnapshot;
pub use stage::{AccessLogSettings, CanarySettings, MethodSetting, Stage};
pub use usage_plan::{ApiKey, ApiStage, PlanThrottle, Quota, UsagePlan};
pub use validator::RequestValidator;
pub use vpc_link::VpcLink;

/// Where state lives: AWS keeps every resource per account and region.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

impl Scope {
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Self {
        Scope {
            account: account.into(),
            region: region.into(),
        }
    }
}

/// Seconds since the Unix epoch, as AWS prints timestamps (a JSON number).
pub type Timestamp = f64;

/// String-keyed maps keep insertion-independent, sorted order (stable output and diffs).
pub type StringMap = std::collections::BTreeMap<String, String>;
pub type BoolMap = std::collections::BTreeMap<String, bool>;
