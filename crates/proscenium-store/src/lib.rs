//! Persistence for Proscenium behind one narrow, aggregate-level trait.
//!
//! Owns: the [`Store`] trait (what the control plane writes and the data plane reads), its
//! error type, the embedded SQLite implementation (default), the PostgreSQL implementation
//! (several nodes sharing one configuration), an in-memory implementation for tests, and the
//! conformance suite every implementation must pass.
//!
//! Must not: know about HTTP, AWS wire shapes, or request handling. Aggregates go in and out
//! whole (an API definition, a deployment with its snapshot, a stage); multi-record changes
//! (a deployment plus the stage that points at it) are single methods, hence atomic.

use std::sync::Arc;

use async_trait::async_trait;
use proscenium_model::{
    Account, ApiDefinition, ApiKey, BasePathMapping, ClientCertificate, Deployment,
    DeploymentSnapshot, DomainName, RestApi, Scope, Stage, UsagePlan, VpcLink,
};

pub mod embedded;
pub mod memory;
pub mod postgres;
#[cfg(any(test, feature = "testsuite"))]
pub mod testsuite;

pub use embedded::SqliteStore;
pub use memory::MemoryStore;
pub use postgres::PostgresStore;

/// An optimistic-concurrency token: the revision a record had when it was read.
pub type Revision = u64;

/// A record together with the revision it was read at.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub revision: Revision,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist.
    #[error("not found")]
    NotFound,
    /// The record changed since it was read, or already exists.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A rule the store checks inside its transaction was broken (e.g. deleting a deployment
    /// a stage still points at).
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// The backend failed (I/O, corruption, …).
    #[error("storage backend: {0}")]
    Backend(String),
    /// The backend cannot be reached now (a shared store whose connection is down); the
    /// caller may retry later (a write whose commit was cut off may still have landed).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// What to do with a stage as part of a deployment, atomically with it.
#[derive(Debug, Clone)]
pub struct StageWrite {
    pub stage: Stage,
    /// `None`: the stage must not exist yet; `Some(r)`: it must still be at revision `r`.
    pub expected: Option<Revision>,
}

/// One scope's API keys and usage plans.
pub type KeysAndPlans = (Scope, Vec<ApiKey>, Vec<UsagePlan>);

/// Requests counted for one key of one usage plan on one day (UTC, days since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageCount {
    pub plan_id: String,
    pub key_id: String,
    pub day: i64,
    pub used: i64,
}

/// A custom domain name with its base path mappings (the data plane's view).
#[derive(Debug, Clone)]
pub struct DomainRecord {
    pub scope: Scope,
    pub domain: DomainName,
    pub mappings: Vec<BasePathMapping>,
}

/// A stage as the data plane sees it: where it lives and what it serves.
#[derive(Debug, Clone)]
pub struct StageRecord {
    pub scope: Scope,
    pub api_id: String,
    pub stage: Stage,
    pub revision: Revision,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    // --- REST APIs (the whole definition is one aggregate) ---
    async fn list_apis(&self, scope: &Scope) -> StoreResult<Vec<RestApi>>;
    async fn get_api(
        &self,
        scope: &Scope,
        api_id: &str,
    ) -> StoreResult<Versioned<Arc<ApiDefinition>>>;
    /// Writes the definition; `expected` as in [`StageWrite`]. Returns the new revision.
    async fn put_api(
        &self,
        scope: &Scope,
        def: &ApiDefinition,
        expected: Option<Revision>,
    ) -> StoreResult<Revision>;
    /// Deletes the API with its deployments and stages.
    async fn delete_api(&self, scope: &Scope, api_id: &str) -> StoreResult<()>;

    // --- Deployments (immutable snapshots) ---
    /// Stores a deployment and its snapshot and, in the same transaction, the stage write.
    async fn create_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment: &Deployment,
        snapshot: &DeploymentSnapshot,
        stage: Option<StageWrite>,
    ) -> StoreResult<()>;
    async fn get_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment_id: &str,
    ) -> StoreResult<Deployment>;
    async fn get_snapshot(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment_id: &str,
    ) -> StoreResult<Arc<DeploymentSnapshot>>;
    /// Deployments of an API, oldest first.
    async fn list_deployments(&self, scope: &Scope, api_id: &str) -> StoreResult<Vec<Deployment>>;
    /// Replaces a deployment's metadata (description); the snapshot never changes.
    async fn update_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment: &Deployment,
    ) -> StoreResult<()>;
    /// Deletes a deployment unless a stage or canary points at it (`PreconditionFailed`).
    async fn delete_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment_id: &str,
    ) -> StoreResult<()>;

    // --- Stages ---
    async fn list_stages(&self, scope: &Scope, api_id: &str) -> StoreResult<Vec<Versioned<Stage>>>;
    async fn get_stage(
        &self,
        scope: &Scope,
        api_id: &str,
        stage_name: &str,
    ) -> StoreResult<Versioned<Stage>>;
    /// Writes a stage; the deployments it references must exist (`PreconditionFailed`).
    async fn put_stage(
        &self,
        scope: &Scope,
        api_id: &str,
        write: StageWrite,
    ) -> StoreResult<Revision>;
    async fn delete_stage(&self, scope: &Scope, api_id: &str, stage_name: &str) -> StoreResult<()>;
    /// Every stage of every API, account and region (the data plane's view).
    async fn all_stages(&self) -> StoreResult<Vec<StageRecord>>;

    // --- Account settings and client certificates ---
    async fn get_account(&self, scope: &Scope) -> StoreResult<Option<Account>>;
    async fn put_account(&self, scope: &Scope, account: &Account) -> StoreResult<()>;
    async fn list_client_certificates(&self, scope: &Scope) -> StoreResult<Vec<ClientCertificate>>;
    async fn get_client_certificate(
        &self,
        scope: &Scope,
        id: &str,
    ) -> StoreResult<ClientCertificate>;
    async fn put_client_certificate(
        &self,
        scope: &Scope,
        cert: &ClientCertificate,
    ) -> StoreResult<()>;
    async fn delete_client_certificate(&self, scope: &Scope, id: &str) -> StoreResult<()>;

    // --- VPC links (account-level, like client certificates) ---
    async fn list_vpc_links(&self, scope: &Scope) -> StoreResult<Vec<VpcLink>>;
    async fn get_vpc_link(&self, scope: &Scope, id: &str) -> StoreResult<VpcLink>;
    /// Creates or replaces the link.
    async fn put_vpc_link(&self, scope: &Scope, link: &VpcLink) -> StoreResult<()>;
    async fn delete_vpc_link(&self, scope: &Scope, id: &str) -> StoreResult<()>;

    // --- API keys and usage plans (live state, not part of deployments) ---
    async fn list_api_keys(&self, scope: &Scope) -> StoreResult<Vec<ApiKey>>;
    async fn get_api_key(&self, scope: &Scope, id: &str) -> StoreResult<ApiKey>;
    /// Creates or replaces the key.
    async fn put_api_key(&self, scope: &Scope, key: &ApiKey) -> StoreResult<()>;
    async fn delete_api_key(&self, scope: &Scope, id: &str) -> StoreResult<()>;
    async fn list_usage_plans(&self, scope: &Scope) -> StoreResult<Vec<UsagePlan>>;
    async fn get_usage_plan(&self, scope: &Scope, id: &str) -> StoreResult<UsagePlan>;
    /// Creates or replaces the plan (its `key_ids` included).
    async fn put_usage_plan(&self, scope: &Scope, plan: &UsagePlan) -> StoreResult<()>;
    async fn delete_usage_plan(&self, scope: &Scope, id: &str) -> StoreResult<()>;
    /// Every scope's keys and plans (the data plane's view).
    async fn all_keys_and_plans(&self) -> StoreResult<Vec<KeysAndPlans>>;

    /// Adds request counts per (plan, key, day since the epoch), all in one transaction. Usage
    /// counters do not move the change feed.
    async fn add_usage(&self, scope: &Scope, counts: &[UsageCount]) -> StoreResult<()>;
    /// The counts of a plan (one key, or all) for days `from..=to`.
    async fn get_usage(
        &self,
        scope: &Scope,
        plan_id: &str,
        key_id: Option<&str>,
        from: i64,
        to: i64,
    ) -> StoreResult<Vec<UsageCount>>;
    /// Every scope's counts for days `from..=to` (the data plane reloads its quotas from it).
    async fn all_usage(&self, from: i64, to: i64) -> StoreResult<Vec<(Scope, UsageCount)>>;

    // --- Custom domain names and base path mappings (account-level) ---
    /// The scope's domain names, by name.
    async fn list_domain_names(&self, scope: &Scope) -> StoreResult<Vec<DomainName>>;
    async fn get_domain_name(&self, scope: &Scope, name: &str) -> StoreResult<DomainName>;
    /// Creates or replaces the domain name (its mappings stay).
    async fn put_domain_name(&self, scope: &Scope, domain: &DomainName) -> StoreResult<()>;
    /// Deletes the domain name with its mappings.
    async fn delete_domain_name(&self, scope: &Scope, name: &str) -> StoreResult<()>;
    /// A domain's mappings, by base path (`NotFound`: no such domain).
    async fn list_base_path_mappings(
        &self,
        scope: &Scope,
        domain: &str,
    ) -> StoreResult<Vec<BasePathMapping>>;
    /// Writes a mapping of an existing domain (`NotFound` otherwise), in the same transaction
    /// removing the one at `replacing` (an update that moves the base path).
    async fn put_base_path_mapping(
        &self,
        scope: &Scope,
        domain: &str,
        mapping: &BasePathMapping,
        replacing: Option<&str>,
    ) -> StoreResult<()>;
    async fn delete_base_path_mapping(
        &self,
        scope: &Scope,
        domain: &str,
        base_path: &str,
    ) -> StoreResult<()>;
    /// Every scope's domain names with their mappings (the data plane's view).
    async fn all_domain_names(&self) -> StoreResult<Vec<DomainRecord>>;

    // --- Change feed ---
    /// A counter bumped after every committed change; the data plane re-reads what it serves.
    fn watch(&self) -> tokio::sync::watch::Receiver<u64>;
}

/// The message of a precondition failure when deleting a deployment in use (AWS's text).
pub const DEPLOYMENT_IN_USE: &str =
    "Active stages pointing to this deployment must be moved or deleted";
