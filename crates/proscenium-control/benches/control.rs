//! Control-plane benchmarks: CreateDeployment of a 1 000-resource × 3-method API through the
//! real router and the SQLite store (fsync included), and UpdateStage patch application.
//!
//! `cargo bench -p proscenium-control --bench control`

use std::sync::Arc;

use axum::body::Body;
use criterion::{Criterion, criterion_group, criterion_main};
use proscenium_control::ControlState;
use proscenium_control::patch::{self, stage::apply};
use proscenium_model::{ApiDefinition, Method, RestApi, Scope, Stage};
use proscenium_store::{SqliteStore, Store};
use tower::ServiceExt;

fn big_api(resources: usize) -> ApiDefinition {
    let mut def = ApiDefinition::new(RestApi::new("benchapi01", "bench", "rootrootro"));
    let integration: proscenium_model::Integration = serde_json::from_value(serde_json::json!({
        "type": "MOCK", "timeoutInMillis": 29000,
        "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "integrationResponses": {"200": {"statusCode": "200", "responseTemplates": {"application/json": "{\"ok\": true}"}}}
    }))
    .expect("integration");
    for i in 0..resources {
        let id = format!("r{i:05}");
        let parent = if i % 10 == 0 {
            "rootrootro".to_string()
        } else {
            format!("r{:05}", i - i % 10)
        };
        def.create_resource(id.clone(), &parent, &format!("p{i}"))
            .expect("resource");
        let r = def.resources.get_mut(&id).expect("just created");
        for m in ["GET", "POST", "DELETE"] {
            r.resource_methods.insert(
                m.into(),
                Method {
                    http_method: m.into(),
                    authorization_type: "NONE".into(),
                    authorizer_id: None,
                    api_key_required: false,
                    request_validator_id: None,
                    operation_name: None,
                    request_parameters: Default::default(),
                    request_models: Default::default(),
                    method_responses: Default::default(),
                    method_integration: Some(integration.clone()),
                    authorization_scopes: None,
                },
            );
        }
    }
    def
}

fn create_deployment(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join("state.db")).expect("store"));
    let scope = Scope::new("000000000000", "us-east-1");
    let def = big_api(1000);
    rt.block_on(store.put_api(&scope, &def, None)).expect("put");
    let router = proscenium_control::router(ControlState::new(store, "000000000000"));
    let mut group = c.benchmark_group("control");
    group.sample_size(20);
    group.bench_function("create_deployment_1000_resources_x3_methods", |b| {
        b.to_async(&rt).iter(|| {
            let router = router.clone();
            async move {
                let req = axum::http::Request::post("/restapis/benchapi01/deployments")
                    .header("content-type", "application/json")
                    .body(Body::from("{\"description\":\"bench\"}"))
                    .expect("request");
                let resp = router.oneshot(req).await.expect("infallible");
                assert_eq!(resp.status(), 201);
            }
        })
    });
    let mut stage: Stage = serde_json::from_value(serde_json::json!({
        "stageName": "dev", "deploymentId": "d1", "cacheClusterEnabled": false,
        "tracingEnabled": false, "createdDate": 1.0, "lastUpdatedDate": 1.0
    }))
    .expect("stage");
    let body = axum::body::Bytes::from(
        r#"{"patchOperations":[{"op":"replace","path":"/*/*/throttling/rateLimit","value":"100"},{"op":"replace","path":"/~1pets~1{id}/GET/caching/enabled","value":"true"},{"op":"replace","path":"/variables/host","value":"127.0.0.1:9000"},{"op":"replace","path":"/canarySettings/percentTraffic","value":"10"}]}"#,
    );
    group.bench_function("update_stage_patch_parse_and_apply_4_ops", |b| {
        b.iter(|| {
            let ops = patch::parse(&body, "updateStageInput").expect("parse");
            apply(&mut stage, &ops, &|_| true).expect("apply");
        })
    });
    group.finish();
}

criterion_group!(benches, create_deployment);
criterion_main!(benches);
