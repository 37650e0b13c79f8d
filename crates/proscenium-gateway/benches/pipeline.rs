//! The invocation pipeline in-process (`Gateway::handle_any` with a `Full` body):
//! a MOCK method on a plain stage, the same with stage throttling and detailed metrics, and
//! a cache hit. The budget: throttling and metrics add ≤ 3 % to the MOCK path; a
//! cache hit is served ≥ 0.9 × as fast as MOCK.
//!
//! `CARGO_TARGET_DIR=/work/target-gw cargo bench -p proscenium-gateway --bench pipeline`

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::Full;
use proscenium_gateway::{Gateway, GatewayConfig, invoke_target};
use proscenium_model::{
    Account, ApiDefinition, Deployment, Integration, IntegrationResponse, IntegrationType, Method,
    RestApi, Scope, Stage, ThrottleSettings,
};
use proscenium_store::{MemoryStore, StageWrite, Store};

fn scope() -> Scope {
    Scope::new("111111111111", "us-east-1")
}

fn mock_integration() -> Integration {
    let mut i: Integration = serde_json::from_value(serde_json::json!({
        "type": "MOCK",
        "timeoutInMillis": 29000,
    }))
    .expect("integration");
    i.kind = IntegrationType::Mock;
    i.request_templates
        .insert("application/json".into(), "{\"statusCode\": 200}".into());
    let mut r = IntegrationResponse {
        status_code: "200".into(),
        ..Default::default()
    };
    r.response_templates.insert(
        "application/json".into(),
        "{\"pets\": [{\"id\": 1, \"type\": \"dog\"}, {\"id\": 2, \"type\": \"cat\"}]}".into(),
    );
    i.integration_responses.insert("200".into(), r);
    i
}

fn definition(id: &str) -> ApiDefinition {
    let api: RestApi = serde_json::from_value(serde_json::json!({
        "id": id, "name": id, "createdDate": 0.0, "apiKeySource": "HEADER",
        "rootResourceId": "root", "disableExecuteApiEndpoint": false,
        "endpointConfiguration": {"types": ["REGIONAL"]},
    }))
    .expect("rest api");
    let mut def = ApiDefinition::new(api);
    def.create_resource("pets".into(), "root", "pets")
        .expect("resource");
    let method: Method = serde_json::from_value(serde_json::json!({
        "httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": false,
    }))
    .expect("method");
    let mut method = method;
    method.method_integration = Some(mock_integration());
    def.resource_mut("pets")
        .expect("pets")
        .resource_methods
        .insert("GET".into(), method);
    def
}

/// A stage from AWS's JSON shape plus `extra` members.
fn stage(extra: serde_json::Value) -> Stage {
    let mut v = serde_json::json!({
        "stageName": "dev", "deploymentId": "d1", "cacheClusterEnabled": false,
        "tracingEnabled": false, "createdDate": 0.0, "lastUpdatedDate": 0.0,
    });
    if let (Some(obj), Some(more)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in more {
            obj.insert(k.clone(), val.clone());
        }
    }
    serde_json::from_value(v).expect("stage")
}

fn setting(extra: serde_json::Value) -> serde_json::Value {
    let mut v = serde_json::json!({
        "metricsEnabled": false, "dataTraceEnabled": false,
        "throttlingBurstLimit": 5000, "throttlingRateLimit": 10000.0,
        "cachingEnabled": false, "cacheTtlInSeconds": 300, "cacheDataEncrypted": false,
        "requireAuthorizationForCacheControl": true,
        "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
    });
    if let (Some(obj), Some(more)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in more {
            obj.insert(k.clone(), val.clone());
        }
    }
    v
}

async fn gateway(api_id: &str, st: Stage) -> Arc<Gateway> {
    let store = Arc::new(MemoryStore::new());
    // High enough that the benchmark itself is never throttled.
    let account = Account {
        throttle_settings: ThrottleSettings {
            burst_limit: 1_000_000_000,
            rate_limit: 1e9,
        },
        ..Default::default()
    };
    store
        .put_account(&scope(), &account)
        .await
        .expect("account");
    let def = definition(api_id);
    store.put_api(&scope(), &def, None).await.expect("api");
    let snapshot = proscenium_model::snapshot::build("d1", &def).expect("snapshot");
    let dep = Deployment {
        id: "d1".into(),
        description: None,
        created_date: 0.0,
        api_summary: Default::default(),
    };
    store
        .create_deployment(
            &scope(),
            api_id,
            &dep,
            &snapshot,
            Some(StageWrite {
                stage: st,
                expected: None,
            }),
        )
        .await
        .expect("deploy");
    let gw = Gateway::start(store, GatewayConfig::default()).await;
    gw.reload().await;
    gw
}

fn request(api_id: &str) -> http::Request<Full<Bytes>> {
    http::Request::builder()
        .uri("/dev/pets")
        .header("host", format!("{api_id}.execute-api.localhost:4566"))
        .header("user-agent", "bench")
        .body(Full::new(Bytes::new()))
        .expect("request")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let remote: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
    let plain = rt.block_on(gateway("plain", stage(serde_json::json!({}))));
    let limited = rt.block_on(gateway(
        "limited",
        stage(serde_json::json!({"methodSettings": {
            "*/*": setting(serde_json::json!({
                "metricsEnabled": true,
                "throttlingBurstLimit": 1_000_000_000i64,
                "throttlingRateLimit": 1e9,
            })),
        }})),
    ));
    let cached = rt.block_on(gateway(
        "cached",
        stage(serde_json::json!({
            "cacheClusterEnabled": true, "cacheClusterSize": "0.5",
            "methodSettings": {"*/*": setting(serde_json::json!({"cachingEnabled": true, "cacheTtlInSeconds": 3600}))},
        })),
    ));
    let mut group = c.benchmark_group("pipeline");
    for (name, gw, api) in [
        ("mock", &plain, "plain"),
        ("mock_throttled_detailed_metrics", &limited, "limited"),
        ("cache_hit", &cached, "cached"),
    ] {
        let probe = rt.block_on(async {
            let req = request(api);
            let (parts, body) = req.into_parts();
            let target = invoke_target(&parts).expect("target");
            gw.handle_any(http::Request::from_parts(parts, body), target, remote)
                .await
        });
        assert_eq!(probe.status(), 200, "{name}");
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let req = request(api);
                    let (parts, body) = req.into_parts();
                    let target = invoke_target(&parts).expect("target");
                    gw.handle_any(http::Request::from_parts(parts, body), target, remote)
                        .await
                })
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(60);
    targets = bench
}
criterion_main!(benches);
