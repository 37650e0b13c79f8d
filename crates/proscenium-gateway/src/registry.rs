//! The registry of served stages: `api_id → stage name → Arc<CompiledStage>`, swapped
//! atomically (ArcSwap) so the request path never takes a lock.
//!
//! Rebuilt from `Store::all_stages()` on every `Store::watch()` tick. Compiled deployments
//! are cached per (scope, api, deployment id) because snapshots never change, so a stage
//! update or rollback only re-assembles cheap stage wrappers. A request in flight keeps the
//! `Arc` it resolved and finishes on the version it started with.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use arc_swap::ArcSwap;
use proscenium_model::Scope;
use proscenium_store::{Store, StoreError};

use crate::compile::{CompiledDeployment, CompiledStage, compile_deployment, compile_stage};

type StageMap = HashMap<String, HashMap<String, Arc<CompiledStage>>>;
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
}

impl Registry {
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
        let mut cache = self.cache.lock().await;
        let records = store.all_stages().await?;
        let mut fresh: HashMap<CacheKey, Arc<CompiledDeployment>> = HashMap::new();
        let mut map = StageMap::new();
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
            let compiled = compile_stage(&rec.scope, &rec.api_id, &rec.stage, main, canary);
            map.entry(rec.api_id.clone())
                .or_default()
                .insert(rec.stage.stage_name.clone(), Arc::new(compiled));
        }
        *cache = fresh;
        self.stages.store(Arc::new(map));
        Ok(())
    }

    /// Follows the store's change feed until the store or the registry goes away.
    pub fn spawn_watcher(registry: Weak<Registry>, store: Arc<dyn Store>) {
        let mut feed = store.watch();
        tokio::spawn(async move {
            while feed.changed().await.is_ok() {
                feed.borrow_and_update();
                let Some(reg) = registry.upgrade() else { break };
                if let Err(e) = reg.rebuild(store.as_ref()).await {
                    tracing::warn!("could not reload stages: {e}");
                }
            }
        });
    }
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
            let d = Arc::new(compile_deployment(api_id, &snapshot));
            fresh.insert(key, d.clone());
            Some(d)
        }
        Err(e) => {
            tracing::warn!(api_id, deployment_id, "cannot serve deployment: {e}");
            None
        }
    }
}
