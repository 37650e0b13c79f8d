//! A stage's response cache (`cacheClusterEnabled`): method responses keyed by method,
//! resource path, `cacheNamespace` and the values of the integration's
//! `cacheKeyParameters`, each kept for the method's `cacheTtlInSeconds`.
//!
//! Memory is capped (the cluster size, possibly lowered by `GatewayConfig::cache_max_bytes`);
//! when full, expired entries go first, then the oldest. Responses over 1 MB are not cached.
//! Sharded mutexes keep contention low; time comes from the injected clock (monotonic nanos).
//!
//! Must not: know about the pipeline; `pipeline.rs` decides what is cacheable.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

/// AWS does not cache responses larger than 1 MB.
pub const MAX_ENTRY_BYTES: usize = 1024 * 1024;
/// `cacheTtlInSeconds` bounds.
pub const MAX_TTL_SECS: i64 = 3600;

const SHARDS: usize = 16;

/// A cached method response.
#[derive(Debug, Clone)]
pub struct Cached {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The headers' spellings (`header_case::NameCase`), as the answer had them.
    pub names: Option<crate::header_case::NameCase>,
}

#[derive(Debug)]
struct Entry {
    value: Cached,
    expires: u64,
    size: usize,
    /// Insertion number: lets the FIFO queue skip entries replaced since.
    seq: u64,
}

#[derive(Debug, Default)]
struct Shard {
    map: HashMap<String, Entry>,
    order: VecDeque<(String, u64)>,
    bytes: usize,
}

/// One stage's cache.
#[derive(Debug)]
pub struct StageCache {
    shards: Vec<Mutex<Shard>>,
    hasher: std::collections::hash_map::RandomState,
    shard_cap: usize,
    capacity: u64,
    seq: AtomicU64,
}

/// `cacheClusterSize` (GB, e.g. `"0.5"`) in bytes, capped by `max` when given.
pub fn capacity_bytes(cluster_size: Option<&str>, max: Option<u64>) -> u64 {
    let gb = cluster_size
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|g| g.is_finite() && *g > 0.0)
        .unwrap_or(0.5);
    let bytes = (gb * 1024.0 * 1024.0 * 1024.0) as u64;
    max.map_or(bytes, |m| bytes.min(m))
}

impl StageCache {
    pub fn new(capacity: u64) -> StageCache {
        let shard_cap = usize::try_from(capacity / SHARDS as u64).unwrap_or(usize::MAX);
        StageCache {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            hasher: Default::default(),
            shard_cap,
            capacity,
            seq: AtomicU64::new(0),
        }
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    fn shard(&self, key: &str) -> &Mutex<Shard> {
        &self.shards[(self.hasher.hash_one(key) as usize) % SHARDS]
    }

    /// The live entry for `key` at `now`.
    pub fn get(&self, key: &str, now: u64) -> Option<Cached> {
        let mut shard = self.shard(key).lock().ok()?;
        match shard.map.get(key) {
            Some(e) if e.expires > now => Some(e.value.clone()),
            Some(_) => {
                if let Some(old) = shard.map.remove(key) {
                    shard.bytes -= old.size;
                }
                None
            }
            None => None,
        }
    }

    /// Stores `value` for `ttl_secs` (ignored when too large or the TTL is zero).
    pub fn put(&self, key: String, value: Cached, ttl_secs: u64, now: u64) {
        let size = entry_size(&key, &value);
        if ttl_secs == 0 || value.body.len() > MAX_ENTRY_BYTES || size > self.shard_cap {
            return;
        }
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let Ok(mut shard) = self.shard(&key).lock() else {
            return;
        };
        if let Some(old) = shard.map.remove(&key) {
            shard.bytes -= old.size;
        }
        evict(&mut shard, self.shard_cap.saturating_sub(size), now);
        shard.bytes += size;
        shard.order.push_back((key.clone(), seq));
        let expires = now.saturating_add(ttl_secs.saturating_mul(1_000_000_000));
        shard.map.insert(
            key,
            Entry {
                value,
                expires,
                size,
                seq,
            },
        );
    }

    /// Drops `key` (a `Cache-Control: max-age=0` invalidation).
    pub fn invalidate(&self, key: &str) {
        if let Ok(mut shard) = self.shard(key).lock()
            && let Some(old) = shard.map.remove(key)
        {
            shard.bytes -= old.size;
        }
    }

    /// Empties the cache (FlushStageCache).
    pub fn flush(&self) {
        for s in &self.shards {
            if let Ok(mut shard) = s.lock() {
                *shard = Shard::default();
            }
        }
    }

    /// Entries and bytes held (tests, metrics).
    pub fn usage(&self) -> (usize, usize) {
        self.shards
            .iter()
            .filter_map(|s| s.lock().ok())
            .fold((0, 0), |(n, b), s| (n + s.map.len(), b + s.bytes))
    }
}

fn entry_size(key: &str, v: &Cached) -> usize {
    let headers: usize = v
        .headers
        .iter()
        .map(|(k, val)| k.as_str().len() + val.len() + 32)
        .sum();
    key.len() + v.body.len() + headers + 64
}

/// Makes room until the shard holds at most `limit` bytes: expired entries, then the oldest.
fn evict(shard: &mut Shard, limit: usize, now: u64) {
    if shard.bytes <= limit {
        return;
    }
    let expired: Vec<String> = shard
        .map
        .iter()
        .filter(|(_, e)| e.expires <= now)
        .map(|(k, _)| k.clone())
        .collect();
    for k in expired {
        if let Some(e) = shard.map.remove(&k) {
            shard.bytes -= e.size;
        }
    }
    while shard.bytes > limit {
        let Some((key, seq)) = shard.order.pop_front() else {
            break;
        };
        if shard.map.get(&key).is_some_and(|e| e.seq == seq)
            && let Some(e) = shard.map.remove(&key)
        {
            shard.bytes -= e.size;
        }
    }
    if shard.order.len() > 2 * shard.map.len() + 64 {
        let Shard { map, order, .. } = shard;
        order.retain(|(k, s)| map.get(k).is_some_and(|e| e.seq == *s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    fn value(body: &str) -> Cached {
        Cached {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from(body.to_string()),
            names: None,
        }
    }

    #[test]
    fn ttl_expiry() {
        let c = StageCache::new(1 << 20);
        c.put("k".into(), value("a"), 300, 10 * SEC);
        assert_eq!(c.get("k", 10 * SEC).map(|v| v.body), Some("a".into()));
        assert!(c.get("k", 309 * SEC).is_some());
        assert!(c.get("k", 310 * SEC).is_none(), "expired at put + ttl");
        assert_eq!(c.usage(), (0, 0));
        c.put("z".into(), value("a"), 0, 0);
        assert!(c.get("z", 0).is_none(), "ttl 0 caches nothing");
    }

    #[test]
    fn size_limits_and_eviction() {
        let c = StageCache::new(16 * 4096);
        c.put("big".into(), value(&"x".repeat(5000)), 60, 0);
        assert!(c.get("big", 0).is_none(), "larger than a shard");
        let huge = StageCache::new(1 << 30);
        huge.put("h".into(), value(&"x".repeat(MAX_ENTRY_BYTES + 1)), 60, 0);
        assert!(huge.get("h", 0).is_none(), "over 1 MB");
        for i in 0..2000 {
            c.put(format!("k{i}"), value(&"y".repeat(100)), 60, 0);
        }
        let (n, bytes) = c.usage();
        assert!(bytes <= 16 * 4096 && n > 100, "{n} {bytes}");
        assert!(c.get("k1999", 0).is_some(), "the newest survive");
        c.invalidate("k1999");
        assert!(c.get("k1999", 0).is_none());
        c.flush();
        assert_eq!(c.usage(), (0, 0));
    }

    #[test]
    fn capacity_from_cluster_size() {
        assert_eq!(capacity_bytes(Some("0.5"), None), 512 * 1024 * 1024);
        assert_eq!(capacity_bytes(Some("237"), Some(1000)), 1000);
        assert_eq!(capacity_bytes(None, None), 512 * 1024 * 1024);
        assert_eq!(
            capacity_bytes(Some("junk"), Some(u64::MAX)),
            512 * 1024 * 1024
        );
    }
}
