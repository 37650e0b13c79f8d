//! One thread's ring and the buffers of its sends: queueing, submitting, collecting
//! completions. The invariants `unsafe` rests on live here:
//! - a queued entry's buffer stays in its slot until the entry's completion is collected (or
//!   forever, when the ring goes away with the entry unfinished);
//! - the queue is empty whenever a ticket is released, so the caller may close the socket: a
//!   submitted send holds the kernel's own reference to it, while a queued one names only
//!   the descriptor number, which the next socket may reuse once it is closed.

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;
use std::time::Duration;

use io_uring::{IoUring, opcode, types};

use crate::Stats;

/// `send(2)` flags: the whole buffer (the kernel retries a partial send), and no `SIGPIPE`
/// when the peer is gone (the error comes back in the completion instead).
const FLAGS: i32 = libc::MSG_WAITALL | libc::MSG_NOSIGNAL;
/// Attempts to submit the queue before giving up on the process (about a second).
const SUBMIT_ATTEMPTS: u32 = 1000;

static SENDS: AtomicU64 = AtomicU64::new(0);
static SUBMITS: AtomicU64 = AtomicU64::new(0);

/// The counters of every thread's ring.
pub(crate) fn totals() -> Stats {
    Stats {
        sends: SENDS.load(Ordering::Relaxed),
        submits: SUBMITS.load(Ordering::Relaxed),
    }
}

pub(crate) struct Ring {
    id: u64,
    ring: IoUring,
    slots: Vec<Slot>,
    free: Vec<u32>,
    flusher: Option<Waker>,
    /// The flusher has been woken and has not run yet.
    scheduled: bool,
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
        /// The ticket was released: free the slot when the completion arrives.
        abandoned: bool,
    },
    Done {
        buf: Vec<u8>,
        result: i32,
    },
}

impl Ring {
    pub(crate) fn new(id: u64, ring: IoUring) -> Ring {
        Ring {
            id,
            ring,
            slots: Vec::new(),
            free: Vec::new(),
            flusher: None,
            scheduled: false,
            sends: 0,
            submits: 0,
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn stats(&self) -> Stats {
        Stats {
            sends: self.sends,
            submits: self.submits,
        }
    }

    /// Queues a send of `buf` to `fd`; returns its slot and generation.
    pub(crate) fn queue(&mut self, fd: RawFd, buf: Vec<u8>) -> (u32, u32) {
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
        loop {
            // SAFETY: the entry's buffer is owned by its slot (`State::InFlight`) until the
            // completion is collected, and its descriptor stays open until then or until the
            // queue is submitted (the module's invariants).
            #[allow(unsafe_code)]
            let pushed = unsafe { self.ring.submission().push(&sqe).is_ok() };
            if pushed {
                break;
            }
            // A full queue is submitted now; the entries already in it go first.
            self.flush();
        }
        self.sends += 1;
        SENDS.fetch_add(1, Ordering::Relaxed);
        self.schedule();
        (slot, generation)
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

    /// The flusher's turn: submit what is queued, collect what completed.
    pub(crate) fn flushed_by(&mut self, waker: &Waker) {
        if !self.flusher.as_ref().is_some_and(|w| w.will_wake(waker)) {
            self.flusher = Some(waker.clone());
        }
        self.scheduled = false;
        self.flush();
    }

    /// Submits everything queued, then collects what completed. Returns only with the queue
    /// empty: a send left queued while its socket closes could reach whichever socket reuses
    /// the number. If the kernel keeps refusing the submission (a second of retries), the
    /// process stops rather than risk that.
    fn flush(&mut self) {
        let mut attempts = 0;
        while !self.ring.submission().is_empty() {
            attempts += 1;
            match self.ring.submit() {
                Ok(_) => {
                    self.submits += 1;
                    SUBMITS.fetch_add(1, Ordering::Relaxed);
                }
                // Interrupted, short of memory, or the completion queue is full: make room
                // and try again.
                Err(e) if attempts < SUBMIT_ATTEMPTS => {
                    if attempts == 1 {
                        tracing::warn!("io_uring submit failed, retrying: {e}");
                    }
                    self.reap();
                    if attempts > 3 {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
                Err(e) => {
                    tracing::error!("io_uring refuses to submit queued sends: {e}; stopping");
                    eprintln!("proscenium: io_uring refuses to submit queued sends: {e}");
                    std::process::abort();
                }
            }
        }
        self.reap();
    }

    /// Moves completed sends to `Done` (or frees them when abandoned). A failed send shuts
    /// its socket down at once (the ticket is alive, so the socket is still open): a reader
    /// waiting for the answer sees the end of the connection.
    fn reap(&mut self) {
        for cqe in self.ring.completion() {
            let data = cqe.user_data();
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
                        // SAFETY: a plain system call on a descriptor that is open (its
                        // ticket has not been released); no memory is passed.
                        #[allow(unsafe_code)]
                        let _ = unsafe { libc::shutdown(fd, libc::SHUT_RDWR) };
                    }
                    entry.state = State::Done { buf, result };
                }
                other => entry.state = other,
            }
        }
    }

    /// The outcome of a finished send (its slot freed), `None` while it is in flight.
    pub(crate) fn take_done(&mut self, slot: u32, generation: u32) -> Option<io::Result<Vec<u8>>> {
        self.reap();
        let entry = self.slots.get_mut(slot as usize)?;
        if entry.generation != generation {
            return None;
        }
        match std::mem::replace(&mut entry.state, State::Free) {
            State::Done { buf, result } => {
                self.free.push(slot);
                Some(outcome(buf, result))
            }
            in_flight => {
                entry.state = in_flight;
                None
            }
        }
    }

    /// The ticket is gone: a completed send frees its slot, one in flight frees it when it
    /// completes. The queue is submitted first, so that the socket may be closed.
    pub(crate) fn abandon(&mut self, slot: u32, generation: u32) {
        if !self.ring.submission().is_empty() {
            self.flush();
        }
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
    }
}

impl Drop for Ring {
    /// Closing the ring does not wait for the sends it started: their buffers are leaked
    /// rather than freed under the kernel (this happens only when the thread ends).
    fn drop(&mut self) {
        for slot in &mut self.slots {
            if let State::InFlight { buf, .. } = std::mem::replace(&mut slot.state, State::Free) {
                std::mem::forget(buf);
            }
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
