//! Stage settings as the request path reads them: per routed method, the effective method
//! setting (the `path/METHOD` key, else `*/*`) compiled into a throttle bucket, a metrics
//! series, a cache policy and log levels; per stage, the cache, the log files and tracing.
//!
//! Stateful pieces (buckets, caches, series) live in `Pools` and are reused when a stage is
//! recompiled with the same settings, so an unrelated store change resets nothing.
//! Pure apart from that bookkeeping: no I/O.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use proscenium_model::{MethodSetting, Scope, Stage};

use crate::access_log::{self, Format};
use crate::cache::{self, StageCache};
use crate::compile::{CompiledDeployment, CompiledMethod};
use crate::logsink::LogSink;
use crate::metrics::{Labels, Series};
use crate::throttle::{Bucket, Limits};

/// `loggingLevel` (None in the model means OFF).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Off,
    Error,
    Info,
}

/// `unauthorizedCacheControlHeaderStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheControlStrategy {
    FailWith403,
    SucceedWithResponseHeader,
    SucceedWithoutResponseHeader,
}

#[derive(Debug, Clone)]
pub struct CachePolicy {
    pub ttl_secs: u64,
    pub require_authorization: bool,
    pub strategy: CacheControlStrategy,
}

/// The effective settings of one method on one stage side.
#[derive(Debug)]
pub struct MethodSettings {
    /// Method-level (or stage-default) bucket; the account bucket applies on top.
    pub throttle: Option<Arc<Bucket>>,
    pub series: Arc<Series>,
    pub cache: Option<CachePolicy>,
    pub log_level: LogLevel,
    pub data_trace: bool,
}

#[derive(Debug)]
pub struct AccessLog {
    pub format: Format,
    pub file: Arc<Path>,
}

/// One stage side's settings (the canary side has its own).
#[derive(Debug)]
pub struct StageSettings {
    pub account: Arc<Bucket>,
    /// Indexed by `CompiledMethod::index` of the side's deployment.
    pub methods: Vec<MethodSettings>,
    /// For requests that never reach a method (no route).
    pub fallback: MethodSettings,
    pub cache: Option<Arc<StageCache>>,
    pub access_log: Option<AccessLog>,
    pub exec_log: Option<Arc<Path>>,
    pub tracing: bool,
    pub is_canary: bool,
}

impl StageSettings {
    pub fn method(&self, m: Option<&CompiledMethod>) -> &MethodSettings {
        m.and_then(|m| self.methods.get(m.index))
            .unwrap_or(&self.fallback)
    }
}

type BucketKey = (String, String, String, (u64, i64));
type CacheKey = (String, String, bool, u64);

/// Buckets, caches and series by identity, kept from one rebuild to the next.
#[derive(Debug, Default)]
pub struct Pools {
    buckets: HashMap<BucketKey, Arc<Bucket>>,
    accounts: HashMap<(Scope, (u64, i64)), Arc<Bucket>>,
    /// Each cache with the stage's `cache_flush_generation` it last saw.
    caches: HashMap<CacheKey, (Arc<StageCache>, u64)>,
    series: HashMap<Labels, Arc<Series>>,
    /// Series of deployments a stage or its canary no longer serves, oldest first (the
    /// registry decides which to keep, `registry.rs`). Serving a deployment again takes its
    /// series back.
    pub kept: Vec<Arc<Series>>,
}

impl Pools {
    /// Every series of the served stage sides, in label order.
    pub fn all_series(&self) -> Vec<Arc<Series>> {
        let mut v: Vec<_> = self.series.values().cloned().collect();
        v.sort_by(|a, b| a.labels.cmp(&b.labels));
        v
    }

    /// The series of the served stage sides, in no order.
    pub fn registered(&self) -> impl Iterator<Item = &Arc<Series>> {
        self.series.values()
    }
}

fn reuse<K: std::hash::Hash + Eq + Clone, V: Clone>(
    fresh: &mut HashMap<K, V>,
    old: &HashMap<K, V>,
    key: K,
    make: impl FnOnce() -> V,
) -> V {
    if let Some(v) = fresh.get(&key) {
        return v.clone();
    }
    let v = old.get(&key).cloned().unwrap_or_else(make);
    fresh.insert(key, v.clone());
    v
}

/// Builds settings during one registry rebuild, reusing the previous rebuild's pools.
pub struct Builder<'a> {
    pub old: &'a Pools,
    pub fresh: Pools,
    pub cache_max_bytes: Option<u64>,
    pub logs: Option<&'a LogSink>,
}

impl Builder<'_> {
    pub fn account_bucket(&mut self, scope: &Scope, limits: Limits) -> Arc<Bucket> {
        let key = (scope.clone(), limits.key());
        reuse(&mut self.fresh.accounts, &self.old.accounts, key, || {
            let name = format!(
                "a/{}/{}/{}/{}",
                scope.account, scope.region, limits.rate, limits.burst
            );
            Arc::new(Bucket::named(limits, name))
        })
    }

    fn series(&mut self, labels: Labels) -> Arc<Series> {
        let kept = &self.old.kept;
        reuse(
            &mut self.fresh.series,
            &self.old.series,
            labels.clone(),
            || {
                kept.iter()
                    .find(|s| s.labels == labels)
                    .cloned()
                    .unwrap_or_else(|| Arc::new(Series::new(labels)))
            },
        )
    }

    /// Settings for one side of `stage` served by `dep`.
    pub fn stage_settings(
        &mut self,
        account: Arc<Bucket>,
        api_id: &str,
        stage: &Stage,
        dep: &CompiledDeployment,
        is_canary: bool,
    ) -> StageSettings {
        let star = stage.method_settings.get("*/*");
        let labels = Labels {
            api_id: api_id.to_string(),
            api_name: dep.api_name.clone(),
            stage: stage.stage_name.clone(),
            canary: is_canary,
            deployment_id: dep.deployment_id.clone(),
            method: None,
        };
        let stage_series = self.series(labels.clone());
        let shared_cache = !is_canary
            || stage
                .canary_settings
                .as_ref()
                .is_some_and(|c| c.use_stage_cache);
        let cache = stage.cache_cluster_enabled.then(|| {
            let cap =
                cache::capacity_bytes(stage.cache_cluster_size.as_deref(), self.cache_max_bytes);
            let key = (
                api_id.to_string(),
                stage.stage_name.clone(),
                !shared_cache,
                cap,
            );
            let generation = stage.cache_flush_generation;
            let (c, seen) = reuse(
                &mut self.fresh.caches,
                &self.old.caches,
                key.clone(),
                || (Arc::new(StageCache::new(cap)), generation),
            );
            // FlushStageCache bumps the generation in the store: empty the cache once.
            if seen != generation {
                c.flush();
                self.fresh.caches.insert(key, (c.clone(), generation));
            }
            c
        });
        let mut methods = vec![];
        for m in dep.methods() {
            let key = format!(
                "{}/{}",
                m.resource_path.trim_start_matches('/'),
                m.http_method
            );
            let own = stage.method_settings.get(&key);
            let effective = own.or(star);
            let limits = match (own, star) {
                (Some(o), _) if limits_of(o) != Limits::DEFAULT => Some(limits_of(o)),
                (_, Some(s)) => Some(limits_of(s)),
                (Some(o), None) => Some(limits_of(o)),
                (None, None) => None,
            };
            let throttle = limits.map(|l| {
                let k = (
                    api_id.to_string(),
                    stage.stage_name.clone(),
                    key.clone(),
                    l.key(),
                );
                reuse(&mut self.fresh.buckets, &self.old.buckets, k, || {
                    let name = format!(
                        "m/{api_id}/{}/{key}/{}/{}",
                        stage.stage_name, l.rate, l.burst
                    );
                    Arc::new(Bucket::named(l, name))
                })
            });
            let detailed = effective.is_some_and(|s| s.metrics_enabled);
            let series = if detailed {
                let mut l = labels.clone();
                l.method = Some((m.resource_path.clone(), m.http_method.clone()));
                self.series(l)
            } else {
                stage_series.clone()
            };
            let caching = match own {
                Some(o) => o.caching_enabled.then_some(o),
                None => star.filter(|s| s.caching_enabled && m.http_method == "GET"),
            };
            methods.push(MethodSettings {
                throttle,
                series,
                cache: caching
                    .filter(|_| cache.is_some())
                    .map(cache_policy)
                    .filter(|p| p.ttl_secs > 0),
                log_level: effective.map_or(LogLevel::Off, log_level),
                data_trace: effective.is_some_and(|s| s.data_trace_enabled),
            });
        }
        let fallback = MethodSettings {
            throttle: None,
            series: stage_series,
            cache: None,
            log_level: star.map_or(LogLevel::Off, log_level),
            data_trace: star.is_some_and(|s| s.data_trace_enabled),
        };
        let logs = self.logs;
        let access_log = stage.access_log_settings.as_ref().and_then(|a| {
            let format = a.format.as_deref().filter(|f| !f.is_empty())?;
            let file = access_log::destination_file(a.destination_arn.as_deref()?)?;
            Some(AccessLog {
                format: Format::compile(format),
                file: logs?.file(&file),
            })
        });
        let any_exec = methods
            .iter()
            .chain(std::iter::once(&fallback))
            .any(|m| m.log_level > LogLevel::Off);
        let exec_log = logs.filter(|_| any_exec).map(|l| {
            l.file(&format!(
                "API-Gateway-Execution-Logs_{api_id}/{}.log",
                stage.stage_name
            ))
        });
        StageSettings {
            account,
            methods,
            fallback,
            cache,
            access_log,
            exec_log,
            tracing: stage.tracing_enabled,
            is_canary,
        }
    }
}

fn limits_of(s: &MethodSetting) -> Limits {
    Limits {
        rate: s.throttling_rate_limit,
        burst: s.throttling_burst_limit,
    }
}

fn log_level(s: &MethodSetting) -> LogLevel {
    match s
        .logging_level
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("INFO") => LogLevel::Info,
        Some("ERROR") => LogLevel::Error,
        _ => LogLevel::Off,
    }
}

fn cache_policy(s: &MethodSetting) -> CachePolicy {
    let strategy = match s.unauthorized_cache_control_header_strategy.as_str() {
        "FAIL_WITH_403" => CacheControlStrategy::FailWith403,
        "SUCCEED_WITHOUT_RESPONSE_HEADER" => CacheControlStrategy::SucceedWithoutResponseHeader,
        _ => CacheControlStrategy::SucceedWithResponseHeader,
    };
    CachePolicy {
        ttl_secs: s.cache_ttl_in_seconds.clamp(0, cache::MAX_TTL_SECS) as u64,
        require_authorization: s.require_authorization_for_cache_control,
        strategy,
    }
}
