//! Injected time and randomness: the only place the data plane reads the wall clock or draws
//! random numbers, so tests can pin both.
//!
//! Must not: be bypassed; every other module receives a `&dyn Clock` / `&dyn Random`.

use std::time::SystemTime;

/// The wall clock (request times in `$context` and Lambda events).
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> SystemTime;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
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

/// The thread-local generator of `rand`.
#[derive(Debug, Default, Clone, Copy)]
pub struct ThreadRandom;

impl Random for ThreadRandom {
    fn next_u64(&self) -> u64 {
        rand::random()
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
    fn percent_spans_zero_to_hundred() {
        assert_eq!(Fixed(0).percent(), 0.0);
        let top = Fixed(u64::MAX).percent();
        assert!(top < 100.0 && top > 99.99);
    }
}
