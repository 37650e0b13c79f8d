//! Throttling shared by every node of a cluster (`--redis redis://…`): a request this node's
//! buckets admitted is also taken, in one round trip, from the same-named buckets in Redis
//! (one atomic script over every bucket the request draws on, on Redis's clock). A request
//! the local buckets refuse costs no round trip.
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

/// GCRA over every key at once: all admit (and move) or none moves. Times in microseconds.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nexts = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or '0')
  local n = math.max(tat, now) + interval
  if n - now > tolerance then return 0 end
  nexts[i] = n
end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, string.format('%.0f', nexts[i]), 'PX', math.ceil((nexts[i] - now) / 1000) + 1000)
end
return 1
";

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

    /// Takes one token from each bucket cluster-wide: `None` when Redis could not answer.
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
                .arg(tolerance / 1000);
        }
        match tokio::time::timeout(DEADLINE, call.invoke_async::<i64>(&mut conn)).await {
            Ok(Ok(v)) => {
                if self.down.swap(false, Ordering::Relaxed) {
                    tracing::info!("Redis is reachable again: throttling is shared");
                }
                Some(v == 1)
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
pub fn buckets(ctx: &RequestCtx) -> Vec<Arc<Bucket>> {
    let Some(stage) = ctx.stage.as_deref() else {
        return Vec::new();
    };
    let s = &stage.settings;
    let m = s.method(ctx.matched.as_ref().map(|m| &*m.method));
    [
        m.throttle.as_ref(),
        Some(&s.account),
        ctx.plan_bucket.as_ref(),
    ]
    .into_iter()
    .flatten()
    .filter(|b| !b.name().is_empty() && b.gcra().is_some())
    .cloned()
    .collect()
}

/// The throttle phase's cluster half: `buckets` taken from the cluster's.
pub async fn check(limits: &ClusterLimits, buckets: Vec<Arc<Bucket>>) -> Result<(), GatewayError> {
    if buckets.is_empty() {
        return Ok(());
    }
    let refs: Vec<&Bucket> = buckets.iter().map(|b| &**b).collect();
    match limits.acquire(&refs).await {
        Some(false) => Err(GatewayError::new(
            Kind::Throttled,
            Origin::Client,
            "Too Many Requests",
        )),
        _ => Ok(()),
    }
}
