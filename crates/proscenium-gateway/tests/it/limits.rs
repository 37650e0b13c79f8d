//! AWS's limits: the 10 MB payload cap.

use proscenium_gateway::{GatewayConfig, MAX_PAYLOAD_BYTES};

use crate::support::*;

async fn echo_env(config: GatewayConfig) -> Env {
    let env = Env::start(config).await;
    let mut def = api("bigapi");
    add_method(&mut def, "/up", "POST", mock(200, "{\"ok\": 1}"));
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    env
}

#[tokio::test]
async fn bodies_over_10_mb_are_413() {
    let env = echo_env(GatewayConfig::default()).await;
    let body = "x".repeat(MAX_PAYLOAD_BYTES + 1);
    let r = env.call("POST", "bigapi", "/dev/up", &[], &body).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.body, "{\"message\":\"Request Too Long\"}");
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("RequestTooLargeException")
    );
    let body = "x".repeat(1024 * 1024);
    let r = env.call("POST", "bigapi", "/dev/up", &[], &body).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn chunked_bodies_over_the_limit_are_413() {
    let env = echo_env(GatewayConfig {
        max_payload_bytes: 1000,
        ..Default::default()
    })
    .await;
    // A body without Content-Length is counted as it is read.
    let body = Chunks(
        (0..4)
            .map(|_| bytes::Bytes::from(vec![b'y'; 400]))
            .collect(),
    );
    let req = http::Request::builder()
        .method("POST")
        .uri(format!("http://{}/dev/up", env.addr))
        .header("host", "bigapi.execute-api.localhost")
        .body(body)
        .unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let resp = client.request(req).await.unwrap();
    assert_eq!(resp.status(), 413);
}

/// A body sent in chunks, without a Content-Length.
struct Chunks(std::collections::VecDeque<bytes::Bytes>);

impl hyper::body::Body for Chunks {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<bytes::Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.0.pop_front().map(|b| Ok(hyper::body::Frame::data(b))))
    }
}
