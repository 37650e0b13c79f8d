//! The PostgreSQL store: several nodes share one configuration. Each trait method is one
//! transaction on the node's connection; every write bumps one global revision (which
//! serialises writers cluster-wide, see `sql::begin_write`) and NOTIFYs it at commit.
//!
//! The change feed ([`Store::watch`]) moves right after this node's own commits and, for every
//! other node's, when `feed` sees the revision move (LISTEN/NOTIFY, healed by a periodic
//! check). A lost connection makes calls fail with [`StoreError::Unavailable`] until a
//! reconnection succeeds; the data plane keeps serving what it last applied.

mod feed;
mod migrations;
mod sql;
mod tls;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use proscenium_model::{
    Account, ApiDefinition, ApiKey, ClientCertificate, Deployment, DeploymentSnapshot, RestApi,
    Scope, Stage, UsagePlan, VpcLink,
};
use tokio::sync::watch;
use tokio_postgres::{Client, Config};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::{
    Revision, StageRecord, StageWrite, Store, StoreError, StoreResult, UsageCount, Versioned,
};
pub use migrations::SCHEMA_VERSION;
use sql::Kind;

type CacheKey = (Scope, String);

pub struct PostgresStore {
    inner: Arc<Shared>,
}

struct Shared {
    config: Config,
    tls: MakeRustlsConnect,
    conn: tokio::sync::Mutex<Client>,
    apis: Mutex<HashMap<CacheKey, (Revision, Arc<ApiDefinition>)>>,
    feed: watch::Sender<u64>,
    /// The last global revision the feed announced.
    seen: AtomicU64,
}

impl Shared {
    /// Moves the feed if `rev` is news (`announce` for this node's own commits).
    fn observe(&self, rev: Revision) {
        if self.seen.swap(rev, Ordering::SeqCst) != rev {
            self.feed.send_modify(|v| *v += 1);
        }
    }

    fn announce(&self, rev: Revision) {
        self.seen.fetch_max(rev, Ordering::SeqCst);
        self.feed.send_modify(|v| *v += 1);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A driver error: the server's own errors keep their meaning (a unique violation is a
/// conflict); anything about the connection means the store is unavailable for now.
pub(crate) fn pg(e: tokio_postgres::Error) -> StoreError {
    use tokio_postgres::error::SqlState;
    match e.code() {
        Some(c)
            if *c == SqlState::UNIQUE_VIOLATION || *c == SqlState::T_R_SERIALIZATION_FAILURE =>
        {
            StoreError::Conflict(e.to_string())
        }
        Some(c)
            if *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
                || c.code().starts_with("08") =>
        {
            StoreError::Unavailable(e.to_string())
        }
        Some(_) => StoreError::Backend(e.to_string()),
        None => StoreError::Unavailable(e.to_string()),
    }
}

/// Parses a `postgres://` URL: libpq's parameters, `sslmode` `disable`, `prefer` (the
/// default) or `require` (see `tls`), and `sslrootcert`. A dead server is noticed within
/// seconds (connection and TCP user time-outs unless the URL sets them).
pub fn parse_url(url: &str) -> StoreResult<(Config, MakeRustlsConnect)> {
    let (url, root_cert) = tls::take_root_cert(url);
    let mut config: Config = url
        .parse()
        .map_err(|e| StoreError::Backend(format!("invalid PostgreSQL URL: {e}")))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(5));
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(std::time::Duration::from_secs(15));
    }
    Ok((config, tls::connector(root_cert.as_deref())?))
}

async fn connect(config: &Config, tls: &MakeRustlsConnect) -> StoreResult<Client> {
    let (client, connection) = config.connect(tls.clone()).await.map_err(pg)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!("PostgreSQL connection lost: {e}");
        }
    });
    Ok(client)
}

impl PostgresStore {
    /// Connects, migrates the schema to this binary's (under an advisory lock, so nodes
    /// starting together migrate once) and starts following the change feed.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let (config, tls) = parse_url(url)?;
        {
            let mut c = connect(&config, &tls).await?;
            migrations::migrate(&mut c).await?;
        }
        let client = connect(&config, &tls).await?;
        let seen = sql::current_revision(&client).await?;
        let inner = Arc::new(Shared {
            config,
            tls,
            conn: tokio::sync::Mutex::new(client),
            apis: Mutex::new(HashMap::new()),
            feed: watch::channel(0).0,
            seen: AtomicU64::new(seen),
        });
        feed::spawn(Arc::downgrade(&inner));
        Ok(PostgresStore { inner })
    }

    /// The schema version the database is at.
    pub async fn schema_version(&self) -> StoreResult<i32> {
        migrations::version(&*self.client().await?).await
    }

    /// The node's connection, reconnected first if it was lost.
    async fn client(&self) -> StoreResult<tokio::sync::MutexGuard<'_, Client>> {
        let mut c = self.inner.conn.lock().await;
        if c.is_closed() {
            *c = connect(&self.inner.config, &self.inner.tls).await?;
        }
        Ok(c)
    }
}

/// One write transaction on the store's connection: `$body` runs with `tx` (the
/// transaction) and `rev` (the revision it writes); the feed moves after the commit.
macro_rules! write_tx {
    ($self:ident, |$tx:ident, $rev:ident| $body:expr) => {{
        let mut guard = $self.client().await?;
        let $tx = guard.transaction().await.map_err(pg)?;
        let $rev = sql::begin_write(&$tx).await?;
        let out = $body;
        $tx.commit().await.map_err(pg)?;
        drop(guard);
        $self.inner.announce($rev);
        out
    }};
}

#[async_trait]
impl Store for PostgresStore {
    async fn list_apis(&self, scope: &Scope) -> StoreResult<Vec<RestApi>> {
        sql::list_apis(&*self.client().await?, scope).await
    }

    async fn get_api(
        &self,
        scope: &Scope,
        api_id: &str,
    ) -> StoreResult<Versioned<Arc<ApiDefinition>>> {
        let c = self.client().await?;
        let k = (scope.clone(), api_id.to_string());
        let rev = sql::api_revision(&*c, scope, api_id).await?;
        if let Some((r, def)) = lock(&self.inner.apis).get(&k)
            && *r == rev
        {
            return Ok(Versioned {
                value: def.clone(),
                revision: rev,
            });
        }
        let (rev, def) = sql::get_api(&*c, scope, api_id).await?;
        let def = Arc::new(def);
        lock(&self.inner.apis).insert(k, (rev, def.clone()));
        Ok(Versioned {
            value: def,
            revision: rev,
        })
    }

    async fn put_api(
        &self,
        scope: &Scope,
        def: &ApiDefinition,
        expected: Option<Revision>,
    ) -> StoreResult<Revision> {
        let rev = write_tx!(self, |tx, rev| {
            sql::put_api(&tx, scope, def, expected, rev).await?;
            rev
        });
        lock(&self.inner.apis).insert(
            (scope.clone(), def.api.id.clone()),
            (rev, Arc::new(def.clone())),
        );
        Ok(rev)
    }

    async fn delete_api(&self, scope: &Scope, api_id: &str) -> StoreResult<()> {
        write_tx!(self, |tx, _rev| sql::delete_api(&tx, scope, api_id).await?);
        lock(&self.inner.apis).remove(&(scope.clone(), api_id.to_string()));
        Ok(())
    }

    async fn create_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment: &Deployment,
        snapshot: &DeploymentSnapshot,
        stage: Option<StageWrite>,
    ) -> StoreResult<()> {
        let encoded = snapshot.encode();
        write_tx!(self, |tx, rev| {
            sql::insert_deployment(&tx, scope, api_id, deployment, &encoded).await?;
            if let Some(w) = &stage {
                sql::put_stage(&tx, scope, api_id, w, rev).await?;
            }
        });
        Ok(())
    }

    async fn get_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment_id: &str,
    ) -> StoreResult<Deployment> {
        sql::get_deployment(&*self.client().await?, scope, api_id, deployment_id).await
    }

    async fn get_snapshot(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment_id: &str,
    ) -> StoreResult<Arc<DeploymentSnapshot>> {
        let bytes = sql::get_snapshot(&*self.client().await?, scope, api_id, deployment_id).await?;
        DeploymentSnapshot::decode(&bytes)
            .map(Arc::new)
            .map_err(|e| StoreError::Backend(e.to_string()))
    }

    async fn list_deployments(&self, scope: &Scope, api_id: &str) -> StoreResult<Vec<Deployment>> {
        sql::list_deployments(&*self.client().await?, scope, api_id).await
    }

    async fn update_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment: &Deployment,
    ) -> StoreResult<()> {
        write_tx!(self, |tx, _rev| sql::update_deployment(
            &tx, scope, api_id, deployment
        )
        .await?);
        Ok(())
    }

    async fn delete_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment_id: &str,
    ) -> StoreResult<()> {
        write_tx!(self, |tx, _rev| {
            sql::delete_deployment(&tx, scope, api_id, deployment_id).await?
        });
        Ok(())
    }

    async fn list_stages(&self, scope: &Scope, api_id: &str) -> StoreResult<Vec<Versioned<Stage>>> {
        sql::list_stages(&*self.client().await?, scope, api_id).await
    }

    async fn get_stage(
        &self,
        scope: &Scope,
        api_id: &str,
        stage_name: &str,
    ) -> StoreResult<Versioned<Stage>> {
        sql::get_stage(&*self.client().await?, scope, api_id, stage_name).await
    }

    async fn put_stage(
        &self,
        scope: &Scope,
        api_id: &str,
        write: StageWrite,
    ) -> StoreResult<Revision> {
        Ok(write_tx!(self, |tx, rev| {
            sql::put_stage(&tx, scope, api_id, &write, rev).await?;
            rev
        }))
    }

    async fn delete_stage(&self, scope: &Scope, api_id: &str, stage_name: &str) -> StoreResult<()> {
        write_tx!(self, |tx, _rev| sql::delete_stage(
            &tx, scope, api_id, stage_name
        )
        .await?);
        Ok(())
    }

    async fn all_stages(&self) -> StoreResult<Vec<StageRecord>> {
        sql::all_stages(&*self.client().await?).await
    }

    async fn get_account(&self, scope: &Scope) -> StoreResult<Option<Account>> {
        sql::get_doc(&*self.client().await?, Kind::Account, scope, "").await
    }

    async fn put_account(&self, scope: &Scope, account: &Account) -> StoreResult<()> {
        let doc = sql::to_json(account);
        write_tx!(self, |tx, _rev| sql::put_doc(
            &tx,
            Kind::Account,
            scope,
            "",
            &doc
        )
        .await?);
        Ok(())
    }

    async fn list_client_certificates(&self, scope: &Scope) -> StoreResult<Vec<ClientCertificate>> {
        sql::list_docs(&*self.client().await?, Kind::ClientCertificate, scope).await
    }

    async fn get_client_certificate(
        &self,
        scope: &Scope,
        id: &str,
    ) -> StoreResult<ClientCertificate> {
        sql::get_doc(&*self.client().await?, Kind::ClientCertificate, scope, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn put_client_certificate(
        &self,
        scope: &Scope,
        cert: &ClientCertificate,
    ) -> StoreResult<()> {
        self.put(
            Kind::ClientCertificate,
            scope,
            &cert.client_certificate_id,
            cert,
        )
        .await
    }

    async fn delete_client_certificate(&self, scope: &Scope, id: &str) -> StoreResult<()> {
        self.delete(Kind::ClientCertificate, scope, id).await
    }

    async fn list_vpc_links(&self, scope: &Scope) -> StoreResult<Vec<VpcLink>> {
        sql::list_docs(&*self.client().await?, Kind::VpcLink, scope).await
    }

    async fn get_vpc_link(&self, scope: &Scope, id: &str) -> StoreResult<VpcLink> {
        self.get(Kind::VpcLink, scope, id).await
    }

    async fn put_vpc_link(&self, scope: &Scope, link: &VpcLink) -> StoreResult<()> {
        self.put(Kind::VpcLink, scope, &link.id, link).await
    }

    async fn delete_vpc_link(&self, scope: &Scope, id: &str) -> StoreResult<()> {
        self.delete(Kind::VpcLink, scope, id).await
    }

    async fn list_api_keys(&self, scope: &Scope) -> StoreResult<Vec<ApiKey>> {
        sql::list_docs(&*self.client().await?, Kind::ApiKey, scope).await
    }

    async fn get_api_key(&self, scope: &Scope, id: &str) -> StoreResult<ApiKey> {
        self.get(Kind::ApiKey, scope, id).await
    }

    async fn put_api_key(&self, scope: &Scope, key: &ApiKey) -> StoreResult<()> {
        self.put(Kind::ApiKey, scope, &key.id, key).await
    }

    async fn delete_api_key(&self, scope: &Scope, id: &str) -> StoreResult<()> {
        self.delete(Kind::ApiKey, scope, id).await
    }

    async fn list_usage_plans(&self, scope: &Scope) -> StoreResult<Vec<UsagePlan>> {
        sql::list_docs(&*self.client().await?, Kind::UsagePlan, scope).await
    }

    async fn get_usage_plan(&self, scope: &Scope, id: &str) -> StoreResult<UsagePlan> {
        self.get(Kind::UsagePlan, scope, id).await
    }

    async fn put_usage_plan(&self, scope: &Scope, plan: &UsagePlan) -> StoreResult<()> {
        self.put(Kind::UsagePlan, scope, &plan.id, plan).await
    }

    async fn delete_usage_plan(&self, scope: &Scope, id: &str) -> StoreResult<()> {
        self.delete(Kind::UsagePlan, scope, id).await
    }

    async fn list_domain_names(
        &self,
        scope: &Scope,
    ) -> StoreResult<Vec<proscenium_model::DomainName>> {
        sql::list_docs(&*self.client().await?, Kind::DomainName, scope).await
    }

    async fn get_domain_name(
        &self,
        scope: &Scope,
        name: &str,
    ) -> StoreResult<proscenium_model::DomainName> {
        self.get(Kind::DomainName, scope, name).await
    }

    async fn put_domain_name(
        &self,
        scope: &Scope,
        domain: &proscenium_model::DomainName,
    ) -> StoreResult<()> {
        self.put(Kind::DomainName, scope, &domain.domain_name, domain)
            .await
    }

    async fn delete_domain_name(&self, scope: &Scope, name: &str) -> StoreResult<()> {
        write_tx!(self, |tx, _rev| {
            sql::delete_doc(&tx, Kind::DomainName, scope, name).await?;
            sql::delete_mappings(&tx, scope, name).await?
        });
        Ok(())
    }

    async fn list_base_path_mappings(
        &self,
        scope: &Scope,
        domain: &str,
    ) -> StoreResult<Vec<proscenium_model::BasePathMapping>> {
        let c = self.client().await?;
        sql::get_doc::<_, proscenium_model::DomainName>(&*c, Kind::DomainName, scope, domain)
            .await?
            .ok_or(StoreError::NotFound)?;
        sql::list_mappings(&*c, scope, domain).await
    }

    async fn put_base_path_mapping(
        &self,
        scope: &Scope,
        domain: &str,
        mapping: &proscenium_model::BasePathMapping,
        replacing: Option<&str>,
    ) -> StoreResult<()> {
        let doc = sql::to_json(mapping);
        let id = sql::mapping_id(domain, &mapping.base_path);
        write_tx!(self, |tx, _rev| {
            sql::get_doc::<_, proscenium_model::DomainName>(&tx, Kind::DomainName, scope, domain)
                .await?
                .ok_or(StoreError::NotFound)?;
            if let Some(old) = replacing.filter(|old| *old != mapping.base_path) {
                let old = sql::mapping_id(domain, old);
                sql::delete_doc(&tx, Kind::BasePathMapping, scope, &old).await?;
            }
            sql::put_doc(&tx, Kind::BasePathMapping, scope, &id, &doc).await?
        });
        Ok(())
    }

    async fn delete_base_path_mapping(
        &self,
        scope: &Scope,
        domain: &str,
        base_path: &str,
    ) -> StoreResult<()> {
        self.delete(
            Kind::BasePathMapping,
            scope,
            &sql::mapping_id(domain, base_path),
        )
        .await
    }

    async fn all_domain_names(&self) -> StoreResult<Vec<crate::DomainRecord>> {
        sql::all_domain_names(&*self.client().await?).await
    }

    async fn all_keys_and_plans(&self) -> StoreResult<Vec<crate::KeysAndPlans>> {
        sql::all_keys_and_plans(&*self.client().await?).await
    }

    async fn add_usage(&self, scope: &Scope, counts: &[UsageCount]) -> StoreResult<()> {
        // Counters do not move the change feed: nothing served changes.
        let mut guard = self.client().await?;
        let tx = guard.transaction().await.map_err(pg)?;
        sql::add_usage(&tx, scope, counts).await?;
        tx.commit().await.map_err(pg)
    }

    async fn get_usage(
        &self,
        scope: &Scope,
        plan_id: &str,
        key_id: Option<&str>,
        from: i64,
        to: i64,
    ) -> StoreResult<Vec<UsageCount>> {
        sql::get_usage(&*self.client().await?, scope, plan_id, key_id, from, to).await
    }

    async fn all_usage(&self, from: i64, to: i64) -> StoreResult<Vec<(Scope, UsageCount)>> {
        sql::all_usage(&*self.client().await?, from, to).await
    }

    fn watch(&self) -> watch::Receiver<u64> {
        self.inner.feed.subscribe()
    }
}

/// The generic documents (`docs` table): what each entity stored whole needs.
impl PostgresStore {
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        kind: Kind,
        scope: &Scope,
        id: &str,
    ) -> StoreResult<T> {
        sql::get_doc(&*self.client().await?, kind, scope, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn put<T: serde::Serialize + Sync>(
        &self,
        kind: Kind,
        scope: &Scope,
        id: &str,
        value: &T,
    ) -> StoreResult<()> {
        let doc = sql::to_json(value);
        write_tx!(self, |tx, _rev| sql::put_doc(&tx, kind, scope, id, &doc)
            .await?);
        Ok(())
    }

    async fn delete(&self, kind: Kind, scope: &Scope, id: &str) -> StoreResult<()> {
        write_tx!(self, |tx, _rev| sql::delete_doc(&tx, kind, scope, id)
            .await?);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
