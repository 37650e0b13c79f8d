//! The authorizer result cache: a Lambda authorizer's answer kept for
//! `authorizerResultTtlInSeconds`, keyed by stage, the stage's authorizer flush generation
//! (FlushStageAuthorizersCache bumps it, so older entries are never read again), the
//! authorizer and the identity-source values. The whole policy is kept: each request
//! evaluates it against its own method ARN.
//!
//! Bounded: past [`MAX_ENTRIES`] expired entries are dropped, then the oldest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most entries the cache holds.
pub const MAX_ENTRIES: usize = 100_000;

/// A TTL cache of shared values; time is the caller's monotonic nanoseconds.
pub struct TtlCache<T> {
    map: Mutex<HashMap<String, (u64, Arc<T>), foldhash::fast::RandomState>>,
}

impl<T> Default for TtlCache<T> {
    fn default() -> Self {
        TtlCache {
            map: Mutex::new(HashMap::default()),
        }
    }
}

impl<T> std::fmt::Debug for TtlCache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TtlCache").finish_non_exhaustive()
    }
}

impl<T> TtlCache<T> {
    /// The value under `key` while it has not expired at `now`.
    pub fn get(&self, key: &str, now: u64) -> Option<Arc<T>> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(expires, _)| *expires > now)
            .map(|(_, v)| v.clone())
    }

    /// Keeps `value` under `key` until `expires` (monotonic nanoseconds).
    pub fn put(&self, key: String, value: Arc<T>, expires: u64, now: u64) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (e, _)| *e > now);
            if map.len() >= MAX_ENTRIES
                && let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, (e, _))| *e)
                    .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(key, (expires, value));
    }

    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_cache_stays_bounded() {
        let c = TtlCache::<u32>::default();
        c.put("a".into(), Arc::new(1), 100, 0);
        assert_eq!(c.get("a", 99).as_deref(), Some(&1));
        assert_eq!(c.get("a", 100), None);
        for i in 0..MAX_ENTRIES + 5 {
            c.put(format!("k{i}"), Arc::new(i as u32), 1_000 + i as u64, 200);
        }
        assert!(c.len() <= MAX_ENTRIES);
        assert!(c.get("k0", 300).is_none(), "the oldest gave way");
        assert!(c.get(&format!("k{}", MAX_ENTRIES + 4), 300).is_some());
    }
}
