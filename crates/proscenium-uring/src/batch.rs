//! The public side: [`install`] on a thread, [`send`] a buffer, hold the [`Ticket`], and the
//! flusher task that submits the thread's queue once per turn of the runtime.

use std::cell::RefCell;
use std::io;
use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;

use io_uring::{IoUring, Probe, opcode};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use crate::Stats;
use crate::ring::Ring;

/// Submission queue entries: sends queued beyond this in one turn submit the queue early.
const ENTRIES: u32 = 256;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static RING: RefCell<Option<Ring>> = const { RefCell::new(None) };
}

/// Counters of the batched sends made by this process, on every thread.
pub fn stats() -> Stats {
    crate::ring::totals()
}

/// Counters of this thread's batch; `None` when the thread does not batch.
pub fn thread_stats() -> Option<Stats> {
    RING.try_with(|cell| cell.try_borrow().ok()?.as_ref().map(Ring::stats))
        .ok()
        .flatten()
}

/// Sets up batching on this thread, which must be running a current-thread tokio runtime:
/// creates the ring and spawns the flusher. Fails when the kernel refuses io_uring (too old,
/// or forbidden by a seccomp profile or `kernel.io_uring_disabled`), when the runtime is not
/// a current-thread one (`InvalidInput`) or the thread already batches (`AlreadyExists`);
/// [`send`] then hands every buffer back (or keeps using the batch already there).
pub fn install() -> io::Result<()> {
    let flavor = tokio::runtime::Handle::try_current()
        .map_err(|e| io::Error::other(e.to_string()))?
        .runtime_flavor();
    if flavor != tokio::runtime::RuntimeFlavor::CurrentThread {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "batched sends need the current-thread runtime (one worker)",
        ));
    }
    if thread_stats().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "this thread already batches its sends",
        ));
    }
    // Every entry of a submission is submitted even when one of them fails to start (5.18+).
    let ring = IoUring::builder()
        .setup_submit_all()
        .build(ENTRIES)
        .or_else(|_| IoUring::new(ENTRIES))?;
    let mut probe = Probe::new();
    ring.submitter().register_probe(&mut probe)?;
    if !probe.is_supported(opcode::Send::CODE) {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "the kernel's io_uring cannot send",
        ));
    }
    // The ring's descriptor is readable when completions wait: the flusher collects those that
    // come after the submission (a send that had to wait for room in the socket).
    // SAFETY: the ring's descriptor is open while `ring` is alive, which spans this call.
    #[allow(unsafe_code)]
    let watched = unsafe { BorrowedFd::borrow_raw(ring.as_raw_fd()) }.try_clone_to_owned()?;
    // SAFETY: `watched` is this `AsyncFd`'s own duplicate of the ring's descriptor: it stays
    // open, and names the same ring, for as long as the `AsyncFd` holds it.
    #[allow(unsafe_code)]
    let completions = unsafe { AsyncFd::register_with_interest(watched, Interest::READABLE) }
        .map_err(io::Error::from)?;
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    RING.with(|cell| *cell.borrow_mut() = Some(Ring::new(id, ring)));
    tokio::spawn(flusher(completions));
    Ok(())
}

/// Queues `buf` to be written whole to `socket` with the other sends of this turn. `Err`
/// gives the buffer back when this thread has no batch (or `buf` is empty): write it directly.
pub fn send(socket: &impl AsRawFd, buf: Vec<u8>) -> Result<Ticket, Vec<u8>> {
    if buf.is_empty() {
        return Err(buf);
    }
    let fd = socket.as_raw_fd();
    let mut buf = Some(buf);
    let queued = RING.try_with(|cell| {
        let mut guard = cell.try_borrow_mut().ok()?;
        let ring = guard.as_mut()?;
        let (slot, generation) = ring.queue(fd, buf.take()?);
        Some(Ticket {
            batch: ring.id(),
            slot,
            generation,
        })
    });
    match queued {
        Ok(Some(ticket)) => Ok(ticket),
        _ => Err(buf.unwrap_or_default()),
    }
}

/// A send in flight. See the crate's rules: one per socket, dropped before the socket.
#[derive(Debug)]
pub struct Ticket {
    batch: u64,
    slot: u32,
    generation: u32,
}

impl Ticket {
    /// The send's outcome once the kernel reported it: the buffer back (for reuse) or the
    /// error. `Err` gives the ticket back while the send is still in flight.
    pub fn take(self) -> Result<io::Result<Vec<u8>>, Ticket> {
        let (slot, generation) = (self.slot, self.generation);
        match with_ring(self.batch, |r| r.take_done(slot, generation)) {
            Some(Some(outcome)) => {
                // Done and its slot freed: nothing left for `Drop` to release.
                let _ = ManuallyDrop::new(self);
                Ok(outcome)
            }
            Some(None) => Err(self),
            // Not this thread's batch (or it is busy): the outcome cannot be known here;
            // `Drop` releases what it can.
            None => Ok(Err(io::Error::other(
                "the send's batch is not reachable from here",
            ))),
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let (slot, generation) = (self.slot, self.generation);
        with_ring(self.batch, |r| r.abandon(slot, generation));
    }
}

/// Runs `f` on this thread's ring if it is the batch `id`.
fn with_ring<T>(id: u64, f: impl FnOnce(&mut Ring) -> T) -> Option<T> {
    RING.try_with(|cell| {
        let mut guard = cell.try_borrow_mut().ok()?;
        guard.as_mut().filter(|r| r.id() == id).map(f)
    })
    .ok()
    .flatten()
}

/// The task that submits the queue: woken by the first send of a turn, it runs after the
/// tasks that were already ready, so their sends go in the same `io_uring_enter`. It also
/// collects completions that arrive later (the ring's descriptor turns readable).
async fn flusher(completions: AsyncFd<OwnedFd>) {
    std::future::poll_fn(|cx| {
        while let Poll::Ready(Ok(mut ready)) = completions.poll_read_ready(cx) {
            ready.clear_ready();
        }
        let _ = RING.try_with(|cell| {
            if let Ok(mut guard) = cell.try_borrow_mut()
                && let Some(r) = guard.as_mut()
            {
                r.flushed_by(cx.waker());
            }
        });
        Poll::<()>::Pending
    })
    .await
}

#[cfg(test)]
mod tests;
