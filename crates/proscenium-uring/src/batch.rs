//! The per-thread batch: the ring, the buffers of the sends in flight, and the flusher task
//! that submits them once per turn of the runtime.

use std::cell::RefCell;
use std::io;
use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Poll, Waker};

use io_uring::{IoUring, Probe, opcode, types};

use crate::Stats;

/// Submission queue entries: sends queued beyond this in one turn submit the queue early.
const ENTRIES: u32 = 256;
/// `send(2)` flags: the whole buffer (the kernel retries a partial send), and no `SIGPIPE`
/// when the peer is gone (the error comes back in the completion instead).
const FLAGS: i32 = 0x100 /* MSG_WAITALL */ | 0x4000 /* MSG_NOSIGNAL */;
/// `user_data` of the shutdowns that follow a failed send (their completions are ignored).
const SHUTDOWN: u64 = u64::MAX;
/// `shutdown(2)`'s `SHUT_RDWR`.
const SHUT_RDWR: i32 = 2;

static SENDS: AtomicU64 = AtomicU64::new(0);
static SUBMITS: AtomicU64 = AtomicU64::new(0);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static BATCH: RefCell<Option<Batch>> = const { RefCell::new(None) };
}

/// Counters of the batched sends made by this process, on every thread.
pub fn stats() -> Stats {
    Stats {
        sends: SENDS.load(Ordering::Relaxed),
        submits: SUBMITS.load(Ordering::Relaxed),
    }
}

/// Counters of this thread's batch; `None` when the thread does not batch.
pub fn thread_stats() -> Option<Stats> {
    BATCH
        .try_with(|cell| {
            let guard = cell.try_borrow().ok()?;
            guard.as_ref().map(|b| Stats {
                sends: b.sends,
                submits: b.submits,
            })
        })
        .ok()
        .flatten()
}

/// Sets up batching on this thread, which must be running a current-thread tokio runtime:
/// creates the ring and spawns the flusher. Fails when the kernel refuses io_uring (too old,
/// or forbidden by a seccomp profile or `kernel.io_uring_disabled`) or the runtime is not a
/// current-thread one (`InvalidInput`); [`send`] then hands every buffer back.
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
    let ring = IoUring::new(ENTRIES)?;
    let mut probe = Probe::new();
    ring.submitter().register_probe(&mut probe)?;
    if !probe.is_supported(opcode::Send::CODE) || !probe.is_supported(opcode::Shutdown::CODE) {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "the kernel's io_uring has no send or shutdown",
        ));
    }
    let batch = Batch {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        ring,
        slots: Vec::new(),
        free: Vec::new(),
        flusher: None,
        scheduled: false,
        sends: 0,
        submits: 0,
    };
    BATCH.with(|cell| *cell.borrow_mut() = Some(batch));
    tokio::spawn(flusher());
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
    let queued = BATCH.try_with(|cell| {
        let mut guard = cell.try_borrow_mut().ok()?;
        let batch = guard.as_mut()?;
        Some(batch.queue(fd, buf.take()?))
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
        let this = ManuallyDrop::new(self);
        let done = with_batch(this.batch, |b| {
            b.reap();
            b.take_done(this.slot, this.generation)
        });
        match done {
            Some(Some(outcome)) => Ok(outcome),
            Some(None) => Err(ManuallyDrop::into_inner(this)),
            // Not this thread's batch: the outcome cannot be known here.
            None => Ok(Err(io::Error::other(
                "the send was queued on another thread",
            ))),
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let (slot, generation) = (self.slot, self.generation);
        with_batch(self.batch, |b| b.abandon(slot, generation));
    }
}

/// Runs `f` on this thread's batch if it is the batch `id`.
fn with_batch<T>(id: u64, f: impl FnOnce(&mut Batch) -> T) -> Option<T> {
    BATCH
        .try_with(|cell| {
            let mut guard = cell.try_borrow_mut().ok()?;
            guard.as_mut().filter(|b| b.id == id).map(f)
        })
        .ok()
        .flatten()
}

/// The task that submits the queue: woken by the first send of a turn, it runs after the
/// tasks that were already ready, so their sends go in the same `io_uring_enter`.
async fn flusher() {
    std::future::poll_fn(|cx| {
        let _ = BATCH.try_with(|cell| {
            if let Ok(mut guard) = cell.try_borrow_mut()
                && let Some(b) = guard.as_mut()
            {
                if !b.flusher.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    b.flusher = Some(cx.waker().clone());
                }
                b.scheduled = false;
                b.flush();
            }
        });
        Poll::<()>::Pending
    })
    .await
}

struct Batch {
    id: u64,
    ring: IoUring,
    slots: Vec<Slot>,
    free: Vec<u32>,
    flusher: Option<Waker>,
    /// The flusher has been woken and has not run yet.
    scheduled: bool,
    /// Sends queued and `io_uring_enter` calls made by this batch.
    sends: u64,
    submits: u64,
}

struct Slot {
    generation: u32,
    state: State,
}

enum State {
    Free,
    /// Handed to the ring; `buf` must stay where it is until the completion arrives.
    InFlight {
        buf: Vec<u8>,
        fd: RawFd,
        /// The ticket was dropped: free the slot when the completion arrives.
        abandoned: bool,
    },
    Done {
        buf: Vec<u8>,
        result: i32,
    },
}

impl Batch {
    fn queue(&mut self, fd: RawFd, buf: Vec<u8>) -> Ticket {
        let slot = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    state: State::Free,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let entry = &mut self.slots[slot as usize];
        entry.generation = entry.generation.wrapping_add(1);
        let generation = entry.generation;
        let sqe = opcode::Send::new(types::Fd(fd), buf.as_ptr(), buf.len() as u32)
            .flags(FLAGS)
            .build()
            .user_data(u64::from(generation) << 32 | u64::from(slot));
        // The vector's heap block does not move when the vector does: the pointer in the entry
        // stays valid while the slot holds the vector.
        entry.state = State::InFlight {
            buf,
            fd,
            abandoned: false,
        };
        self.push(&sqe);
        self.sends += 1;
        SENDS.fetch_add(1, Ordering::Relaxed);
        self.schedule();
        Ticket {
            batch: self.id,
            slot,
            generation,
        }
    }

    fn push(&mut self, sqe: &io_uring::squeue::Entry) {
        loop {
            // SAFETY: the entry's buffer is owned by its slot (`State::InFlight`) until the
            // completion is reaped, and its descriptor is kept open by the rule that a ticket
            // is dropped (which submits the queue) before its socket is closed. A shutdown
            // entry holds no buffer.
            #[allow(unsafe_code)]
            let pushed = unsafe { self.ring.submission().push(sqe).is_ok() };
            if pushed {
                return;
            }
            // A full queue is submitted now; the entries already in it go first.
            self.flush();
        }
    }

    /// Wakes the flusher once per turn; before it first ran, submits at once.
    fn schedule(&mut self) {
        if self.scheduled {
            return;
        }
        match &self.flusher {
            Some(w) => {
                self.scheduled = true;
                w.wake_by_ref();
            }
            None => self.flush(),
        }
    }

    /// Submits everything queued, then reaps what completed.
    fn flush(&mut self) {
        let mut attempts = 0;
        while !self.ring.submission().is_empty() && attempts < 8 {
            attempts += 1;
            match self.ring.submit() {
                Ok(_) => {
                    self.submits += 1;
                    SUBMITS.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // The completion queue is full: make room and try again.
                Err(e) if e.raw_os_error() == Some(16 /* EBUSY */) => self.reap(),
                Err(e) => {
                    tracing::warn!("io_uring submit failed: {e}");
                    break;
                }
            }
        }
        self.reap();
    }

    /// Moves completed sends to `Done` (or frees them when abandoned); a failed send shuts
    /// its socket down.
    fn reap(&mut self) {
        let mut failed: Vec<RawFd> = Vec::new();
        for cqe in self.ring.completion() {
            let data = cqe.user_data();
            if data == SHUTDOWN {
                continue;
            }
            let (slot, generation) = ((data & 0xffff_ffff) as usize, (data >> 32) as u32);
            let Some(entry) = self.slots.get_mut(slot) else {
                continue;
            };
            if entry.generation != generation {
                continue;
            }
            let result = cqe.result();
            match std::mem::replace(&mut entry.state, State::Free) {
                State::InFlight {
                    abandoned: true, ..
                } => self.free.push(slot as u32),
                State::InFlight { buf, fd, .. } => {
                    if result < 0 || result as usize != buf.len() {
                        failed.push(fd);
                    }
                    entry.state = State::Done { buf, result };
                }
                other => entry.state = other,
            }
        }
        for fd in failed {
            let sqe = opcode::Shutdown::new(types::Fd(fd), SHUT_RDWR)
                .build()
                .user_data(SHUTDOWN);
            self.push(&sqe);
            self.schedule();
        }
    }

    fn take_done(&mut self, slot: u32, generation: u32) -> Option<io::Result<Vec<u8>>> {
        let entry = self.slots.get_mut(slot as usize)?;
        if entry.generation != generation || !matches!(entry.state, State::Done { .. }) {
            return None;
        }
        let State::Done { buf, result } = std::mem::replace(&mut entry.state, State::Free) else {
            return None;
        };
        self.free.push(slot);
        Some(outcome(buf, result))
    }

    /// The ticket is gone: a completed send frees its slot; one in flight frees it when it
    /// completes, after the queue is submitted so that the socket may be closed.
    fn abandon(&mut self, slot: u32, generation: u32) {
        let Some(entry) = self.slots.get_mut(slot as usize) else {
            return;
        };
        if entry.generation != generation {
            return;
        }
        match &mut entry.state {
            State::Done { .. } => {
                entry.state = State::Free;
                self.free.push(slot);
            }
            State::InFlight { abandoned, .. } => *abandoned = true,
            State::Free => {}
        }
        // A send (or a shutdown after a failed one) still queued for this socket goes to the
        // kernel now, before the caller closes the descriptor.
        if !self.ring.submission().is_empty() {
            self.flush();
        }
    }
}

fn outcome(buf: Vec<u8>, result: i32) -> io::Result<Vec<u8>> {
    if result < 0 {
        Err(io::Error::from_raw_os_error(-result))
    } else if result as usize != buf.len() {
        Err(io::Error::new(
            io::ErrorKind::WriteZero,
            format!("sent {result} of {} bytes", buf.len()),
        ))
    } else {
        Ok(buf)
    }
}

#[cfg(test)]
mod tests;
