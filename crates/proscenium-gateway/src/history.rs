//! The last hour of a metrics series, minute by minute: requests, 4XX, 5XX and the latency
//! sum, so a chart has a real time window even when it was just opened.
//!
//! A ring of 60 slots indexed by `minute % 60`. Each counter is one `AtomicU64` packing the
//! minute it counts (its low 24 bits, in the high bits of the word) with the count (the low 40
//! bits): a writer whose minute differs replaces the word with a compare-exchange, so a
//! rollover never mixes two minutes and every counter is exact (no tolerated race). A write
//! for a minute older than the slot's (a clock stepping back) is dropped. Counts above 2^40
//! per minute (latency sums: 12 days of microseconds) would wrap; they cannot happen.
//!
//! Time is passed in (epoch minutes); pure, lock-free, allocation-free once the ring exists
//! (the series allocates it on its first request).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Minutes kept.
pub const MINUTES: usize = 60;
const VALUE_BITS: u32 = 40;
const VALUE_MASK: u64 = (1 << VALUE_BITS) - 1;
const STAMP_MASK: u64 = (1 << 24) - 1;

/// One minute's numbers as read back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub requests: u64,
    pub errors4xx: u64,
    pub errors5xx: u64,
    /// Sum of the requests' latencies, in microseconds.
    pub latency_micros: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.requests += o.requests;
        self.errors4xx += o.errors4xx;
        self.errors5xx += o.errors5xx;
        self.latency_micros += o.latency_micros;
    }
}

/// The epoch minute in which a request that started at `start` and took `latency_nanos` ended.
pub fn end_minute(start: SystemTime, latency_nanos: u64) -> u64 {
    let ms = start
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    ms.saturating_add(latency_nanos / 1_000_000) / 60_000
}

/// requests, 4XX, 5XX, latency µs.
type Slot = [AtomicU64; 4];

#[derive(Debug)]
pub struct Ring {
    slots: [Slot; MINUTES],
}

impl Default for Ring {
    fn default() -> Ring {
        Ring {
            slots: std::array::from_fn(|_| Default::default()),
        }
    }
}

fn add(word: &AtomicU64, minute: u64, v: u64) {
    let stamp = minute & STAMP_MASK;
    let _ = word.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
        let seen = old >> VALUE_BITS;
        if seen == stamp {
            return Some(old + (v & VALUE_MASK));
        }
        // How far the slot's minute is ahead of ours (24-bit wrapping): a later minute wins.
        let ahead = seen.wrapping_sub(stamp) & STAMP_MASK;
        if old != 0 && ahead < (1 << 23) {
            return None;
        }
        Some((stamp << VALUE_BITS) | (v & VALUE_MASK))
    });
}

fn read(word: &AtomicU64, minute: u64) -> u64 {
    let w = word.load(Ordering::Relaxed);
    if w >> VALUE_BITS == minute & STAMP_MASK {
        w & VALUE_MASK
    } else {
        0
    }
}

impl Ring {
    /// Counts one request that ended in `minute` (epoch minutes).
    pub fn record(&self, minute: u64, status: u16, latency_nanos: u64) {
        let slot = &self.slots[(minute % MINUTES as u64) as usize];
        add(&slot[0], minute, 1);
        match status {
            400..=499 => add(&slot[1], minute, 1),
            500..=599 => add(&slot[2], minute, 1),
            _ => {}
        }
        add(&slot[3], minute, latency_nanos / 1_000);
    }

    /// One minute's counts (zeros when it is not in the ring any more, or not yet). Every
    /// request writes the request counter: when it counts another minute, so does the slot.
    pub fn minute(&self, minute: u64) -> Counts {
        let slot = &self.slots[(minute % MINUTES as u64) as usize];
        let requests = read(&slot[0], minute);
        if requests == 0 {
            return Counts::default();
        }
        Counts {
            requests,
            errors4xx: read(&slot[1], minute),
            errors5xx: read(&slot[2], minute),
            latency_micros: read(&slot[3], minute),
        }
    }

    /// The `n` minutes (at most 60) ending with `last`, oldest first.
    pub fn window(&self, last: u64, n: usize) -> Vec<Counts> {
        let n = n.min(MINUTES) as u64;
        (0..n)
            .map(|i| self.minute((last + 1 + i).saturating_sub(n)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const T0: u64 = 29_400_000; // an epoch minute in 2025

    #[test]
    fn counts_per_minute_and_rolls_over() {
        let r = Ring::default();
        r.record(T0, 200, 2_000_000);
        r.record(T0, 404, 4_000_000);
        r.record(T0 + 1, 502, 1_000_000);
        assert_eq!(
            r.minute(T0),
            Counts {
                requests: 2,
                errors4xx: 1,
                errors5xx: 0,
                latency_micros: 6_000
            }
        );
        assert_eq!(r.minute(T0 + 1).errors5xx, 1);
        // Sixty minutes later the slot of T0 starts afresh.
        r.record(T0 + 60, 200, 1_000);
        assert_eq!(r.minute(T0), Counts::default());
        assert_eq!(r.minute(T0 + 60).requests, 1);
        assert_eq!(r.minute(T0 + 60).errors4xx, 0);
        assert_eq!(r.minute(T0 + 1).requests, 1, "other slots are untouched");
    }

    #[test]
    fn a_gap_longer_than_the_ring_reads_as_zeros() {
        let r = Ring::default();
        for m in 0..60 {
            r.record(T0 + m, 200, 1_000_000);
        }
        let later = T0 + 60 * 24 * 3 + 7;
        assert!(r.window(later, 60).iter().all(|c| *c == Counts::default()));
        r.record(later, 500, 1_000_000);
        let w = r.window(later, 5);
        assert_eq!(w.len(), 5);
        assert_eq!(w[4].errors5xx, 1);
        assert_eq!(w[..4], [Counts::default(); 4]);
    }

    #[test]
    fn a_write_for_an_older_minute_does_not_reset_a_newer_one() {
        let r = Ring::default();
        r.record(T0 + 60, 200, 0);
        r.record(T0, 200, 0);
        assert_eq!(r.minute(T0 + 60).requests, 1);
        assert_eq!(r.minute(T0).requests, 0);
    }

    #[test]
    fn window_is_oldest_first_and_bounded() {
        let r = Ring::default();
        for (i, m) in (T0..T0 + 5).enumerate() {
            for _ in 0..=i {
                r.record(m, 200, 0);
            }
        }
        let w: Vec<u64> = r.window(T0 + 4, 5).iter().map(|c| c.requests).collect();
        assert_eq!(w, [1, 2, 3, 4, 5]);
        let w: Vec<u64> = r.window(T0 + 6, 3).iter().map(|c| c.requests).collect();
        assert_eq!(w, [5, 0, 0]);
        assert_eq!(r.window(T0 + 4, 500).len(), MINUTES);
    }

    #[test]
    fn the_end_minute_adds_the_latency() {
        let start = UNIX_EPOCH + Duration::from_millis(T0 * 60_000 + 59_900);
        assert_eq!(end_minute(start, 50_000_000), T0);
        assert_eq!(end_minute(start, 200_000_000), T0 + 1);
    }
}
