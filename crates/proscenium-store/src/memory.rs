//! An in-memory [`Store`] with the same semantics as the embedded one, for fast tests.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use proscenium_model::{
    Account, ApiDefinition, BasePathMapping, ClientCertificate, Deployment, DeploymentSnapshot,
    DomainName, RestApi, Scope, Stage, UsagePlan, VpcLink,
};
use tokio::sync::watch;

use crate::{
    DEPLOYMENT_IN_USE, Revision, StageRecord, StageWrite, Store, StoreError, StoreResult,
    UsageCount, Versioned,
};

type ApiKey = (Scope, String);

struct ApiEntry {
    def: Arc<ApiDefinition>,
    revision: Revision,
    deployments: BTreeMap<String, (Deployment, Arc<DeploymentSnapshot>)>,
    stages: BTreeMap<String, (Stage, Revision)>,
}

#[derive(Default)]
struct Inner {
    apis: BTreeMap<ApiKey, ApiEntry>,
    accounts: BTreeMap<Scope, Account>,
    certs: BTreeMap<(Scope, String), ClientCertificate>,
    vpc_links: BTreeMap<(Scope, String), VpcLink>,
    keys: BTreeMap<(Scope, String), proscenium_model::ApiKey>,
    plans: BTreeMap<(Scope, String), UsagePlan>,
    domains: BTreeMap<(Scope, String), DomainName>,
    /// (scope, domain, base path) → mapping.
    mappings: BTreeMap<(Scope, String, String), BasePathMapping>,
    /// (scope, plan, key, day) → used.
    usage: BTreeMap<(Scope, String, String, i64), i64>,
    next_revision: Revision,
}

pub struct MemoryStore {
    inner: Mutex<Inner>,
    feed: watch::Sender<u64>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore {
            inner: Mutex::new(Inner::default()),
            feed: watch::channel(0).0,
        }
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn changed(&self) {
        self.feed.send_modify(|v| *v += 1);
    }
}

fn key(scope: &Scope, api_id: &str) -> ApiKey {
    (scope.clone(), api_id.to_string())
}

impl Inner {
    fn bump(&mut self) -> Revision {
        self.next_revision += 1;
        self.next_revision
    }

    fn check_stage_refs(entry: &ApiEntry, stage: &Stage) -> StoreResult<()> {
        let mut ids = vec![stage.deployment_id.as_str()];
        if let Some(c) = stage
            .canary_settings
            .as_ref()
            .and_then(|c| c.deployment_id.as_deref())
        {
            ids.push(c);
        }
        for id in ids {
            if !entry.deployments.contains_key(id) {
                return Err(StoreError::PreconditionFailed(format!(
                    "deployment {id} does not exist"
                )));
            }
        }
        Ok(())
    }

    fn write_stage(&mut self, k: &ApiKey, write: StageWrite) -> StoreResult<Revision> {
        let rev = self.bump();
        let entry = self.apis.get_mut(k).ok_or(StoreError::NotFound)?;
        let current = entry.stages.get(&write.stage.stage_name).map(|(_, r)| *r);
        if current != write.expected {
            return Err(StoreError::Conflict(format!(
                "stage {} changed",
                write.stage.stage_name
            )));
        }
        Self::check_stage_refs(entry, &write.stage)?;
        entry
            .stages
            .insert(write.stage.stage_name.clone(), (write.stage, rev));
        Ok(rev)
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn list_apis(&self, scope: &Scope) -> StoreResult<Vec<RestApi>> {
        let g = self.lock();
        let mut v: Vec<RestApi> = g
            .apis
            .iter()
            .filter(|((s, _), _)| s == scope)
            .map(|(_, e)| e.def.api.clone())
            .collect();
        v.sort_by(|a, b| {
            a.created_date
                .total_cmp(&b.created_date)
                .then(a.id.cmp(&b.id))
        });
        Ok(v)
    }

    async fn get_api(
        &self,
        scope: &Scope,
        api_id: &str,
    ) -> StoreResult<Versioned<Arc<ApiDefinition>>> {
        let g = self.lock();
        let e = g
            .apis
            .get(&key(scope, api_id))
            .ok_or(StoreError::NotFound)?;
        Ok(Versioned {
            value: e.def.clone(),
            revision: e.revision,
        })
    }

    async fn put_api(
        &self,
        scope: &Scope,
        def: &ApiDefinition,
        expected: Option<Revision>,
    ) -> StoreResult<Revision> {
        let mut g = self.lock();
        let rev = g.bump();
        let k = key(scope, &def.api.id);
        match (g.apis.get_mut(&k), expected) {
            (None, None) => {
                g.apis.insert(
                    k,
                    ApiEntry {
                        def: Arc::new(def.clone()),
                        revision: rev,
                        deployments: BTreeMap::new(),
                        stages: BTreeMap::new(),
                    },
                );
            }
            (Some(e), Some(exp)) if e.revision == exp => {
                e.def = Arc::new(def.clone());
                e.revision = rev;
            }
            (None, Some(_)) => return Err(StoreError::NotFound),
            _ => return Err(StoreError::Conflict(format!("api {} changed", def.api.id))),
        }
        drop(g);
        self.changed();
        Ok(rev)
    }

    async fn delete_api(&self, scope: &Scope, api_id: &str) -> StoreResult<()> {
        self.lock()
            .apis
            .remove(&key(scope, api_id))
            .ok_or(StoreError::NotFound)?;
        self.changed();
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
        let mut g = self.lock();
        let k = key(scope, api_id);
        let entry = g.apis.get_mut(&k).ok_or(StoreError::NotFound)?;
        if entry.deployments.contains_key(&deployment.id) {
            return Err(StoreError::Conflict(format!(
                "deployment {} exists",
                deployment.id
            )));
        }
        entry.deployments.insert(
            deployment.id.clone(),
            (deployment.clone(), Arc::new(snapshot.clone())),
        );
        if let Some(w) = stage
            && let Err(e) = g.write_stage(&k, w)
        {
            // Roll back the deployment: the pair is atomic.
            if let Some(entry) = g.apis.get_mut(&k) {
                entry.deployments.remove(&deployment.id);
            }
            return Err(e);
        }
        drop(g);
        self.changed();
        Ok(())
    }

    async fn get_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment_id: &str,
    ) -> StoreResult<Deployment> {
        let g = self.lock();
        let e = g
            .apis
            .get(&key(scope, api_id))
            .ok_or(StoreError::NotFound)?;
        e.deployments
            .get(deployment_id)
            .map(|(d, _)| d.clone())
            .ok_or(StoreError::NotFound)
    }

    async fn get_snapshot(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment_id: &str,
    ) -> StoreResult<Arc<DeploymentSnapshot>> {
        let g = self.lock();
        let e = g
            .apis
            .get(&key(scope, api_id))
            .ok_or(StoreError::NotFound)?;
        e.deployments
            .get(deployment_id)
            .map(|(_, s)| s.clone())
            .ok_or(StoreError::NotFound)
    }

    async fn list_deployments(&self, scope: &Scope, api_id: &str) -> StoreResult<Vec<Deployment>> {
        let g = self.lock();
        let e = g
            .apis
            .get(&key(scope, api_id))
            .ok_or(StoreError::NotFound)?;
        let mut v: Vec<Deployment> = e.deployments.values().map(|(d, _)| d.clone()).collect();
        v.sort_by(|a, b| {
            a.created_date
                .total_cmp(&b.created_date)
                .then(a.id.cmp(&b.id))
        });
        Ok(v)
    }

    async fn update_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment: &Deployment,
    ) -> StoreResult<()> {
        let mut g = self.lock();
        let e = g
            .apis
            .get_mut(&key(scope, api_id))
            .ok_or(StoreError::NotFound)?;
        let slot = e
            .deployments
            .get_mut(&deployment.id)
            .ok_or(StoreError::NotFound)?;
        slot.0 = deployment.clone();
        drop(g);
        self.changed();
        Ok(())
    }

    async fn delete_deployment(
        &self,
        scope: &Scope,
        api_id: &str,
        deployment_id: &str,
    ) -> StoreResult<()> {
        let mut g = self.lock();
        let e = g
            .apis
            .get_mut(&key(scope, api_id))
            .ok_or(StoreError::NotFound)?;
        if !e.deployments.contains_key(deployment_id) {
            return Err(StoreError::NotFound);
        }
        if e.stages
            .values()
            .any(|(s, _)| s.references_deployment(deployment_id))
        {
            return Err(StoreError::PreconditionFailed(DEPLOYMENT_IN_USE.into()));
        }
        e.deployments.remove(deployment_id);
        drop(g);
        self.changed();
        Ok(())
    }

    async fn list_stages(&self, scope: &Scope, api_id: &str) -> StoreResult<Vec<Versioned<Stage>>> {
        let g = self.lock();
        let e = g
            .apis
            .get(&key(scope, api_id))
            .ok_or(StoreError::NotFound)?;
        Ok(e.stages
            .values()
            .map(|(s, r)| Versioned {
                value: s.clone(),
                revision: *r,
            })
            .collect())
    }

    async fn get_stage(
        &self,
        scope: &Scope,
        api_id: &str,
        stage_name: &str,
    ) -> StoreResult<Versioned<Stage>> {
        let g = self.lock();
        let e = g
            .apis
            .get(&key(scope, api_id))
            .ok_or(StoreError::NotFound)?;
        e.stages
            .get(stage_name)
            .map(|(s, r)| Versioned {
                value: s.clone(),
                revision: *r,
            })
            .ok_or(StoreError::NotFound)
    }

    async fn put_stage(
        &self,
        scope: &Scope,
        api_id: &str,
        write: StageWrite,
    ) -> StoreResult<Revision> {
        let rev = self.lock().write_stage(&key(scope, api_id), write)?;
        self.changed();
        Ok(rev)
    }

    async fn delete_stage(&self, scope: &Scope, api_id: &str, stage_name: &str) -> StoreResult<()> {
        let mut g = self.lock();
        let e = g
            .apis
            .get_mut(&key(scope, api_id))
            .ok_or(StoreError::NotFound)?;
        e.stages.remove(stage_name).ok_or(StoreError::NotFound)?;
        drop(g);
        self.changed();
        Ok(())
    }

    async fn all_stages(&self) -> StoreResult<Vec<StageRecord>> {
        let g = self.lock();
        Ok(g.apis
            .iter()
            .flat_map(|((scope, api_id), e)| {
                e.stages.values().map(move |(s, r)| StageRecord {
                    scope: scope.clone(),
                    api_id: api_id.clone(),
                    stage: s.clone(),
                    revision: *r,
                })
            })
            .collect())
    }

    async fn get_account(&self, scope: &Scope) -> StoreResult<Option<Account>> {
        Ok(self.lock().accounts.get(scope).cloned())
    }

    async fn put_account(&self, scope: &Scope, account: &Account) -> StoreResult<()> {
        self.lock().accounts.insert(scope.clone(), account.clone());
        self.changed();
        Ok(())
    }

    async fn list_client_certificates(&self, scope: &Scope) -> StoreResult<Vec<ClientCertificate>> {
        let g = self.lock();
        Ok(g.certs
            .iter()
            .filter(|((s, _), _)| s == scope)
            .map(|(_, c)| c.clone())
            .collect())
    }

    async fn get_client_certificate(
        &self,
        scope: &Scope,
        id: &str,
    ) -> StoreResult<ClientCertificate> {
        self.lock()
            .certs
            .get(&(scope.clone(), id.to_string()))
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn put_client_certificate(
        &self,
        scope: &Scope,
        cert: &ClientCertificate,
    ) -> StoreResult<()> {
        self.lock().certs.insert(
            (scope.clone(), cert.client_certificate_id.clone()),
            cert.clone(),
        );
        self.changed();
        Ok(())
    }

    async fn delete_client_certificate(&self, scope: &Scope, id: &str) -> StoreResult<()> {
        self.lock()
            .certs
            .remove(&(scope.clone(), id.to_string()))
            .ok_or(StoreError::NotFound)?;
        self.changed();
        Ok(())
    }

    async fn list_vpc_links(&self, scope: &Scope) -> StoreResult<Vec<VpcLink>> {
        let g = self.lock();
        Ok(g.vpc_links
            .iter()
            .filter(|((s, _), _)| s == scope)
            .map(|(_, l)| l.clone())
            .collect())
    }

    async fn get_vpc_link(&self, scope: &Scope, id: &str) -> StoreResult<VpcLink> {
        self.lock()
            .vpc_links
            .get(&(scope.clone(), id.to_string()))
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn put_vpc_link(&self, scope: &Scope, link: &VpcLink) -> StoreResult<()> {
        self.lock()
            .vpc_links
            .insert((scope.clone(), link.id.clone()), link.clone());
        self.changed();
        Ok(())
    }

    async fn delete_vpc_link(&self, scope: &Scope, id: &str) -> StoreResult<()> {
        self.lock()
            .vpc_links
            .remove(&(scope.clone(), id.to_string()))
            .ok_or(StoreError::NotFound)?;
        self.changed();
        Ok(())
    }

    async fn list_api_keys(&self, scope: &Scope) -> StoreResult<Vec<proscenium_model::ApiKey>> {
        let g = self.lock();
        Ok(g.keys
            .iter()
            .filter(|((s, _), _)| s == scope)
            .map(|(_, k)| k.clone())
            .collect())
    }

    async fn get_api_key(&self, scope: &Scope, id: &str) -> StoreResult<proscenium_model::ApiKey> {
        self.lock()
            .keys
            .get(&(scope.clone(), id.to_string()))
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn put_api_key(&self, scope: &Scope, key: &proscenium_model::ApiKey) -> StoreResult<()> {
        self.lock()
            .keys
            .insert((scope.clone(), key.id.clone()), key.clone());
        self.changed();
        Ok(())
    }

    async fn delete_api_key(&self, scope: &Scope, id: &str) -> StoreResult<()> {
        self.lock()
            .keys
            .remove(&(scope.clone(), id.to_string()))
            .ok_or(StoreError::NotFound)?;
        self.changed();
        Ok(())
    }

    async fn list_usage_plans(&self, scope: &Scope) -> StoreResult<Vec<UsagePlan>> {
        let g = self.lock();
        Ok(g.plans
            .iter()
            .filter(|((s, _), _)| s == scope)
            .map(|(_, p)| p.clone())
            .collect())
    }

    async fn get_usage_plan(&self, scope: &Scope, id: &str) -> StoreResult<UsagePlan> {
        self.lock()
            .plans
            .get(&(scope.clone(), id.to_string()))
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn put_usage_plan(&self, scope: &Scope, plan: &UsagePlan) -> StoreResult<()> {
        self.lock()
            .plans
            .insert((scope.clone(), plan.id.clone()), plan.clone());
        self.changed();
        Ok(())
    }

    async fn delete_usage_plan(&self, scope: &Scope, id: &str) -> StoreResult<()> {
        self.lock()
            .plans
            .remove(&(scope.clone(), id.to_string()))
            .ok_or(StoreError::NotFound)?;
        self.changed();
        Ok(())
    }

    async fn all_keys_and_plans(&self) -> StoreResult<Vec<crate::KeysAndPlans>> {
        let g = self.lock();
        let mut out: BTreeMap<Scope, (Vec<_>, Vec<_>)> = BTreeMap::new();
        for ((s, _), k) in &g.keys {
            out.entry(s.clone()).or_default().0.push(k.clone());
        }
        for ((s, _), p) in &g.plans {
            out.entry(s.clone()).or_default().1.push(p.clone());
        }
        Ok(out.into_iter().map(|(s, (k, p))| (s, k, p)).collect())
    }

    async fn add_usage(&self, scope: &Scope, counts: &[UsageCount]) -> StoreResult<()> {
        let mut g = self.lock();
        for c in counts {
            *g.usage
                .entry((scope.clone(), c.plan_id.clone(), c.key_id.clone(), c.day))
                .or_default() += c.used;
        }
        Ok(())
    }

    async fn get_usage(
        &self,
        scope: &Scope,
        plan_id: &str,
        key_id: Option<&str>,
        from: i64,
        to: i64,
    ) -> StoreResult<Vec<UsageCount>> {
        let g = self.lock();
        Ok(g.usage
            .iter()
            .filter(|((s, p, k, d), _)| {
                s == scope
                    && p == plan_id
                    && key_id.is_none_or(|want| want == k)
                    && (from..=to).contains(d)
            })
            .map(|((_, p, k, d), used)| UsageCount {
                plan_id: p.clone(),
                key_id: k.clone(),
                day: *d,
                used: *used,
            })
            .collect())
    }

    async fn all_usage(&self, from: i64, to: i64) -> StoreResult<Vec<(Scope, UsageCount)>> {
        let g = self.lock();
        Ok(g.usage
            .iter()
            .filter(|((_, _, _, d), _)| (from..=to).contains(d))
            .map(|((s, p, k, d), used)| {
                (
                    s.clone(),
                    UsageCount {
                        plan_id: p.clone(),
                        key_id: k.clone(),
                        day: *d,
                        used: *used,
                    },
                )
            })
            .collect())
    }

    async fn list_domain_names(&self, scope: &Scope) -> StoreResult<Vec<DomainName>> {
        let g = self.lock();
        Ok(g.domains
            .iter()
            .filter(|((s, _), _)| s == scope)
            .map(|(_, d)| d.clone())
            .collect())
    }

    async fn get_domain_name(&self, scope: &Scope, name: &str) -> StoreResult<DomainName> {
        self.lock()
            .domains
            .get(&(scope.clone(), name.to_string()))
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn put_domain_name(&self, scope: &Scope, domain: &DomainName) -> StoreResult<()> {
        self.lock()
            .domains
            .insert((scope.clone(), domain.domain_name.clone()), domain.clone());
        self.changed();
        Ok(())
    }

    async fn delete_domain_name(&self, scope: &Scope, name: &str) -> StoreResult<()> {
        let mut g = self.lock();
        g.domains
            .remove(&(scope.clone(), name.to_string()))
            .ok_or(StoreError::NotFound)?;
        g.mappings.retain(|(s, d, _), _| !(s == scope && d == name));
        drop(g);
        self.changed();
        Ok(())
    }

    async fn list_base_path_mappings(
        &self,
        scope: &Scope,
        domain: &str,
    ) -> StoreResult<Vec<BasePathMapping>> {
        let g = self.lock();
        if !g.domains.contains_key(&(scope.clone(), domain.to_string())) {
            return Err(StoreError::NotFound);
        }
        Ok(g.mappings
            .iter()
            .filter(|((s, d, _), _)| s == scope && d == domain)
            .map(|(_, m)| m.clone())
            .collect())
    }

    async fn put_base_path_mapping(
        &self,
        scope: &Scope,
        domain: &str,
        mapping: &BasePathMapping,
        replacing: Option<&str>,
    ) -> StoreResult<()> {
        let mut g = self.lock();
        if !g.domains.contains_key(&(scope.clone(), domain.to_string())) {
            return Err(StoreError::NotFound);
        }
        if let Some(old) = replacing.filter(|old| *old != mapping.base_path) {
            g.mappings
                .remove(&(scope.clone(), domain.to_string(), old.to_string()))
                .ok_or(StoreError::NotFound)?;
        }
        g.mappings.insert(
            (scope.clone(), domain.to_string(), mapping.base_path.clone()),
            mapping.clone(),
        );
        drop(g);
        self.changed();
        Ok(())
    }

    async fn delete_base_path_mapping(
        &self,
        scope: &Scope,
        domain: &str,
        base_path: &str,
    ) -> StoreResult<()> {
        self.lock()
            .mappings
            .remove(&(scope.clone(), domain.to_string(), base_path.to_string()))
            .ok_or(StoreError::NotFound)?;
        self.changed();
        Ok(())
    }

    async fn all_domain_names(&self) -> StoreResult<Vec<crate::DomainRecord>> {
        let g = self.lock();
        Ok(g.domains
            .iter()
            .map(|((scope, name), domain)| crate::DomainRecord {
                scope: scope.clone(),
                domain: domain.clone(),
                mappings: g
                    .mappings
                    .iter()
                    .filter(|((s, d, _), _)| s == scope && d == name)
                    .map(|(_, m)| m.clone())
                    .collect(),
            })
            .collect())
    }

    fn watch(&self) -> watch::Receiver<u64> {
        self.feed.subscribe()
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn conformance() {
        crate::testsuite::run(&super::MemoryStore::new()).await;
    }
}
