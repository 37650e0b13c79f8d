//! Shared set-up of the pipeline benchmarks: a MemoryStore with one MOCK method (`GET
//! /pets`) deployed to stage `dev` of a given API, and in-process requests to it. Stages
//! are built from AWS's JSON shape so the same code compiles against older models.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use proscenium_gateway::{Gateway, GatewayConfig, invoke_target};
use proscenium_model::{
    Account, ApiDefinition, Deployment, Integration, IntegrationResponse, IntegrationType, Method,
    RestApi, Scope, Stage, ThrottleSettings,
};
use proscenium_store::{MemoryStore, StageWrite, Store};

pub fn scope() -> Scope {
    Scope::new("111111111111", "us-east-1")
}

pub fn mock_integration() -> Integration {
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

pub fn definition(id: &str) -> ApiDefinition {
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
pub fn stage(extra: serde_json::Value) -> Stage {
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

pub fn setting(extra: serde_json::Value) -> serde_json::Value {
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

pub async fn gateway(api_id: &str, st: Stage) -> Arc<Gateway> {
    gateway_with(api_id, definition(api_id), st, GatewayConfig::default()).await
}

/// [`gateway`] serving `def` (whose id is `api_id`) with `config`.
pub async fn gateway_with(
    api_id: &str,
    def: ApiDefinition,
    st: Stage,
    config: GatewayConfig,
) -> Arc<Gateway> {
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
    let gw = Gateway::start(store, config).await;
    gw.reload().await;
    gw
}

pub fn request(api_id: &str) -> http::Request<Full<Bytes>> {
    request_with(api_id, "")
}

/// A request with an `Authorization` header (none when empty).
pub fn request_with(api_id: &str, authorization: &str) -> http::Request<Full<Bytes>> {
    let mut b = http::Request::builder()
        .uri("/dev/pets")
        .header("host", format!("{api_id}.execute-api.localhost:4566"))
        .header("user-agent", "bench");
    if !authorization.is_empty() {
        b = b.header("authorization", authorization);
    }
    b.body(Full::new(Bytes::new())).expect("request")
}

/// The three variants: (name, API id, stage).
pub fn variants() -> Vec<(&'static str, &'static str, Stage)> {
    vec![
        ("mock", "plain", stage(serde_json::json!({}))),
        (
            "mock_throttled_detailed_metrics",
            "limited",
            stage(serde_json::json!({"methodSettings": {
                "*/*": setting(serde_json::json!({
                    "metricsEnabled": true,
                    "throttlingBurstLimit": 1_000_000_000i64,
                    "throttlingRateLimit": 1e9,
                })),
            }})),
        ),
        (
            "cache_hit",
            "cached",
            stage(serde_json::json!({
                "cacheClusterEnabled": true, "cacheClusterSize": "0.5",
                "methodSettings": {"*/*": setting(serde_json::json!({
                    "cachingEnabled": true, "cacheTtlInSeconds": 3600,
                    "throttlingBurstLimit": 1_000_000_000i64, "throttlingRateLimit": 1e9,
                }))},
            })),
        ),
    ]
}

/// One in-process invocation; returns the status.
pub async fn invoke(gw: &Gateway, api: &str, remote: SocketAddr) -> u16 {
    invoke_with(gw, api, "", remote).await
}

/// [`invoke`] with an `Authorization` header.
pub async fn invoke_with(gw: &Gateway, api: &str, authorization: &str, remote: SocketAddr) -> u16 {
    let (parts, body) = request_with(api, authorization).into_parts();
    let Some(target) = invoke_target(&parts) else {
        return 0;
    };
    gw.handle_any(http::Request::from_parts(parts, body), target, remote)
        .await
        .status()
        .as_u16()
}

/// [`invoke_with`], except that for API `keyed` the value goes in `x-api-key`.
pub async fn invoke_keyed(gw: &Gateway, api: &str, auth: &str, remote: SocketAddr) -> u16 {
    if api != "keyed" {
        return invoke_with(gw, api, auth, remote).await;
    }
    let req = http::Request::builder()
        .uri("/dev/pets")
        .header("host", format!("{api}.execute-api.localhost:4566"))
        .header("user-agent", "bench")
        .header("authorization", "allow")
        .header("x-api-key", auth)
        .body(Full::new(Bytes::new()))
        .expect("request");
    let (parts, body) = req.into_parts();
    let Some(target) = invoke_target(&parts) else {
        return 0;
    };
    gw.handle_any(http::Request::from_parts(parts, body), target, remote)
        .await
        .status()
        .as_u16()
}
