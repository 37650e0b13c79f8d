//! Access logs, execution logs, metrics and tracing headers.

use std::path::{Path, PathBuf};

use proscenium_gateway::GatewayConfig;
use proscenium_model::{AccessLogSettings, IntegrationType, MethodSetting};

use crate::support::*;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("proscenium-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

async fn logged_env(dir: &Path, format: &str) -> (Env, SeenLog) {
    let env = Env::start(GatewayConfig {
        data_dir: Some(dir.to_path_buf()),
        ..Default::default()
    })
    .await;
    let (addr, seen) = backend(|_| reply(200, &[], "{\"ok\":true}")).await;
    let mut def = api("logs");
    add_method(&mut def, "/pets", "GET", mock(200, "{\"pets\": []}"));
    add_method(
        &mut def,
        "/remote",
        "GET",
        integration(
            IntegrationType::HttpProxy,
            Some("GET"),
            Some(&format!("http://{addr}/r")),
        ),
    );
    let mut st = stage("dev", "d1");
    st.access_log_settings = Some(AccessLogSettings {
        format: Some(format.into()),
        destination_arn: Some("arn:aws:logs:us-east-1:111111111111:log-group:api-access".into()),
    });
    st.method_settings.insert(
        "*/*".into(),
        MethodSetting {
            logging_level: Some("INFO".into()),
            data_trace_enabled: true,
            ..Default::default()
        },
    );
    env.deploy(&def, "d1", st).await;
    (env, seen)
}

#[tokio::test]
async fn access_log_lines_match_the_configured_format() {
    let dir = temp_dir("access");
    let clf = "$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] \"$context.httpMethod $context.resourcePath $context.protocol\" $context.status $context.responseLength $context.requestId";
    let (env, _) = logged_env(&dir, clf).await;
    let mut ids = vec![];
    for path in ["/dev/pets", "/dev/nope", "/dev/pets"] {
        let r = env.call("GET", "logs", path, &[], "").await;
        ids.push((
            r.status,
            r.body.len(),
            r.header("x-amzn-requestid").unwrap().to_string(),
        ));
    }
    env.gateway.shutdown().await;
    let text = std::fs::read_to_string(dir.join("logs/api-access.log")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    for (line, (status, len, id)) in lines.iter().zip(&ids) {
        assert!(line.starts_with("127.0.0.1 - - ["), "{line}");
        let resource = if *status == 200 { "/pets" } else { "-" };
        let tail = format!("] \"GET {resource} HTTP/1.1\" {status} {len} {id}");
        assert!(line.ends_with(&tail), "{line} vs {tail}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn json_access_logs_and_execution_logs() {
    let dir = temp_dir("exec");
    let json = "{ \"requestId\":\"$context.requestId\", \"status\":\"$context.status\", \"integrationLatency\":\"$context.integrationLatency\", \"error\":\"$context.error.responseType\" }";
    let (env, seen) = logged_env(&dir, json).await;
    let r = env.call("GET", "logs", "/dev/remote?x=1", &[], "").await;
    assert_eq!(r.status, 200);
    assert_eq!(seen.lock().unwrap().len(), 1);
    let rid = r.header("x-amzn-requestid").unwrap().to_string();
    env.gateway.shutdown().await;
    let access = std::fs::read_to_string(dir.join("logs/api-access.log")).unwrap();
    let v: serde_json::Value = serde_json::from_str(access.trim()).unwrap();
    assert_eq!(v["requestId"], rid.as_str());
    assert_eq!(v["status"], "200");
    assert_eq!(v["error"], "-");
    assert!(
        v["integrationLatency"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    let exec =
        std::fs::read_to_string(dir.join("logs/API-Gateway-Execution-Logs_logs/dev.log")).unwrap();
    for want in [
        format!("({rid}) Extended Request Id: "),
        format!("({rid}) Starting execution for request: {rid}"),
        format!("({rid}) HTTP Method: GET, Resource Path: /remote"),
        format!("({rid}) Method request query string: {{x=1}}"),
        format!("({rid}) Endpoint request URI: http://"),
        format!("({rid}) Endpoint response body before transformations: {{\"ok\":true}}"),
        format!("({rid}) Method response body after transformations: {{\"ok\":true}}"),
        format!("({rid}) Method completed with status: 200"),
    ] {
        assert!(exec.contains(&want), "missing {want:?} in\n{exec}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn access_logs_print_what_the_request_validator_found() {
    let dir = temp_dir("validation");
    let env = Env::start(GatewayConfig {
        data_dir: Some(dir.to_path_buf()),
        ..Default::default()
    })
    .await;
    let mut def = api("vlogs");
    add_method(&mut def, "/pets", "POST", mock(200, "{}"));
    def.request_validators.insert(
        "v1".into(),
        proscenium_model::RequestValidator {
            id: "v1".into(),
            name: Some("body".into()),
            validate_request_body: true,
            validate_request_parameters: false,
        },
    );
    def.models.insert(
        "Pet".into(),
        proscenium_model::Model {
            id: "m1".into(),
            name: "Pet".into(),
            description: None,
            schema: Some(r#"{"type": "object", "required": ["name"]}"#.into()),
            content_type: "application/json".into(),
        },
    );
    let method = def
        .resources
        .values_mut()
        .find_map(|r| r.resource_methods.get_mut("POST"))
        .unwrap();
    method.request_validator_id = Some("v1".into());
    method
        .request_models
        .insert("application/json".into(), "Pet".into());
    let mut st = stage("dev", "d1");
    st.access_log_settings = Some(AccessLogSettings {
        format: Some(
            "$context.status $context.error.responseType $context.error.validationErrorString"
                .into(),
        ),
        destination_arn: Some("arn:aws:logs:us-east-1:111111111111:log-group:v".into()),
    });
    env.deploy(&def, "d1", st).await;
    let json = [("content-type", "application/json")];
    let r = env.call("POST", "vlogs", "/dev/pets", &json, "{}").await;
    assert_eq!(r.status, 400);
    let r = env
        .call("POST", "vlogs", "/dev/pets", &json, r#"{"name": "x"}"#)
        .await;
    assert_eq!(r.status, 200);
    env.gateway.shutdown().await;
    let text = std::fs::read_to_string(dir.join("logs/v.log")).unwrap();
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            r#"400 BAD_REQUEST_BODY [object has missing required properties (["name"])]"#,
            "200 - -"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_unwritable_log_directory_never_fails_a_request() {
    let dir = temp_dir("unwritable");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("logs"), "a file where the directory should be").unwrap();
    let (env, _) = logged_env(&dir, "$context.requestId").await;
    for _ in 0..3 {
        assert_eq!(
            env.call("GET", "logs", "/dev/pets", &[], "").await.status,
            200
        );
    }
    env.gateway.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn metrics_count_what_was_sent() {
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("met");
    add_method(&mut def, "/pets", "GET", mock(200, "{}"));
    add_method(
        &mut def,
        "/boom",
        "GET",
        integration(IntegrationType::Mock, None, None),
    );
    let mut st = stage("dev", "d1");
    st.method_settings.insert(
        "pets/GET".into(),
        MethodSetting {
            metrics_enabled: true,
            ..Default::default()
        },
    );
    env.deploy(&def, "d1", st).await;
    for _ in 0..5 {
        env.call("GET", "met", "/dev/pets", &[], "").await;
    }
    for _ in 0..2 {
        env.call("GET", "met", "/dev/missing", &[], "").await;
    }
    env.call("GET", "met", "/dev/boom", &[], "").await;
    let m = env.gateway.render_metrics();
    let stage_labels =
        "api_id=\"met\",api_name=\"met\",stage=\"dev\",canary=\"false\",deployment_id=\"d1\"";
    let pets = format!("{stage_labels},resource=\"/pets\",method=\"GET\"");
    for want in [
        format!("proscenium_requests_total{{{pets}}} 5"),
        format!("proscenium_requests_total{{{stage_labels}}} 3"),
        format!("proscenium_4xx_errors_total{{{stage_labels}}} 2"),
        format!("proscenium_5xx_errors_total{{{stage_labels}}} 1"),
        format!("proscenium_4xx_errors_total{{{pets}}} 0"),
        format!("proscenium_latency_seconds_count{{{pets}}} 5"),
        // MOCK calls no backend: no integration latency.
        format!("proscenium_integration_latency_seconds_count{{{pets}}} 0"),
    ] {
        assert!(m.contains(&want), "missing {want} in\n{m}");
    }
    // The last minutes say the same, per minute, and name the method.
    let t = env
        .gateway
        .traffic("met", "dev", 5)
        .expect("a served stage");
    assert_eq!(t.minute_starts.len(), 5);
    assert_eq!(t.base.total.requests, 8);
    assert_eq!(t.base.total.errors4xx, 2);
    assert_eq!(t.base.total.errors5xx, 1);
    assert_eq!(t.base.per_minute.iter().map(|c| c.requests).sum::<u64>(), 8);
    assert_eq!(t.canary.total.requests, 0);
    assert_eq!(t.methods.len(), 1);
    assert_eq!(t.methods[0].resource, "/pets");
    assert_eq!(t.methods[0].part.total.requests, 5);
    assert_eq!(t.deployments.len(), 1);
    assert_eq!(t.deployments[0].deployment_id, "d1");
    assert!(env.gateway.traffic("met", "nope", 5).is_none());
    assert!(env.gateway.traffic("nope", "dev", 5).is_none());

    // A redeploy starts new series; the first deployment keeps its counts.
    env.deploy(&def, "d2", stage("dev", "d2")).await;
    env.call("GET", "met", "/dev/pets", &[], "").await;
    let m = env.gateway.render_metrics();
    let d2 = stage_labels.replace("\"d1\"", "\"d2\"");
    for want in [
        format!("proscenium_requests_total{{{pets}}} 5"),
        format!("proscenium_requests_total{{{stage_labels}}} 3"),
        format!("proscenium_requests_total{{{d2}}} 1"),
    ] {
        assert!(m.contains(&want), "missing {want} in\n{m}");
    }
    let t = env.gateway.traffic("met", "dev", 60).unwrap();
    let deps: Vec<(&str, u64)> = t
        .deployments
        .iter()
        .map(|d| (d.deployment_id.as_str(), d.part.total.requests))
        .collect();
    assert_eq!(deps, [("d1", 8), ("d2", 1)]);
    assert_eq!(t.base.total.requests, 9);
    assert_eq!(
        t.methods.len(),
        1,
        "d1's detailed method served in the window"
    );
}

#[tokio::test]
async fn tracing_propagates_x_amzn_trace_id_and_traceparent() {
    let env = Env::start(GatewayConfig::default()).await;
    let (addr, seen) = backend(|_| reply(200, &[], "{}")).await;
    let mut def = api("tr");
    let uri = format!("http://{addr}/t");
    add_method(
        &mut def,
        "/t",
        "GET",
        integration(IntegrationType::HttpProxy, Some("GET"), Some(&uri)),
    );
    add_method(&mut def, "/m", "GET", mock(200, "{}"));
    let mut st = stage("dev", "d1");
    st.tracing_enabled = true;
    env.deploy(&def, "d1", st).await;

    let root = "Root=1-5759e988-bd862e3fe1be46a994272793";
    let r = env
        .call("GET", "tr", "/dev/t", &[("x-amzn-trace-id", root)], "")
        .await;
    assert_eq!(r.header("x-amzn-trace-id"), Some(root));
    let seen = seen.lock().unwrap()[0].clone();
    let amzn = seen.headers["x-amzn-trace-id"].to_str().unwrap();
    assert!(
        amzn.starts_with(&format!("{root};Parent=")) && amzn.ends_with(";Sampled=1"),
        "{amzn}"
    );
    let tp = seen.headers["traceparent"].to_str().unwrap();
    assert!(
        tp.starts_with("00-5759e988bd862e3fe1be46a994272793-") && tp.ends_with("-01"),
        "{tp}"
    );

    let r = env.call("GET", "tr", "/dev/m", &[], "").await;
    let t = r
        .header("x-amzn-trace-id")
        .expect("generated even for MOCK");
    assert!(
        t.starts_with("Root=1-") && t.len() == "Root=1-".len() + 8 + 1 + 24,
        "{t}"
    );
}

/// The series of a stage's previous deployments are kept, up to KEPT_DEPLOYMENTS of them.
#[tokio::test]
async fn previous_deployments_keep_their_series_up_to_a_bound() {
    use proscenium_gateway::registry::KEPT_DEPLOYMENTS;
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("many");
    add_method(&mut def, "/pets", "GET", mock(200, "{}"));
    let n = KEPT_DEPLOYMENTS + 3;
    for i in 0..n {
        let id = format!("d{i}");
        env.deploy(&def, &id, stage("dev", &id)).await;
        assert_eq!(
            env.call("GET", "many", "/dev/pets", &[], "").await.status,
            200
        );
    }
    // Drain the retired series (shown by one more scrape).
    env.gateway.render_metrics();
    let m = env.gateway.render_metrics();
    let count = |i: usize| {
        let line = format!("deployment_id=\"d{i}\"}} 1");
        m.lines()
            .filter(|l| l.starts_with("proscenium_requests_total") && l.ends_with(&line))
            .count()
    };
    for i in 0..n {
        let want = usize::from(i + KEPT_DEPLOYMENTS + 1 >= n);
        assert_eq!(count(i), want, "d{i} in\n{m}");
    }
    let t = env.gateway.traffic("many", "dev", 60).unwrap();
    assert_eq!(t.base.total.requests, KEPT_DEPLOYMENTS as u64 + 1);
}
