//! The registry of served stages: `api_id → stage name → Arc<CompiledStage>`, swapped
//! atomically (ArcSwap) so the request path never takes a lock.
//!
//! Rebuilt from `Store::all_stages()` (and the custom domains, `domains.rs`, from
//! `Store::all_domain_names()`) on every `Store::watch()` tick that no rebuild has served
//! yet (a management call reloads at once; the feed's tick for its write is then skipped).
//! Compiled deployments are cached per (scope, api, deployment id) because snapshots never
//! change, so a stage update or rollback only re-assembles cheap stage wrappers. A request in
//! flight keeps the `Arc` it resolved and finishes on the version it started with.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use arc_swap::ArcSwap;
use proscenium_model::Scope;
use proscenium_store::{Store, StoreError};

use crate::compile::{CompiledDeployment, CompiledStage, compile_deployment_in, compile_stage};
use crate::logsink::LogSink;
use crate::metrics::Series;
use crate::settings::{Builder, Pools};
use crate::throttle::{Bucket, Limits};

/// Stages by API id, then stage name. Looked up on every request: a fast (non-SipHash)
/// hasher, seeded per process.
type StageMap = HashMap<String, HashMap<String, Arc<CompiledStage>, Fast>, Fast>;
type Fast = foldhash::fast::RandomState;
type CacheKey = (Scope, String, String);

/// What a lookup found.
pub enum Lookup {
    Found(Arc<CompiledStage>),
    UnknownApi,
    UnknownStage,
}

#[derive(Default)]
pub struct Registry {
    stages: ArcSwap<StageMap>,
    /// Compiled deployments; only the (serialised) rebuild touches it.
    cache: tokio::sync::Mutex<HashMap<CacheKey, Arc<CompiledDeployment>>>,
    /// Buckets, caches and series kept across rebuilds (locked after `cache`).
    pools: tokio::sync::Mutex<Pools>,
    /// Every metrics series, for rendering: the served stage sides' and the kept series of
    /// their previous deployments ([`keep_previous`]).
    series: ArcSwap<Vec<Arc<Series>>>,
    /// Series no longer registered (a deleted stage, a deployment beyond the kept ones), shown
    /// by the next scrape once more so that their last counts are not lost.
    retired: std::sync::Mutex<Vec<Arc<Series>>>,
    options: Options,
    /// The store's change feed as the last finished rebuild saw it before reading: the
    /// changes up to it are served, so the watcher skips a tick a rebuild already covered
    /// (a management call's own reload and the feed's tick for the same write).
    built: AtomicU64,
    /// Rebuilds finished, for tests and diagnostics.
    rebuilds: AtomicU64,
    /// Custom domain names and their mappings, rebuilt with the stages.
    pub domains: crate::domains::Domains,
}

/// What the registry needs from the gateway's configuration.
#[derive(Debug, Default, Clone)]
pub struct Options {
    pub cache_max_bytes: Option<u64>,
    pub logs: Option<Arc<LogSink>>,
}

impl Registry {
    pub fn with_options(options: Options) -> Registry {
        Registry {
            options,
            ..Registry::default()
        }
    }

    /// Every metrics series currently registered.
    pub fn series(&self) -> Arc<Vec<Arc<Series>>> {
        self.series.load_full()
    }

    /// What a scrape shows: the registered series, and once more those retired since the
    /// last scrape (unless a live series has the same labels).
    pub fn series_for_scrape(&self) -> Vec<Arc<Series>> {
        let live = self.series.load_full();
        let retired = std::mem::take(&mut *self.retired.lock().unwrap_or_else(|e| e.into_inner()));
        let mut out: Vec<Arc<Series>> = live.iter().cloned().collect();
        for r in retired {
            if !out.iter().any(|s| s.labels == r.labels) {
                out.push(r);
            }
        }
        out
    }

    /// Empties a stage's cache (and its canary's). False when there is no such stage.
    pub fn flush_cache(&self, api_id: &str, stage: &str) -> bool {
        let Lookup::Found(s) = self.lookup(api_id, stage) else {
            return false;
        };
        if let Some(c) = &s.settings.cache {
            c.flush();
        }
        if let Some(c) = s
            .canary
            .as_ref()
            .and_then(|c| c.stage.settings.cache.as_ref())
        {
            c.flush();
        }
        true
    }

    pub fn lookup(&self, api_id: &str, stage: &str) -> Lookup {
        let map = self.stages.load();
        match map.get(api_id) {
            None => Lookup::UnknownApi,
            Some(stages) => stages
                .get(stage)
                .cloned()
                .map_or(Lookup::UnknownStage, Lookup::Found),
        }
    }

    /// Number of stages served (for logs and tests).
    pub fn stage_count(&self) -> usize {
        self.stages.load().values().map(HashMap::len).sum()
    }

    /// Re-reads every stage and swaps the new map in. On a store error the old map stays.
    pub async fn rebuild(&self, store: &dyn Store) -> Result<(), StoreError> {
        self.rebuild_unless_covered(store, None).await
    }

    /// [`Registry::rebuild`], unless a rebuild (finished while this one waited for the lock)
    /// already covers the feed's value `version`.
    async fn rebuild_unless_covered(
        &self,
        store: &dyn Store,
        version: Option<u64>,
    ) -> Result<(), StoreError> {
        let mut cache = self.cache.lock().await;
        let mut pools = self.pools.lock().await;
        if version.is_some_and(|v| self.covers(v)) {
            return Ok(());
        }
        // Read before the store: every change announced up to here is in what follows.
        let seen = *store.watch().borrow();
        let domains = store.all_domain_names().await?;
        self.domains
            .store(crate::domains::DomainTable::compile(&domains));
        let records = store.all_stages().await?;
        let mut fresh: HashMap<CacheKey, Arc<CompiledDeployment>> = HashMap::new();
        let mut map = StageMap::default();
        let mut accounts: HashMap<Scope, Limits> = HashMap::new();
        for rec in &records {
            if accounts.contains_key(&rec.scope) {
                continue;
            }
            let limits = match store.get_account(&rec.scope).await {
                Ok(Some(a)) => Limits {
                    rate: a.throttle_settings.rate_limit,
                    burst: a.throttle_settings.burst_limit,
                },
                Ok(None) => Limits::DEFAULT,
                Err(e) => {
                    tracing::warn!("cannot read account settings, using the defaults: {e}");
                    Limits::DEFAULT
                }
            };
            accounts.insert(rec.scope.clone(), limits);
        }
        let mut builder = Builder {
            old: &pools,
            fresh: Pools::default(),
            cache_max_bytes: self.options.cache_max_bytes,
            logs: self.options.logs.as_deref(),
        };
        for rec in records {
            let main = deployment(
                store,
                &cache,
                &mut fresh,
                &rec.scope,
                &rec.api_id,
                &rec.stage.deployment_id,
            )
            .await;
            let Some(main) = main else {
                // Keep serving what we had rather than dropping the stage on a read error.
                if let Lookup::Found(old) = self.lookup(&rec.api_id, &rec.stage.stage_name) {
                    map.entry(rec.api_id.clone())
                        .or_default()
                        .insert(rec.stage.stage_name.clone(), old);
                }
                continue;
            };
            let canary_id = rec
                .stage
                .canary_settings
                .as_ref()
                .and_then(|c| c.deployment_id.clone());
            let canary = match canary_id {
                Some(id) => {
                    deployment(store, &cache, &mut fresh, &rec.scope, &rec.api_id, &id).await
                }
                None => None,
            };
            let limits = accounts.get(&rec.scope).copied().unwrap_or(Limits::DEFAULT);
            let account: Arc<Bucket> = builder.account_bucket(&rec.scope, limits);
            let identity = match &rec.stage.client_certificate_id {
                Some(id) => match store.get_client_certificate(&rec.scope, id).await {
                    Ok(c) => Some(Arc::new(crate::compile::ClientIdentity {
                        id: c.client_certificate_id,
                        cert_pem: c.pem_encoded_certificate,
                        key_pem: c.private_key_pem,
                    })),
                    Err(e) => {
                        tracing::warn!(stage = %rec.stage.stage_name, "client certificate {id} unavailable: {e}");
                        None
                    }
                },
                None => None,
            };
            let compiled = compile_stage(
                &rec.scope,
                &rec.api_id,
                &rec.stage,
                (main, canary),
                account,
                identity,
                &mut builder,
            );
            map.entry(rec.api_id.clone())
                .or_default()
                .insert(rec.stage.stage_name.clone(), Arc::new(compiled));
        }
        let mut fresh_pools = builder.fresh;
        let live = fresh_pools.all_series();
        fresh_pools.kept = keep_previous(&pools, &live, &map);
        let mut fresh_series = live;
        fresh_series.extend(fresh_pools.kept.iter().cloned());
        fresh_series.sort_by(|a, b| a.labels.cmp(&b.labels));
        let now: HashSet<*const Series> = fresh_series.iter().map(Arc::as_ptr).collect();
        let old = self.series.load_full();
        let gone: Vec<Arc<Series>> = old
            .iter()
            .filter(|o| !now.contains(&Arc::as_ptr(o)))
            .cloned()
            .collect();
        if !gone.is_empty() {
            self.retired
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(gone);
        }
        self.series.store(Arc::new(fresh_series));
        *pools = fresh_pools;
        *cache = fresh;
        self.stages.store(Arc::new(map));
        self.built.fetch_max(seen, Ordering::SeqCst);
        self.rebuilds.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// How many rebuilds have finished.
    pub fn rebuilds(&self) -> u64 {
        self.rebuilds.load(Ordering::Relaxed)
    }

    /// Whether a rebuild already served the changes up to the feed's value `version`.
    fn covers(&self, version: u64) -> bool {
        self.built.load(Ordering::SeqCst) >= version
    }

    /// Follows the store's change feed until the store or the registry goes away.
    pub fn spawn_watcher(registry: Weak<Registry>, store: Arc<dyn Store>) {
        let mut feed = store.watch();
        tokio::spawn(async move {
            while feed.changed().await.is_ok() {
                let version = *feed.borrow_and_update();
                let Some(reg) = registry.upgrade() else { break };
                if let Err(e) = reg
                    .rebuild_unless_covered(store.as_ref(), Some(version))
                    .await
                {
                    tracing::warn!("could not reload stages: {e}");
                }
            }
        });
    }
}

/// How many previous deployments of a stage (base and canary sides together) keep their series.
pub const KEPT_DEPLOYMENTS: usize = 8;

/// The series to keep although no stage side serves their deployment any more: those of a
/// stage that still exists (a redeploy, a removed or promoted canary, a stage kept after a
/// read error), for the `KEPT_DEPLOYMENTS` deployments of each stage superseded last, so that
/// a stage's totals and its last hour stay whole across redeploys while the registry stays
/// bounded. A deleted stage's series are not kept (the next scrape shows them once more).
/// Oldest first.
fn keep_previous(old: &Pools, live: &[Arc<Series>], map: &StageMap) -> Vec<Arc<Series>> {
    let live: HashSet<*const Series> = live.iter().map(Arc::as_ptr).collect();
    let mut seen = HashSet::new();
    let candidates: Vec<Arc<Series>> = old
        .kept
        .iter()
        .chain(old.registered())
        .filter(|s| !live.contains(&Arc::as_ptr(s)) && seen.insert(Arc::as_ptr(s)))
        .filter(|s| {
            map.get(&s.labels.api_id)
                .is_some_and(|st| st.contains_key(&s.labels.stage))
        })
        .cloned()
        .collect();
    // Newest first: the first KEPT_DEPLOYMENTS deployment ids met per stage stay.
    let mut per_stage: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    let mut keep = vec![false; candidates.len()];
    for (i, s) in candidates.iter().enumerate().rev() {
        let l = &s.labels;
        let deps = per_stage
            .entry((l.api_id.as_str(), l.stage.as_str()))
            .or_default();
        if deps.contains(&l.deployment_id.as_str()) {
            keep[i] = true;
        } else if deps.len() < KEPT_DEPLOYMENTS {
            deps.push(l.deployment_id.as_str());
            keep[i] = true;
        }
    }
    candidates
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(s, _)| s.clone())
        .collect()
}

/// A compiled deployment from the cache, or fetched and compiled now.
async fn deployment(
    store: &dyn Store,
    cache: &HashMap<CacheKey, Arc<CompiledDeployment>>,
    fresh: &mut HashMap<CacheKey, Arc<CompiledDeployment>>,
    scope: &Scope,
    api_id: &str,
    deployment_id: &str,
) -> Option<Arc<CompiledDeployment>> {
    let key = (scope.clone(), api_id.to_string(), deployment_id.to_string());
    if let Some(d) = fresh.get(&key).or_else(|| cache.get(&key)) {
        let d = d.clone();
        fresh.insert(key, d.clone());
        return Some(d);
    }
    match store.get_snapshot(scope, api_id, deployment_id).await {
        Ok(snapshot) => {
            let d = Arc::new(compile_deployment_in(scope, api_id, &snapshot));
            fresh.insert(key, d.clone());
            Some(d)
        }
        Err(e) => {
            tracing::warn!(api_id, deployment_id, "cannot serve deployment: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use proscenium_model::{Account, Scope};
    use proscenium_store::{MemoryStore, Store};

    use super::Registry;

    async fn settle(reg: &Registry, want: u64) -> u64 {
        for _ in 0..200 {
            if reg.rebuilds() >= want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Long enough for a redundant rebuild to show.
        tokio::time::sleep(Duration::from_millis(100)).await;
        reg.rebuilds()
    }

    #[tokio::test]
    async fn the_watcher_skips_a_change_a_reload_already_served() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let reg = Arc::new(Registry::default());
        reg.rebuild(store.as_ref()).await.unwrap();
        Registry::spawn_watcher(Arc::downgrade(&reg), store.clone());
        let scope = Scope::new("111111111111", "us-east-1");

        // A management call: the write, then its own reload. The feed's tick is covered.
        store
            .put_account(&scope, &Account::default())
            .await
            .unwrap();
        reg.rebuild(store.as_ref()).await.unwrap();
        assert_eq!(settle(&reg, 2).await, 2);

        // A change nobody reloaded for (another node's write, say): the watcher serves it.
        store
            .put_account(&scope, &Account::default())
            .await
            .unwrap();
        assert_eq!(settle(&reg, 3).await, 3);
    }
}
