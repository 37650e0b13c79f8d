//! Wiring: bind the listeners, lock the data directory, open the store, build the control
//! plane and the data plane, dispatch each request to its plane, and shut down gracefully on
//! SIGINT/SIGTERM. Also the connection-level rules hyper's HTTP/2 does not keep by itself
//! (idle and body deadlines) and the accept loop's back-off when descriptors run out.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Body;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use proscenium_control::ControlState;
use proscenium_control::auth::Credentials;
use proscenium_control::error::ApiError;
use proscenium_gateway::pipeline::Stamp;
use proscenium_gateway::{Gateway, GatewayConfig};
use proscenium_store::{PostgresStore, SqliteStore, Store};
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::config::Config;
use crate::host::HostPolicy;
use crate::http1;
use crate::metrics::{Metrics, Plane};
use crate::oplog;

/// What a listener serves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Management API, invocations, health and metrics (the default single listener).
    All,
    /// Invocations, health and metrics (when the management API has its own address).
    Invoke,
    /// Management API, health and metrics.
    Management,
    /// Health and metrics only, without credentials (`--metrics-listen`, for scrapers).
    Metrics,
}

struct App {
    control: axum::Router,
    /// The control plane's state, to verify signed requests outside the management API
    /// (`/_proscenium/metrics` when credentials are configured).
    control_state: ControlState,
    gateway: Arc<Gateway>,
    metrics: Metrics,
    started: Instant,
    /// Whether management requests must be signed (else the `Host` rule applies).
    authenticated: bool,
    hosts: HostPolicy,
    limits: http1::Limits,
    /// Every state-changing management call as a CloudTrail event (`{data-dir}/logs/`).
    activity: Arc<crate::activity_log::ActivityLog>,
}

/// Backend requests of one turn written together (`proscenium_uring`), when the runtime has
/// one worker and the kernel allows io_uring; otherwise each is written at once.
fn batch_backend_sends() {
    match proscenium_uring::install() {
        Ok(()) => tracing::info!("backend requests are written in batches through io_uring"),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            tracing::debug!("backend requests are written one by one: {e}")
        }
        Err(e) => {
            tracing::info!("io_uring unavailable ({e}): backend requests are written one by one")
        }
    }
}

/// Runs the gateway until a shutdown signal.
#[allow(clippy::disallowed_methods)] // the binary's I/O shell measures its own start-up
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    raise_fd_limit();
    if config.io_uring {
        batch_backend_sends();
    }
    // The ports first: a start that fails on a port in use leaves no data directory behind.
    let mut listeners = Vec::new();
    let main_role = if config.management_listen.is_some() || config.no_management {
        Role::Invoke
    } else {
        Role::All
    };
    listeners.push((bind(config.listen).await?, main_role));
    if let Some(addr) = config.management_listen {
        listeners.push((bind(addr).await?, Role::Management));
    }
    if let Some(addr) = config.metrics_listen {
        listeners.push((bind(addr).await?, Role::Metrics));
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    // Held until the process exits: one process per data directory.
    let _lock = lock_data_dir(&config.data_dir)?;
    let activity = Arc::new(
        crate::activity_log::ActivityLog::open(&config.data_dir).with_context(|| {
            format!(
                "cannot create the activity log directory {}/logs",
                config.data_dir.display()
            )
        })?,
    );
    let store = open_store(&config).await?;
    apply_account_limits(store.as_ref(), &config).await?;

    let mut control = ControlState::new(store.clone(), config.account_id.clone());
    control.certificate_dir = Some(config.certificate_dir());
    control.default_region = config.default_region.clone();
    if let (Some(k), Some(s)) = (&config.access_key_id, &config.secret_access_key) {
        control.credentials = Some(Arc::new(Credentials::new().with(k.clone(), s.clone())));
    }
    let gateway = Gateway::start(
        store.clone(),
        GatewayConfig {
            account_id: config.account_id.clone(),
            lambda_endpoint: config.lambda_endpoint.clone(),
            aws_endpoint: config.aws_endpoint.clone(),
            aws_credentials: config.aws_credentials(),
            data_dir: Some(config.data_dir.clone()),
            backend_ca: config.backend_ca.clone(),
            cache_max_bytes: config.cache_max_bytes,
            cognito_endpoint: config.cognito_endpoint.clone(),
            identities: config.iam_identities(),
            redis: config.redis.clone(),
            ..GatewayConfig::default()
        },
    )
    .await;
    control.authorizer_tester = Some(Arc::new(crate::tester::GatewayTester(gateway.clone())));
    control.method_tester = Some(Arc::new(crate::tester::GatewayTester(gateway.clone())));
    let mut limits = http1::Limits::new(proscenium_gateway::MAX_PAYLOAD_BYTES);
    limits.idle = Duration::from_secs(config.idle_timeout);
    limits.body = Duration::from_secs(config.body_timeout);
    let app = Arc::new(App {
        control: proscenium_control::router(control.clone()),
        control_state: control,
        gateway,
        metrics: Metrics::default(),
        started,
        authenticated: config.has_credentials(),
        hosts: HostPolicy::new(&config.allowed_hosts),
        limits,
        activity,
    });

    for (l, role) in &listeners {
        let what = match role {
            Role::All => "management API and invocations",
            Role::Invoke => "invocations",
            Role::Management => "management API",
            Role::Metrics => "metrics and health",
        };
        tracing::info!(address = %l.local_addr()?, serves = what, "listening");
    }
    tracing::info!(data_dir = %config.data_dir.display(), authenticated = config.has_credentials(), elapsed_ms = started.elapsed().as_millis() as u64, "ready");

    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => {
            Some(Arc::new(crate::tls::load(cert, key, app.gateway.clone())?))
        }
        _ => None,
    };
    let shutdown = tokio_util_shutdown();
    // Every connection, HTTP/1.1 or HTTP/2, watches `stop`. Every connection task holds a
    // `live` sender: when all are dropped, every connection has ended.
    let (live_tx, mut live_rx) = tokio::sync::mpsc::channel::<()>(1);
    let mut accept_tasks = Vec::new();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // Thread per core: the main listener is also served by `workers - 1` more threads, each
    // with its own single-threaded runtime accepting from the same socket. Each runtime keeps
    // its own connections, backend pool and batched sends: nothing moves between threads.
    let workers = config.workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let (exit_tx, exit_rx) = tokio::sync::watch::channel(false);
    let mut threads = Vec::new();
    let balance = (workers > 1).then(|| crate::balance::Balance::new(workers));
    if let Some((main, role)) = listeners.first() {
        for index in 1..workers {
            let socket = std::net::TcpListener::from(main.as_fd().try_clone_to_owned()?);
            let acceptor = Acceptor {
                app: app.clone(),
                role: *role,
                stop: stop_rx.clone(),
                live: live_tx.clone(),
                tls: tls.clone(),
                balance: balance.clone().map(|b| (b, index)),
            };
            let exit = exit_rx.clone();
            let io_uring = config.io_uring;
            threads.push(
                std::thread::Builder::new()
                    .name(format!("proscenium-worker-{index}"))
                    .spawn(move || worker(index, socket, acceptor, exit, io_uring))?,
            );
        }
    }
    for (i, (listener, role)) in listeners.into_iter().enumerate() {
        let acceptor = Acceptor {
            app: app.clone(),
            role,
            stop: stop_rx.clone(),
            live: live_tx.clone(),
            tls: tls.clone(),
            // The main listener is shared with the workers; the others are the main thread's.
            balance: balance.clone().filter(|_| i == 0).map(|b| (b, 0)),
        };
        accept_tasks.push(tokio::spawn(acceptor.run(listener)));
    }
    drop(live_tx);
    shutdown.await;
    tracing::info!("shutting down: no new connections; finishing in-flight requests");
    let _ = stop_tx.send(true);
    for t in accept_tasks {
        let _ = t.await;
    }
    let grace = Duration::from_secs(config.shutdown_grace_seconds);
    let all_closed = async {
        live_rx.recv().await;
    };
    if tokio::time::timeout(grace, all_closed).await.is_err() {
        tracing::warn!("in-flight requests did not finish within {grace:?}; stopping anyway");
    }
    // Every access and execution log line of the requests served is written before exit.
    app.gateway.shutdown().await;
    // The workers' runtimes ran their connections to the end; now they may stop.
    let _ = exit_tx.send(true);
    let _ = tokio::task::spawn_blocking(move || {
        for t in threads {
            let _ = t.join();
        }
    })
    .await;
    tracing::info!("stopped");
    Ok(())
}

/// What an accept loop hands each connection it accepts.
struct Acceptor {
    app: Arc<App>,
    role: Role,
    stop: tokio::sync::watch::Receiver<bool>,
    /// Held by every connection task: the process waits until all are dropped.
    live: tokio::sync::mpsc::Sender<()>,
    tls: Option<Arc<crate::tls::Tls>>,
    /// With several workers on this listener: the shared counts, and this worker's index.
    balance: Option<(Arc<crate::balance::Balance>, usize)>,
}

impl Acceptor {
    /// Accepts connections until `stop`, each served by a task of this thread's runtime.
    #[allow(clippy::disallowed_methods)] // the binary's I/O shell times its own warnings
    async fn run(mut self, listener: TcpListener) {
        let Ok(own) = listener.local_addr() else {
            return;
        };
        let mut warned: Option<Instant> = None;
        loop {
            if let Some((balance, me)) = &self.balance {
                tokio::select! {
                    _ = self.stop.changed() => break,
                    _ = balance.turn(*me) => {}
                }
            }
            tokio::select! {
                _ = self.stop.changed() => break,
                accepted = listener.accept() => {
                    let (stream, remote) = match accepted {
                        Ok(a) => a,
                        Err(e) => {
                            if is_out_of_resources(&e) {
                                // The connection stays in the backlog and the listener
                                // stays readable: without a pause this loop would spin.
                                if warned.is_none_or(|t| t.elapsed() >= ACCEPT_WARN_EVERY) {
                                    tracing::warn!(address = %own, error = %e, "cannot accept connections: out of file descriptors or memory; pausing accepts (raise `ulimit -n`)");
                                    warned = Some(Instant::now());
                                }
                                tokio::select! {
                                    _ = self.stop.changed() => break,
                                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                                }
                            }
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    // The address the client reached: only a wildcard listener needs
                    // the socket asked (one system call per connection).
                    let local = if own.ip().is_unspecified() {
                        stream.local_addr().unwrap_or(own)
                    } else {
                        own
                    };
                    let conn = Conn { app: self.app.clone(), role: self.role, remote, local, client_cert: None, tls: false };
                    let stop = self.stop.clone();
                    let live = self.live.clone();
                    let tls = self.tls.clone();
                    let open = self.balance.as_ref().map(|(b, me)| b.opened(*me));
                    tokio::spawn(async move {
                        let _live = (live, open);
                        match tls {
                            None => serve_connection(stream, conn, stop).await,
                            Some(tls) => {
                                let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, tls.accept(stream)).await;
                                let Ok(Ok((stream, client_cert))) = handshake else { return };
                                let conn = Conn { client_cert, tls: true, ..conn };
                                if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
                                    serve_http2(conn, stream, stop).await;
                                } else {
                                    serve_connection(stream, conn, stop).await;
                                }
                            }
                        }
                    });
                }
            }
        }
    }
}

/// A worker thread: its own single-threaded runtime serving connections accepted from
/// `socket` (the main listener's socket, shared) until `stop`, then running on until `exit`
/// so that what it serves finishes and the gateway's logs are flushed.
fn worker(
    index: usize,
    socket: std::net::TcpListener,
    acceptor: Acceptor,
    mut exit: tokio::sync::watch::Receiver<bool>,
    io_uring: bool,
) {
    proscenium_gateway::worker::set_index(index);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(worker = index, error = %e, "cannot start a worker's runtime");
            return;
        }
    };
    runtime.block_on(async move {
        if io_uring {
            let _ = proscenium_uring::install();
        }
        match TcpListener::from_std(socket) {
            Ok(listener) => acceptor.run(listener).await,
            Err(e) => tracing::error!(worker = index, error = %e, "cannot serve on a worker"),
        }
        while !*exit.borrow_and_update() {
            if exit.changed().await.is_err() {
                break;
            }
        }
    });
}

/// How long the accept loop pauses when the process is out of descriptors (or memory).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// At most one warning about it per this interval.
const ACCEPT_WARN_EVERY: Duration = Duration::from_secs(10);

/// `EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`: accepting again at once cannot succeed.
fn is_out_of_resources(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(code) if code == rustix::io::Errno::MFILE.raw_os_error()
            || code == rustix::io::Errno::NFILE.raw_os_error()
            || code == rustix::io::Errno::NOBUFS.raw_os_error()
            || code == rustix::io::Errno::NOMEM.raw_os_error()
    )
}

/// Raises the soft limit on open files to the hard limit (each connection is one) and logs it.
fn raise_fd_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let raised = match (limit.current, limit.maximum) {
        (Some(soft), Some(hard)) if soft < hard => {
            let want = Rlimit {
                current: Some(hard),
                maximum: Some(hard),
            };
            match setrlimit(Resource::Nofile, want) {
                Ok(()) => Some(hard),
                Err(e) => {
                    tracing::warn!(soft, hard, error = %e, "cannot raise the open file limit");
                    Some(soft)
                }
            }
        }
        (soft, _) => soft,
    };
    match raised {
        Some(n) => tracing::info!(limit = n, "open file descriptor limit"),
        None => tracing::info!("open file descriptor limit: unlimited"),
    }
}

/// `--store`: the embedded SQLite database of the data directory, or a shared PostgreSQL.
async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    if config.store == "sqlite" {
        let db = config.data_dir.join("state.db");
        let store =
            SqliteStore::open(&db).with_context(|| format!("cannot open {}", db.display()))?;
        return Ok(Arc::new(store));
    }
    let shown = crate::config::redact_url(&config.store);
    let store = PostgresStore::open(&config.store)
        .await
        .with_context(|| format!("cannot open the store {shown}"))?;
    tracing::info!(store = %shown, "configuration shared through PostgreSQL");
    Ok(Arc::new(store))
}

/// Takes `{dir}/lock` exclusively for the life of the process: a second `serve` on the same
/// directory would share the embedded SQLite store without the write serialisation and the
/// change feed one process keeps.
fn lock_data_dir(dir: &Path) -> anyhow::Result<std::fs::File> {
    use std::io::Write;
    let path = dir.join("lock");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            let holder = holder.trim();
            let by = if holder.is_empty() {
                String::new()
            } else {
                format!(" (process {holder})")
            };
            anyhow::bail!(
                "data directory {} is in use by another proscenium{by}: one process serves a data directory \
                 (its state and logs); give this one its own --data-dir; several nodes serving the same \
                 APIs use a shared store instead, `--store postgres://…`",
                dir.display()
            );
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    let _ = file.set_len(0);
    let _ = writeln!(file, "{}", std::process::id());
    Ok(file)
}

/// `--account-rate-limit`/`--account-burst-limit`: written to the account settings of every
/// region that has stages, and of the default region, at start (UpdateAccount changes them
/// afterwards, until the next start with the flags).
async fn apply_account_limits(store: &dyn Store, config: &Config) -> anyhow::Result<()> {
    if config.account_rate_limit.is_none() && config.account_burst_limit.is_none() {
        return Ok(());
    }
    let mut scopes = vec![proscenium_model::Scope::new(
        config.account_id.clone(),
        config.default_region.clone(),
    )];
    for rec in store.all_stages().await.context("cannot read the stages")? {
        if rec.scope.account == config.account_id && !scopes.contains(&rec.scope) {
            scopes.push(rec.scope);
        }
    }
    for scope in scopes {
        let mut account = store
            .get_account(&scope)
            .await
            .context("cannot read the account settings")?
            .unwrap_or_default();
        if let Some(r) = config.account_rate_limit {
            account.throttle_settings.rate_limit = r;
        }
        if let Some(b) = config.account_burst_limit {
            account.throttle_settings.burst_limit = b;
        }
        store
            .put_account(&scope, &account)
            .await
            .context("cannot write the account settings")?;
        tracing::info!(
            region = %scope.region,
            rate_limit = account.throttle_settings.rate_limit,
            burst_limit = account.throttle_settings.burst_limit,
            "account throttle set from the configuration"
        );
    }
    Ok(())
}

async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

/// Resolves when SIGINT or SIGTERM arrives.
async fn tokio_util_shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// One client connection's view of the application.
#[derive(Clone)]
struct Conn {
    app: Arc<App>,
    role: Role,
    remote: SocketAddr,
    /// The address the connection arrived on (a `Host` naming it is the gateway's own).
    local: SocketAddr,
    /// The certificate the client presented (mutual TLS on a custom domain).
    client_cert: Option<Arc<proscenium_gateway::domains::ClientCert>>,
    /// The connection is TLS (`X-Forwarded-Proto: https` in Lambda proxy events).
    tls: bool,
}

impl http1::Handler for Conn {
    type Body = Either<Full<Bytes>, Body>;
    type Extra = Option<Stamp>;

    // Inlined: the returned future is then built where the connection awaits it, instead of
    // being built here and copied there (a memcpy of the whole pipeline's state per request).
    #[inline(always)]
    fn call(
        &self,
        req: Request<Full<Bytes>>,
        head: Bytes,
    ) -> impl std::future::Future<Output = (Response<Self::Body>, Option<Stamp>)> + Send {
        let mut req = req;
        if self.tls {
            self.mark_tls(&mut req);
        }
        // `dispatch` owns what it needs: no future wrapped around it.
        dispatch(
            self.app.clone(),
            self.role,
            req,
            self.remote,
            self.local,
            Some(head),
        )
    }
}

impl Conn {
    /// Marks a request of a TLS connection (and its client certificate) for the gateway.
    #[cold]
    #[inline(never)]
    fn mark_tls<B>(&self, req: &mut Request<B>) {
        if let Some(c) = &self.client_cert {
            req.extensions_mut().insert(c.clone());
        }
        req.extensions_mut()
            .insert(proscenium_gateway::context::ArrivedOverTls);
    }
}

/// The headers of an invocation's answer that the HTTP/1.1 writer writes itself.
impl http1::HeadExtra for Stamp {
    fn replaces(&self, name: &http::HeaderName) -> bool {
        self.sets(name)
    }
    fn write(&self, out: &mut Vec<u8>) {
        self.write_h1(out);
    }
}

/// How long a client may take to complete the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an unanswered HTTP/2 keep-alive ping is waited for before the connection closes.
const H2_PING_TIMEOUT: Duration = Duration::from_secs(20);
/// How long an HTTP/2 connection closed for a late body may take to end after its GOAWAY.
const H2_CLOSE_GRACE: Duration = Duration::from_secs(3);
/// The largest HTTP/2 header list accepted (the HTTP/1.1 head's limit).
const H2_MAX_HEADER_LIST: u32 = 64 * 1024;

/// Serves a connection as HTTP/1.1, or with hyper when it opens with the HTTP/2 preface.
async fn serve_connection<S: http1::Stream>(
    stream: S,
    conn: Conn,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let limits = conn.app.limits;
    if let http1::Outcome::Http2 { stream, read } =
        http1::serve(stream, conn.clone(), limits, stop.clone()).await
    {
        let io = http1::Prefixed {
            prefix: read,
            inner: stream,
        };
        serve_http2(conn, io, stop).await;
    }
}

/// What an HTTP/2 connection's requests tell the task that watches the connection.
#[derive(Default)]
struct H2Activity {
    /// Requests being served.
    active: AtomicUsize,
    /// A request body was late: close the connection.
    close: AtomicBool,
    /// Signalled when a request ends.
    ended: tokio::sync::Notify,
}

/// Counts a request as active while it lives.
struct Busy(Arc<H2Activity>);

impl Busy {
    fn new(activity: &Arc<H2Activity>) -> Busy {
        activity.active.fetch_add(1, Ordering::Relaxed);
        Busy(activity.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
        self.0.ended.notify_one();
    }
}

/// Serves an HTTP/2 connection with hyper (the bytes read so far are replayed), with the
/// rules HTTP/1.1 keeps: idle for the idle timeout (no request in progress) → GOAWAY and
/// close; a request body not complete within the body timeout → 408 and close; keep-alive
/// pings find dead peers; header lists at most 64 KiB.
async fn serve_http2<I: http1::Stream>(
    conn: Conn,
    io: I,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let limits = conn.app.limits;
    let activity = Arc::new(H2Activity::default());
    let svc = {
        let activity = activity.clone();
        hyper::service::service_fn(move |req: Request<Incoming>| {
            let conn = conn.clone();
            let activity = activity.clone();
            async move {
                // Active until the answer's body is sent (or the stream is reset), not only
                // until the handler returns: a slow download is not an idle connection.
                let busy = Busy::new(&activity);
                let (parts, body) = req.into_parts();
                let late = (!hyper::body::Body::is_end_stream(&body))
                    .then(|| Arc::new(AtomicBool::new(false)));
                let body = Deadline {
                    inner: body,
                    deadline: tokio::time::Instant::now() + limits.body,
                    sleep: None,
                    late: late.clone(),
                };
                let mut req = Request::from_parts(parts, body);
                if conn.tls {
                    conn.mark_tls(&mut req);
                }
                let (mut resp, stamp) =
                    dispatch(conn.app, conn.role, req, conn.remote, conn.local, None).await;
                if late.is_some_and(|l| l.load(Ordering::Relaxed)) {
                    activity.close.store(true, Ordering::Relaxed);
                    resp = right(body_timeout(limits.body));
                } else if let Some(stamp) = stamp {
                    stamp.apply(resp.headers_mut());
                }
                Ok::<_, Infallible>(resp.map(|inner| Held { inner, _busy: busy }))
            }
        })
    };
    let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    builder
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.idle))
        .keep_alive_timeout(H2_PING_TIMEOUT)
        .max_header_list_size(H2_MAX_HEADER_LIST);
    let served = builder.serve_connection(TokioIo::new(io), svc);
    let mut served = std::pin::pin!(served);
    let idle = tokio::time::sleep(limits.idle);
    let mut idle = std::pin::pin!(idle);
    let ending = loop {
        if *stop.borrow() {
            break Ending::Stop;
        }
        tokio::select! {
            _ = served.as_mut() => return,
            _ = stop.changed() => break Ending::Stop,
            _ = activity.ended.notified() => {
                if activity.close.load(Ordering::Relaxed) {
                    break Ending::Late;
                }
                idle.as_mut().reset(tokio::time::Instant::now() + limits.idle);
            }
            _ = idle.as_mut() => {
                if activity.active.load(Ordering::Relaxed) == 0 {
                    break Ending::Idle;
                }
                idle.as_mut().reset(tokio::time::Instant::now() + limits.idle);
            }
        }
    };
    // GOAWAY: requests in progress finish, no new ones start. On shutdown the process's grace
    // period bounds the wait. An idle connection may still be delivering an answer the
    // client reads slowly (hyper has taken the whole body; the flow-control window holds it
    // back): it gets one more idle period. After a late body the connection is the client's
    // fault and goes after a short while.
    served.as_mut().graceful_shutdown();
    match ending {
        Ending::Stop => {
            let _ = served.await;
        }
        Ending::Idle => {
            let _ = tokio::time::timeout(limits.idle, served).await;
        }
        Ending::Late => {
            let _ = tokio::time::timeout(H2_CLOSE_GRACE, served).await;
        }
    }
}

/// Why an HTTP/2 connection is being closed.
enum Ending {
    Stop,
    Idle,
    Late,
}

/// An answer's body that keeps its request counted as active until hyper drops it.
struct Held<B> {
    inner: B,
    _busy: Busy,
}

impl<B: hyper::body::Body + Unpin> hyper::body::Body for Held<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// An HTTP/2 request body that must arrive whole before `deadline`. Past it the body ends
/// with an error and `late` is set: the answer becomes 408 and the connection closes.
struct Deadline {
    inner: Incoming,
    deadline: tokio::time::Instant,
    /// Started the first time the body is waited for.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    /// `None`: the body had ended with the head.
    late: Option<Arc<AtomicBool>>,
}

impl hyper::body::Body for Deadline {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                let deadline = this.deadline;
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                if let Some(late) = &this.late {
                    late.store(true, Ordering::Relaxed);
                }
                Poll::Ready(Some(
                    Err("the request body was not received in time".into()),
                ))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// 408 for a body not received within `limit` (AWS's error shape).
fn body_timeout(limit: Duration) -> Response<Body> {
    aws_error(
        408,
        "RequestTimeoutException",
        format!(
            "The request body was not received within {} seconds",
            limit.as_secs()
        ),
    )
}

/// An error in AWS's shape: status, `x-amzn-ErrorType`, `{"message"}`.
fn aws_error(status: u16, code: &'static str, message: String) -> Response<Body> {
    use axum::response::IntoResponse;
    ApiError::Raw {
        status,
        code,
        message,
    }
    .into_response()
}

/// The `Host` of a request (HTTP/2: `:authority` when there is no `Host`).
fn host_of<B>(req: &Request<B>) -> Option<&str> {
    req.headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
}

/// Without credentials, a request for the management API, the console or the metrics must
/// name the gateway itself ([`HostPolicy`]): the 403 for one that does not.
fn foreign_host<B>(app: &App, req: &Request<B>, local: SocketAddr) -> Option<Response<Body>> {
    if app.authenticated || app.hosts.allows(host_of(req), local) {
        return None;
    }
    tracing::debug!(host = ?host_of(req), path = req.uri().path(), "refused: not a host name of this gateway");
    Some(aws_error(
        403,
        "AccessDeniedException",
        "The Host header does not name this gateway. Without credentials the management API \
         answers only to localhost, loopback addresses, the address it listens on and names \
         given with --allowed-host (PROSCENIUM_ALLOWED_HOSTS)"
            .into(),
    ))
}

/// Serves one request; an invocation's answer comes with its [`Stamp`] (the caller writes or
/// applies it).
async fn dispatch<B>(
    app: Arc<App>,
    role: Role,
    req: Request<B>,
    remote: SocketAddr,
    local: SocketAddr,
    head: Option<Bytes>,
) -> (Reply, Option<Stamp>)
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match req.uri().path() {
        "/_proscenium/health" => {
            return (
                right(text(
                    StatusCode::OK,
                    "application/json",
                    "{\"status\":\"ok\"}".into(),
                )),
                None,
            );
        }
        // Metrics name every API and stage: not on a listener that serves only invocations.
        "/_proscenium/metrics" if role != Role::Invoke => {
            return (right(metrics(&app, role, req, local)), None);
        }
        "/_proscenium/traffic" if role != Role::Invoke => {
            return (right(traffic(&app, role, req, local)), None);
        }
        // The activity log: like the management API (its callers, its changes).
        "/_proscenium/activity" if matches!(role, Role::All | Role::Management) => {
            return (right(Box::pin(activity(&app, req, local)).await), None);
        }
        _ if role == Role::Metrics => {
            return (
                right(aws_error(
                    404,
                    "NotFoundException",
                    "This listener serves /_proscenium/metrics, /_proscenium/traffic and /_proscenium/health only".into(),
                )),
                None,
            );
        }
        p if p.starts_with(crate::console::PREFIX) => {
            if let Some(refused) = foreign_host(&app, &req, local) {
                return (right(refused), None);
            }
            return (right(crate::console::serve(req.method(), p)), None);
        }
        _ => {}
    }
    if role != Role::Management {
        let (parts, body) = req.into_parts();
        if let Some(target) = app.gateway.target(&parts) {
            let (resp, stamp) = app
                .gateway
                .handle_stamped_with_head(Request::from_parts(parts, body), target, remote, head)
                .await;
            app.metrics.record(Plane::Invoke, resp.status().as_u16());
            return (resp.map(Either::Left), Some(stamp));
        }
        if role == Role::Invoke {
            let resp = text(
                StatusCode::FORBIDDEN,
                "application/json",
                "{\"message\":\"Forbidden\"}".into(),
            );
            app.metrics.record(Plane::Invoke, 403);
            return (right(resp), None);
        }
        return (
            right(
                Box::pin(management(
                    &app,
                    Request::from_parts(parts, body),
                    local,
                    remote,
                ))
                .await,
            ),
            None,
        );
    }
    // Boxed: the management API's future stays out of every invocation's state.
    (
        right(Box::pin(management(&app, req, local, remote)).await),
        None,
    )
}

/// `/_proscenium/metrics`: open on `--metrics-listen`; elsewhere, when credentials are
/// configured, signed like a management request (it names every API and stage).
fn metrics<B>(app: &App, role: Role, req: Request<B>, local: SocketAddr) -> Response<Body> {
    if let Some(refused) = foreign_host(app, &req, local) {
        return refused;
    }
    if role != Role::Metrics && app.authenticated {
        let (parts, _) = req.into_parts();
        if let Err(e) = proscenium_control::auth::verify(&app.control_state, &parts, b"") {
            use axum::response::IntoResponse;
            return e.into_response();
        }
    }
    let mut body = app.metrics.render(app.started.elapsed().as_secs_f64());
    body.push_str(&app.gateway.render_metrics());
    text(StatusCode::OK, "text/plain; version=0.0.4", body)
}

/// `/_proscenium/traffic?apiId=&stage=&minutes=`: a stage's last minutes ([`crate::traffic`]),
/// where and as the metrics are served.
fn traffic<B>(app: &App, role: Role, req: Request<B>, local: SocketAddr) -> Response<Body> {
    if let Some(refused) = foreign_host(app, &req, local) {
        return refused;
    }
    let (parts, _) = req.into_parts();
    if role != Role::Metrics
        && app.authenticated
        && let Err(e) = proscenium_control::auth::verify(&app.control_state, &parts, b"")
    {
        use axum::response::IntoResponse;
        return e.into_response();
    }
    match crate::traffic::answer(&app.gateway, parts.uri.query()) {
        Ok(json) => text(StatusCode::OK, "application/json", json),
        Err((status, code, message)) => aws_error(status, code, message),
    }
}

/// An answer: the data plane's own body type, or any other (boxed) body.
type Reply = Response<Either<Full<Bytes>, Body>>;

fn right(r: Response<Body>) -> Reply {
    r.map(Either::Right)
}

async fn management<B>(
    app: &App,
    req: Request<B>,
    local: SocketAddr,
    remote: SocketAddr,
) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if let Some(refused) = foreign_host(app, &req, local) {
        app.metrics.record(Plane::Management, 403);
        return refused;
    }
    let changes_serving = changes_what_is_served(req.method(), req.uri().path());
    let logged = oplog::changes_state(req.method()).then(|| {
        let auth = req
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        oplog::describe(req.method().as_str(), req.uri().path(), auth)
    });
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let resp = if declared.is_some_and(|n| n > proscenium_control::auth::MAX_BODY as u64) {
        // The listener did not read a body this large: answer from its declared length.
        aws_error(
            413,
            "PayloadTooLargeException",
            format!(
                "Request body exceeds the {} byte limit",
                proscenium_control::auth::MAX_BODY
            ),
        )
    } else if let Some(call) = logged
        .as_ref()
        .filter(|c| crate::activity::records(c.operation))
    {
        recorded(app, call, req.map(Body::new), remote).await
    } else {
        match app.control.clone().oneshot(req.map(Body::new)).await {
            Ok(r) => aws_shaped(r).await,
            Err(never) => match never {},
        }
    };
    let status = resp.status().as_u16();
    app.metrics.record(Plane::Management, status);
    if let Some(call) = &logged {
        log_call(call, status);
    }
    if changes_serving && resp.status().is_success() {
        // "Takes effect for the next request": the data plane follows the store's change feed
        // anyway; waiting for it here means the caller's next invocation already sees it.
        app.gateway.reload().await;
    }
    resp
}

fn log_call(call: &oplog::Call, status: u16) {
    tracing::info!(
        operation = call.operation,
        api_id = call.api_id.as_deref().unwrap_or("-"),
        stage = call.stage.as_deref().unwrap_or("-"),
        access_key = call.access_key_id.as_deref().unwrap_or("-"),
        status,
        "management call"
    );
}

/// A state-changing call answered with its CloudTrail event written first: the request and
/// answer bodies are kept for the event, which is appended (and synced) before the answer
/// goes out. An event that cannot be written turns the answer into a 500: no change is
/// acknowledged without its event.
async fn recorded(
    app: &App,
    call: &oplog::Call,
    req: Request<Body>,
    remote: SocketAddr,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let request_body = match axum::body::to_bytes(body, proscenium_control::auth::MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return aws_error(
                400,
                "BadRequestException",
                format!("The request body could not be read: {e}"),
            );
        }
    };
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (user_agent, content_type) = (header("user-agent"), header("content-type"));
    let region = header("authorization")
        .and_then(|a| {
            a.split("Credential=")
                .nth(1)
                .and_then(|c| c.split('/').nth(2).map(str::to_string))
        })
        .filter(|r| !r.is_empty() && r.len() < 32)
        .unwrap_or_else(|| app.control_state.default_region.clone());
    let (path, query) = (
        parts.uri.path().to_string(),
        parts.uri.query().map(str::to_string),
    );
    let req = Request::from_parts(parts, Body::from(request_body.clone()));
    let resp = match app.control.clone().oneshot(req).await {
        Ok(r) => aws_shaped(r).await,
        Err(never) => match never {},
    };
    let (parts, body) = resp.into_parts();
    let response_body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let error_code = parts
        .headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok());
    let event = crate::activity::event(&crate::activity::Seen {
        call,
        path: &path,
        query: query.as_deref(),
        account_id: &app.control_state.account_id,
        region: &region,
        source_ip: remote.ip().to_string(),
        user_agent: user_agent.as_deref(),
        request_body: &request_body,
        request_content_type: content_type.as_deref(),
        status: parts.status.as_u16(),
        response_body: &response_body,
        error_code,
        request_id: parts
            .headers
            .get("x-amzn-requestid")
            .and_then(|v| v.to_str().ok()),
        event_id: app.control_state.new_request_id(),
        now: app.control_state.now(),
    });
    let log = app.activity.clone();
    let written = tokio::task::spawn_blocking(move || log.append(&event))
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r);
    if let Err(e) = written {
        tracing::error!(
            operation = call.operation,
            "the activity log could not be written: {e}"
        );
        return aws_error(
            500,
            "InternalFailure",
            format!(
                "{} was applied but its activity event could not be written: {e}",
                call.operation
            ),
        );
    }
    Response::from_parts(parts, Body::from(response_body))
}

/// `GET /_proscenium/activity?apiId=&stage=&operation=&limit=`: the activity log's events,
/// newest first, for callers of the management API (signed when credentials are set).
async fn activity<B>(app: &App, req: Request<B>, local: SocketAddr) -> Response<Body> {
    if let Some(refused) = foreign_host(app, &req, local) {
        return refused;
    }
    if req.method() != http::Method::GET {
        return aws_error(
            405,
            "MethodNotAllowedException",
            "The activity log is read with GET".into(),
        );
    }
    let (parts, _) = req.into_parts();
    if app.authenticated
        && let Err(e) = proscenium_control::auth::verify(&app.control_state, &parts, b"")
    {
        use axum::response::IntoResponse;
        return e.into_response();
    }
    let query = parts.uri.query().map(str::to_string);
    let filter = crate::activity::Filter::from_query(query.as_deref());
    let limit = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .find_map(|p| p.strip_prefix("limit="))
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(200)
        .clamp(1, 1000);
    let log = app.activity.clone();
    match tokio::task::spawn_blocking(move || log.read(&filter, limit)).await {
        Ok(Ok(events)) => text(
            StatusCode::OK,
            "application/json",
            serde_json::json!({ "events": events }).to_string(),
        ),
        Ok(Err(e)) => aws_error(
            500,
            "InternalFailure",
            format!("cannot read the activity log: {e}"),
        ),
        Err(e) => aws_error(
            500,
            "InternalFailure",
            format!("cannot read the activity log: {e}"),
        ),
    }
}

/// Every management error in AWS's shape: an error answered by the routing layer itself
/// (an undecodable path segment, a rejected extractor) as plain text becomes
/// `x-amzn-ErrorType` and `{"message"}` with the same status and text.
async fn aws_shaped(resp: Response<Body>) -> Response<Body> {
    if resp.status().as_u16() < 400 || resp.headers().contains_key("x-amzn-errortype") {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| {
            parts
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string()
        });
    let code = match parts.status.as_u16() {
        401 => "UnauthorizedException",
        403 => "AccessDeniedException",
        404 | 405 => "NotFoundException",
        409 => "ConflictException",
        413 => "PayloadTooLargeException",
        415 => "UnsupportedMediaTypeException",
        429 => "TooManyRequestsException",
        503 => "ServiceUnavailableException",
        s if s >= 500 => "InternalFailure",
        _ => "BadRequestException",
    };
    let mut fixed = aws_error(parts.status.as_u16(), code, text);
    if let Some(id) = parts.headers.get("x-amzn-requestid") {
        fixed.headers_mut().insert("x-amzn-requestid", id.clone());
    }
    fixed
}

/// Whether a management call can change what a stage serves (stages, deployments, account
/// throttling, client certificates, custom domains and their mappings, deleting an API). Edits of the API itself cannot: they
/// reach a stage only through a new deployment.
fn changes_what_is_served(method: &http::Method, path: &str) -> bool {
    if *method == http::Method::GET {
        return false;
    }
    let segments = path.trim_matches('/').split('/').count();
    path.contains("/stages")
        || path.contains("/deployments")
        || path.starts_with("/account")
        || path.starts_with("/clientcertificates")
        || path.starts_with("/domainnames")
        || (path.starts_with("/restapis/") && segments == 2 && *method == http::Method::DELETE)
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    r
}
