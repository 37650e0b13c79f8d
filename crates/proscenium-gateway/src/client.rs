//! The pooled HTTP/1.1 client for backends (HTTP integrations and the Lambda Invoke API):
//! keep-alive connections reused across requests, a per-call timeout, a size cap on answers.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub type Backend = Client<HttpConnector, Full<Bytes>>;

/// A client with a keep-alive pool.
pub fn backend() -> Backend {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(Duration::from_secs(10)));
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(512)
        .build(connector)
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("timed out")]
    Timeout,
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("bad response body: {0}")]
    Body(String),
}

/// Sends `req` and reads the whole answer (at most `limit` bytes) within `timeout`.
pub async fn send(
    client: &Backend,
    req: http::Request<Full<Bytes>>,
    timeout: Duration,
    limit: usize,
) -> Result<(http::response::Parts, Bytes), SendError> {
    let call = async {
        let resp = client
            .request(req)
            .await
            .map_err(|e| SendError::Connect(format!("{e:?}")))?;
        let (parts, body) = resp.into_parts();
        let bytes = Limited::new(body, limit)
            .collect()
            .await
            .map_err(|e| SendError::Body(e.to_string()))?
            .to_bytes();
        Ok((parts, bytes))
    };
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or(Err(SendError::Timeout))
}
