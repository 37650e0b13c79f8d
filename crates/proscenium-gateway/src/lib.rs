//! Proscenium's data plane: serves every deployed stage at its invoke URLs, as API Gateway
//! (REST API v1) does.
//!
//! Owns: the registry of compiled stages (rebuilt from the store's change feed and swapped
//! atomically), the router, the invocation pipeline, the integrations (MOCK, HTTP,
//! HTTP_PROXY, AWS_PROXY/Lambda, AWS services signed with SigV4), gateway responses and AWS's limits, and the stage settings
//! that act on requests: throttling, the stage cache, canary routing, access and execution
//! logs (files under `data_dir`), metrics and tracing headers.
//!
//! Must not: write to the store, depend on the control plane, or panic on hostile input.
//! See README.md for the pipeline.

pub mod access_log;
pub mod auth;
pub mod aws_service;
pub mod binary;
pub mod cache;
pub mod client;
pub mod clock;
pub mod cluster_limits;
pub mod compile;
pub mod config;
pub mod context;
pub mod domains;
pub mod dot_segments;
pub mod error;
pub mod exec_log;
pub mod gateway_response;
pub mod header_case;
pub mod history;
pub mod ids;
pub mod integration;
pub mod json_out;
pub mod logsink;
pub mod mapping;
pub mod method_test;
pub mod metrics;
pub mod observe;
pub mod params;
pub mod phases;
pub mod pipeline;
pub mod registry;
pub mod responses;
pub mod router;
pub mod schema;
pub mod settings;
pub mod target;
pub mod throttle;
pub mod trace;
pub mod traffic;
pub mod usage;
pub mod validate;
pub mod wire;
pub mod worker;

use std::error::Error as StdError;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Body;
use proscenium_store::Store;

pub use clock::{Clock, ManualClock, Random, SeededRandom, SystemClock, ThreadRandom};
pub use config::{AwsCredentials, GatewayConfig, MAX_PAYLOAD_BYTES};
pub use target::{InvokeTarget, UrlStyle, invoke_target};

/// What the pipeline needs, shared by every request.
pub struct Shared {
    pub config: GatewayConfig,
    /// `config.account_id`, shared by every request's context without a copy.
    pub account_id: Arc<str>,
    pub registry: Arc<registry::Registry>,
    pub client: client::Backend,
    /// The access/execution log writer (None without `data_dir`).
    pub logs: Option<Arc<logsink::LogSink>>,
    /// Lambda authorizer results (`authorizerResultTtlInSeconds`).
    pub auth_cache: auth::cache::TtlCache<auth::lambda::LambdaResult>,
    /// Verified Cognito tokens (the authorizer's result TTL, never past `exp`).
    pub cognito_cache: auth::cache::TtlCache<auth::cognito::Verified>,
    /// Cognito user pools' keys.
    pub jwks: auth::cognito::KeyStore,
    /// `config.identities`, ready for SigV4 verification.
    pub identities: auth::iam::Identities,
    /// API keys and usage plans: the live index, buckets and quota counters.
    pub usage: Arc<usage::Usage>,
    /// Throttling shared with the other nodes (`GatewayConfig::redis`).
    pub cluster_limits: Option<Arc<cluster_limits::ClusterLimits>>,
}

/// Days since the epoch (UTC) on the gateway's clock.
pub fn today(clock: &dyn Clock) -> i64 {
    clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| (d.as_secs() / 86_400) as i64)
}

/// The data plane. Cheap to share (`Arc`); every method takes `&self`.
pub struct Gateway {
    shared: Shared,
    store: Arc<dyn Store>,
}

impl Gateway {
    /// Loads every stage from the store, compiles them, and spawns a task that recompiles on
    /// `store.watch()` changes. Must be called inside a Tokio runtime.
    pub async fn start(store: Arc<dyn Store>, config: GatewayConfig) -> Arc<Gateway> {
        let logs = config.data_dir.as_deref().and_then(|dir| {
            logsink::LogSink::start(dir)
                .map_err(|e| tracing::warn!("cannot start the log writer: {e}"))
                .ok()
                .map(Arc::new)
        });
        let registry = Arc::new(registry::Registry::with_options(registry::Options {
            cache_max_bytes: config.cache_max_bytes,
            logs: logs.clone(),
        }));
        if let Err(e) = registry.rebuild(store.as_ref()).await {
            tracing::warn!("could not load stages at start-up: {e}");
        }
        registry::Registry::spawn_watcher(Arc::downgrade(&registry), store.clone());
        let client = client::backend(config.backend_ca.as_deref(), config.clock.clone());
        let usage = Arc::new(usage::Usage::default());
        if let Err(e) = usage.rebuild(store.as_ref()).await {
            tracing::warn!("could not load API keys and usage plans: {e}");
        }
        usage
            .load_counts(store.as_ref(), today(config.clock.as_ref()))
            .await;
        {
            let clock = config.clock.clone();
            usage::spawn_flusher(Arc::downgrade(&usage), store.clone(), move || {
                today(clock.as_ref())
            });
            let (weak, store) = (Arc::downgrade(&usage), store.clone());
            let mut feed = store.watch();
            tokio::spawn(async move {
                while feed.changed().await.is_ok() {
                    feed.borrow_and_update();
                    let Some(u) = weak.upgrade() else { break };
                    if let Err(e) = u.rebuild(store.as_ref()).await {
                        tracing::warn!("could not reload API keys and usage plans: {e}");
                    }
                }
            });
        }
        let cluster_limits = config.redis.as_deref().and_then(|url| {
            cluster_limits::ClusterLimits::start(url)
                .map_err(|e| tracing::warn!("throttling stays per node: {e}"))
                .ok()
        });
        Arc::new(Gateway {
            shared: Shared {
                account_id: Arc::from(config.account_id.as_str()),
                auth_cache: Default::default(),
                jwks: Default::default(),
                cognito_cache: Default::default(),
                usage,
                cluster_limits,
                identities: auth::iam::Identities::new(&config.identities),
                config,
                registry,
                client,
                logs,
            },
            store,
        })
    }

    /// Serves one invocation. Never panics; every failure is an API Gateway gateway response.
    pub async fn handle(
        &self,
        req: http::Request<hyper::body::Incoming>,
        target: InvokeTarget,
        remote: SocketAddr,
    ) -> http::Response<Full<Bytes>> {
        self.handle_any(req, target, remote).await
    }

    /// [`Gateway::handle`] for any request body (in-process callers and tests).
    ///
    /// (Not `async fn`: it hands out the pipeline's own future, not one wrapped around it —
    /// every future level on the request path is another copy of its state per request.)
    pub fn handle_any<B>(
        &self,
        req: http::Request<B>,
        target: InvokeTarget,
        remote: SocketAddr,
    ) -> impl Future<Output = http::Response<Full<Bytes>>>
    where
        B: Body<Data = Bytes>,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        pipeline::serve(&self.shared, req, target, remote)
    }

    /// [`Gateway::handle_any`], with the headers every answer carries returned apart (an
    /// HTTP/1.1 writer writes them without a header map).
    pub fn handle_stamped<B>(
        &self,
        req: http::Request<B>,
        target: InvokeTarget,
        remote: SocketAddr,
    ) -> impl Future<Output = (http::Response<Full<Bytes>>, pipeline::Stamp)>
    where
        B: Body<Data = Bytes>,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        pipeline::serve_stamped(&self.shared, req, target, remote, None)
    }

    /// [`Gateway::handle_stamped`] with the request head as an HTTP/1.1 server received it
    /// (header names are shown in the client's case).
    pub fn handle_stamped_with_head<B>(
        &self,
        req: http::Request<B>,
        target: InvokeTarget,
        remote: SocketAddr,
        head: Option<Bytes>,
    ) -> impl Future<Output = (http::Response<Full<Bytes>>, pipeline::Stamp)>
    where
        B: Body<Data = Bytes>,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        pipeline::serve_stamped(&self.shared, req, target, remote, head)
    }

    /// TestInvokeAuthorizer: runs `authorizer` (of the current definition) for the given
    /// request, outside any deployment.
    pub async fn test_authorizer(
        &self,
        authorizer: &proscenium_model::Authorizer,
        req: &auth::test_invoke::TestRequest<'_>,
    ) -> auth::test_invoke::AuthorizerTest {
        auth::test_invoke::run(&self.shared, authorizer, req).await
    }

    /// TestInvokeMethod: runs a method of the current definition (compiled in memory, never
    /// served) for the given request.
    pub async fn test_method(
        &self,
        req: method_test::MethodTestRequest<'_>,
    ) -> Result<method_test::MethodTest, method_test::TestError> {
        method_test::run(&self.shared, req).await
    }

    /// Re-reads the store now (the watcher does this on every change; tests use it to avoid
    /// waiting for the feed).
    pub async fn reload(&self) {
        if let Err(e) = self.shared.registry.rebuild(self.store.as_ref()).await {
            tracing::warn!("could not reload stages: {e}");
        }
        if let Err(e) = self.shared.usage.rebuild(self.store.as_ref()).await {
            tracing::warn!("could not reload API keys and usage plans: {e}");
        }
    }

    /// What a request is for: a custom domain's mapping when its `Host` is a custom domain
    /// name, else one of the invoke URL forms ([`invoke_target`]); `None`: not an invocation.
    pub fn target(&self, parts: &http::request::Parts) -> Option<InvokeTarget> {
        // Read once for both: the custom domains and the invoke URL forms.
        let name = target::host_name_of(parts);
        // An empty table's tail test is one length check (no name, no tails).
        if let Some(name) = name
            && let Some(t) = self.shared.registry.domains.load().target_at(parts, name)
        {
            return Some(t);
        }
        target::invoke_target_at(parts, name.unwrap_or_default())
    }

    /// The TLS settings of the custom domain serving `server_name` (SNI): the exact name, else
    /// the wildcard covering it.
    pub fn domain_tls(&self, server_name: &str) -> Option<domains::DomainTls> {
        let domains = self.shared.registry.domains.load();
        domains.find(server_name).map(|d| d.tls.clone())
    }

    /// Number of custom domain names served.
    pub fn domain_count(&self) -> usize {
        self.shared.registry.domains.load().len()
    }

    /// The store the gateway reads.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Number of stages currently served.
    pub fn stage_count(&self) -> usize {
        self.shared.registry.stage_count()
    }

    /// Empties a stage's cache (FlushStageCache), its canary's too. Unknown stages are ignored.
    pub fn flush_stage_cache(&self, api_id: &str, stage: &str) {
        self.shared.registry.flush_cache(api_id, stage);
    }

    /// The data plane's metrics in Prometheus text format (appended to `/_proscenium/metrics`).
    pub fn render_metrics(&self) -> String {
        let mut out = metrics::render(&self.shared.registry.series_for_scrape());
        if let Some(logs) = &self.shared.logs {
            out.push_str(
                "# HELP proscenium_log_lines_dropped_total Log lines dropped because the writer was behind.\n# TYPE proscenium_log_lines_dropped_total counter\n",
            );
            out.push_str(&format!(
                "proscenium_log_lines_dropped_total {}\n",
                logs.dropped()
            ));
        }
        out
    }

    /// The last `minutes` minutes (up to 60) of a stage's traffic, ending with the current
    /// minute on the gateway's clock; None for an API or stage not served.
    pub fn traffic(&self, api_id: &str, stage: &str, minutes: usize) -> Option<traffic::Report> {
        let registry::Lookup::Found(s) = self.shared.registry.lookup(api_id, stage) else {
            return None;
        };
        let current = (
            s.deployment.deployment_id.as_str(),
            s.canary
                .as_ref()
                .map(|c| c.stage.deployment.deployment_id.as_str()),
        );
        let last = history::end_minute(self.shared.config.clock.now(), 0);
        Some(traffic::report(
            &self.shared.registry.series(),
            api_id,
            stage,
            current,
            last,
            minutes,
        ))
    }

    /// Writes every access and execution log line queued so far. Call it after in-flight
    /// requests have finished (graceful shutdown); the gateway keeps serving afterwards.
    pub async fn shutdown(&self) {
        self.shared
            .usage
            .flush(
                self.store.as_ref(),
                today(self.shared.config.clock.as_ref()),
            )
            .await;
        if let Some(logs) = &self.shared.logs {
            logs.flush().await;
        }
    }
}
