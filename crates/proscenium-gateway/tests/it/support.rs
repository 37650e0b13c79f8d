//! Test fixtures: API definitions, a MemoryStore-backed gateway served on a loopback socket,
//! backends (an echo HTTP server, a fake Lambda Invoke endpoint) and a small client.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use proscenium_gateway::{Gateway, GatewayConfig, invoke_target};
use proscenium_model::{
    ApiDefinition, Deployment, Integration, IntegrationResponse, IntegrationType, Method, RestApi,
    Scope, Stage, StringMap,
};
use proscenium_store::{MemoryStore, StageWrite, Store};
use serde_json::Value;
use tokio::net::TcpListener;

pub fn scope() -> Scope {
    Scope::new("111111111111", "us-east-1")
}

pub fn api(id: &str) -> ApiDefinition {
    ApiDefinition::new(RestApi::new(id, id, "root"))
}

pub fn integration(kind: IntegrationType, method: Option<&str>, uri: Option<&str>) -> Integration {
    Integration {
        kind,
        http_method: method.map(str::to_string),
        uri: uri.map(str::to_string),
        connection_type: None,
        connection_id: None,
        credentials: None,
        request_parameters: StringMap::new(),
        request_templates: StringMap::new(),
        passthrough_behavior: None,
        content_handling: None,
        timeout_in_millis: 29_000,
        cache_namespace: None,
        cache_key_parameters: vec![],
        integration_responses: BTreeMap::new(),
        tls_config: None,
        response_transfer_mode: None,
        integration_target: None,
    }
}

pub fn response(status: &str, pattern: Option<&str>) -> IntegrationResponse {
    IntegrationResponse {
        status_code: status.into(),
        selection_pattern: pattern.map(str::to_string),
        ..Default::default()
    }
}

pub fn mock(status: u16, body: &str) -> Integration {
    let mut i = integration(IntegrationType::Mock, None, None);
    i.request_templates.insert(
        "application/json".into(),
        format!("{{\"statusCode\": {status}}}"),
    );
    let mut r = response(&status.to_string(), None);
    r.response_templates
        .insert("application/json".into(), body.into());
    i.integration_responses.insert(status.to_string(), r);
    i
}

/// Adds `method` at `path` (creating the resources on the way).
pub fn add_method(def: &mut ApiDefinition, path: &str, method: &str, integration: Integration) {
    let mut parent = def.api.root_resource_id.clone();
    let mut so_far = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        so_far.push('/');
        so_far.push_str(part);
        let existing = def
            .resources
            .values()
            .find(|r| r.path == so_far)
            .map(|r| r.id.clone());
        parent = match existing {
            Some(id) => id,
            None => {
                let id = format!("res{}", def.resources.len());
                def.create_resource(id.clone(), &parent, part).unwrap();
                id
            }
        };
    }
    let resource = def.resource_mut(&parent).unwrap();
    resource.resource_methods.insert(
        method.into(),
        Method {
            http_method: method.into(),
            authorization_type: "NONE".into(),
            authorizer_id: None,
            api_key_required: false,
            request_validator_id: None,
            operation_name: None,
            request_parameters: Default::default(),
            request_models: Default::default(),
            method_responses: Default::default(),
            method_integration: Some(integration),
            authorization_scopes: None,
        },
    );
}

pub fn stage(name: &str, deployment: &str) -> Stage {
    Stage {
        stage_name: name.into(),
        deployment_id: deployment.into(),
        client_certificate_id: None,
        description: None,
        cache_cluster_enabled: false,
        cache_cluster_size: None,
        method_settings: BTreeMap::new(),
        variables: StringMap::new(),
        documentation_version: None,
        access_log_settings: None,
        canary_settings: None,
        tracing_enabled: false,
        web_acl_arn: None,
        tags: StringMap::new(),
        created_date: 0.0,
        last_updated_date: 0.0,
        cache_flush_generation: 0,
        authorizer_flush_generation: 0,
    }
}

/// A store, a gateway on a loopback socket, and a client.
pub struct Env {
    pub store: Arc<MemoryStore>,
    pub gateway: Arc<Gateway>,
    pub addr: SocketAddr,
    pub client: Client<HttpConnector, Full<Bytes>>,
}

impl Env {
    pub async fn start(config: GatewayConfig) -> Env {
        let store = Arc::new(MemoryStore::new());
        let gateway = Gateway::start(store.clone(), config).await;
        let addr = serve_gateway(gateway.clone()).await;
        Env {
            store,
            gateway,
            addr,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Stores `def` (new or replacing) without deploying.
    pub async fn put_api(&self, def: &ApiDefinition) {
        let expected = self
            .store
            .get_api(&scope(), &def.api.id)
            .await
            .ok()
            .map(|v| v.revision);
        self.store.put_api(&scope(), def, expected).await.unwrap();
    }

    /// Stores `def`, deploys it as `deployment_id` and points `stage` at it (creating it).
    pub async fn deploy(&self, def: &ApiDefinition, deployment_id: &str, stage: Stage) {
        self.put_api(def).await;
        let snapshot = proscenium_model::snapshot::build(deployment_id, def).unwrap();
        let deployment = Deployment {
            id: deployment_id.into(),
            description: None,
            created_date: 0.0,
            api_summary: Default::default(),
        };
        let expected = self
            .store
            .get_stage(&scope(), &def.api.id, &stage.stage_name)
            .await
            .ok()
            .map(|v| v.revision);
        self.store
            .create_deployment(
                &scope(),
                &def.api.id,
                &deployment,
                &snapshot,
                Some(StageWrite { stage, expected }),
            )
            .await
            .unwrap();
        self.gateway.reload().await;
    }

    /// Rewrites a stage (e.g. points it at another deployment).
    pub async fn put_stage(&self, api_id: &str, stage: Stage) {
        let expected = self
            .store
            .get_stage(&scope(), api_id, &stage.stage_name)
            .await
            .ok()
            .map(|v| v.revision);
        self.store
            .put_stage(&scope(), api_id, StageWrite { stage, expected })
            .await
            .unwrap();
        self.gateway.reload().await;
    }

    /// Sends a request with host-style addressing (`{api}.execute-api.localhost`).
    pub async fn call(
        &self,
        method: &str,
        api: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        let host = format!("{api}.execute-api.localhost:{}", self.addr.port());
        self.call_raw(method, &host, path, headers, body).await
    }

    pub async fn call_raw(
        &self,
        method: &str,
        host: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        let mut b = http::Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr))
            .header("host", host);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = b.body(Full::new(Bytes::from(body.to_string()))).unwrap();
        let resp = self.client.request(req).await.unwrap();
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        Reply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// Asserts the AWS envelope headers every answer carries.
    pub fn assert_stamped(&self) {
        let rid = self.header("x-amzn-requestid").expect("x-amzn-RequestId");
        assert_eq!(rid.len(), 36, "{rid}");
        assert_eq!(self.header("x-amz-apigw-id").map(str::len), Some(16));
    }
}

/// Serves the gateway as the server crate will: invocations to `Gateway::handle`, the rest 404.
pub async fn serve_gateway(gateway: Arc<Gateway>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, remote)) = listener.accept().await else {
                continue;
            };
            let gateway = gateway.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: http::Request<Incoming>| {
                    let gateway = gateway.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let resp = match invoke_target(&parts) {
                            Some(target) => {
                                gateway
                                    .handle(http::Request::from_parts(parts, body), target, remote)
                                    .await
                            }
                            None => {
                                let mut r = http::Response::new(Full::new(Bytes::from_static(
                                    b"management",
                                )));
                                *r.status_mut() = http::StatusCode::NOT_FOUND;
                                r
                            }
                        };
                        Ok::<_, Infallible>(resp)
                    }
                });
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    addr
}

/// What a test backend saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    pub headers: http::HeaderMap,
    pub body: String,
}

pub type SeenLog = Arc<Mutex<Vec<Seen>>>;

/// Starts a backend on 127.0.0.1 that records each request and answers with `reply`.
pub async fn backend<F>(reply: F) -> (SocketAddr, SeenLog)
where
    F: Fn(&Seen) -> http::Response<Full<Bytes>> + Send + Sync + 'static,
{
    let (addr, log, _) = counting_backend(reply).await;
    (addr, log)
}

/// [`backend`], also counting the TCP connections it accepted.
pub async fn counting_backend<F>(reply: F) -> (SocketAddr, SeenLog, Arc<AtomicUsize>)
where
    F: Fn(&Seen) -> http::Response<Full<Bytes>> + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log: SeenLog = Arc::default();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    let reply = Arc::new(reply);
    let seen_log = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            let reply = reply.clone();
            let log = seen_log.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: http::Request<Incoming>| {
                    let reply = reply.clone();
                    let log = log.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|c| c.to_bytes())
                            .unwrap_or_default();
                        let seen = Seen {
                            method: parts.method.to_string(),
                            uri: parts.uri.to_string(),
                            headers: parts.headers,
                            body: String::from_utf8_lossy(&body).into_owned(),
                        };
                        if let Some(ms) = seen
                            .uri
                            .strip_prefix("/sleep/")
                            .and_then(|s| s.parse::<u64>().ok())
                        {
                            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                        }
                        let resp = reply(&seen);
                        log.lock().unwrap().push(seen);
                        Ok::<_, Infallible>(resp)
                    }
                });
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (addr, log, connections)
}

pub fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> http::Response<Full<Bytes>> {
    let mut r = http::Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
    for (k, v) in headers {
        r.headers_mut().append(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            http::HeaderValue::from_str(v).unwrap(),
        );
    }
    r
}
