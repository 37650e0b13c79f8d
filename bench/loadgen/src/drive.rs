//! The open loop: requests leave when they are due, whatever the answers before them did.
//!
//! One thread paces the requests (it sleeps between them and spins the last `spin_ns` before
//! each is due) and, while any is in flight, spins polling only the connections that have one,
//! so a due time is met within a microsecond or two and an answer's arrival is seen as soon. A request whose target has no idle connection waits for
//! one; its latency still counts from when it was due (no coordinated omission).

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::response::{Parse, parse};
use crate::schedule::due_ns;

/// One server under load: where it listens and the request it gets.
pub struct Target {
    pub addr: SocketAddr,
    pub request: Vec<u8>,
}

/// What one target's requests came to.
#[derive(Default, Debug)]
pub struct Tally {
    pub requests: u64,
    pub non2xx: u64,
    pub errors: u64,
    /// The first error's description, for the report.
    pub first_error: Option<String>,
}

/// Latencies (nanoseconds to the answer's last byte) of one slice's 2xx answers.
pub struct SliceRecord {
    pub target: usize,
    pub latencies_ns: Vec<u64>,
    /// The same requests' times from just before each was written: without the generator's
    /// own delay in sending (a stall of its CPU), which `latencies_ns` includes. Both include
    /// the loopback's delivery and the generator's polling while the request is in flight.
    pub service_ns: Vec<u64>,
}

/// A request whose answer has not come this long after it was sent is counted as an error.
const ANSWER_TIMEOUT_NS: u64 = 5_000_000_000;

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    due: u64,
    sent: u64,
    slice: u64,
}

/// The connections to one target (`pools[i]` is target `i`'s).
struct Pool {
    conns: Vec<Conn>,
    idle: VecDeque<usize>,
    /// Due requests waiting for an idle connection: (due, slice).
    waiting: VecDeque<(u64, u64)>,
    /// Connections that failed and could not be opened again.
    lost: usize,
}

fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    // Bounded: a reconnection happens inside the timing loop.
    let s = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    s.set_nodelay(true)?;
    s.set_nonblocking(true)?;
    Ok(s)
}

/// Connections to every target, opened before the clock starts.
pub struct Load<'a> {
    targets: &'a [Target],
    pools: Vec<Pool>,
    pub tallies: Vec<Tally>,
}

impl<'a> Load<'a> {
    pub fn connect(targets: &'a [Target], conns: usize) -> std::io::Result<Self> {
        let mut pools = Vec::with_capacity(targets.len());
        for t in targets {
            let mut cs = Vec::with_capacity(conns);
            for _ in 0..conns {
                cs.push(Conn {
                    stream: connect(t.addr)?,
                    buf: Vec::with_capacity(4096),
                    due: 0,
                    sent: 0,
                    slice: 0,
                });
            }
            pools.push(Pool {
                conns: cs,
                idle: (0..conns).collect(),
                waiting: VecDeque::new(),
                lost: 0,
            });
        }
        let tallies = targets.iter().map(|_| Tally::default()).collect();
        Ok(Load {
            targets,
            pools,
            tallies,
        })
    }

    /// Sends `rate` requests a second for `duration_ns`, request k's slice `due / slice_ns` going
    /// to target `target_of(slice)`. With `record`, returns each slice's latencies and counts the
    /// requests in the tallies; without, it only warms up.
    pub fn run(
        &mut self,
        rate: f64,
        duration_ns: u64,
        slice_ns: u64,
        target_of: impl Fn(u64) -> usize,
        spin_ns: u64,
        record: bool,
    ) -> Vec<SliceRecord> {
        let total = (duration_ns as f64 * rate / 1e9).round() as u64;
        let slices = duration_ns.div_ceil(slice_ns);
        let mut records: Vec<SliceRecord> = (0..slices)
            .map(|s| SliceRecord {
                target: target_of(s),
                latencies_ns: Vec::new(),
                service_ns: Vec::new(),
            })
            .collect();
        let mut in_flight: Vec<(usize, usize)> = Vec::with_capacity(64);
        let mut chunk = vec![0u8; 64 * 1024];
        // The generator is a clock: it paces and times requests.
        #[allow(clippy::disallowed_methods)]
        let start = Instant::now();
        let mut k = 0;
        loop {
            let now = start.elapsed().as_nanos() as u64;
            while k < total && due_ns(k, rate) <= now {
                let due = due_ns(k, rate);
                let slice = (due / slice_ns).min(slices - 1);
                self.pools[records[slice as usize].target]
                    .waiting
                    .push_back((due, slice));
                k += 1;
            }
            for p in 0..self.pools.len() {
                if self.pools[p].lost == self.pools[p].conns.len() {
                    for _ in self.pools[p].waiting.drain(..) {
                        if record {
                            self.tallies[p].errors += 1;
                        }
                    }
                }
                while !self.pools[p].waiting.is_empty() && !self.pools[p].idle.is_empty() {
                    let (due, slice) = self.pools[p].waiting.pop_front().unwrap_or_default();
                    let c = self.pools[p].idle.pop_front().unwrap_or_default();
                    let sent = start.elapsed().as_nanos() as u64;
                    match self.send(p, c, due, sent, slice) {
                        Ok(()) => in_flight.push((p, c)),
                        Err(e) => self.fail(p, c, record, e),
                    }
                }
            }
            let mut i = 0;
            while i < in_flight.len() {
                let (p, c) = in_flight[i];
                match self.poll(p, c, &mut chunk) {
                    Ok(None) => {
                        if start.elapsed().as_nanos() as u64
                            > self.pools[p].conns[c].sent + ANSWER_TIMEOUT_NS
                        {
                            in_flight.swap_remove(i);
                            self.fail(p, c, record, "no answer within 5 s".into());
                        } else {
                            i += 1;
                        }
                    }
                    Ok(Some(status)) => {
                        let done = start.elapsed().as_nanos() as u64;
                        in_flight.swap_remove(i);
                        let conn = &self.pools[p].conns[c];
                        if record {
                            let t = &mut self.tallies[p];
                            t.requests += 1;
                            if (200..300).contains(&status) {
                                let r = &mut records[conn.slice as usize];
                                r.latencies_ns.push(done.saturating_sub(conn.due));
                                r.service_ns.push(done.saturating_sub(conn.sent));
                            } else {
                                // Counted, not timed: a server that fails fast would look fast.
                                t.non2xx += 1;
                            }
                        }
                        self.pools[p].idle.push_back(c);
                    }
                    Err(e) => {
                        in_flight.swap_remove(i);
                        self.fail(p, c, record, e);
                    }
                }
            }
            if k >= total && in_flight.is_empty() && self.pools.iter().all(|p| p.waiting.is_empty())
            {
                return if record { records } else { Vec::new() };
            }
            // Nothing in flight and the next request not due soon: sleep, and spin only the last
            // `spin_ns` before it, so the generator does not hold a whole CPU. Measured against
            // nginx alone at 5 000 rps (BENCHMARKS.md): spinning all along (a huge `spin_ns`)
            // lowers the median by the generator's own wake-up (74–91 µs from due against
            // 99–144 µs) but made the p99 no steadier.
            if in_flight.is_empty() && k < total {
                let next = due_ns(k, rate);
                let now = start.elapsed().as_nanos() as u64;
                if next > now + spin_ns {
                    std::thread::sleep(Duration::from_nanos(next - now - spin_ns));
                }
            }
            std::hint::spin_loop();
        }
    }

    fn send(&mut self, p: usize, c: usize, due: u64, sent: u64, slice: u64) -> Result<(), String> {
        let request = &self.targets[p].request;
        let conn = &mut self.pools[p].conns[c];
        conn.due = due;
        conn.sent = sent;
        conn.slice = slice;
        conn.buf.clear();
        let mut at = 0;
        while at < request.len() {
            match conn.stream.write(&request[at..]) {
                Ok(0) => return Err("the connection took no bytes".into()),
                Ok(n) => at += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => std::hint::spin_loop(),
                Err(e) => return Err(format!("send: {e}")),
            }
        }
        Ok(())
    }

    /// Reads what has arrived; the status once the whole answer is there.
    fn poll(&mut self, p: usize, c: usize, chunk: &mut [u8]) -> Result<Option<u16>, String> {
        let conn = &mut self.pools[p].conns[c];
        match conn.stream.read(chunk) {
            Ok(0) => Err("the server closed the connection".into()),
            Ok(n) => {
                conn.buf.extend_from_slice(&chunk[..n]);
                match parse(&conn.buf) {
                    Parse::Complete(r) if r.len == conn.buf.len() => Ok(Some(r.status)),
                    Parse::Complete(_) => Err("bytes after the answer".into()),
                    Parse::Partial => Ok(None),
                    Parse::Invalid(e) => Err(e.into()),
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(format!("receive: {e}")),
        }
    }

    /// Counts a failed request and replaces its connection.
    fn fail(&mut self, p: usize, c: usize, record: bool, error: String) {
        if record {
            let t = &mut self.tallies[p];
            t.errors += 1;
            t.first_error.get_or_insert(error);
        }
        match connect(self.targets[p].addr) {
            Ok(s) => {
                self.pools[p].conns[c].stream = s;
                self.pools[p].idle.push_back(c);
            }
            // The connection stays out of the pool; once every one is lost, the requests still
            // due to this target are counted as errors.
            Err(e) => {
                self.pools[p].lost += 1;
                if record {
                    self.tallies[p]
                        .first_error
                        .get_or_insert(format!("reconnect: {e}"));
                }
            }
        }
    }
}
