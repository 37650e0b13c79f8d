//! The plain-HTTP backend client: HTTP/1.1 over pooled keep-alive TCP connections, driven
//! inline by the request's own task.
//!
//! A request checks a connection out of the pool (or connects), writes the request in one
//! `write` (or queues it with the other requests of this turn of the runtime, when the thread
//! batches its sends: `proscenium_uring`), reads and parses the answer with `httparse`, and
//! puts the connection back when it can be reused. No connection task, no channel between
//! tasks, no wake-ups across them: the backend round trip costs two syscalls and the parsing.
//! `https://` backends go through the hyper/rustls pools in `client.rs`.
//!
//! Answers are read as HTTP/1.1 says: `1xx` heads skipped, `Transfer-Encoding: chunked`,
//! `Content-Length`, or until the backend closes; no body after `HEAD`, `204` or `304`.
//! A connection the backend closed while idle is detected at checkout (its readiness says
//! so, without a syscall) or, in a race, by a write error or an end of stream before any
//! byte of the answer: the request is then sent once more on a new connection.
//!
//! Must not: read the real clock (idle times come from the injected clock).

use std::borrow::Cow;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{CONNECTION, CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::SendError;
use crate::clock::Clock;
use crate::wire::{self, has_token};

/// Most headers an answer may carry.
const MAX_HEADERS: usize = 128;
/// Largest answer head (status line and headers).
const MAX_HEAD: usize = 64 * 1024;
/// Idle connections kept per backend.
const MAX_IDLE_PER_HOST: usize = 512;
/// An idle connection older than this is closed instead of reused.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Connecting gives up after this long (the integration timeout may be shorter).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Bodies up to this size are copied after the head and written with it in one `write`.
const COALESCE: usize = 16 * 1024;

/// Keep-alive connections to plain-HTTP backends, by `host:port`, one set per worker thread
/// (`crate::worker`): a connection is registered with the runtime of the thread that opened
/// it, and so is its timer; no other thread takes it, and its lock is never contended.
pub struct Pool {
    idle: Box<[Mutex<IdleSet>]>,
    clock: Arc<dyn Clock>,
}

type IdleSet = crate::router::Map<String, Vec<Idle>>;

struct Idle {
    conn: Conn,
    since_nanos: u64,
}

struct Conn {
    /// The request queued with the thread's batched sends, until its outcome is known. It is
    /// released before `stream` is closed (see the `Drop` below).
    sent: Option<proscenium_uring::Ticket>,
    stream: TcpStream,
    buf: BytesMut,
    /// The request head being written (kept: no allocation per request).
    out: Vec<u8>,
    /// The connection's timer, kept from one request to the next (see [`with_deadline`]).
    timer: Option<Pin<Box<Sleep>>>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        // The ticket first: a send still queued reaches the kernel before the descriptor
        // closes (and its number can be reused by another socket).
        drop(self.sent.take());
    }
}

/// A request to send (the URI must be `http://`).
pub struct Outgoing<'a> {
    pub method: &'a Method,
    pub uri: &'a http::Uri,
    /// Sent in order, except the names `skip` refuses and those `extra` replaces.
    pub headers: &'a HeaderMap,
    /// Sent after `headers`; a name here replaces the same name in `headers`. The values
    /// must be valid header values (no CR, LF or NUL): they are written as they are.
    pub extra: &'a [(HeaderName, &'a [u8])],
    pub skip: fn(&HeaderName) -> bool,
    /// What becomes of each answer header's name (given in lowercase, as received). A proxy
    /// renames while parsing instead of building a second map.
    pub rename: fn(&[u8]) -> Rename,
    pub body: &'a Bytes,
    /// Keep the answer's headers as they arrived ([`Answer::raw`]) instead of in a map.
    pub keep_raw: bool,
    /// The client's request head (HTTP/1.1): header values that are slices of it are sent
    /// under the name as the client wrote it.
    pub raw_head: Option<&'a [u8]>,
    /// Names to send as written here rather than in lowercase (mapped headers, as the
    /// mapping wrote them), where `raw_head` does not name the value.
    pub shown: &'a [(HeaderName, std::sync::Arc<str>)],
}

impl<'a> Outgoing<'a> {
    /// A request sent with exactly `headers`, its answer's headers kept as they are.
    pub fn plain(
        method: &'a Method,
        uri: &'a http::Uri,
        headers: &'a HeaderMap,
        body: &'a Bytes,
    ) -> Outgoing<'a> {
        fn keep(_: &HeaderName) -> bool {
            false
        }
        fn same(_: &[u8]) -> Rename {
            Rename::Keep
        }
        Outgoing {
            method,
            uri,
            headers,
            extra: &[],
            skip: keep,
            rename: same,
            body,
            keep_raw: false,
            raw_head: None,
            shown: &[],
        }
    }

    fn sends(&self, name: &HeaderName) -> bool {
        !(self.skip)(name)
            && name != CONTENT_LENGTH
            && name != TRANSFER_ENCODING
            && !self.extra.iter().any(|(n, _)| n == name)
    }
}

/// What becomes of an answer header's name.
pub enum Rename {
    Keep,
    Drop,
    To(HeaderName),
}

/// What the backend answered.
pub struct Answer {
    pub status: StatusCode,
    pub version: Version,
    /// The headers, unless the request asked to keep them raw.
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The headers as they arrived, when [`Outgoing::keep_raw`] asked for them.
    pub raw: Option<RawHeaders>,
}

/// An answer's headers as they arrived, under the names [`Outgoing::rename`] gave them and
/// not yet in a `HeaderMap`: an HTTP/1.1 writer copies them as they are. Names are tokens
/// (httparse refuses anything else) lowercased in place; values are as valid as
/// `HeaderValue` requires (httparse refuses control characters in them). No `HeaderName` is
/// built unless the headers go into a map.
#[derive(Debug, Clone)]
pub struct RawHeaders {
    head: Bytes,
    lines: Vec<Line>,
}

/// One header of a raw head: where its value is, and its name.
#[derive(Debug, Clone)]
struct Line {
    name: LineName,
    value: Span,
}

#[derive(Debug, Clone)]
enum LineName {
    /// The name as received (lowercased), at this place in the head.
    At(Span),
    /// The name [`Outgoing::rename`] gave it.
    To(HeaderName),
}

/// A range of a head's bytes.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn of(base: usize, part: &[u8]) -> Span {
        let start = part.as_ptr() as usize - base;
        // Heads are at most `MAX_HEAD` bytes long.
        Span {
            start: start as u32,
            end: (start + part.len()) as u32,
        }
    }

    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl RawHeaders {
    /// Each header's name (lowercase) and value, in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.lines.iter().map(|l| {
            let name = match &l.name {
                LineName::At(span) => self.head.get(span.range()).unwrap_or_default(),
                LineName::To(n) => n.as_str().as_bytes(),
            };
            (name, self.head.get(l.value.range()).unwrap_or_default())
        })
    }

    pub fn contains(&self, name: &HeaderName) -> bool {
        self.iter().any(|(n, _)| n == name.as_str().as_bytes())
    }

    /// Appends every header to `map` (the values share the head's bytes).
    pub fn append_to(&self, map: &mut HeaderMap) {
        map.reserve(self.lines.len());
        for l in &self.lines {
            let name = match &l.name {
                LineName::At(span) => match HeaderName::from_bytes(&self.head[span.range()]) {
                    Ok(n) => n,
                    Err(_) => continue,
                },
                LineName::To(n) => n.clone(),
            };
            if let Ok(v) = HeaderValue::from_maybe_shared(self.head.slice(l.value.range())) {
                map.append(name, v);
            }
        }
    }
}

impl Answer {
    /// The answer as `http` parts (what the integrations read).
    pub fn into_parts(self) -> (http::response::Parts, Bytes) {
        let mut r = http::Response::new(());
        *r.status_mut() = self.status;
        *r.version_mut() = self.version;
        *r.headers_mut() = self.headers;
        (r.into_parts().0, self.body)
    }
}

/// How a failed exchange may be retried.
enum Failure {
    /// Nothing of the answer arrived on a reused connection: the backend had closed it.
    Stale(io::Error),
    Fatal(SendError),
}

impl Pool {
    pub fn new(clock: Arc<dyn Clock>) -> Pool {
        Pool {
            idle: (0..crate::worker::SLOTS)
                .map(|_| Mutex::new(IdleSet::default()))
                .collect(),
            clock,
        }
    }

    /// Sends `req` and reads the whole answer, at most `limit` bytes of body, by `deadline`
    /// ([`SendError::Timeout`] after it).
    pub fn send<'a>(
        &'a self,
        req: &'a Outgoing<'a>,
        limit: usize,
        deadline: Instant,
    ) -> impl Future<Output = Result<Answer, SendError>> + 'a {
        let now = self.clock.monotonic_nanos();
        self.send_at(req, limit, deadline, now)
    }

    /// [`Self::send`] with the injected clock's time already read (`now`, monotonic
    /// nanoseconds: the idle check and the idle stamp; an idle time is then counted from
    /// that moment, so a connection may be retired a little early, never late).
    pub async fn send_at(
        &self,
        req: &Outgoing<'_>,
        limit: usize,
        deadline: Instant,
        now: u64,
    ) -> Result<Answer, SendError> {
        let authority = req
            .uri
            .authority()
            .ok_or_else(|| SendError::Connect("the URI has no host".into()))?;
        let key = pool_key(authority);
        if let Some(conn) = self.checkout(&key, now) {
            match with_deadline(conn, req, authority, limit, deadline).await {
                Ok((answer, reusable)) => return Ok(self.finish(key, answer, reusable, now)),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Stale(e)) => {
                    tracing::debug!(backend = %key, "pooled connection was closed ({e}); reconnecting");
                }
            }
        }
        let conn = match tokio::time::timeout_at(deadline, connect(&key)).await {
            Ok(conn) => conn?,
            Err(_) => return Err(SendError::Timeout),
        };
        match with_deadline(conn, req, authority, limit, deadline).await {
            Ok((answer, reusable)) => Ok(self.finish(key, answer, reusable, now)),
            Err(Failure::Fatal(e)) => Err(e),
            Err(Failure::Stale(e)) => Err(SendError::Connect(format!(
                "the backend closed the connection before answering: {e}"
            ))),
        }
    }

    fn finish(
        &self,
        key: Cow<'_, str>,
        (answer, conn): (Answer, Conn),
        reusable: bool,
        now: u64,
    ) -> Answer {
        if reusable {
            self.checkin(key, conn, now);
        }
        answer
    }

    /// The most recently used idle connection to `key` that is still open.
    fn checkout(&self, key: &str, now: u64) -> Option<Conn> {
        let mut idle = self.mine();
        let list = idle.get_mut(key)?;
        while let Some(entry) = list.pop() {
            let fresh = now.saturating_sub(entry.since_nanos) < IDLE_TIMEOUT.as_nanos() as u64;
            if fresh && still_open(&entry.conn.stream) {
                return Some(entry.conn);
            }
        }
        None
    }

    /// This worker's idle connections.
    fn mine(&self) -> std::sync::MutexGuard<'_, IdleSet> {
        self.idle[crate::worker::slot()]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn checkin(&self, key: Cow<'_, str>, conn: Conn, since_nanos: u64) {
        let mut idle = self.mine();
        let entry = Idle { conn, since_nanos };
        match idle.get_mut(key.as_ref()) {
            Some(list) if list.len() < MAX_IDLE_PER_HOST => list.push(entry),
            Some(_) => {}
            None => {
                idle.insert(key.into_owned(), vec![entry]);
            }
        }
    }

    /// Idle connections held (for tests).
    pub fn idle_count(&self) -> usize {
        self.idle
            .iter()
            .map(|set| {
                let set = set.lock().unwrap_or_else(|p| p.into_inner());
                set.values().map(Vec::len).sum::<usize>()
            })
            .sum()
    }
}

/// Whether an idle connection is still usable: nothing to read (a close or stray bytes
/// would have made it readable). Uses the readiness the runtime already has; no syscall
/// unless the socket became readable.
fn still_open(stream: &TcpStream) -> bool {
    let mut probe = [0u8; 1];
    matches!(stream.try_read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

/// `host:port` (the port 80 when the URI has none), borrowed from the URI when it has one.
fn pool_key(authority: &http::uri::Authority) -> Cow<'_, str> {
    let text = authority.as_str();
    let text = text.rsplit_once('@').map_or(text, |(_, host)| host);
    // `host:digits` (what `Authority::port` parses, without parsing the number).
    let digits = text.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits > 0 && text.len() > digits && text.as_bytes()[text.len() - digits - 1] == b':' {
        return Cow::Borrowed(text);
    }
    let mut key = String::with_capacity(text.len() + 3);
    key.push_str(text);
    key.push_str(":80");
    Cow::Owned(key)
}

async fn connect(key: &str) -> Result<Conn, SendError> {
    let stream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(key)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(SendError::Connect(format!("{key}: {e}"))),
        Err(_) => return Err(SendError::Connect(format!("{key}: connect timed out"))),
    };
    let _ = stream.set_nodelay(true);
    Ok(Conn {
        sent: None,
        stream,
        buf: BytesMut::with_capacity(8 * 1024),
        out: Vec::new(),
        timer: None,
    })
}

/// [`exchange`], given up at `deadline`. The connection keeps its timer between requests and
/// the timer is moved only when the deadline comes earlier than the one it is set for: a
/// timer that fires early is set again for the deadline. With the same integration timeout
/// on every request, a busy connection re-arms its timer once per timeout period instead of
/// registering and removing one per request.
async fn with_deadline(
    mut conn: Conn,
    req: &Outgoing<'_>,
    authority: &http::uri::Authority,
    limit: usize,
    deadline: Instant,
) -> Result<((Answer, Conn), bool), Failure> {
    let mut timer = match conn.timer.take() {
        Some(mut t) => {
            if t.deadline() > deadline {
                t.as_mut().reset(deadline);
            }
            t
        }
        None => Box::pin(tokio::time::sleep_until(deadline)),
    };
    let ex = exchange(conn, req, authority, limit);
    let mut ex = std::pin::pin!(ex);
    let done = std::future::poll_fn(|cx| {
        if let Poll::Ready(r) = ex.as_mut().poll(cx) {
            return Poll::Ready(Some(r));
        }
        while timer.as_mut().poll(cx).is_ready() {
            if Instant::now() >= deadline {
                return Poll::Ready(None);
            }
            timer.as_mut().reset(deadline);
        }
        Poll::Pending
    })
    .await;
    match done {
        None => Err(Failure::Fatal(SendError::Timeout)),
        Some(Ok(((answer, mut conn), reusable))) => {
            conn.timer = Some(timer);
            Ok(((answer, conn), reusable))
        }
        Some(Err(e)) => Err(e),
    }
}

/// The request line and headers (and a small body) ready to write, in `out` (cleared first).
fn encode_head(out: &mut Vec<u8>, req: &Outgoing<'_>, authority: &http::uri::Authority) {
    let path = req.uri.path_and_query().map_or("/", |p| p.as_str());
    let small_body = if req.body.len() <= COALESCE {
        req.body.len()
    } else {
        0
    };
    out.clear();
    out.reserve(256 + small_body + (req.headers.len() + req.extra.len()) * 48);
    out.extend_from_slice(req.method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(if path.is_empty() { "/" } else { path }.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let has_host = req.extra.iter().any(|(n, _)| n == HOST)
        || (req.sends(&HOST) && req.headers.contains_key(HOST));
    if !has_host {
        out.extend_from_slice(b"host: ");
        out.extend_from_slice(authority.as_str().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let given = req.headers.iter().filter(|(name, _)| req.sends(name));
    let extra = req
        .extra
        .iter()
        .filter(|(name, _)| name != CONTENT_LENGTH && name != TRANSFER_ENCODING)
        .map(|(n, v)| (n, *v));
    for (name, value) in given.map(|(n, v)| (n, v.as_bytes())).chain(extra) {
        let lower = name.as_str().as_bytes();
        let shown = req
            .raw_head
            .and_then(|head| crate::header_case::given_name(head, lower, value))
            .or_else(|| {
                req.shown
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, s)| s.as_bytes())
            })
            .unwrap_or(lower);
        out.extend_from_slice(shown);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    if !req.body.is_empty()
        || !matches!(
            *req.method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::DELETE | Method::TRACE
        )
    {
        out.extend_from_slice(b"content-length: ");
        crate::json_out::number(out, req.body.len() as u64);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if small_body > 0 {
        out.extend_from_slice(req.body);
    }
}

/// One request/answer exchange on `conn`. Returns the connection with the answer, and
/// whether it can be reused.
async fn exchange(
    mut conn: Conn,
    req: &Outgoing<'_>,
    authority: &http::uri::Authority,
    limit: usize,
) -> Result<((Answer, Conn), bool), Failure> {
    let mut out = std::mem::take(&mut conn.out);
    encode_head(&mut out, req, authority);
    // A whole request (head and small body) joins the thread's batch when it has one; a
    // failed batched send shows as the end of the connection, read below.
    let unsent = if req.body.len() <= COALESCE {
        match proscenium_uring::send(&conn.stream, out) {
            Ok(ticket) => {
                conn.sent = Some(ticket);
                None
            }
            Err(back) => Some(back),
        }
    } else {
        Some(out)
    };
    if let Some(out) = unsent {
        write_request(&mut conn, &out, req.body).await?;
        // The buffer is kept for the next request, unless a large body made it large.
        if out.capacity() <= 2 * COALESCE {
            conn.out = out;
        }
    }
    conn.buf.clear();
    let mut received_any = false;
    let parsed = loop {
        // Nothing to parse before the first read.
        let head = if conn.buf.is_empty() {
            Ok(None)
        } else {
            parse_head(&mut conn.buf)
        };
        match head {
            Ok(Some(head)) if head.status.is_informational() => {
                if head.status == StatusCode::SWITCHING_PROTOCOLS {
                    return Err(Failure::Fatal(SendError::Connect(
                        "the backend switched protocols".into(),
                    )));
                }
                let _ = conn.buf.split_to(head.len);
                continue;
            }
            Ok(Some(head)) => break head,
            Ok(None) if conn.buf.len() >= MAX_HEAD => {
                return Err(Failure::Fatal(SendError::Connect(
                    "the backend's answer head is too large".into(),
                )));
            }
            Ok(None) => {}
            Err(e) => return Err(Failure::Fatal(SendError::Connect(e))),
        }
        conn.buf.reserve(8 * 1024);
        match conn.stream.read_buf(&mut conn.buf).await {
            Ok(0) if !received_any => {
                return Err(Failure::Stale(io::ErrorKind::UnexpectedEof.into()));
            }
            Ok(0) => {
                return Err(Failure::Fatal(SendError::Connect(
                    "connection closed before message completed".into(),
                )));
            }
            Ok(_) => received_any = true,
            Err(e) if !received_any && is_reset(&e) => return Err(Failure::Stale(e)),
            Err(e) => return Err(Failure::Fatal(SendError::Connect(e.to_string()))),
        }
    };
    let head_bytes = conn.buf.split_to(parsed.len).freeze();
    let mut reusable = parsed.keep_alive
        && !wants_close(req.headers)
        && !req
            .extra
            .iter()
            .any(|(n, v)| n == CONNECTION && has_token(v, b"close"));
    let no_body = *req.method == Method::HEAD
        || parsed.status == StatusCode::NO_CONTENT
        || parsed.status == StatusCode::NOT_MODIFIED;
    let body = if no_body {
        Bytes::new()
    } else {
        let framing = parsed
            .framing
            .as_ref()
            .map_err(|e| Failure::Fatal(SendError::Connect((*e).into())))?;
        match *framing {
            Framing::Length(n) => {
                if n > limit as u64 {
                    return Err(Failure::Fatal(too_large()));
                }
                read_exact(&mut conn, n as usize).await?
            }
            Framing::Chunked => read_chunked(&mut conn, limit).await?,
            Framing::UntilClose => {
                reusable = false;
                read_to_end(&mut conn, limit).await?
            }
        }
    };
    // Bytes after the answer (a backend that pipelines garbage): do not reuse.
    reusable &= conn.buf.is_empty();
    // A batched request: reused only once its send is known to be complete (one send at a
    // time per socket); its buffer comes back for the next request.
    if let Some(ticket) = conn.sent.take() {
        match ticket.take() {
            Ok(Ok(out)) if out.capacity() <= 2 * COALESCE => conn.out = out,
            Ok(Ok(_)) => {}
            Ok(Err(_)) => reusable = false,
            Err(ticket) => {
                conn.sent = Some(ticket);
                reusable = false;
            }
        }
    }
    let (status, version) = (parsed.status, parsed.version);
    let (headers, raw) = if req.keep_raw {
        (
            HeaderMap::new(),
            Some(parsed.into_raw(head_bytes, req.rename)),
        )
    } else {
        (parsed.headers(&head_bytes, req.rename), None)
    };
    let answer = Answer {
        status,
        version,
        headers,
        body,
        raw,
    };
    Ok(((answer, conn), reusable))
}

/// Writes the request head in `out` (with a small body) and a large body after it.
async fn write_request(conn: &mut Conn, out: &[u8], body: &[u8]) -> Result<(), Failure> {
    // Written at once when the socket can take it (the usual case), without the future.
    let written = match conn.stream.try_write(out) {
        Ok(n) => n,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
        Err(e) => return Err(Failure::Stale(e)),
    };
    if let Some(rest) = out.get(written..).filter(|r| !r.is_empty())
        && let Err(e) = conn.stream.write_all(rest).await
    {
        return Err(Failure::Stale(e));
    }
    if body.len() > COALESCE
        && let Err(e) = conn.stream.write_all(body).await
    {
        return Err(Failure::Fatal(SendError::Connect(format!(
            "writing the body: {e}"
        ))));
    }
    Ok(())
}

fn is_reset(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

fn too_large() -> SendError {
    SendError::Body("length limit exceeded".into())
}

fn wants_close(headers: &HeaderMap) -> bool {
    // A scan: cheaper than the map's index for the few headers of most requests.
    headers
        .iter()
        .any(|(n, v)| n == CONNECTION && has_token(v.as_bytes(), b"close"))
}

/// A parsed answer head: where it ends and what it says. Header positions are offsets into
/// the head's bytes so the values can share them without copies.
struct Head {
    len: usize,
    status: StatusCode,
    version: Version,
    keep_alive: bool,
    /// How the body is delimited (read in the same pass as the headers; an error matters
    /// only when there is a body).
    framing: Result<Framing, &'static str>,
    /// Each header's name (lowercased in the buffer) and value.
    raw: Vec<(Span, Span)>,
}

impl Head {
    /// The answer's headers, each under the name `rename` gives it (or dropped).
    fn headers(&self, bytes: &Bytes, rename: fn(&[u8]) -> Rename) -> HeaderMap {
        let mut map = HeaderMap::with_capacity(self.raw.len() + 4);
        for (name, value) in &self.raw {
            let given = &bytes[name.range()];
            let name = match rename(given) {
                Rename::Keep => match HeaderName::from_bytes(given) {
                    Ok(n) => n,
                    Err(_) => continue,
                },
                Rename::Drop => continue,
                Rename::To(n) => n,
            };
            if let Ok(v) = HeaderValue::from_maybe_shared(bytes.slice(value.range())) {
                map.append(name, v);
            }
        }
        map
    }

    /// The headers, renamed, without a map.
    fn into_raw(self, head: Bytes, rename: fn(&[u8]) -> Rename) -> RawHeaders {
        let mut lines = Vec::with_capacity(self.raw.len());
        for (name, value) in self.raw {
            let name = match rename(&head[name.range()]) {
                Rename::Keep => LineName::At(name),
                Rename::Drop => continue,
                Rename::To(n) => LineName::To(n),
            };
            lines.push(Line { name, value });
        }
        RawHeaders { head, lines }
    }
}

/// Parses an answer head at the start of `buf`: `Ok(None)` when more bytes are needed. The
/// header names are lowercased in `buf`.
fn parse_head(buf: &mut [u8]) -> Result<Option<Head>, String> {
    // Uninitialised: the parser writes what it uses (no 4 KiB of zeroes per answer).
    let mut storage = [const { std::mem::MaybeUninit::uninit() }; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut []);
    let len = match httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut resp,
        buf,
        &mut storage,
    ) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(format!("invalid HTTP answer from the backend: {e}")),
    };
    let code = resp.code.unwrap_or(0);
    let status = StatusCode::from_u16(code).map_err(|_| format!("invalid status code {code}"))?;
    let version = if resp.version == Some(0) {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    };
    let base = buf.as_ptr() as usize;
    // httparse accepts only token characters in names: valid `HeaderName`s once lowercased.
    let raw: Vec<(Span, Span)> = resp
        .headers
        .iter()
        .map(|h| (Span::of(base, h.name.as_bytes()), Span::of(base, h.value)))
        .collect();
    for (name, _) in &raw {
        wire::lowercase_in_place(&mut buf[name.range()]);
    }
    let buf = &*buf;
    let mut keep_alive = version == Version::HTTP_11;
    let mut last_te: Option<&[u8]> = None;
    let mut length: Result<Option<u64>, &'static str> = Ok(None);
    for (name, value) in &raw {
        let value = &buf[value.range()];
        match &buf[name.range()] {
            b"connection" => {
                if has_token(value, b"close") {
                    keep_alive = false;
                } else if version == Version::HTTP_10 && has_token(value, b"keep-alive") {
                    keep_alive = true;
                }
            }
            b"transfer-encoding" => last_te = Some(value),
            b"content-length" => {
                length = length.and_then(|seen| {
                    let n = std::str::from_utf8(value)
                        .ok()
                        .and_then(|s| s.trim().parse::<u64>().ok())
                        .ok_or("invalid Content-Length from the backend")?;
                    match seen {
                        Some(m) if m != n => {
                            Err("conflicting Content-Length values from the backend")
                        }
                        _ => Ok(Some(n)),
                    }
                });
            }
            _ => {}
        }
    }
    // RFC 9112 §6.3: Transfer-Encoding wins (chunked last, else until close), then
    // Content-Length, else until close.
    let framing = match last_te {
        Some(te) => {
            let last = te.rsplit(|b| *b == b',').next().unwrap_or(b"");
            Ok(if last.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                Framing::Chunked
            } else {
                Framing::UntilClose
            })
        }
        None => length.map(|l| l.map_or(Framing::UntilClose, Framing::Length)),
    };
    Ok(Some(Head {
        len,
        status,
        version,
        keep_alive,
        framing,
        raw,
    }))
}

#[derive(Clone, Copy)]
enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

/// The next `n` bytes of the answer.
async fn read_exact(conn: &mut Conn, n: usize) -> Result<Bytes, Failure> {
    wire::read_exact(&mut conn.stream, &mut conn.buf, n, None)
        .await
        .map_err(body_error)
}

async fn read_to_end(conn: &mut Conn, limit: usize) -> Result<Bytes, Failure> {
    loop {
        if conn.buf.len() > limit {
            return Err(Failure::Fatal(too_large()));
        }
        conn.buf.reserve(8 * 1024);
        match conn.stream.read_buf(&mut conn.buf).await {
            Ok(0) => return Ok(conn.buf.split().freeze()),
            Ok(_) => {}
            Err(e) => return Err(Failure::Fatal(SendError::Body(e.to_string()))),
        }
    }
}

/// A chunked answer body, at most `limit` bytes.
async fn read_chunked(conn: &mut Conn, limit: usize) -> Result<Bytes, Failure> {
    match wire::read_chunked(&mut conn.stream, &mut conn.buf, limit, None).await {
        Ok(wire::Chunked::Complete(body)) => Ok(body),
        Ok(wire::Chunked::TooLarge(_)) => Err(Failure::Fatal(too_large())),
        Err(e) => Err(body_error(e)),
    }
}

/// A failure while reading an answer's body.
fn body_error(e: io::Error) -> Failure {
    Failure::Fatal(SendError::Body(
        if e.kind() == io::ErrorKind::UnexpectedEof {
            "connection closed before message completed".into()
        } else {
            e.to_string()
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse_head` on a copy (it lowercases names in place).
    fn parse_head(raw: &[u8]) -> Result<Option<Head>, String> {
        super::parse_head(&mut raw.to_vec())
    }

    #[test]
    fn heads() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\nX-A: 2\r\n\r\nok";
        let mut buf = raw.to_vec();
        let h = super::parse_head(&mut buf).unwrap().unwrap();
        assert_eq!(h.len, raw.len() - 2);
        assert_eq!(h.status, StatusCode::OK);
        assert!(h.keep_alive);
        assert_eq!(
            &buf[..h.len],
            &b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-a: 1\r\nx-a: 2\r\n\r\n"[..]
        );
        let bytes = Bytes::copy_from_slice(&buf[..h.len]);
        let headers = h.headers(&bytes, |_| Rename::Keep);
        assert_eq!(headers.get_all("x-a").iter().count(), 2);
        assert!(matches!(h.framing, Ok(Framing::Length(2))));
        assert!(
            parse_head(b"HTTP/1.1 200 OK\r\nContent-")
                .unwrap()
                .is_none()
        );
        assert!(parse_head(b"garbage\r\n\r\n").is_err());
        let h = parse_head(b"HTTP/1.0 200 OK\r\n\r\n").unwrap().unwrap();
        assert!(!h.keep_alive);
        let h = parse_head(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!h.keep_alive);
    }

    #[test]
    fn raw_headers_renamed_without_a_map() {
        let raw = b"HTTP/1.1 200 OK\r\nServer: x\r\nX-Keep: 1\r\nTransfer-Encoding: chunked\r\nX-KEEP: 2\r\n\r\n";
        let mut buf = raw.to_vec();
        let h = super::parse_head(&mut buf).unwrap().unwrap();
        let rename = |name: &[u8]| match name {
            b"server" => Rename::To(HeaderName::from_static("x-was-server")),
            b"transfer-encoding" => Rename::Drop,
            _ => Rename::Keep,
        };
        let bytes = Bytes::copy_from_slice(&buf[..h.len]);
        let map = h.headers(&bytes, rename);
        let h = super::parse_head(&mut buf).unwrap().unwrap();
        let kept = h.into_raw(bytes, rename);
        let lines: Vec<(&[u8], &[u8])> = kept.iter().collect();
        assert_eq!(
            lines,
            [
                (&b"x-was-server"[..], &b"x"[..]),
                (b"x-keep", b"1"),
                (b"x-keep", b"2")
            ]
        );
        assert!(kept.contains(&HeaderName::from_static("x-keep")));
        assert!(!kept.contains(&http::header::SERVER));
        let mut from_raw = HeaderMap::new();
        kept.append_to(&mut from_raw);
        assert_eq!(from_raw, map);
    }

    #[test]
    fn framing_rules() {
        let of = |raw: &[u8]| parse_head(raw).unwrap().unwrap().framing;
        assert!(matches!(
            of(b"HTTP/1.1 200 OK\r\n\r\n"),
            Ok(Framing::UntilClose)
        ));
        assert!(matches!(
            of(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
            Ok(Framing::Length(5))
        ));
        assert!(of(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n").is_err());
        assert!(matches!(
            of(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            Ok(Framing::Chunked)
        ));
        assert!(matches!(
            of(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
            Ok(Framing::UntilClose)
        ));
        assert!(of(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").is_err());
        assert!(matches!(
            of(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n"),
            Ok(Framing::Length(5))
        ));
    }

    #[test]
    fn request_head() {
        let uri: http::Uri = "http://127.0.0.1:8080/a/b?x=1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-one", HeaderValue::from_static("1"));
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("99"));
        let body = Bytes::from_static(b"hi");
        let req = Outgoing::plain(&Method::POST, &uri, &headers, &body);
        let mut out = b"left over from the previous request".to_vec();
        encode_head(&mut out, &req, uri.authority().unwrap());
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "POST /a/b?x=1 HTTP/1.1\r\nhost: 127.0.0.1:8080\r\nx-one: 1\r\ncontent-length: 2\r\n\r\nhi"
        );
        // Extras replace same-named headers; skipped names are not sent.
        headers.insert("x-two", HeaderValue::from_static("2"));
        headers.insert(HOST, HeaderValue::from_static("client.example"));
        let extra = [(HeaderName::from_static("x-one"), &b"one"[..])];
        let req = Outgoing {
            extra: &extra,
            skip: |n| n == HOST,
            ..Outgoing::plain(&Method::GET, &uri, &headers, &body)
        };
        encode_head(&mut out, &req, uri.authority().unwrap());
        let head = String::from_utf8(out).unwrap();
        assert_eq!(
            head,
            "GET /a/b?x=1 HTTP/1.1\r\nhost: 127.0.0.1:8080\r\nx-two: 2\r\nx-one: one\r\ncontent-length: 2\r\n\r\nhi"
        );
        assert_eq!(pool_key(uri.authority().unwrap()), "127.0.0.1:8080");
        let plain: http::Uri = "http://example.com/".parse().unwrap();
        assert_eq!(pool_key(plain.authority().unwrap()), "example.com:80");
        for (uri, key) in [
            ("http://[::1]/", "[::1]:80"),
            ("http://[::1]:81/", "[::1]:81"),
            ("http://user:pw@host:90/", "host:90"),
            ("http://user@host/", "host:80"),
            ("http://h8080/", "h8080:80"),
        ] {
            let uri: http::Uri = uri.parse().unwrap();
            assert_eq!(pool_key(uri.authority().unwrap()), key);
        }
    }
}
