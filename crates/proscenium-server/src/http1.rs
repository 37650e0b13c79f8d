//! The listener's HTTP/1.1 connections, served inline: read into one buffer, parse the head
//! with `httparse`, read the body (`Content-Length` or chunked), hand the request to
//! [`crate::run`]'s dispatcher, write the answer in one `write`, repeat (keep-alive,
//! pipelining). A connection that opens with the HTTP/2 preface is given to hyper instead.
//!
//! Why not hyper for HTTP/1.1 too: per request it costs more than the rest of a MOCK answer
//! (a timer per request for the header-read timeout, a body channel, the dispatcher's state
//! machine); here a request is a parse, one dispatch and one write.
//!
//! Rules kept: heads up to 64 KiB (431 above), at most 128 headers, a client gets the idle
//! time (`--idle-timeout`, 30 s) to send a head (slowloris) and is dropped after as long idle
//! between requests; a whole body must arrive within `--body-timeout` (60 s; 408 in AWS's
//! error shape after, then close) however steadily it trickles; bodies above the payload
//! limit are not read (the dispatcher answers 413 from the declared length and the
//! connection closes); chunked trailers count like a head (431 above 64 KiB);
//! `Expect: 100-continue` is answered; `Transfer-Encoding` other than `chunked` alone is
//! refused (501); a request with both framing headers is served, then the connection is
//! closed (no smuggling). HTTP/1.0 clients keep the connection only when they ask. What the
//! listener refuses itself is answered in AWS's error shape (`x-amzn-ErrorType`, JSON
//! `{"message"}`) and the connection closes.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use http::header::{CONNECTION, CONTENT_LENGTH, DATE, EXPECT, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::Body;
use proscenium_gateway::header_case::{self, NameCase};
use proscenium_gateway::wire::{self, Chunked, has_token};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::watch;

/// How long a client may take to send a request head, or stay idle between requests (the
/// default of `--idle-timeout`).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to send a whole request body (the default of
/// `--body-timeout`).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest request head.
const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 128;
/// Bodies up to this size are copied after the head and written with it in one `write`.
const COALESCE: usize = 32 * 1024;
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// What the connection does with each parsed request.
pub trait Handler: Clone + Send + Sync + 'static {
    type Body: Body<Data = Bytes> + Send + Unpin + 'static;
    type Extra: HeadExtra;
    /// `head`: the request head as received (header names in the client's case).
    fn call(
        &self,
        req: Request<Full<Bytes>>,
        head: Bytes,
    ) -> impl Future<Output = (Response<Self::Body>, Self::Extra)> + Send;
}

/// Header lines an answer carries besides its header map, written after the map's.
pub trait HeadExtra: Send {
    /// Whether the map's header `name` gives way to a line written here.
    fn replaces(&self, name: &HeaderName) -> bool;
    fn write(&self, out: &mut Vec<u8>);
}

impl HeadExtra for () {
    fn replaces(&self, _: &HeaderName) -> bool {
        false
    }
    fn write(&self, _: &mut Vec<u8>) {}
}

impl<T: HeadExtra> HeadExtra for Option<T> {
    fn replaces(&self, name: &HeaderName) -> bool {
        self.as_ref().is_some_and(|e| e.replaces(name))
    }
    fn write(&self, out: &mut Vec<u8>) {
        if let Some(e) = self {
            e.write(out);
        }
    }
}

/// A client connection: plain TCP or TLS.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> Stream for S {}

/// How the connection ended (for the caller's HTTP/2 hand-off).
pub enum Outcome<S> {
    Done,
    /// The client speaks HTTP/2: serve `stream` with hyper, replaying `read` first.
    Http2 {
        stream: S,
        read: Bytes,
    },
}

/// The time and size limits of a connection.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest request body read (bigger ones are answered from their declared length).
    pub max_body: usize,
    /// Time a client gets to send a head, or may stay idle between requests (and between
    /// two reads of a body).
    pub idle: Duration,
    /// Time a client gets to send a whole body, however steadily it trickles.
    pub body: Duration,
}

impl Limits {
    pub fn new(max_body: usize) -> Limits {
        Limits {
            max_body,
            idle: HEAD_TIMEOUT,
            body: BODY_TIMEOUT,
        }
    }
}

/// Serves HTTP/1.1 on `stream` until the client closes, an error, or `stop` turns true
/// (then the connection closes after the request in progress).
pub async fn serve<H: Handler, S: Stream>(
    mut stream: S,
    handler: H,
    limits: Limits,
    stop: watch::Receiver<bool>,
) -> Outcome<S> {
    // One wait for the stop signal for the whole connection, registered once, rather than a
    // new one (and its registration) each time the connection waits for a request.
    let mut watching = stop.clone();
    let stopping = std::pin::pin!(async move {
        let _ = watching.changed().await;
    });
    let mut stopping = stopping;
    let mut buf = BytesMut::with_capacity(8 * 1024);
    let mut out = Vec::with_capacity(1024);
    let mut first = true;
    let mut timer = HeadTimer::new(limits.idle);
    loop {
        timer.arm();
        let head = match read_head(
            &mut stream,
            &mut buf,
            &stop,
            &mut stopping,
            first,
            &mut timer,
        )
        .await
        {
            Ok(Some(Parsed::Head(h))) => h,
            Ok(Some(Parsed::Http2)) => {
                return Outcome::Http2 {
                    stream,
                    read: buf.freeze(),
                };
            }
            Ok(None) => return Outcome::Done,
            Err(status) => {
                let _ = write_error(&mut stream, status).await;
                return Outcome::Done;
            }
        };
        first = false;
        let HeadInfo {
            request,
            head: raw_head,
            framing,
            mut close,
            expects_continue,
        } = match head {
            Ok(h) => h,
            Err(status) => {
                let _ = write_error(&mut stream, status).await;
                return Outcome::Done;
            }
        };
        // A body that needs no read is taken here: no timer moved, and no read future built
        // and moved for it.
        let read = match body_at_hand(&mut buf, &framing, limits) {
            Some(body) => Ok(body),
            None => {
                timer.set(tokio::time::Instant::now() + limits.body);
                let read = read_body(&mut stream, &mut buf, &framing, expects_continue, limits);
                tokio::select! {
                    biased;
                    r = read => r,
                    _ = timer.sleep.as_mut() => Err(BodyError::Late),
                }
            }
        };
        let body = match read {
            Ok((b, too_large)) => {
                close |= too_large;
                b
            }
            Err(BodyError::Gone) => return Outcome::Done,
            Err(BodyError::Status(status)) => {
                let _ = write_error(&mut stream, status).await;
                return Outcome::Done;
            }
            Err(BodyError::Late) => {
                let _ = write_timeout(&mut stream, limits.body).await;
                return Outcome::Done;
            }
        };
        let is_head = request.method == Method::HEAD;
        let version = request.version;
        let req = Request::from_parts(request, Full::new(body));
        let (resp, extra) = handler.call(req, raw_head).await;
        close |= *stop.borrow();
        let (parts, body) = resp.into_parts();
        let body = match collect(body).await {
            Ok(b) => b,
            Err(()) => {
                let _ = write_error(&mut stream, StatusCode::INTERNAL_SERVER_ERROR).await;
                return Outcome::Done;
            }
        };
        out.clear();
        encode_response(&mut out, &parts, &extra, &body, is_head, close, version);
        let written = if is_head || body.len() <= COALESCE {
            if !is_head {
                out.extend_from_slice(&body);
            }
            stream.write_all(&out).await
        } else {
            match stream.write_all(&out).await {
                Ok(()) => stream.write_all(&body).await,
                Err(e) => Err(e),
            }
        };
        if written.is_err() || close {
            let _ = stream.shutdown().await;
            return Outcome::Done;
        }
    }
}

/// Why a request body could not be read.
enum BodyError {
    /// The client went away (or stopped sending for the idle time): close quietly.
    Gone,
    /// Answer this status and close.
    Status(StatusCode),
    /// The whole body did not arrive in time: 408 and close.
    Late,
}

/// The body `framing` announces when no read is needed: none, one above the limit (not read:
/// the handler answers from the declared length; then we close), or one already in `buf`.
/// The bytes and whether the connection must close after the answer.
fn body_at_hand(buf: &mut BytesMut, framing: &Framing, limits: Limits) -> Option<(Bytes, bool)> {
    match *framing {
        Framing::None => Some((Bytes::new(), false)),
        Framing::Length(n) if n > limits.max_body as u64 => Some((Bytes::new(), true)),
        Framing::Length(n) if buf.len() as u64 >= n => {
            Some((buf.split_to(n as usize).freeze(), false))
        }
        _ => None,
    }
}

/// Reads the body `framing` announces: the bytes and whether it was cut at the limit (then
/// the connection must close after the answer).
async fn read_body<S: Stream>(
    stream: &mut S,
    buf: &mut BytesMut,
    framing: &Framing,
    expects_continue: bool,
    limits: Limits,
) -> Result<(Bytes, bool), BodyError> {
    if let Some(body) = body_at_hand(buf, framing, limits) {
        return Ok(body);
    }
    match *framing {
        Framing::None => Ok((Bytes::new(), false)),
        Framing::Length(n) => {
            if expects_continue && buf.len() < n as usize {
                let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
            }
            match wire::read_exact(stream, buf, n as usize, Some(limits.idle)).await {
                Ok(b) => Ok((b, false)),
                Err(_) => Err(BodyError::Gone),
            }
        }
        Framing::Chunked => {
            if expects_continue {
                let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
            }
            match wire::read_chunked(stream, buf, limits.max_body, Some(limits.idle)).await {
                Ok(Chunked::Complete(b)) => Ok((b, false)),
                Ok(Chunked::TooLarge(b)) => Ok((b, true)),
                Err(e) if wire::is_trailers_too_large(&e) => Err(BodyError::Status(
                    StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                )),
                Err(_) => Err(BodyError::Status(StatusCode::BAD_REQUEST)),
            }
        }
    }
}

#[allow(clippy::large_enum_variant)] // built once per request, never stored
enum Parsed {
    Head(Result<HeadInfo, StatusCode>),
    Http2,
}

struct HeadInfo {
    request: http::request::Parts,
    head: Bytes,
    framing: Framing,
    close: bool,
    expects_continue: bool,
}

enum Framing {
    None,
    Length(u64),
    Chunked,
}

/// Reads until a whole head is buffered. `Ok(None)`: the client closed (or went idle too long,
/// or the server is stopping) between requests. `Err`: answer this status and close.
async fn read_head<S: Stream>(
    stream: &mut S,
    buf: &mut BytesMut,
    stop: &watch::Receiver<bool>,
    stopping: &mut Pin<&mut impl Future<Output = ()>>,
    first: bool,
    timer: &mut HeadTimer,
) -> Result<Option<Parsed>, StatusCode> {
    loop {
        if first && buf.len() < H2_PREFACE.len() && H2_PREFACE.starts_with(buf) && !buf.is_empty() {
            // Could still be the HTTP/2 preface: read on.
        } else if first && buf.starts_with(H2_PREFACE) {
            return Ok(Some(Parsed::Http2));
        } else if !buf.is_empty() {
            match parse_head(buf) {
                Ok(Some(h)) => return Ok(Some(Parsed::Head(Ok(h)))),
                Ok(None) if buf.len() >= MAX_HEAD => {
                    return Err(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
                }
                Ok(None) => {}
                Err(status) => return Ok(Some(Parsed::Head(Err(status)))),
            }
        }
        if buf.is_empty() && *stop.borrow() {
            return Ok(None);
        }
        buf.reserve(4096);
        let idle = buf.is_empty();
        let read = tokio::select! {
            biased;
            r = stream.read_buf(buf) => Some(r),
            _ = stopping.as_mut(), if idle => return Ok(None),
            _ = timer.sleep.as_mut() => None,
        };
        match read {
            Some(Ok(0)) | Some(Err(_)) => return Ok(None),
            Some(Ok(_)) => {}
            // Idle keep-alive connection: close quietly; a trickled head: 408.
            None if idle => return Ok(None),
            None => return Err(StatusCode::REQUEST_TIMEOUT),
        }
    }
}

/// The deadline of a connection: one timer, for the head and (when a body must be waited
/// for) the body. For heads it is moved forward at most once a second (so a client gets
/// between idle - 1 s and idle), not a timer per request.
struct HeadTimer {
    sleep: Pin<Box<tokio::time::Sleep>>,
    deadline: tokio::time::Instant,
    idle: Duration,
}

impl HeadTimer {
    fn new(idle: Duration) -> HeadTimer {
        let deadline = tokio::time::Instant::now() + idle;
        HeadTimer {
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
            deadline,
            idle,
        }
    }

    /// A new request head is awaited from now on.
    fn arm(&mut self) {
        let want = tokio::time::Instant::now() + self.idle;
        // Earlier than the deadline only after a body's deadline was set: back to the idle
        // time at once.
        if want < self.deadline
            || want.saturating_duration_since(self.deadline) >= Duration::from_secs(1)
        {
            self.set(want);
        }
    }

    fn set(&mut self, deadline: tokio::time::Instant) {
        self.deadline = deadline;
        self.sleep.as_mut().reset(deadline);
    }
}

/// Parses the head at the start of `buf`: `Ok(None)` when incomplete.
fn parse_head(buf: &mut BytesMut) -> Result<Option<HeadInfo>, StatusCode> {
    // Uninitialised: the parser writes what it uses (no 4 KiB of zeroes per request).
    let mut storage = [const { std::mem::MaybeUninit::uninit() }; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut []);
    let len = match req.parse_with_uninit_headers(buf, &mut storage) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        }
        Err(_) => return Err(StatusCode::BAD_REQUEST),
    };
    let method = Method::from_bytes(req.method.unwrap_or("").as_bytes())
        .map_err(|_| StatusCode::BAD_REQUEST)?;
    let version = if req.version == Some(0) {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    };
    let base = buf.as_ptr() as usize;
    let path = req.path.unwrap_or("/");
    let path_range = offset(base, path.as_bytes());
    // One copy of the head, shared by the URI and the header values; the read buffer stays
    // whole and is reused.
    let head = Bytes::copy_from_slice(&buf[..len]);
    let mut headers = HeaderMap::with_capacity(req.headers.len());
    // The framing and connection headers are read here, from the parsed bytes, rather than
    // looked up in the map afterwards.
    let mut close = version == Version::HTTP_10;
    let mut expects_continue = false;
    let mut te: Option<&[u8]> = None;
    let mut te_fields = 0usize;
    let mut length: Option<u64> = None;
    for h in req.headers.iter() {
        let name =
            HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| StatusCode::BAD_REQUEST)?;
        if name == CONNECTION {
            if has_token(h.value, b"close") {
                close = true;
            } else if has_token(h.value, b"keep-alive") {
                close = false;
            }
        } else if name == EXPECT {
            expects_continue |= h.value.eq_ignore_ascii_case(b"100-continue");
        } else if name == TRANSFER_ENCODING {
            te = Some(h.value);
            te_fields += 1;
        } else if name == CONTENT_LENGTH {
            let n = std::str::from_utf8(h.value)
                .ok()
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or(StatusCode::BAD_REQUEST)?;
            if length.is_some_and(|m| m != n) {
                return Err(StatusCode::BAD_REQUEST);
            }
            length = Some(n);
        }
        let (start, end) = offset(base, h.value);
        let value = HeaderValue::from_maybe_shared(head.slice(start..end))
            .map_err(|_| StatusCode::BAD_REQUEST)?;
        headers.append(name, value);
    }
    let framing = if let Some(te) = te {
        // Only `chunked`, alone: another coding (`gzip, chunked`) would have to be undone,
        // and a body must not be handed on with a coding silently left in it.
        if te_fields > 1 || !te.trim_ascii().eq_ignore_ascii_case(b"chunked") {
            return Err(StatusCode::NOT_IMPLEMENTED);
        }
        // Both framings: chunked wins; never reuse the connection (RFC 9112 §6.3).
        close |= length.is_some();
        Framing::Chunked
    } else {
        match length {
            Some(n) if n > 0 => Framing::Length(n),
            _ => Framing::None,
        }
    };
    bytes::Buf::advance(buf, len);
    let uri = http::Uri::from_maybe_shared(head.slice(path_range.0..path_range.1))
        .map_err(|_| StatusCode::BAD_REQUEST)?;
    let mut request = Request::new(());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.version_mut() = version;
    *request.headers_mut() = headers;
    Ok(Some(HeadInfo {
        request: request.into_parts().0,
        // The head as received: the gateway shows header names in the client's case.
        head,
        framing,
        close,
        expects_continue,
    }))
}

fn offset(base: usize, part: &[u8]) -> (usize, usize) {
    let start = part.as_ptr() as usize - base;
    (start, start + part.len())
}

/// The status line and headers of an answer (`Content-Length` and `Date` added).
fn encode_response(
    out: &mut Vec<u8>,
    parts: &http::response::Parts,
    extra: &impl HeadExtra,
    body: &Bytes,
    is_head: bool,
    close: bool,
    version: Version,
) {
    let status = parts.status;
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    let mut has_date = false;
    // Names in the case API Gateway writes them (its own, or as the integration gave them).
    let given = parts.extensions.get::<NameCase>();
    for (name, value) in &parts.headers {
        if name == CONTENT_LENGTH
            || name == TRANSFER_ENCODING
            || name == CONNECTION
            || extra.replaces(name)
        {
            continue;
        }
        has_date |= name == DATE;
        header_case::write_name(out, name.as_str().as_bytes(), given);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    extra.write(out);
    let bodiless = status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    if !bodiless {
        out.extend_from_slice(b"Content-Length: ");
        let declared = if is_head {
            parts
                .headers
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(body.len())
        } else {
            body.len()
        };
        push_decimal(out, declared);
        out.extend_from_slice(b"\r\n");
    }
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    } else if version == Version::HTTP_10 {
        out.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    if !has_date {
        out.extend_from_slice(b"Date: ");
        out.extend_from_slice(&http_date());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// An answer's body in one piece: without a copy when it comes as one frame (the usual
/// case: the gateway answers with a whole body).
async fn collect<B: Body<Data = Bytes> + Unpin>(mut body: B) -> Result<Bytes, ()> {
    let first = match body.frame().await {
        None => return Ok(Bytes::new()),
        Some(Ok(frame)) => frame.into_data().unwrap_or_default(),
        Some(Err(_)) => return Err(()),
    };
    if body.is_end_stream() {
        return Ok(first);
    }
    let mut all = BytesMut::from(first);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.map_err(|_| ())?.into_data() {
            all.extend_from_slice(&data);
        }
    }
    Ok(all.freeze())
}

/// `n` in decimal (the data plane's writer: no formatting machinery).
fn push_decimal(out: &mut Vec<u8>, n: usize) {
    proscenium_gateway::json_out::number(out, n as u64);
}

/// The `Date` header's value, formatted at most once a second per thread.
#[allow(clippy::disallowed_methods)] // the binary's I/O shell stamps answers with the real time
fn http_date() -> [u8; 29] {
    use std::cell::Cell;
    thread_local! {
        static CACHE: Cell<(u64, [u8; 29])> = const { Cell::new((0, [b' '; 29])) };
    }
    let now = SystemTime::now();
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    CACHE.with(|c| {
        let (at, text) = c.get();
        if at == secs {
            return text;
        }
        let mut text = [b' '; 29];
        let formatted = httpdate::fmt_http_date(now);
        let n = formatted.len().min(29);
        text[..n].copy_from_slice(&formatted.as_bytes()[..n]);
        c.set((secs, text));
        text
    })
}

/// 408 for a body that did not arrive within `limit`, in AWS's error shape, then close.
async fn write_timeout<S: Stream>(stream: &mut S, limit: Duration) -> io::Result<()> {
    let message = format!(
        "The request body was not received within {} seconds",
        limit.as_secs()
    );
    write_aws_error(
        stream,
        StatusCode::REQUEST_TIMEOUT,
        "RequestTimeoutException",
        &message,
    )
    .await
}

/// A request the listener cannot serve: the status in AWS's error shape, then close.
async fn write_error<S: Stream>(stream: &mut S, status: StatusCode) -> io::Result<()> {
    let (code, message) = match status.as_u16() {
        408 => (
            "RequestTimeoutException",
            "The request was not received in time",
        ),
        413 => ("PayloadTooLargeException", "Request Too Long"),
        431 => ("BadRequestException", "Request header fields too large"),
        501 => (
            "NotImplementedException",
            "Transfer-Encoding other than chunked is not supported",
        ),
        s if s >= 500 => ("InternalFailure", "Internal server error"),
        _ => ("BadRequestException", "Malformed request"),
    };
    write_aws_error(stream, status, code, message).await
}

/// `status` with `x-amzn-ErrorType: code` and `{"message": message}`, then close.
async fn write_aws_error<S: Stream>(
    stream: &mut S,
    status: StatusCode,
    code: &str,
    message: &str,
) -> io::Result<()> {
    let body = serde_json::json!({ "message": message }).to_string();
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\nContent-Type: application/json\r\nx-amzn-ErrorType: ");
    out.extend_from_slice(code.as_bytes());
    out.extend_from_slice(b"\r\nConnection: close\r\nContent-Length: ");
    push_decimal(&mut out, body.len());
    out.extend_from_slice(b"\r\nDate: ");
    out.extend_from_slice(&http_date());
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body.as_bytes());
    stream.write_all(&out).await?;
    stream.shutdown().await
}

/// A stream that yields `prefix` before reading from `inner` (the HTTP/2 hand-off replays
/// the bytes read while looking for the preface).
pub struct Prefixed<S> {
    pub prefix: Bytes,
    pub inner: S,
}

impl<S: Stream> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            let chunk = self.prefix.split_to(n);
            buf.put_slice(&chunk);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: Stream> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers every request with 200 "ok".
    #[derive(Clone)]
    struct Ok200;

    impl Handler for Ok200 {
        type Body = Full<Bytes>;
        type Extra = ();
        async fn call(
            &self,
            _req: Request<Full<Bytes>>,
            _head: Bytes,
        ) -> (Response<Full<Bytes>>, ()) {
            (Response::new(Full::new(Bytes::from_static(b"ok"))), ())
        }
    }

    /// Serves one in-memory connection; returns the client's end, the server task and the
    /// stop signal (kept alive by the caller).
    fn connect() -> (
        tokio::io::DuplexStream,
        tokio::task::JoinHandle<()>,
        watch::Sender<bool>,
    ) {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let (stop_tx, stop) = watch::channel(false);
        let task = tokio::spawn(async move {
            let _ = serve(server, Ok200, Limits::new(1024), stop).await;
        });
        (client, task, stop_tx)
    }

    #[tokio::test(start_paused = true)]
    async fn a_head_not_finished_within_the_timeout_gets_408_and_the_connection_closes() {
        let (mut client, task, _stop) = connect();
        let start = tokio::time::Instant::now();
        client
            .write_all(b"GET /slow HTTP/1.1\r\nhost: x\r\nx-part: ")
            .await
            .unwrap();
        // Paused time moves on by itself once every task waits: straight to the deadline.
        let mut answer = Vec::new();
        client.read_to_end(&mut answer).await.unwrap();
        let waited = start.elapsed();
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{text}"
        );
        assert!(text.contains("Connection: close\r\n"), "{text}");
        assert!(
            text.contains("x-amzn-ErrorType: RequestTimeoutException\r\n"),
            "{text}"
        );
        assert!(
            waited >= HEAD_TIMEOUT - Duration::from_secs(1) && waited <= HEAD_TIMEOUT,
            "answered after {waited:?}"
        );
        task.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_kept_alive_connection_closes_quietly_at_the_timeout() {
        let (mut client, task, _stop) = connect();
        client
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let start = tokio::time::Instant::now();
        let mut answer = Vec::new();
        client.read_to_end(&mut answer).await.unwrap();
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(
            text.ends_with("\r\n\r\nok"),
            "one answer and nothing after it: {text}"
        );
        assert!(start.elapsed() >= HEAD_TIMEOUT - Duration::from_secs(1));
        task.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_trickled_past_the_body_deadline_gets_408_and_the_connection_closes() {
        let (mut client, task, _stop) = connect();
        client
            .write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\na")
            .await
            .unwrap();
        let start = tokio::time::Instant::now();
        let (mut reader, mut writer) = tokio::io::split(client);
        // A byte every 2 s: never idle for long, never done.
        let trickle = async move {
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                if writer.write_all(b"b").await.is_err() {
                    break;
                }
            }
        };
        let mut answer = Vec::new();
        tokio::select! {
            _ = reader.read_to_end(&mut answer) => {}
            _ = trickle => {}
        }
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{text}"
        );
        assert!(
            text.contains("x-amzn-ErrorType: RequestTimeoutException\r\n"),
            "{text}"
        );
        assert!(
            text.ends_with("not received within 60 seconds\"}"),
            "{text}"
        );
        let waited = start.elapsed();
        assert!(
            waited >= BODY_TIMEOUT - Duration::from_secs(2)
                && waited <= BODY_TIMEOUT + Duration::from_secs(1),
            "answered after {waited:?}"
        );
        task.await.unwrap();
    }

    fn parse(raw: &[u8]) -> Result<Option<HeadInfo>, StatusCode> {
        let mut buf = BytesMut::from(raw);
        parse_head(&mut buf)
    }

    #[test]
    fn heads() {
        let h = parse(b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-A: 2\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(h.request.uri.path(), "/a");
        assert_eq!(h.request.uri.query(), Some("b=1"));
        assert_eq!(h.request.headers.get_all("x-a").iter().count(), 2);
        assert!(!h.close);
        assert!(matches!(h.framing, Framing::None));
        assert!(parse(b"GET / HTTP/1.1\r\nHost").unwrap().is_none());
        assert_eq!(
            parse(b"\x01\x02 / HTTP/1.1\r\n\r\n").err(),
            Some(StatusCode::BAD_REQUEST)
        );
        let h = parse(b"POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(h.close);
        assert!(matches!(h.framing, Framing::Length(5)));
        let h = parse(b"POST / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!h.close);
        let h =
            parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n")
                .unwrap()
                .unwrap();
        assert!(h.close && matches!(h.framing, Framing::Chunked));
        for coded in [
            &b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"[..],
            b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            assert_eq!(
                parse(coded).err(),
                Some(StatusCode::NOT_IMPLEMENTED),
                "{}",
                String::from_utf8_lossy(coded)
            );
        }
        let h = parse(b"POST / HTTP/1.1\r\nTransfer-Encoding:  Chunked \r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(matches!(h.framing, Framing::Chunked));
        assert_eq!(
            parse(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").err(),
            Some(StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            parse(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").err(),
            Some(StatusCode::BAD_REQUEST)
        );
    }

    /// The head `encode_response` writes for an HTTP/1.1 answer (not to HEAD) with `body`.
    fn encode(r: Response<()>, extra: &impl HeadExtra, body: &'static [u8], close: bool) -> String {
        let (parts, ()) = r.into_parts();
        let mut out = Vec::new();
        let body = Bytes::from_static(body);
        encode_response(
            &mut out,
            &parts,
            extra,
            &body,
            false,
            close,
            Version::HTTP_11,
        );
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn answers() {
        let mut r = Response::new(());
        r.headers_mut()
            .insert("x-one", HeaderValue::from_static("1"));
        r.headers_mut()
            .insert(CONTENT_LENGTH, HeaderValue::from_static("999"));
        let text = encode(r, &(), b"ok", true);
        assert!(
            text.starts_with(
                "HTTP/1.1 200 OK\r\nx-one: 1\r\nContent-Length: 2\r\nConnection: close\r\nDate: "
            ),
            "{text}"
        );
        assert!(text.ends_with(" GMT\r\n\r\n"), "{text}");
        // Lines an extra writes come after the map's, and replace the map's of those names.
        struct Stamped;
        impl HeadExtra for Stamped {
            fn replaces(&self, name: &HeaderName) -> bool {
                name == "x-one"
            }
            fn write(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(b"x-one: stamped\r\n");
            }
        }
        let mut r = Response::new(());
        r.headers_mut()
            .insert("x-one", HeaderValue::from_static("1"));
        r.headers_mut()
            .insert("x-two", HeaderValue::from_static("2"));
        let text = encode(r, &Some(Stamped), b"", false);
        assert!(
            text.starts_with(
                "HTTP/1.1 200 OK\r\nx-two: 2\r\nx-one: stamped\r\nContent-Length: 0\r\nDate: "
            ),
            "{text}"
        );
        // API Gateway's own names in its case; others as the integration named them.
        let mut r = Response::new(());
        r.headers_mut()
            .insert("content-type", HeaderValue::from_static("application/json"));
        r.headers_mut()
            .insert("test-multi", HeaderValue::from_static("m"));
        r.headers_mut()
            .insert("x-lower", HeaderValue::from_static("l"));
        r.extensions_mut()
            .insert(NameCase::of(["tesT-Multi", "x-lower"].into_iter()).expect("a cased name"));
        let text = encode(r, &(), b"", false);
        assert!(
            text.starts_with(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ntesT-Multi: m\r\nx-lower: l\r\nContent-Length: 0\r\nDate: "
            ),
            "{text}"
        );
        let mut out = Vec::new();
        push_decimal(&mut out, 10_485_760);
        assert_eq!(out, b"10485760");
    }
}
