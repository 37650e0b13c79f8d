//! API keys and usage plans at invocation time: an index of the live keys and plans (rebuilt
//! from the store's change feed, swapped atomically), the per-key throttle buckets and quota
//! counters (kept across rebuilds), and the flusher that writes counts to the store.
//!
//! The phase ([`check`]): a method with `apiKeyRequired` takes the key from `x-api-key` (or
//! the Lambda authorizer's `usageIdentifierKey` when the API's `apiKeySource` is AUTHORIZER);
//! missing, unknown, disabled, or in no plan of this API stage → 403 `{"message":"Forbidden"}`
//! (INVALID_API_KEY). Then the plan's throttle for the key (the method's
//! `/{resourcePath}/{METHOD}` throttle over the plan's) → 429 THROTTLED, then the quota → 429
//! `{"message":"Limit Exceeded"}` (QUOTA_EXCEEDED).
//!
//! Durability: counts are added in memory and written to the store every
//! [`FLUSH_INTERVAL`] in one transaction per scope (and at shutdown), so a crash loses at most
//! that interval's counts. After each flush the period totals are read back from the store,
//! which also picks up UpdateUsage and other nodes' counts. Without a key in any usage plan
//! there is nothing to count: the flusher waits for a rebuild that makes a counter, on no
//! timer, and the store is not read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use proscenium_model::usage_plan::period_start;
use proscenium_model::{ApiKey, Quota, Scope, UsagePlan};
use proscenium_store::{Store, UsageCount};

use crate::context::RequestCtx;
use crate::error::{GatewayError, Kind, Origin};
use crate::throttle::{Bucket, Limits};

/// How often counts are written to the store.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

type Fast = foldhash::fast::RandomState;
/// Buckets by (scope, plan, key, method throttle key or "").
type BucketMap = HashMap<(Scope, String, String, String), Arc<Bucket>>;
/// Quota counters by (scope, plan, key).
type CounterMap = HashMap<(Scope, String, String), Arc<Counter>>;
/// Key states of one API stage, by key id.
type StageKeys = HashMap<String, Arc<KeyState>, Fast>;

/// One key's standing in one plan: its buckets and its quota counter.
#[derive(Debug)]
pub struct KeyState {
    pub key_id: String,
    pub plan_id: String,
    /// The plan's throttle for this key (None: not throttled by the plan).
    pub bucket: Option<Arc<Bucket>>,
    /// Method throttles, by `/{resourcePath}/{METHOD}`.
    pub methods: HashMap<String, Arc<Bucket>, Fast>,
    pub quota: Option<Quota>,
    pub counter: Arc<Counter>,
}

/// Requests counted for a key in a plan: the period they count toward, what the store had
/// for it, and what this node added since the last flush.
#[derive(Debug, Default)]
pub struct Counter {
    /// The first day of the quota period `base` and `local` belong to.
    period: AtomicI64,
    base: AtomicI64,
    local: AtomicI64,
    /// Counts not yet written, by day.
    pending: Mutex<HashMap<i64, i64>>,
}

/// A key as the index knows it.
#[derive(Debug)]
struct KeyEntry {
    id: String,
    value: Arc<str>,
    enabled: bool,
}

/// Everything one scope's requests need: keys by value, and per API stage the state of each
/// key of the plan that covers it.
#[derive(Debug, Default)]
struct ScopeIndex {
    by_value: HashMap<String, KeyEntry, Fast>,
    /// api → stage → key id → state.
    stages: HashMap<String, HashMap<String, StageKeys, Fast>, Fast>,
}

#[derive(Debug, Default)]
pub struct Index {
    scopes: HashMap<Scope, ScopeIndex, Fast>,
}

/// The live index, the state kept across rebuilds, and the store the counts go to.
pub struct Usage {
    index: ArcSwap<Index>,
    /// Buckets by (scope, plan, key, method or "") and their limits: reused while unchanged.
    buckets: Mutex<BucketMap>,
    counters: Mutex<CounterMap>,
    /// Wakes the flusher when a rebuild leaves some counter (a key in a plan), and when the
    /// usage state is dropped: without counters the flusher waits on this, not on a timer.
    counting: Arc<tokio::sync::Notify>,
}

impl Default for Usage {
    fn default() -> Self {
        Usage {
            index: ArcSwap::from_pointee(Index::default()),
            buckets: Mutex::new(HashMap::new()),
            counters: Mutex::new(HashMap::new()),
            counting: Arc::new(tokio::sync::Notify::new()),
        }
    }
}

impl Drop for Usage {
    fn drop(&mut self) {
        // The flusher, if waiting, finds the state gone within one interval and ends.
        self.counting.notify_one();
    }
}

impl std::fmt::Debug for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Usage").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn limits(t: &proscenium_model::PlanThrottle) -> Option<Limits> {
    match (t.rate_limit, t.burst_limit) {
        (None, None) => None,
        (rate, burst) => Some(Limits {
            rate: rate.unwrap_or(-1.0),
            burst: burst.unwrap_or(-1),
        }),
    }
}

impl Usage {
    /// Rebuilds the index from the store's keys and plans.
    pub async fn rebuild(&self, store: &dyn Store) -> Result<(), String> {
        let all = store
            .all_keys_and_plans()
            .await
            .map_err(|e| e.to_string())?;
        let mut index = Index::default();
        let mut buckets = lock(&self.buckets);
        let mut counters = lock(&self.counters);
        let mut fresh_buckets = HashMap::new();
        let mut fresh_counters = HashMap::new();
        for (scope, keys, plans) in all {
            let mut si = ScopeIndex::default();
            for k in &keys {
                si.by_value.insert(k.value.clone(), entry(k));
            }
            for plan in &plans {
                self.index_plan(
                    &scope,
                    plan,
                    &keys,
                    &mut si,
                    (&mut buckets, &mut fresh_buckets),
                    (&mut counters, &mut fresh_counters),
                );
            }
            index.scopes.insert(scope, si);
        }
        *buckets = fresh_buckets;
        let counting = !fresh_counters.is_empty();
        *counters = fresh_counters;
        drop((buckets, counters));
        self.index.store(Arc::new(index));
        if counting {
            self.counting.notify_one();
        }
        Ok(())
    }

    fn index_plan(
        &self,
        scope: &Scope,
        plan: &UsagePlan,
        keys: &[ApiKey],
        si: &mut ScopeIndex,
        (buckets, fresh_buckets): (&mut BucketMap, &mut BucketMap),
        (counters, fresh_counters): (&mut CounterMap, &mut CounterMap),
    ) {
        let mut bucket = |key_id: &str, method: &str, l: Limits| {
            let k = (
                scope.clone(),
                plan.id.clone(),
                key_id.to_string(),
                method.to_string(),
            );
            let b = buckets
                .get(&k)
                .filter(|b| b.limits() == l)
                .cloned()
                .unwrap_or_else(|| {
                    let name = format!(
                        "p/{}/{}/{}/{key_id}/{method}/{}/{}",
                        scope.account, scope.region, plan.id, l.rate, l.burst
                    );
                    Arc::new(Bucket::named(l, name))
                });
            fresh_buckets.insert(k, b.clone());
            b
        };
        for key_id in &plan.key_ids {
            if !keys.iter().any(|k| &k.id == key_id) {
                continue;
            }
            let ck = (scope.clone(), plan.id.clone(), key_id.clone());
            let counter = counters
                .get(&ck)
                .cloned()
                .unwrap_or_else(|| Arc::new(Counter::default()));
            fresh_counters.insert(ck, counter.clone());
            for stage in &plan.api_stages {
                let methods = stage
                    .throttle
                    .iter()
                    .filter_map(|(m, t)| limits(t).map(|l| (m.clone(), bucket(key_id, m, l))))
                    .collect();
                let state = KeyState {
                    key_id: key_id.clone(),
                    plan_id: plan.id.clone(),
                    bucket: plan
                        .throttle
                        .as_ref()
                        .and_then(limits)
                        .map(|l| bucket(key_id, "", l)),
                    methods,
                    quota: plan.quota.clone(),
                    counter: counter.clone(),
                };
                si.stages
                    .entry(stage.api_id.clone())
                    .or_default()
                    .entry(stage.stage.clone())
                    .or_default()
                    .insert(key_id.clone(), Arc::new(state));
            }
        }
    }

    /// Whether some usage plan has a key, so that counts are kept and flushed.
    pub fn is_counting(&self) -> bool {
        !lock(&self.counters).is_empty()
    }

    /// Writes the counts added since the last flush, then reads the current periods'
    /// totals back (UpdateUsage and other nodes included).
    pub async fn flush(&self, store: &dyn Store, today: i64) {
        let counters: Vec<((Scope, String, String), Arc<Counter>)> = lock(&self.counters)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // No key in any usage plan: nothing to write, nothing to read back. The store is not
        // asked, so a gateway without usage plans does no work every second (it would wake
        // the serving thread and a blocking thread for a read whose answer nothing uses).
        if counters.is_empty() {
            return;
        }
        let mut by_scope: HashMap<Scope, Vec<UsageCount>> = HashMap::new();
        for ((scope, plan, key), c) in &counters {
            let pending = std::mem::take(&mut *lock(&c.pending));
            for (day, used) in pending {
                by_scope.entry(scope.clone()).or_default().push(UsageCount {
                    plan_id: plan.clone(),
                    key_id: key.clone(),
                    day,
                    used,
                });
            }
        }
        for (scope, counts) in &by_scope {
            if let Err(e) = store.add_usage(scope, counts).await {
                tracing::warn!("cannot write usage counts (kept for the next flush): {e}");
                // Put them back: nothing counted is dropped on a failed write.
                for u in counts {
                    if let Some((_, c)) = counters
                        .iter()
                        .find(|((s, p, k), _)| s == scope && p == &u.plan_id && k == &u.key_id)
                    {
                        *lock(&c.pending).entry(u.day).or_default() += u.used;
                    }
                }
            }
        }
        // The totals of each counter's current period, from the store.
        let Ok(rows) = store.all_usage(today - 31, today).await else {
            return;
        };
        let index = self.index.load();
        for ((scope, plan, key), c) in &counters {
            let Some(quota) = index.quota_of(scope, plan) else {
                continue;
            };
            let start = period_start(&quota.period, quota.offset, today);
            let total: i64 = rows
                .iter()
                .filter(|(s, u)| {
                    s == scope && &u.plan_id == plan && &u.key_id == key && u.day >= start
                })
                .map(|(_, u)| u.used)
                .sum();
            let pending: i64 = lock(&c.pending).values().sum();
            // What was written is in the store's total now: local keeps only what arrived
            // since (pending). A period that moved on starts from the store's total too.
            c.period.store(start, Ordering::Release);
            c.base.store(total, Ordering::Release);
            c.local.store(pending, Ordering::Release);
        }
    }

    /// Loads every counter's current period from the store (at start).
    pub async fn load_counts(&self, store: &dyn Store, today: i64) {
        self.flush(store, today).await;
    }
}

impl Index {
    fn quota_of(&self, scope: &Scope, plan_id: &str) -> Option<&Quota> {
        self.scopes
            .get(scope)?
            .stages
            .values()
            .flat_map(|stages| stages.values())
            .find_map(|keys| {
                keys.values()
                    .find(|k| k.plan_id == plan_id)
                    .and_then(|k| k.quota.as_ref())
            })
    }
}

fn entry(k: &ApiKey) -> KeyEntry {
    KeyEntry {
        id: k.id.clone(),
        value: Arc::from(k.value.as_str()),
        enabled: k.enabled,
    }
}

/// The key a request presented, once accepted (`$context.identity.apiKey`, `apiKeyId`).
#[derive(Debug, Clone)]
pub struct AcceptedKey {
    pub id: String,
    pub value: Arc<str>,
}

fn forbidden(detail: &str) -> GatewayError {
    GatewayError::new(Kind::InvalidApiKey, Origin::Client, "Forbidden").with_detail(detail)
}

/// The API key phase (see the module header). `today`: days since the epoch.
pub fn check(usage: &Usage, ctx: &mut RequestCtx, today: i64) -> Result<(), GatewayError> {
    let Some(stage) = ctx.stage.clone() else {
        return Err(GatewayError::forbidden());
    };
    let Some(method) = ctx.matched.as_ref().map(|m| m.method.clone()) else {
        return Err(GatewayError::forbidden());
    };
    let presented: Option<String> = if stage.deployment.api_key_from_authorizer {
        ctx.auth
            .as_ref()
            .and_then(|a| a.lambda.as_ref())
            .and_then(|l| l.usage_identifier_key.clone())
    } else {
        const X_API_KEY: http::HeaderName = http::HeaderName::from_static("x-api-key");
        ctx.header_value(&X_API_KEY)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let Some(presented) = presented.filter(|v| !v.is_empty()) else {
        return Err(forbidden("no API key"));
    };
    let index = usage.index.load();
    let Some(si) = index.scopes.get(&stage.scope) else {
        return Err(forbidden("no API keys in this account"));
    };
    let Some(key) = si.by_value.get(&presented) else {
        return Err(forbidden("unknown API key"));
    };
    if !key.enabled {
        return Err(forbidden("the API key is disabled"));
    }
    let Some(state) = si
        .stages
        .get(&stage.api_id)
        .and_then(|stages| stages.get(&stage.stage_name))
        .and_then(|keys| keys.get(&key.id))
    else {
        return Err(forbidden("the API key is in no usage plan of this stage"));
    };
    let now = ctx.start_nanos;
    let method_bucket = (!state.methods.is_empty())
        .then(|| format!("{}/{}", method.resource_path, method.http_method))
        .and_then(|k| state.methods.get(&k));
    let bucket = method_bucket.or(state.bucket.as_ref());
    if bucket.is_some_and(|b| !b.try_acquire(now)) {
        return Err(GatewayError::new(
            Kind::Throttled,
            Origin::Client,
            "Too Many Requests",
        ));
    }
    // With shared limits, the pipeline also takes it from the cluster's bucket.
    ctx.plan_bucket = bucket.cloned();
    let c = &state.counter;
    if let Some(q) = &state.quota {
        let start = period_start(&q.period, q.offset, today);
        if c.period.swap(start, Ordering::AcqRel) != start {
            // A new period: nothing counts toward it yet here (the flush reads the store).
            c.base.store(0, Ordering::Release);
            c.local.store(0, Ordering::Release);
        }
        // Counted first, then checked (and taken back when over): concurrent requests cannot
        // all pass the last free place.
        let before = c.local.fetch_add(1, Ordering::AcqRel);
        if c.base.load(Ordering::Acquire) + before >= q.limit {
            c.local.fetch_sub(1, Ordering::AcqRel);
            return Err(GatewayError::new(
                Kind::QuotaExceeded,
                Origin::Client,
                "Limit Exceeded",
            ));
        }
    } else {
        c.local.fetch_add(1, Ordering::AcqRel);
    }
    *lock(&c.pending).entry(today).or_default() += 1;
    ctx.auth.get_or_insert_with(Default::default).api_key = Some(AcceptedKey {
        id: key.id.clone(),
        value: key.value.clone(),
    });
    Ok(())
}

/// Spawns the flusher: every [`FLUSH_INTERVAL`] the counts go to the store, while some usage
/// plan has a key. Without one it sleeps until a rebuild makes one (no timer: an idle gateway
/// without usage plans is not woken every second). It ends within one interval of the usage
/// state being dropped.
pub fn spawn_flusher(
    usage: std::sync::Weak<Usage>,
    store: Arc<dyn Store>,
    today: impl Fn() -> i64 + Send + 'static,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(FLUSH_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(u) = usage.upgrade() else { break };
            if u.is_counting() {
                u.flush(store.as_ref(), today()).await;
                continue;
            }
            // Not holding the state while waiting: dropping it wakes this.
            let counting = u.counting.clone();
            drop(u);
            counting.notified().await;
            tick.reset();
        }
    });
}
