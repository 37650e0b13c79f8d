//! The access phase's budgets (issue #15), measured interleaved like `ratios`:
//! - a MOCK method behind a Lambda TOKEN authorizer whose answer is cached, against the same
//!   method with `NONE` (budget: ≥ 0.9 × as fast);
//! - a MOCK method in an API with a 10-statement resource policy (budget: ≤ 2 µs added);
//! - a MOCK method with `apiKeyRequired` and a usage plan (throttle and quota) against the
//!   same method without (issue #16's budget: ≥ 0.9 × as fast);
//! - a MOCK method behind a Cognito authorizer (every request verifies the JWT with a cached
//!   key), and the JWT verification alone (budget: ≤ 20 µs).
//!
//! The authorizer function and the pool's JWKS are served by a small HTTP responder on
//! 127.0.0.1 in this process (called once each: the authorizer's answer and the keys are
//! cached).
//!
//! `cargo bench -p proscenium-gateway --bench access`
#![allow(clippy::disallowed_methods)] // benchmarks time themselves

#[path = "common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::time::Instant;

use base64::Engine;
use proscenium_gateway::GatewayConfig;
use proscenium_gateway::auth::cognito;
use proscenium_model::Authorizer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ROUNDS: usize = 40;
const BATCH: usize = 2000;
const POOL: &str = "us-east-1_bench";

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// A JWT signed with the bench key, and the key's JWKS.
fn token_and_jwks(issuer: &str) -> (String, String) {
    let der = include_bytes!("data/jwt-rsa2048.der");
    let key = aws_lc_rs::signature::RsaKeyPair::from_der(der).expect("rsa key");
    let header = b64(br#"{"alg":"RS256","kid":"k1"}"#);
    let claims = serde_json::json!({
        "sub": "bench-user", "iss": issuer, "token_use": "id", "exp": 4_000_000_000u64,
        "email": "bench@example.com", "cognito:username": "bench",
    });
    let payload = b64(claims.to_string().as_bytes());
    let input = format!("{header}.{payload}");
    let mut sig = vec![0; key.public_modulus_len()];
    key.sign(
        &aws_lc_rs::signature::RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .expect("sign");
    let public = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(
        aws_lc_rs::signature::KeyPair::public_key(&key),
    );
    let (n, e) = (&public.n, &public.e);
    let jwks = serde_json::json!({"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256",
        "n": b64(n), "e": b64(e)}]});
    (format!("{input}.{}", b64(&sig)), jwks.to_string())
}

/// Answers every POST with an Allow-all authorizer answer and every GET with `jwks`.
async fn responder(jwks: String) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let jwks = jwks.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16384];
                let mut got = 0;
                loop {
                    let Ok(n) = sock.read(&mut buf[got..]).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    got += n;
                    if let Some(end) = buf[..got].windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        while got < end + 4 + len {
                            match sock.read(&mut buf[got..]).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => got += n,
                            }
                        }
                        let body = if head.starts_with("get") {
                            jwks
                        } else {
                            r#"{"principalId":"bench","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]},"context":{"team":"blue"}}"#.to_string()
                        };
                        let out = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = sock.write_all(out.as_bytes()).await;
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// A key in a plan of stage `dev` of API `keyed`, with a throttle and a quota far above
/// what the benchmark sends.
async fn add_key_and_plan(gw: &proscenium_gateway::Gateway, value: &str) {
    let store = gw.store();
    let s = common::scope();
    let key: proscenium_model::ApiKey = serde_json::from_value(serde_json::json!({
        "id": "k1", "value": value, "name": "bench", "enabled": true,
        "createdDate": 0.0, "lastUpdatedDate": 0.0,
    }))
    .expect("key");
    store.put_api_key(&s, &key).await.expect("key");
    let plan: proscenium_model::UsagePlan = serde_json::from_value(serde_json::json!({
        "id": "p1", "name": "bench",
        "apiStages": [{"apiId": "keyed", "stage": "dev"}],
        "throttle": {"burstLimit": 1_000_000_000i64, "rateLimit": 1e9},
        "quota": {"limit": 1_000_000_000i64, "offset": 0, "period": "MONTH"},
        "keyIds": ["k1"],
    }))
    .expect("plan");
    store.put_usage_plan(&s, &plan).await.expect("plan");
    gw.reload().await;
}

fn authorizer(kind: &str) -> Authorizer {
    serde_json::from_value(serde_json::json!({
        "id": "az1", "name": "bench", "type": kind,
        "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111111111111:function:auth/invocations",
        "identitySource": "method.request.header.Authorization",
        "authorizerResultTtlInSeconds": 300,
        "providerARNs": [format!("arn:aws:cognito-idp:us-east-1:111111111111:userpool/{POOL}")],
    }))
    .expect("authorizer")
}

fn with_auth(api: &str, auth_type: &str, kind: &str) -> proscenium_model::ApiDefinition {
    let mut def = common::definition(api);
    def.authorizers.insert("az1".into(), authorizer(kind));
    let m = def
        .resource_mut("pets")
        .expect("pets")
        .resource_methods
        .get_mut("GET")
        .expect("GET");
    m.authorization_type = auth_type.into();
    m.authorizer_id = Some("az1".into());
    def
}

/// A policy of ten statements; the last one allows.
fn ten_statement_policy() -> String {
    let mut statements: Vec<serde_json::Value> = (0..9)
        .map(|i| {
            serde_json::json!({"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
                "Resource": format!("execute-api:/*/POST/other{i}/*"),
                "Condition": {"IpAddress": {"aws:SourceIp": [format!("10.{i}.0.0/16")]}}})
        })
        .collect();
    statements.push(serde_json::json!({"Effect": "Allow", "Principal": "*",
        "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
        "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}}));
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let remote: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
    let placeholder = "http://127.0.0.1:1";
    let (_, jwks) = token_and_jwks(placeholder);
    let addr = rt.block_on(responder(jwks));
    let endpoint = format!("http://{addr}");
    let (token, _) = token_and_jwks(&format!("{endpoint}/{POOL}"));
    let config = GatewayConfig {
        lambda_endpoint: Some(endpoint.clone()),
        cognito_endpoint: Some(endpoint.clone()),
        ..GatewayConfig::default()
    };
    let stage = common::stage(serde_json::json!({}));
    let mut policy_def = common::definition("policy");
    policy_def.api.policy = Some(ten_statement_policy());
    let mut keyed_def = common::definition("keyed");
    keyed_def
        .resource_mut("pets")
        .expect("pets")
        .resource_methods
        .get_mut("GET")
        .expect("GET")
        .api_key_required = true;
    let mut variants = vec![
        ("mock (NONE)", "plain", "allow", common::definition("plain")),
        (
            "mock, cached TOKEN authorizer",
            "token",
            "allow",
            with_auth("token", "CUSTOM", "TOKEN"),
        ),
        (
            "mock, 10-statement resource policy",
            "policy",
            "allow",
            policy_def,
        ),
        (
            "mock, Cognito (JWT verified)",
            "cognito",
            token.as_str(),
            with_auth("cognito", "COGNITO_USER_POOLS", "COGNITO_USER_POOLS"),
        ),
    ];
    let key_value = "benchkeybenchkeybenchkeybenchkey";
    variants.push(("mock, API key + usage plan", "keyed", key_value, keyed_def));
    let variants: Vec<_> = variants
        .into_iter()
        .map(|(name, api, auth, def)| {
            let gw = rt.block_on(common::gateway_with(
                api,
                def,
                stage.clone(),
                config.clone(),
            ));
            if api == "keyed" {
                rt.block_on(add_key_and_plan(&gw, key_value));
            }
            let status = rt.block_on(common::invoke_keyed(&gw, api, auth, remote));
            assert_eq!(status, 200, "{name}");
            (name, api, auth, gw)
        })
        .collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    for round in 0..ROUNDS {
        for k in 0..variants.len() {
            let i = (k + round) % variants.len();
            let (_, api, auth, gw) = &variants[i];
            let started = Instant::now();
            let ok = rt.block_on(async {
                let mut ok = 0;
                for _ in 0..BATCH {
                    ok += usize::from(common::invoke_keyed(gw, api, auth, remote).await == 200);
                }
                ok
            });
            let per = started.elapsed().as_nanos() as f64 / BATCH as f64;
            assert_eq!(ok, BATCH, "every request answered 200");
            if round >= 5 {
                samples[i].push(per);
            }
        }
    }
    let stats: Vec<(f64, f64)> = samples
        .iter_mut()
        .map(|s| {
            s.sort_by(f64::total_cmp);
            (s[0], s[s.len() / 2])
        })
        .collect();
    for ((name, _, _, _), (min, median)) in variants.iter().zip(&stats) {
        println!("{name:<38} min {min:>8.0} ns   median {median:>8.0} ns");
    }
    let (mock_min, mock_med) = stats[0];
    println!(
        "cached authorizer speed / NONE         min {:.3}   median {:.3}",
        mock_min / stats[1].0,
        mock_med / stats[1].1
    );
    println!(
        "resource policy (10 statements) adds   min {:.0} ns   median {:.0} ns",
        stats[2].0 - mock_min,
        stats[2].1 - mock_med
    );
    println!(
        "Cognito request adds                   min {:.0} ns   median {:.0} ns",
        stats[3].0 - mock_min,
        stats[3].1 - mock_med
    );
    println!(
        "API key + plan speed / none            min {:.3}   median {:.3}",
        mock_min / stats[4].0,
        mock_med / stats[4].1
    );

    // The JWT verification alone: decode, RS256 signature, claims.
    let (token, jwks) = token_and_jwks("http://issuer/pool");
    let keys = cognito::parse_jwks(jwks.as_bytes(), 0).expect("jwks");
    let key = keys.keys.get("k1").expect("k1").clone();
    let issuers = vec!["http://issuer/pool".to_string()];
    // Timed in the thread's own CPU time, so that other processes on the machine do not
    // count (the figures are the fastest of 20 batches of 500).
    let mut per_verify = Vec::new();
    for _ in 0..20 {
        let started = thread_cpu_nanos();
        for _ in 0..500 {
            let t = cognito::decode(&token).expect("decode");
            assert!(cognito::verify_signature(&t, &key));
            cognito::check_claims(&t, &issuers, &[], 1_800_000_000).expect("claims");
        }
        per_verify.push((thread_cpu_nanos() - started) as f64 / 500.0);
    }
    per_verify.sort_by(f64::total_cmp);
    println!(
        "JWT verify (decode + RS256 + claims)   CPU min {:.0} ns   median {:.0} ns",
        per_verify[0],
        per_verify[per_verify.len() / 2]
    );
    // The RS256 signature alone (aws-lc), and the rest (base64, JSON, claims).
    let t = cognito::decode(&token).expect("decode");
    let mut per_rsa = Vec::new();
    for _ in 0..20 {
        let started = thread_cpu_nanos();
        for _ in 0..500 {
            assert!(cognito::verify_signature(&t, &key));
        }
        per_rsa.push((thread_cpu_nanos() - started) as f64 / 500.0);
    }
    per_rsa.sort_by(f64::total_cmp);
    println!(
        "  of which the RS256 signature (aws-lc)  CPU min {:.0} ns   median {:.0} ns",
        per_rsa[0],
        per_rsa[per_rsa.len() / 2]
    );
}

/// The calling thread's CPU time so far (Linux's scheduler statistics, in nanoseconds).
fn thread_cpu_nanos() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat")
}
