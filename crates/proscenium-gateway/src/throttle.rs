//! Token buckets for API Gateway's throttling (steady rate per second, burst), lock-free.
//!
//! Each bucket is one `AtomicU64` holding the "theoretical arrival time" of the generic cell
//! rate algorithm: a request is admitted when the bucket would not run more than `burst`
//! emission intervals ahead of `now`. That is a token bucket of capacity `burst` refilled at
//! `rate` per second, updated with a single compare-and-swap.
//!
//! A bucket may carry a cluster-wide name: with `--redis`, a request this node's bucket admits
//! is also taken from the bucket of that name shared by every node (`cluster_limits`).
//!
//! Pure: time comes in as monotonic nanoseconds from the injected `Clock`.
//! Must not: sleep, lock or allocate on the request path.

use std::sync::atomic::{AtomicU64, Ordering};

/// A throttling setting: `rate` requests per second steady, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub rate: f64,
    pub burst: i64,
}

impl Limits {
    /// AWS's account default (10 000 rps, 5 000 burst), also what an untouched method setting
    /// prints.
    pub const DEFAULT: Limits = Limits {
        rate: 10_000.0,
        burst: 5_000,
    };

    /// A key that identifies these limits (for reusing buckets across recompiles).
    pub fn key(&self) -> (u64, i64) {
        (self.rate.to_bits(), self.burst)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A negative rate or burst: no limit at this level.
    Unlimited,
    /// A zero rate or burst: every request is refused (AWS blocks the method).
    Closed,
    Limited {
        interval: u64,
        tolerance: u64,
    },
}

/// One token bucket.
#[derive(Debug)]
pub struct Bucket {
    limits: Limits,
    mode: Mode,
    tat: AtomicU64,
    /// The bucket's cluster-wide identity (empty: this node's only).
    name: Box<str>,
    /// Tokens this node took from the cluster's bucket ahead of use (`cluster_limits`).
    lease: AtomicU64,
}

impl Bucket {
    /// A bucket shared by the cluster under `name` (which should identify the limits too, so
    /// that changed limits start a fresh bucket as they do locally).
    pub fn named(limits: Limits, name: String) -> Bucket {
        Bucket {
            name: name.into_boxed_str(),
            ..Bucket::new(limits)
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `(emission interval, tolerance)` in nanoseconds when the bucket limits anything.
    pub fn gcra(&self) -> Option<(u64, u64)> {
        match self.mode {
            Mode::Limited {
                interval,
                tolerance,
            } => Some((interval, tolerance)),
            _ => None,
        }
    }

    pub fn new(limits: Limits) -> Bucket {
        let mode = if limits.rate < 0.0 || limits.burst < 0 || limits.rate.is_nan() {
            Mode::Unlimited
        } else if limits.rate == 0.0 || limits.burst == 0 {
            Mode::Closed
        } else {
            let interval = (1e9 / limits.rate).clamp(1.0, 1e18) as u64;
            let tolerance = interval.saturating_mul(limits.burst as u64);
            Mode::Limited {
                interval,
                tolerance,
            }
        };
        Bucket {
            limits,
            mode,
            tat: AtomicU64::new(0),
            name: Box::from(""),
            lease: AtomicU64::new(0),
        }
    }

    /// Spends one token of the cluster lease; false when the lease is used up.
    pub fn take_leased(&self) -> bool {
        self.lease
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Adds tokens taken from the cluster's bucket to the lease.
    pub fn add_lease(&self, tokens: u64) {
        if tokens > 0 {
            self.lease.fetch_add(tokens, Ordering::AcqRel);
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Takes one token at `now` (monotonic nanoseconds); false when the bucket is empty.
    pub fn try_acquire(&self, now: u64) -> bool {
        let (interval, tolerance) = match self.mode {
            Mode::Unlimited => return true,
            Mode::Closed => return false,
            Mode::Limited {
                interval,
                tolerance,
            } => (interval, tolerance),
        };
        let mut current = self.tat.load(Ordering::Relaxed);
        loop {
            let next = current.max(now).saturating_add(interval);
            if next - now > tolerance {
                return false;
            }
            match self
                .tat
                .compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(seen) => current = seen,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    fn admitted(b: &Bucket, now: u64, n: usize) -> usize {
        (0..n).filter(|_| b.try_acquire(now)).count()
    }

    #[test]
    fn burst_then_steady_rate() {
        let b = Bucket::new(Limits {
            rate: 10.0,
            burst: 5,
        });
        let t0 = 100 * SEC;
        assert_eq!(admitted(&b, t0, 20), 5, "the burst, at once");
        assert_eq!(admitted(&b, t0 + SEC / 20, 5), 0, "half a token later");
        assert_eq!(admitted(&b, t0 + SEC / 10, 5), 1, "one token per 100 ms");
        assert_eq!(
            admitted(&b, t0 + SEC + SEC / 10, 50),
            5,
            "refills up to the burst"
        );
        // Over ten seconds of steady calls every 10 ms, about rate × 10 are admitted.
        let start = t0 + 10 * SEC;
        let ok = (0..1000)
            .filter(|i| b.try_acquire(start + i * SEC / 100))
            .count();
        assert!((100..=106).contains(&ok), "{ok}");
    }

    #[test]
    fn special_values() {
        let closed = Bucket::new(Limits {
            rate: 0.0,
            burst: 10,
        });
        assert!(!closed.try_acquire(SEC));
        let no_burst = Bucket::new(Limits {
            rate: 5.0,
            burst: 0,
        });
        assert!(!no_burst.try_acquire(SEC));
        let open = Bucket::new(Limits {
            rate: -1.0,
            burst: -1,
        });
        assert_eq!(admitted(&open, 0, 1000), 1000);
        let slow = Bucket::new(Limits {
            rate: 0.5,
            burst: 1,
        });
        assert!(slow.try_acquire(0));
        assert!(!slow.try_acquire(SEC));
        assert!(slow.try_acquire(2 * SEC));
    }

    #[test]
    fn concurrent_callers_share_one_budget() {
        let b = std::sync::Arc::new(Bucket::new(Limits {
            rate: 1.0,
            burst: 100,
        }));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let b = b.clone();
                std::thread::spawn(move || admitted(&b, SEC, 100))
            })
            .collect();
        let total: usize = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
        assert_eq!(total, 100);
    }
}
