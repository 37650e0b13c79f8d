//! Batched socket sends. A send queued with [`send`] is not written at once: it waits in an
//! io_uring submission queue until the runtime has polled the tasks that were ready before it,
//! and then one `io_uring_enter` hands every queued send to the kernel.
//!
//! Why: a proxy that shares a CPU with its backend wakes the backend with each request it
//! writes, and the scheduler tends to switch to the backend right after that write, so proxy
//! and backend take turns one request at a time. Written together, the requests of one turn
//! reach the backend in one go: it is woken once, answers them all, and the switches per
//! request fall from about 0.25 to about 0.02 (BENCHMARKS.md has the figures).
//!
//! Where: only on a thread that called [`install`], which needs tokio's current-thread runtime
//! (a task of the runtime, the flusher, submits the batch when its turn comes). Elsewhere, or
//! when the kernel refuses io_uring, [`send`] hands the buffer back and the caller writes it.
//!
//! Rules for callers:
//! - one send at a time per socket: write a socket again only after its [`Ticket`] reported
//!   the send done ([`Ticket::take`]);
//! - keep the socket open while its ticket lives, and drop the ticket first: dropping a ticket
//!   submits a send still queued, so the kernel has its own reference to the socket before
//!   the descriptor is closed (a closed descriptor's number is reused by the next socket).
//!
//! A send that fails shuts its socket down, so a reader waiting for the answer sees the
//! connection end instead of waiting for an answer to a request that never left. (The kernel
//! retries a partial send, `MSG_WAITALL`, since Linux 5.19; on older kernels a partial send
//! counts as a failure.)

mod batch;
mod ring;

pub use batch::{Ticket, install, send, stats, thread_stats};

/// Counters of the batched sends made by this process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Sends queued.
    pub sends: u64,
    /// `io_uring_enter` calls that submitted them.
    pub submits: u64,
}
