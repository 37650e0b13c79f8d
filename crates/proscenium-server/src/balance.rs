//! Spreading connections evenly over the workers (thread per core). Every worker's accept
//! loop watches the same listening socket and the kernel wakes them all for a new connection;
//! without a rule, whichever is quickest takes it, and a burst of connections (a load
//! generator opening 64 at once) can land two to one on one thread, which then saturates
//! while another idles. The rule: a worker accepts only while it holds no more open
//! connections than any other worker; otherwise it waits until the counts change. The worker
//! with the fewest connections always accepts, so a connection is never left waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// Open connections per worker, shared by the workers' accept loops.
pub struct Balance {
    open: Box<[AtomicUsize]>,
    changed: Notify,
}

/// Held by a connection's task: its worker's count goes down when it is dropped.
pub struct Open {
    balance: Arc<Balance>,
    worker: usize,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.balance.open[self.worker].fetch_sub(1, Ordering::Relaxed);
        self.balance.changed.notify_waiters();
    }
}

impl Balance {
    pub fn new(workers: usize) -> Arc<Balance> {
        Arc::new(Balance {
            open: (0..workers.max(1)).map(|_| AtomicUsize::new(0)).collect(),
            changed: Notify::new(),
        })
    }

    /// Whether `worker` holds no more open connections than any other.
    pub fn may_accept(&self, worker: usize) -> bool {
        let mine = self.open[worker].load(Ordering::Relaxed);
        self.open.iter().all(|o| o.load(Ordering::Relaxed) >= mine)
    }

    /// Waits until `worker` may accept.
    pub async fn turn(&self, worker: usize) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.may_accept(worker) {
                return;
            }
            changed.await;
        }
    }

    /// Counts a connection `worker` accepted.
    pub fn opened(self: &Arc<Balance>, worker: usize) -> Open {
        self.open[worker].fetch_add(1, Ordering::Relaxed);
        self.changed.notify_waiters();
        Open {
            balance: self.clone(),
            worker,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_with_fewest_connections_accepts_and_the_others_wait_their_turn() {
        let b = Balance::new(3);
        assert!(
            (0..3).all(|w| b.may_accept(w)),
            "all even: everyone accepts"
        );
        let first = b.opened(1);
        assert!(!b.may_accept(1));
        assert!(b.may_accept(0) && b.may_accept(2));
        let second = b.opened(0);
        assert!(!b.may_accept(0) && !b.may_accept(1) && b.may_accept(2));
        drop(first);
        assert!(b.may_accept(1) && b.may_accept(2) && !b.may_accept(0));
        drop(second);
        assert!((0..3).all(|w| b.may_accept(w)));
    }

    #[tokio::test]
    async fn a_waiting_worker_is_woken_when_the_counts_change() {
        let b = Balance::new(2);
        let held = b.opened(0);
        let waiter = {
            let b = b.clone();
            tokio::spawn(async move { b.turn(0).await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "worker 0 holds more than worker 1");
        let other = b.opened(1);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("woken when worker 1 accepted")
            .unwrap();
        drop((held, other));
    }
}
