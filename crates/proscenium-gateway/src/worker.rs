//! Which worker thread runs the code at hand. The server runs one single-threaded runtime per
//! worker (thread per core); each worker thread is given an index here (the main thread is
//! 0). State bound to a runtime, such as pooled backend connections and their timers, is kept
//! per worker so that it is only ever used by the thread, and the runtime, that made it.

use std::cell::Cell;

/// Worker slots kept by per-worker state; indexes beyond share slots (still correct, as a
/// slot is a lock, only no longer uncontended).
pub const SLOTS: usize = 64;

thread_local! {
    static INDEX: Cell<usize> = const { Cell::new(0) };
}

/// Marks this thread as worker `index` (the server calls it when it starts a worker).
pub fn set_index(index: usize) {
    INDEX.with(|c| c.set(index));
}

/// This thread's worker index (0 on threads the server did not mark).
pub fn index() -> usize {
    INDEX.with(Cell::get)
}

/// This thread's slot among [`SLOTS`].
pub fn slot() -> usize {
    index() % SLOTS
}
