//! When each request is due and which target it goes to: pure arithmetic, no clock.
//!
//! Requests are due at a fixed rate from time zero. Time is cut into slices; each slice belongs
//! to one target, and the order of the targets rotates every cycle (for two targets: A B B A
//! A B B A …), so slow drifts of the machine fall on every target alike and no target always
//! follows the same other one.

/// Nanoseconds from the start at which request `k` is due, at `rate` requests per second.
pub fn due_ns(k: u64, rate: f64) -> u64 {
    (k as f64 * 1e9 / rate) as u64
}

/// The target that slice `slice` belongs to, of `targets` (≥ 1).
pub fn target_of(slice: u64, targets: usize) -> usize {
    let n = targets as u64;
    let (cycle, pos) = (slice / n, slice % n);
    ((pos + cycle) % n) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_due_at_the_rate() {
        assert_eq!(due_ns(0, 5000.0), 0);
        assert_eq!(due_ns(1, 5000.0), 200_000);
        assert_eq!(due_ns(5000, 5000.0), 1_000_000_000);
        assert_eq!(due_ns(2, 3.0), 666_666_666);
    }

    #[test]
    fn two_targets_alternate_a_b_b_a() {
        let order: Vec<usize> = (0..8).map(|s| target_of(s, 2)).collect();
        assert_eq!(order, [0, 1, 1, 0, 0, 1, 1, 0]);
    }

    #[test]
    fn every_target_gets_every_position_in_turn() {
        let order: Vec<usize> = (0..9).map(|s| target_of(s, 3)).collect();
        assert_eq!(order, [0, 1, 2, 1, 2, 0, 2, 0, 1]);
        assert!((0..100).all(|s| target_of(s, 1) == 0));
    }
}
