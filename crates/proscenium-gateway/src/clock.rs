//! Injected time and randomness: the only place the data plane reads the wall clock or draws
//! random numbers, so tests can pin both.
//!
//! Must not: be bypassed; every other module receives a `&dyn Clock` / `&dyn Random`.
#![allow(clippy::disallowed_methods)] // the one place the data plane reads the real clock

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The wall clock (request times in `$context` and Lambda events) and a monotonic one
/// (throttling, cache expiry, latencies).
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> SystemTime;

    /// Nanoseconds on a clock that never goes backwards. The default derives it from `now`,
    /// which suits test clocks; the system clock uses `Instant`.
    fn monotonic_nanos(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }

    /// Both clocks at once (the request path reads them together). The system clock answers
    /// with a single clock read.
    fn wall_and_monotonic(&self) -> (SystemTime, u64) {
        (self.now(), self.monotonic_nanos())
    }
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn monotonic_nanos(&self) -> u64 {
        let start = *START.get_or_init(Instant::now);
        u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// One `Instant` read; the wall clock is derived from it with an offset re-read from
    /// `SystemTime` at most once a second (so it follows clock adjustments within a second).
    fn wall_and_monotonic(&self) -> (SystemTime, u64) {
        let mono = self.monotonic_nanos();
        let anchored = ANCHORED_AT.load(Ordering::Relaxed);
        let mut offset = WALL_OFFSET.load(Ordering::Relaxed);
        if anchored == 0 || mono.saturating_sub(anchored) > 1_000_000_000 {
            let wall = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
            offset = wall.saturating_sub(mono);
            WALL_OFFSET.store(offset, Ordering::Relaxed);
            ANCHORED_AT.store(mono.max(1), Ordering::Relaxed);
        }
        let wall = UNIX_EPOCH + std::time::Duration::from_nanos(mono.saturating_add(offset));
        (wall, mono)
    }
}

static START: OnceLock<Instant> = OnceLock::new();
/// Wall-clock nanoseconds minus `monotonic_nanos`, as last measured.
static WALL_OFFSET: AtomicU64 = AtomicU64::new(0);
/// `monotonic_nanos` when `WALL_OFFSET` was measured (0: never).
static ANCHORED_AT: AtomicU64 = AtomicU64::new(0);

/// A clock tests move by hand (wall and monotonic time advance together).
#[derive(Debug)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    /// Starts at `epoch_secs` seconds after 1970.
    pub fn new(epoch_secs: u64) -> Self {
        ManualClock {
            nanos: AtomicU64::new(epoch_secs.saturating_mul(1_000_000_000)),
        }
    }

    pub fn advance(&self, d: std::time::Duration) {
        let add = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(add, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        let n = self.nanos.load(Ordering::SeqCst);
        UNIX_EPOCH + std::time::Duration::from_nanos(n)
    }
}

/// A seeded generator (splitmix64): reproducible canary routing and ids in tests.
#[derive(Debug)]
pub struct SeededRandom {
    state: AtomicU64,
}

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        SeededRandom {
            state: AtomicU64::new(seed),
        }
    }
}

impl Random for SeededRandom {
    fn next_u64(&self) -> u64 {
        let s = self
            .state
            .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
            .wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// A source of random numbers (request ids, canary routing).
pub trait Random: Send + Sync + 'static {
    fn next_u64(&self) -> u64;

    /// A uniform draw in `[0, 100)`, compared with a canary's `percentTraffic`.
    fn percent(&self) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit * 100.0
    }
}

/// A fast per-thread generator (`rand`'s `SmallRng`, seeded from the operating system once
/// per thread). What the data plane draws (request, `x-amz-apigw-id` and trace ids, span ids,
/// canary routing) must be unique and unbiased, not secret: nothing is authenticated by it.
#[derive(Debug, Default, Clone, Copy)]
pub struct ThreadRandom;

impl Random for ThreadRandom {
    fn next_u64(&self) -> u64 {
        use rand::{RngCore, SeedableRng, rngs::SmallRng};
        thread_local! {
            static RNG: std::cell::RefCell<SmallRng> = std::cell::RefCell::new(SmallRng::from_entropy());
        }
        RNG.with(|r| r.borrow_mut().next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(u64);
    impl Random for Fixed {
        fn next_u64(&self) -> u64 {
            self.0
        }
    }

    #[test]
    fn thread_random_draws_differ_within_and_across_threads() {
        let draws: std::collections::HashSet<u64> =
            (0..10_000).map(|_| ThreadRandom.next_u64()).collect();
        assert_eq!(draws.len(), 10_000);
        // Each thread is seeded on its own: no two start the same sequence.
        let firsts: std::collections::HashSet<u64> = (0..8)
            .map(|_| {
                std::thread::spawn(|| ThreadRandom.next_u64())
                    .join()
                    .unwrap()
            })
            .collect();
        assert_eq!(firsts.len(), 8);
        let p = ThreadRandom.percent();
        assert!((0.0..100.0).contains(&p));
    }

    #[test]
    fn system_clock_pair_tracks_the_wall_clock() {
        let (wall, mono) = SystemClock.wall_and_monotonic();
        let real = SystemTime::now();
        let diff = real
            .duration_since(wall)
            .or_else(|e| Ok::<_, ()>(e.duration()))
            .unwrap_or_default();
        assert!(diff < std::time::Duration::from_millis(50), "{diff:?}");
        assert!(SystemClock.monotonic_nanos() >= mono);
    }

    #[test]
    fn percent_spans_zero_to_hundred() {
        assert_eq!(Fixed(0).percent(), 0.0);
        let top = Fixed(u64::MAX).percent();
        assert!(top < 100.0 && top > 99.99);
    }
}
