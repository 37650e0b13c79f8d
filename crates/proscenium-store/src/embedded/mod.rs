//! The embedded store: SQLite in WAL mode with `synchronous=FULL`, so every acknowledged
//! change is on disk before the caller hears of it, and each trait method is one transaction.
//!
//! Decoded API definitions are cached in memory (one per API, read far more often than
//! written). Snapshots are not: the data plane keeps its own compiled form of the deployments
//! stages use, and caching every snapshot here would grow without bound with each deployment.

mod migrations;
mod sql;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use proscenium_model::{
    Account, ApiDefinition, ApiKey, BasePathMapping, ClientCertificate, Deployment,
    DeploymentSnapshot, DomainName, RestApi, Scope, Stage, UsagePlan, VpcLink,
};
use rusqlite::Connection;
use tokio::sync::watch;

use crate::{
    Revision, StageRecord, StageWrite, Store, StoreError, StoreResult, UsageCount, Versioned,
};

type CacheKey = (Scope, String);

pub struct SqliteStore {
    inner: Arc<Shared>,
}

struct Shared {
    conn: Mutex<Connection>,
    apis: Mutex<HashMap<CacheKey, (Revision, Arc<ApiDefinition>)>>,
    feed: watch::Sender<u64>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it to this binary's schema.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let conn = Connection::open(path).map_err(backend)?;
        Self::from_connection(conn)
    }

    /// A private database in memory (tests).
    pub fn open_in_memory() -> StoreResult<Self> {
        Self::from_connection(Connection::open_in_memory().map_err(backend)?)
    }

    fn from_connection(mut conn: Connection) -> StoreResult<Self> {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(backend)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(backend)?;
        migrations::migrate(&mut conn)?;
        Ok(SqliteStore {
            inner: Arc::new(Shared {
                conn: Mutex::new(conn),
                apis: Mutex::new(HashMap::new()),
                feed: watch::channel(0).0,
            }),
        })
    }

    /// The schema version this database is at.
    pub fn schema_version(&self) -> StoreResult<u32> {
        migrations::version(&lock(&self.inner.conn))
    }

    /// Runs `f` with the connection on the blocking pool (SQLite calls block).
    async fn run<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Shared, &mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = lock(&inner.conn);
            f(&inner, &mut conn)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
    }

    /// Like [`run`](Self::run) for writes: the change feed moves inside the blocking task,
    /// right after the commit, so a caller that goes away cannot leave a committed change
    /// unannounced.
    async fn run_write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Shared, &mut Connection) -> StoreResult<T> + Send + 'static,
    {
        self.run(move |sh, c| {
            let out = f(sh, c)?;
            sh.feed.send_modify(|v| *v += 1);
            Ok(out)
        })
        .await
    }
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

#[async_trait]
impl Store for SqliteStore {
    async fn list_apis(&self, scope: &Scope) -> StoreResult<Vec<RestApi>> {
        let scope = scope.clone();
        self.run(move |_, c| sql::list_apis(c, &scope)).await
    }

    async fn get_api(
        &self,
        scope: &Scope,
        api_id: &str,
    ) -> StoreResult<Versioned<Arc<ApiDefinition>>> {
        let k = (scope.clone(), api_id.to_string());
        self.run(move |sh, c| {
            let rev = sql::api_revision(c, &k.0, &k.1)?;
            if let Some((r, def)) = lock(&sh.apis).get(&k)
                && *r == rev
            {
                return Ok(Versioned {
                    value: def.clone(),
                    revision: rev,
                });
            }
            let def = Arc::new(sql::get_api(c, &k.0, &k.1)?);
            lock(&sh.apis).insert(k, (rev, def.clone()));
            Ok(Versioned {
                value: def,
                revision: rev,
            })
        })
        .await
    }

    async fn put_api(
        &self,
        scope: &Scope,
        def: &ApiDefinition,
        expected: Option<Revision>,
    ) -> StoreResult<Revision> {
        let scope = scope.clone();
        let def = Arc::new(def.clone());
        let rev = self
            .run_write(move |sh, c| {
                let tx = c.transaction().map_err(backend)?;
                let rev = sql::put_api(&tx, &scope, &def, expected)?;
                tx.commit().map_err(backend)?;
                lock(&sh.apis).insert((scope, def.api.id.clone()), (rev, def));
                Ok(rev)
            })
            .await?;
        Ok(rev)
    }

    async fn delete_api(&self, scope: &Scope, api_id: &str) -> StoreResult<()> {
        let k = (scope.clone(), api_id.to_string());
        self.run_write(move |sh, c| {
            let tx = c.transaction().map_err(backend)?;
            sql::delete_api(&tx, &k.0, &k.1)?;
            tx.commit().map_err(backend)?;
            lock(&sh.apis).remove(&k);
            Ok(())
        })
        .await?;
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
        let (scope, api_id, deployment) = (scope.clone(), api_id.to_string(), deployment.clone());
        let encoded = snapshot.encode();
        self.run_write(move |_, c| {
            let tx = c.transaction().map_err(backend)?;
            sql::insert_deployment(&tx, &scope, &api_id, &deployment, &encoded)?;
            if let Some(w) = stage {
                sql::put_stage(&tx, &scope, &api_id, &w)?;
            }
            tx.commit().map_err(backend)?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    async fn get_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment_id: &str,
    ) -> StoreResult<Deployment> {
        let (s, a, d) = (scope.clone(), api_id.to_string(), deployment_id.to_string());
        self.run(move |_, c| sql::get_deployment(c, &s, &a, &d))
            .await
    }

    async fn get_snapshot(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment_id: &str,
    ) -> StoreResult<Arc<DeploymentSnapshot>> {
        let k = (scope.clone(), api_id.to_string(), deployment_id.to_string());
        self.run(move |_, c| Ok(Arc::new(sql::get_snapshot(c, &k.0, &k.1, &k.2)?)))
            .await
    }

    async fn list_deployments(&self, scope: &Scope, api_id: &str) -> StoreResult<Vec<Deployment>> {
        let (s, a) = (scope.clone(), api_id.to_string());
        self.run(move |_, c| sql::list_deployments(c, &s, &a)).await
    }

    async fn update_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment: &Deployment,
    ) -> StoreResult<()> {
        let (s, a, d) = (scope.clone(), api_id.to_string(), deployment.clone());
        self.run_write(move |_, c| sql::update_deployment(c, &s, &a, &d))
            .await?;
        Ok(())
    }

    async fn delete_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment_id: &str,
    ) -> StoreResult<()> {
        let (s, a, d) = (scope.clone(), api_id.to_string(), deployment_id.to_string());
        self.run_write(move |_, c| {
            let tx = c.transaction().map_err(backend)?;
            sql::delete_deployment(&tx, &s, &a, &d)?;
            tx.commit().map_err(backend)?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    async fn list_stages(&self, scope: &Scope, api_id: &str) -> StoreResult<Vec<Versioned<Stage>>> {
        let (s, a) = (scope.clone(), api_id.to_string());
        self.run(move |_, c| sql::list_stages(c, &s, &a)).await
    }

    async fn get_stage(
        &self,
        scope: &Scope,
        api_id: &str,
        stage_name: &str,
    ) -> StoreResult<Versioned<Stage>> {
        let (s, a, n) = (scope.clone(), api_id.to_string(), stage_name.to_string());
        self.run(move |_, c| sql::get_stage(c, &s, &a, &n)).await
    }

    async fn put_stage(
        &self,
        scope: &Scope,
        api_id: &str,
        write: StageWrite,
    ) -> StoreResult<Revision> {
        let (s, a) = (scope.clone(), api_id.to_string());
        let rev = self
            .run_write(move |_, c| {
                let tx = c.transaction().map_err(backend)?;
                let rev = sql::put_stage(&tx, &s, &a, &write)?;
                tx.commit().map_err(backend)?;
                Ok(rev)
            })
            .await?;
        Ok(rev)
    }

    async fn delete_stage(&self, scope: &Scope, api_id: &str, stage_name: &str) -> StoreResult<()> {
        let (s, a, n) = (scope.clone(), api_id.to_string(), stage_name.to_string());
        self.run_write(move |_, c| sql::delete_stage(c, &s, &a, &n))
            .await?;
        Ok(())
    }

    async fn all_stages(&self) -> StoreResult<Vec<StageRecord>> {
        self.run(|_, c| sql::all_stages(c)).await
    }

    async fn get_account(&self, scope: &Scope) -> StoreResult<Option<Account>> {
        let s = scope.clone();
        self.run(move |_, c| sql::get_doc(c, "accounts", &s, ""))
            .await
    }

    async fn put_account(&self, scope: &Scope, account: &Account) -> StoreResult<()> {
        let (s, doc) = (scope.clone(), sql::to_json(account));
        self.run_write(move |_, c| sql::put_doc(c, "accounts", &s, "", &doc))
            .await?;
        Ok(())
    }

    async fn list_client_certificates(&self, scope: &Scope) -> StoreResult<Vec<ClientCertificate>> {
        let s = scope.clone();
        self.run(move |_, c| sql::list_docs(c, "client_certificates", &s))
            .await
    }

    async fn get_client_certificate(
        &self,
        scope: &Scope,
        id: &str,
    ) -> StoreResult<ClientCertificate> {
        let (s, id) = (scope.clone(), id.to_string());
        self.run(move |_, c| {
            sql::get_doc(c, "client_certificates", &s, &id)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn put_client_certificate(
        &self,
        scope: &Scope,
        cert: &ClientCertificate,
    ) -> StoreResult<()> {
        let (s, id, doc) = (
            scope.clone(),
            cert.client_certificate_id.clone(),
            sql::to_json(cert),
        );
        self.run_write(move |_, c| sql::put_doc(c, "client_certificates", &s, &id, &doc))
            .await?;
        Ok(())
    }

    async fn delete_client_certificate(&self, scope: &Scope, id: &str) -> StoreResult<()> {
        let (s, id) = (scope.clone(), id.to_string());
        self.run_write(move |_, c| sql::delete_doc(c, "client_certificates", &s, &id))
            .await?;
        Ok(())
    }

    async fn list_vpc_links(&self, scope: &Scope) -> StoreResult<Vec<VpcLink>> {
        let s = scope.clone();
        self.run(move |_, c| sql::list_docs(c, "vpc_links", &s))
            .await
    }

    async fn get_vpc_link(&self, scope: &Scope, id: &str) -> StoreResult<VpcLink> {
        let (s, id) = (scope.clone(), id.to_string());
        self.run(move |_, c| sql::get_doc(c, "vpc_links", &s, &id)?.ok_or(StoreError::NotFound))
            .await
    }

    async fn put_vpc_link(&self, scope: &Scope, link: &VpcLink) -> StoreResult<()> {
        let (s, id, doc) = (scope.clone(), link.id.clone(), sql::to_json(link));
        self.run_write(move |_, c| sql::put_doc(c, "vpc_links", &s, &id, &doc))
            .await
    }

    async fn delete_vpc_link(&self, scope: &Scope, id: &str) -> StoreResult<()> {
        let (s, id) = (scope.clone(), id.to_string());
        self.run_write(move |_, c| sql::delete_doc(c, "vpc_links", &s, &id))
            .await
    }

    async fn list_api_keys(&self, scope: &Scope) -> StoreResult<Vec<ApiKey>> {
        let s = scope.clone();
        self.run(move |_, c| sql::list_docs(c, "api_keys", &s))
            .await
    }

    async fn get_api_key(&self, scope: &Scope, id: &str) -> StoreResult<ApiKey> {
        let (s, id) = (scope.clone(), id.to_string());
        self.run(move |_, c| sql::get_doc(c, "api_keys", &s, &id)?.ok_or(StoreError::NotFound))
            .await
    }

    async fn put_api_key(&self, scope: &Scope, key: &ApiKey) -> StoreResult<()> {
        let (s, id, doc) = (scope.clone(), key.id.clone(), sql::to_json(key));
        self.run_write(move |_, c| sql::put_doc(c, "api_keys", &s, &id, &doc))
            .await
    }

    async fn delete_api_key(&self, scope: &Scope, id: &str) -> StoreResult<()> {
        let (s, id) = (scope.clone(), id.to_string());
        self.run_write(move |_, c| sql::delete_doc(c, "api_keys", &s, &id))
            .await
    }

    async fn list_usage_plans(&self, scope: &Scope) -> StoreResult<Vec<UsagePlan>> {
        let s = scope.clone();
        self.run(move |_, c| sql::list_docs(c, "usage_plans", &s))
            .await
    }

    async fn get_usage_plan(&self, scope: &Scope, id: &str) -> StoreResult<UsagePlan> {
        let (s, id) = (scope.clone(), id.to_string());
        self.run(move |_, c| sql::get_doc(c, "usage_plans", &s, &id)?.ok_or(StoreError::NotFound))
            .await
    }

    async fn put_usage_plan(&self, scope: &Scope, plan: &UsagePlan) -> StoreResult<()> {
        let (s, id, doc) = (scope.clone(), plan.id.clone(), sql::to_json(plan));
        self.run_write(move |_, c| sql::put_doc(c, "usage_plans", &s, &id, &doc))
            .await
    }

    async fn delete_usage_plan(&self, scope: &Scope, id: &str) -> StoreResult<()> {
        let (s, id) = (scope.clone(), id.to_string());
        self.run_write(move |_, c| sql::delete_doc(c, "usage_plans", &s, &id))
            .await
    }

    async fn all_keys_and_plans(&self) -> StoreResult<Vec<crate::KeysAndPlans>> {
        self.run(move |_, c| sql::all_keys_and_plans(c)).await
    }

    async fn add_usage(&self, scope: &Scope, counts: &[UsageCount]) -> StoreResult<()> {
        let (s, counts) = (scope.clone(), counts.to_vec());
        // Counters do not move the change feed: nothing served changes.
        self.run(move |_, c| sql::add_usage(c, &s, &counts)).await
    }

    async fn get_usage(
        &self,
        scope: &Scope,
        plan_id: &str,
        key_id: Option<&str>,
        from: i64,
        to: i64,
    ) -> StoreResult<Vec<UsageCount>> {
        let (s, p, k) = (
            scope.clone(),
            plan_id.to_string(),
            key_id.map(str::to_string),
        );
        self.run(move |_, c| sql::get_usage(c, &s, &p, k.as_deref(), from, to))
            .await
    }

    async fn all_usage(&self, from: i64, to: i64) -> StoreResult<Vec<(Scope, UsageCount)>> {
        self.run(move |_, c| sql::all_usage(c, from, to)).await
    }

    async fn list_domain_names(&self, scope: &Scope) -> StoreResult<Vec<DomainName>> {
        let s = scope.clone();
        self.run(move |_, c| sql::list_docs(c, "domain_names", &s))
            .await
    }

    async fn get_domain_name(&self, scope: &Scope, name: &str) -> StoreResult<DomainName> {
        let (s, id) = (scope.clone(), name.to_string());
        self.run(move |_, c| sql::get_doc(c, "domain_names", &s, &id)?.ok_or(StoreError::NotFound))
            .await
    }

    async fn put_domain_name(&self, scope: &Scope, domain: &DomainName) -> StoreResult<()> {
        let (s, id, doc) = (
            scope.clone(),
            domain.domain_name.clone(),
            sql::to_json(domain),
        );
        self.run_write(move |_, c| sql::put_doc(c, "domain_names", &s, &id, &doc))
            .await
    }

    async fn delete_domain_name(&self, scope: &Scope, name: &str) -> StoreResult<()> {
        let (s, id) = (scope.clone(), name.to_string());
        // The mappings go with it (ON DELETE CASCADE).
        self.run_write(move |_, c| sql::delete_doc(c, "domain_names", &s, &id))
            .await
    }

    async fn list_base_path_mappings(
        &self,
        scope: &Scope,
        domain: &str,
    ) -> StoreResult<Vec<BasePathMapping>> {
        let (s, d) = (scope.clone(), domain.to_string());
        self.run(move |_, c| sql::list_base_path_mappings(c, &s, &d))
            .await
    }

    async fn put_base_path_mapping(
        &self,
        scope: &Scope,
        domain: &str,
        mapping: &BasePathMapping,
        replacing: Option<&str>,
    ) -> StoreResult<()> {
        let (s, d, m, r) = (
            scope.clone(),
            domain.to_string(),
            mapping.clone(),
            replacing.map(str::to_string),
        );
        self.run_write(move |_, c| {
            let tx = c.transaction().map_err(backend)?;
            sql::put_base_path_mapping(&tx, &s, &d, &m, r.as_deref())?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn delete_base_path_mapping(
        &self,
        scope: &Scope,
        domain: &str,
        base_path: &str,
    ) -> StoreResult<()> {
        let (s, d, b) = (scope.clone(), domain.to_string(), base_path.to_string());
        self.run_write(move |_, c| sql::delete_base_path_mapping(c, &s, &d, &b))
            .await
    }

    async fn all_domain_names(&self) -> StoreResult<Vec<crate::DomainRecord>> {
        self.run(|_, c| sql::all_domain_names(c)).await
    }

    fn watch(&self) -> watch::Receiver<u64> {
        self.inner.feed.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn conformance() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("state.db")).unwrap();
        crate::testsuite::run(&store).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn reopening_keeps_everything_and_schema_is_versioned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let s = Scope::new("000000000000", "us-east-1");
        let def = crate::testsuite::api("p1", 1.0);
        {
            let store = SqliteStore::open(&path).unwrap();
            store.put_api(&s, &def, None).await.unwrap();
            let snap = proscenium_model::snapshot::build("d1", &def).unwrap();
            let d = Deployment {
                id: "d1".into(),
                description: None,
                created_date: 1.0,
                api_summary: Default::default(),
            };
            let w = StageWrite {
                stage: crate::testsuite::stage("dev", "d1"),
                expected: None,
            };
            store
                .create_deployment(&s, "p1", &d, &snap, Some(w))
                .await
                .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), migrations::SCHEMA_VERSION);
        assert_eq!(*store.get_api(&s, "p1").await.unwrap().value, def);
        assert_eq!(
            store.get_snapshot(&s, "p1", "d1").await.unwrap().definition,
            def
        );
        assert_eq!(
            store
                .get_stage(&s, "p1", "dev")
                .await
                .unwrap()
                .value
                .deployment_id,
            "d1"
        );
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        drop(SqliteStore::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 999).unwrap();
        drop(c);
        assert!(SqliteStore::open(&path).is_err());
    }
}
