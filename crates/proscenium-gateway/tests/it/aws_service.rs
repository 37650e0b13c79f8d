//! AWS service integrations: requests signed for the ARN's service and region at the injected
//! clock's time, checked with the SigV4 verifier as a service would.

use std::collections::HashMap;
use std::sync::Arc;

use proscenium_gateway::{AwsCredentials, GatewayConfig, ManualClock};
use proscenium_model::IntegrationType;
use proscenium_sigv4::{RequestParts, SecretKey, verify};

use crate::support::*;

const NOW: u64 = 1_700_000_000;

/// Verifies what a backend saw as the service would, at `NOW`.
fn verified(s: &Seen) -> proscenium_sigv4::VerifiedCaller {
    let pairs: Vec<(&str, &str)> = s
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
        .collect();
    let (path, query) = s.uri.split_once('?').unwrap_or((&s.uri, ""));
    let req = RequestParts {
        method: &s.method,
        path,
        query,
        headers: &pairs,
    };
    let keys = HashMap::from([("AKIT".to_string(), SecretKey::new("it-secret"))]);
    verify(&req, s.body.as_bytes(), NOW, &keys).expect("signature verifies")
}

async fn env_with(endpoint: Option<String>, uri: &str, method: &str) -> Env {
    let config = GatewayConfig {
        aws_endpoint: endpoint,
        aws_credentials: AwsCredentials {
            access_key_id: "AKIT".into(),
            secret_access_key: "it-secret".into(),
            session_token: Some("tok".into()),
        },
        clock: Arc::new(ManualClock::new(NOW)),
        ..Default::default()
    };
    let env = Env::start(config).await;
    let mut def = api("awsapi");
    let mut i = integration(IntegrationType::Aws, Some(method), Some(uri));
    i.request_templates.insert(
        "application/json".into(),
        "Action=SendMessage&MessageBody=$input.body".into(),
    );
    i.integration_responses
        .insert("200".into(), response("200", None));
    i.integration_responses
        .insert("400".into(), response("400", Some("4\\d{2}")));
    add_method(&mut def, "/{id}", "POST", i);
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    env
}

#[tokio::test]
async fn path_integration_is_signed_at_the_injected_time() {
    let (addr, seen) = backend(|s| {
        let status = if s.uri.contains("missing") { 400 } else { 200 };
        reply(status, &[], "{\"sent\": true}")
    })
    .await;
    let env = env_with(
        Some(format!("http://{addr}/")),
        "arn:aws:apigateway:eu-central-1:sqs:path/111111111111/{id}",
        "POST",
    )
    .await;
    let r = env
        .call(
            "POST",
            "awsapi",
            "/dev/jobs",
            &[("content-type", "application/json")],
            "hi",
        )
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "{\"sent\": true}"));
    let s = seen.lock().unwrap().pop().unwrap();
    assert_eq!(
        (s.method.as_str(), s.uri.as_str()),
        ("POST", "/111111111111/jobs")
    );
    assert_eq!(s.body, "Action=SendMessage&MessageBody=hi");
    assert_eq!(s.headers["x-amz-date"], "20231114T221320Z");
    assert_eq!(s.headers["x-amz-security-token"], "tok");
    assert_eq!(s.headers["host"], addr.to_string());
    let caller = verified(&s);
    assert_eq!(
        (caller.service.as_str(), caller.region.as_str()),
        ("sqs", "eu-central-1")
    );

    let r = env
        .call(
            "POST",
            "awsapi",
            "/dev/missing",
            &[("content-type", "application/json")],
            "x",
        )
        .await;
    assert_eq!(r.status, 400, "selected by the service's status");
}

#[tokio::test]
async fn s3_is_path_style_with_a_content_hash() {
    let (addr, seen) = backend(|_| reply(200, &[], "")).await;
    let env = env_with(
        Some(format!("http://{addr}")),
        "arn:aws:apigateway:us-east-1:my-bucket.s3:path/uploads/{id}",
        "PUT",
    )
    .await;
    let r = env
        .call(
            "POST",
            "awsapi",
            "/dev/a%20b.txt",
            &[("content-type", "application/json")],
            "x",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let s = seen.lock().unwrap().pop().unwrap();
    assert_eq!(
        (s.method.as_str(), s.uri.as_str()),
        ("PUT", "/my-bucket/uploads/a%20b.txt")
    );
    assert_eq!(
        s.headers["x-amz-content-sha256"],
        proscenium_sigv4::sha256_hex(s.body.as_bytes())
    );
    let auth = s.headers["authorization"].to_str().unwrap();
    assert!(auth.contains("/us-east-1/s3/aws4_request"), "{auth}");
    assert!(auth.contains("x-amz-content-sha256"), "{auth}");
}

#[tokio::test]
async fn without_an_endpoint_the_method_answers_500() {
    let env = env_with(None, "arn:aws:apigateway:us-east-1:sqs:path/1/q", "POST").await;
    let r = env
        .call(
            "POST",
            "awsapi",
            "/dev/x",
            &[("content-type", "application/json")],
            "{}",
        )
        .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (500, "{\"message\": \"Internal server error\"}")
    );
}
