//! Wiring: open the store, build the control plane and the data plane, bind the listeners,
//! dispatch each request to its plane, and shut down gracefully on SIGINT/SIGTERM.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Body;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use proscenium_control::ControlState;
use proscenium_control::auth::Credentials;
use proscenium_gateway::pipeline::Stamp;
use proscenium_gateway::{Gateway, GatewayConfig};
use proscenium_store::{SqliteStore, Store};
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::config::Config;
use crate::http1;
use crate::metrics::{Metrics, Plane};

/// What a listener serves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Management API, invocations, health and metrics (the default single listener).
    All,
    /// Invocations, health and metrics (when the management API has its own address).
    Invoke,
    /// Management API, health and metrics.
    Management,
}

struct App {
    control: axum::Router,
    gateway: Arc<Gateway>,
    metrics: Metrics,
    started: Instant,
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
    if config.io_uring {
        batch_backend_sends();
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let db = config.data_dir.join("state.db");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&db).with_context(|| format!("cannot open {}", db.display()))?);

    let mut control = ControlState::new(store.clone(), config.account_id.clone());
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
            ..GatewayConfig::default()
        },
    )
    .await;
    control.authorizer_tester = Some(Arc::new(crate::tester::GatewayTester(gateway.clone())));
    let app = Arc::new(App {
        control: proscenium_control::router(control),
        gateway,
        metrics: Metrics::default(),
        started,
    });

    let mut listeners = Vec::new();
    let main_role = if config.management_listen.is_some() {
        Role::Invoke
    } else {
        Role::All
    };
    listeners.push((bind(config.listen).await?, main_role));
    if let Some(addr) = config.management_listen {
        listeners.push((bind(addr).await?, Role::Management));
    }
    for (l, role) in &listeners {
        let what = match role {
            Role::All => "management API and invocations",
            Role::Invoke => "invocations",
            Role::Management => "management API",
        };
        tracing::info!(address = %l.local_addr()?, serves = what, "listening");
    }
    tracing::info!(data_dir = %config.data_dir.display(), authenticated = config.has_credentials(), elapsed_ms = started.elapsed().as_millis() as u64, "ready");

    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::acceptor(cert, key)?),
        _ => None,
    };
    let shutdown = tokio_util_shutdown();
    // HTTP/2 connections (served by hyper) are told to finish through `graceful`; HTTP/1.1
    // ones watch `stop`. Every connection task holds a `live` sender: when all are dropped,
    // every connection has ended.
    let graceful = Arc::new(hyper_util::server::graceful::GracefulShutdown::new());
    let (live_tx, mut live_rx) = tokio::sync::mpsc::channel::<()>(1);
    let mut accept_tasks = Vec::new();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    for (listener, role) in listeners {
        let app = app.clone();
        let mut stop = stop_rx.clone();
        let graceful = graceful.clone();
        let live = live_tx.clone();
        let tls = tls.clone();
        accept_tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    accepted = listener.accept() => {
                        let Ok((stream, remote)) = accepted else { continue };
                        let _ = stream.set_nodelay(true);
                        let conn = Conn { app: app.clone(), role, remote };
                        let stop = stop.clone();
                        let watcher = graceful.watcher();
                        let live = live.clone();
                        let tls = tls.clone();
                        tokio::spawn(async move {
                            let _live = live;
                            match tls {
                                None => serve_connection(stream, conn, stop, watcher).await,
                                Some(acceptor) => {
                                    let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await;
                                    let Ok(Ok(stream)) = handshake else { return };
                                    if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
                                        serve_http2(conn, stream, watcher).await;
                                    } else {
                                        serve_connection(stream, conn, stop, watcher).await;
                                    }
                                }
                            }
                        });
                    }
                }
            }
        }));
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
        match Arc::try_unwrap(graceful) {
            Ok(g) => {
                tokio::join!(g.shutdown(), live_rx.recv());
            }
            Err(_) => {
                live_rx.recv().await;
            }
        }
    };
    if tokio::time::timeout(grace, all_closed).await.is_err() {
        tracing::warn!("in-flight requests did not finish within {grace:?}; stopping anyway");
    }
    // Every access and execution log line of the requests served is written before exit.
    app.gateway.shutdown().await;
    tracing::info!("stopped");
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
}

impl http1::Handler for Conn {
    type Body = Either<Full<Bytes>, Body>;
    type Extra = Option<Stamp>;

    fn call(
        &self,
        req: Request<Full<Bytes>>,
    ) -> impl std::future::Future<Output = (Response<Self::Body>, Option<Stamp>)> + Send {
        // `dispatch` owns what it needs: no future wrapped around it.
        dispatch(self.app.clone(), self.role, req, self.remote)
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

/// Serves a connection as HTTP/1.1, or with hyper when it opens with the HTTP/2 preface.
async fn serve_connection<S: http1::Stream>(
    stream: S,
    conn: Conn,
    stop: tokio::sync::watch::Receiver<bool>,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let max_body = proscenium_gateway::MAX_PAYLOAD_BYTES;
    if let http1::Outcome::Http2 { stream, read } =
        http1::serve(stream, conn.clone(), max_body, stop).await
    {
        let io = http1::Prefixed {
            prefix: read,
            inner: stream,
        };
        serve_http2(conn, io, watcher).await;
    }
}

/// Serves an HTTP/2 connection with hyper (the bytes read so far are replayed).
async fn serve_http2<I: http1::Stream>(
    conn: Conn,
    io: I,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
        let conn = conn.clone();
        async move {
            let (mut resp, stamp) = dispatch(conn.app, conn.role, req, conn.remote).await;
            if let Some(stamp) = stamp {
                stamp.apply(resp.headers_mut());
            }
            Ok::<_, Infallible>(resp)
        }
    });
    let builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    let served = builder.serve_connection(TokioIo::new(io), svc);
    let _ = watcher.watch(served).await;
}

/// Serves one request; an invocation's answer comes with its [`Stamp`] (the caller writes or
/// applies it).
async fn dispatch<B>(
    app: Arc<App>,
    role: Role,
    req: Request<B>,
    remote: SocketAddr,
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
            let mut body = app.metrics.render(app.started.elapsed().as_secs_f64());
            body.push_str(&app.gateway.render_metrics());
            return (
                right(text(StatusCode::OK, "text/plain; version=0.0.4", body)),
                None,
            );
        }
        p if p.starts_with(crate::console::PREFIX) => {
            return (right(crate::console::serve(req.method(), p)), None);
        }
        _ => {}
    }
    if role != Role::Management {
        let (parts, body) = req.into_parts();
        if let Some(target) = proscenium_gateway::invoke_target(&parts) {
            let (resp, stamp) = app
                .gateway
                .handle_stamped(Request::from_parts(parts, body), target, remote)
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
            right(Box::pin(management(&app, Request::from_parts(parts, body))).await),
            None,
        );
    }
    // Boxed: the management API's future stays out of every invocation's state.
    (right(Box::pin(management(&app, req)).await), None)
}

/// An answer: the data plane's own body type, or any other (boxed) body.
type Reply = Response<Either<Full<Bytes>, Body>>;

fn right(r: Response<Body>) -> Reply {
    r.map(Either::Right)
}

async fn management<B>(app: &App, req: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let changes_serving = changes_what_is_served(req.method(), req.uri().path());
    let resp = match app.control.clone().oneshot(req.map(Body::new)).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    app.metrics
        .record(Plane::Management, resp.status().as_u16());
    if changes_serving && resp.status().is_success() {
        // "Takes effect for the next request": the data plane follows the store's change feed
        // anyway; waiting for it here means the caller's next invocation already sees it.
        app.gateway.reload().await;
    }
    resp
}

/// Whether a management call can change what a stage serves (stages, deployments, account
/// throttling, client certificates, deleting an API). Edits of the API itself cannot: they
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
