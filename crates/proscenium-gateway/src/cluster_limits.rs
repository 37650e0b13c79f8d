//! Throttling shared by every node of a cluster (`--redis redis://…`): a request this node's
//! buckets admitted is also taken from the same-named buckets in Redis (one atomic script over
//! every bucket the request draws on, on Redis's clock). A request the local buckets refuse
//! costs no round trip.
//!
//! Leases: each call takes up to [`lease_size`] tokens of a bucket at once (a fiftieth of a
//! second's rate, at most a tenth of the burst; one token for slow buckets), and this node
//! spends the rest locally before it asks again. So at high rates a round trip serves
//! thousands of requests, while the cluster never admits more than Redis's bucket allows: a
//! token is taken in Redis before any node spends it (tokens a node leased and did not spend
//! are lost, at most one lease per node and bucket).
//!
//! Redis unreachable or slow (over [`DEADLINE`]): the local result stands (each node then
//! allows up to the limit, as without `--redis`) and the node says so once in its log;
//! requests never fail because of Redis. The connection comes back by itself.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::context::RequestCtx;
use crate::error::{GatewayError, Kind, Origin};
use crate::throttle::Bucket;

/// The longest a request waits for Redis before the local result stands.
pub const DEADLINE: Duration = Duration::from_millis(150);

/// GCRA over every key at once, `want` tokens of each at most: all grant at least one (and
/// move by what they grant) or none moves. Answers the grant of each key, or `{}` when one has
/// no token. Times in microseconds.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nexts = {}
local granted = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[3 * i - 2])
  local tolerance = tonumber(ARGV[3 * i - 1])
  local want = tonumber(ARGV[3 * i])
  local base = math.max(tonumber(redis.call('GET', key) or '0'), now)
  local room = math.floor((tolerance - (base - now)) / interval)
  if room < 1 then return {} end
  local n = math.min(want, room)
  granted[i] = n
  nexts[i] = base + n * interval
end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, string.format('%.0f', nexts[i]), 'PX', math.ceil((nexts[i] - now) / 1000) + 1000)
end
return granted
";

/// How many tokens of a bucket (emission `interval` and `tolerance` in nanoseconds) one call
/// takes at most: a fiftieth of a second's rate, at most a tenth of the burst, at least one.
pub fn lease_size(interval: u64, tolerance: u64) -> u64 {
    let interval = interval.max(1);
    let per_20ms = 20_000_000 / interval;
    let tenth_of_burst = tolerance / interval / 10;
    per_20ms.min(tenth_of_burst).max(1)
}

pub struct ClusterLimits {
    conn: Mutex<Option<ConnectionManager>>,
    script: redis::Script,
    down: AtomicBool,
}

impl ClusterLimits {
    /// Starts connecting in the background (a node starts whether Redis is up or not).
    pub fn start(url: &str) -> Result<Arc<ClusterLimits>, String> {
        let client = redis::Client::open(url).map_err(|e| format!("invalid Redis URL: {e}"))?;
        let limits = Arc::new(ClusterLimits {
            conn: Mutex::new(None),
            script: redis::Script::new(SCRIPT),
            down: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&limits);
        tokio::spawn(async move {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Duration::from_secs(2))
                .set_response_timeout(Duration::from_secs(2));
            loop {
                match ConnectionManager::new_with_config(client.clone(), config.clone()).await {
                    Ok(c) => {
                        let Some(l) = weak.upgrade() else { return };
                        *l.conn.lock().unwrap_or_else(|p| p.into_inner()) = Some(c);
                        tracing::info!("throttling is shared through Redis");
                        return;
                    }
                    Err(e) => {
                        let Some(l) = weak.upgrade() else { return };
                        l.went_down(&e.to_string());
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        Ok(limits)
    }

    fn went_down(&self, why: &str) {
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "Redis is unreachable ({why}): throttling falls back to this node's buckets"
            );
        }
    }

    /// Takes tokens of each bucket cluster-wide: one for this request and up to a lease more
    /// (added to the bucket's lease). `Some(false)`: a bucket has none; `None`: Redis could
    /// not answer.
    pub async fn acquire(&self, buckets: &[&Bucket]) -> Option<bool> {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        let mut call = self.script.prepare_invoke();
        for b in buckets {
            let (interval, tolerance) = b.gcra()?;
            call.key(format!("proscenium:{}", b.name()))
                .arg((interval / 1000).max(1))
                .arg(tolerance / 1000)
                .arg(lease_size(interval, tolerance));
        }
        match tokio::time::timeout(DEADLINE, call.invoke_async::<Vec<u64>>(&mut conn)).await {
            Ok(Ok(granted)) => {
                if self.down.swap(false, Ordering::Relaxed) {
                    tracing::info!("Redis is reachable again: throttling is shared");
                }
                if granted.len() != buckets.len() {
                    return Some(false);
                }
                for (b, n) in buckets.iter().zip(granted) {
                    b.add_lease(n.saturating_sub(1));
                }
                Some(true)
            }
            Ok(Err(e)) => {
                self.went_down(&e.to_string());
                None
            }
            Err(_) => {
                self.went_down("no answer in time");
                None
            }
        }
    }
}

/// The buckets this request was admitted by locally (method or stage default, account,
/// usage plan) that the cluster shares.
fn shared_buckets(ctx: &RequestCtx) -> impl Iterator<Item = &Arc<Bucket>> {
    let stage = ctx.stage.as_deref();
    let method = stage.map(|s| s.settings.method(ctx.matched.as_ref().map(|m| &*m.method)));
    [
        method.and_then(|m| m.throttle.as_ref()),
        stage.map(|s| &s.settings.account),
        ctx.plan_bucket.as_ref(),
    ]
    .into_iter()
    .flatten()
    .filter(|b| !b.name().is_empty() && b.gcra().is_some())
}

/// What the node's leases could not cover: the buckets to ask Redis for, and those a token
/// was already spent from (given back if Redis refuses).
pub struct Pending {
    ask: Vec<Arc<Bucket>>,
    spent: Vec<Arc<Bucket>>,
}

/// Spends a leased token of every shared bucket the request draws on; `None` when the leases
/// covered them all (no round trip, nothing allocated), else what remains to ask the cluster.
pub fn take_leased(ctx: &RequestCtx) -> Option<Pending> {
    take_leased_from(|| shared_buckets(ctx))
}

/// [`take_leased`] over the buckets `buckets()` lists (the same each call).
fn take_leased_from<'a, I: Iterator<Item = &'a Arc<Bucket>>>(
    buckets: impl Fn() -> I,
) -> Option<Pending> {
    let covered = buckets().take_while(|b| b.take_leased()).count();
    if covered == buckets().count() {
        return None;
    }
    // The first `covered` buckets spent a leased token; the next had none; the rest try theirs.
    let mut pending = Pending {
        ask: Vec::new(),
        spent: Vec::new(),
    };
    for (i, b) in buckets().enumerate() {
        if i < covered || (i > covered && b.take_leased()) {
            pending.spent.push(b.clone());
        } else {
            pending.ask.push(b.clone());
        }
    }
    Some(pending)
}

/// The throttle phase's cluster half: the buckets the leases did not cover taken from the
/// cluster's (a refusal gives the leased tokens spent for this request back).
pub async fn check(limits: &ClusterLimits, pending: Pending) -> Result<(), GatewayError> {
    let refs: Vec<&Bucket> = pending.ask.iter().map(|b| &**b).collect();
    match limits.acquire(&refs).await {
        Some(false) => {
            for b in &pending.spent {
                b.add_lease(1);
            }
            Err(GatewayError::new(
                Kind::Throttled,
                Origin::Client,
                "Too Many Requests",
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    #[test]
    fn a_lease_is_a_fiftieth_of_a_second_at_most_a_tenth_of_the_burst() {
        // 1 000 000 rps, burst 500 000: 20 000 tokens (20 ms).
        assert_eq!(
            lease_size(SEC / 1_000_000, 500_000 * (SEC / 1_000_000)),
            20_000
        );
        // 10 000 rps, burst 5 000 (AWS's account default): 200.
        assert_eq!(lease_size(SEC / 10_000, 5_000 * (SEC / 10_000)), 200);
        // 10 000 rps, burst 100: a tenth of the burst.
        assert_eq!(lease_size(SEC / 10_000, 100 * (SEC / 10_000)), 10);
        // Slow buckets take one token per request, as without leases.
        assert_eq!(lease_size(10 * SEC, 40 * 10 * SEC), 1);
        assert_eq!(lease_size(SEC / 100, 5 * (SEC / 100)), 1);
        assert_eq!(lease_size(0, 0), 1);
    }

    #[test]
    fn what_the_leases_do_not_cover_is_asked_for_and_the_rest_is_spent() {
        let bucket = |lease| {
            let b = Arc::new(Bucket::named(
                crate::throttle::Limits {
                    rate: 10.0,
                    burst: 5,
                },
                "x".into(),
            ));
            b.add_lease(lease);
            b
        };
        let all = [bucket(1), bucket(1)];
        assert!(take_leased_from(|| all.iter()).is_none());
        // Leases of 1, 0, 1: the middle bucket is asked for, the other two spent a token.
        let some = [bucket(1), bucket(0), bucket(1)];
        let p = take_leased_from(|| some.iter()).unwrap();
        assert!(Arc::ptr_eq(&p.ask[0], &some[1]) && p.ask.len() == 1);
        assert!(Arc::ptr_eq(&p.spent[0], &some[0]) && Arc::ptr_eq(&p.spent[1], &some[2]));
        assert!(!some[0].take_leased() && !some[2].take_leased());
    }

    #[test]
    fn leased_tokens_are_spent_one_by_one() {
        let b = Bucket::named(
            crate::throttle::Limits {
                rate: 10.0,
                burst: 5,
            },
            "x".into(),
        );
        assert!(!b.take_leased());
        b.add_lease(2);
        assert!(b.take_leased());
        assert!(b.take_leased());
        assert!(!b.take_leased());
    }
}
