//! The backend client on the wire: answers framed every way HTTP/1.1 allows, backends that
//! close kept-alive connections, answers over the size limit. The backends here are raw TCP
//! servers writing exactly the bytes under test.
#![allow(clippy::disallowed_methods)] // a test bounds its own duration

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use proscenium_gateway::GatewayConfig;
use proscenium_model::IntegrationType;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

/// What a raw backend does with one request: the bytes it writes, and whether it then
/// closes the connection.
type Script = dyn Fn(usize, &str) -> (Vec<u8>, bool) + Send + Sync;

/// A backend that reads each request (head and `Content-Length` body) and answers with
/// `script(request index on this connection, request text)`. Counts connections.
async fn raw_backend(script: Arc<Script>) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let conns = Arc::new(AtomicUsize::new(0));
    let counter = conns.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let script = script.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut n = 0;
                loop {
                    let Some(req) = read_request(&mut s, &mut buf).await else {
                        return;
                    };
                    let (bytes, close) = script(n, &req);
                    n += 1;
                    if s.write_all(&bytes).await.is_err() {
                        return;
                    }
                    if close {
                        let _ = s.shutdown().await;
                        return;
                    }
                }
            });
        }
    });
    (addr, conns)
}

async fn read_request(s: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end + 4]).into_owned();
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let all: Vec<u8> = buf.drain(..end + 4 + len).collect();
                return Some(String::from_utf8_lossy(&all).into_owned());
            }
        }
        let mut chunk = [0u8; 4096];
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

async fn proxy_env(api_id: &str, addr: SocketAddr, config: GatewayConfig) -> Env {
    let env = Env::start(config).await;
    let mut def = api(api_id);
    add_method(
        &mut def,
        "/x",
        "ANY",
        integration(
            IntegrationType::HttpProxy,
            Some("ANY"),
            Some(&format!("http://{addr}/x")),
        ),
    );
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    env
}

async fn chunked_answers_after_an_interim_100_are_decoded_and_the_connection_reused() {
    let (addr, conns) = raw_backend(Arc::new(|_, _| {
        (
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kind: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n".to_vec(),
            false,
        )
    }))
    .await;
    let env = proxy_env("chunkapi", addr, GatewayConfig::default()).await;
    for _ in 0..3 {
        let r = env.call("GET", "chunkapi", "/dev/x", &[], "").await;
        assert_eq!((r.status, r.body.as_str()), (200, "hello, world"));
        assert_eq!(r.header("x-kind"), Some("chunked"));
    }
    assert_eq!(conns.load(Ordering::SeqCst), 1);
}

async fn answers_delimited_by_close_are_read_to_the_end_and_not_reused() {
    let (addr, conns) = raw_backend(Arc::new(|_, _| {
        (
            b"HTTP/1.0 201 Created\r\nX-A: 1\r\n\r\nuntil the end".to_vec(),
            true,
        )
    }))
    .await;
    let env = proxy_env("closeapi", addr, GatewayConfig::default()).await;
    for _ in 0..2 {
        let r = env.call("GET", "closeapi", "/dev/x", &[], "").await;
        assert_eq!((r.status, r.body.as_str()), (201, "until the end"));
    }
    assert_eq!(conns.load(Ordering::SeqCst), 2);
}

async fn a_backend_closing_kept_alive_connections_silently_costs_no_request() {
    // Claims keep-alive, then closes after every answer: the pooled connection is dead
    // when the next request comes; the request goes out again on a new connection.
    let (addr, conns) = raw_backend(Arc::new(|_, req: &str| {
        let body = if req.starts_with("POST") {
            "posted"
        } else {
            "got"
        };
        (
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
            true,
        )
    }))
    .await;
    let env = proxy_env("staleapi", addr, GatewayConfig::default()).await;
    for i in 0..4 {
        let (method, want) = if i % 2 == 0 {
            ("GET", "got")
        } else {
            ("POST", "posted")
        };
        let r = env.call(method, "staleapi", "/dev/x", &[], "payload").await;
        assert_eq!((r.status, r.body.as_str()), (200, want), "request {i}");
    }
    assert_eq!(conns.load(Ordering::SeqCst), 4);
}

async fn the_request_reaches_the_backend_as_sent() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    let (addr, _) = raw_backend(Arc::new(move |_, req: &str| {
        log.lock().unwrap().push(req.to_string());
        (b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(), false)
    }))
    .await;
    let env = proxy_env("wireapi", addr, GatewayConfig::default()).await;
    let r = env
        .call(
            "PUT",
            "wireapi",
            "/dev/x?a=1&b=%20",
            &[("X-Custom", "v")],
            "{\"k\":1}",
        )
        .await;
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    let r = env.call("HEAD", "wireapi", "/dev/x", &[], "").await;
    assert_eq!(r.status, 204);
    let seen = seen.lock().unwrap();
    let put = &seen[0];
    assert!(put.starts_with("PUT /x?a=1&b=%20 HTTP/1.1\r\n"), "{put}");
    assert!(put.contains(&format!("host: {addr}\r\n")), "{put}");
    assert!(put.contains("x-custom: v\r\n"), "{put}");
    assert!(put.contains("content-length: 7\r\n"), "{put}");
    assert!(put.ends_with("\r\n\r\n{\"k\":1}"), "{put}");
    assert_eq!(put.matches("content-length").count(), 1, "{put}");
    assert!(seen[1].starts_with("HEAD /x HTTP/1.1\r\n"));
}

#[tokio::test]
async fn answers_over_the_payload_limit_are_refused() {
    let (addr, _) = raw_backend(Arc::new(|n, _| {
        let body = "x".repeat(2048);
        let answer = if n == 0 {
            format!("HTTP/1.1 200 OK\r\nContent-Length: 2048\r\n\r\n{body}")
        } else {
            format!(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n{body}\r\n0\r\n\r\n"
            )
        };
        (answer.into_bytes(), false)
    }))
    .await;
    let config = GatewayConfig {
        max_payload_bytes: 1024,
        ..GatewayConfig::default()
    };
    let env = proxy_env("bigapi", addr, config).await;
    for _ in 0..2 {
        let r = env.call("GET", "bigapi", "/dev/x", &[], "").await;
        assert_eq!(r.status, 500, "{}", r.body);
    }
}

/// A backend that answers `/slow` after `delay` and anything else at once, on kept-alive
/// connections.
async fn delaying_backend(delay: std::time::Duration) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while let Some(req) = read_request(&mut s, &mut buf).await {
                    if req.starts_with("GET /slow") {
                        tokio::time::sleep(delay).await;
                    }
                    let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                    if s.write_all(answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// A pooled connection keeps its timer between requests: each request is still given up at
/// its own deadline, earlier or later than the last one's, and a timer left armed for an
/// earlier deadline does not cut a later request short.
async fn each_request_on_a_kept_alive_connection_gets_its_own_deadline() {
    use proscenium_gateway::client::{SendError, h1};
    use std::time::Duration;
    let addr = delaying_backend(Duration::from_millis(300)).await;
    let pool = h1::Pool::new(Arc::new(proscenium_gateway::SystemClock));
    let (fast, slow): (http::Uri, http::Uri) = (
        format!("http://{addr}/fast").parse().unwrap(),
        format!("http://{addr}/slow").parse().unwrap(),
    );
    async fn send(
        pool: &h1::Pool,
        uri: &http::Uri,
        timeout_ms: u64,
    ) -> Result<h1::Answer, SendError> {
        let (headers, body) = (http::HeaderMap::new(), bytes::Bytes::new());
        let req = h1::Outgoing::plain(&http::Method::GET, uri, &headers, &body);
        let deadline = tokio::time::Instant::now() + Duration::from_millis(timeout_ms);
        pool.send(&req, 1024, deadline).await
    }
    // A short deadline arms the connection's timer for 100 ms...
    assert_eq!(send(&pool, &fast, 100).await.unwrap().status, 200);
    assert_eq!(pool.idle_count(), 1);
    // ...which has passed while this slower request (2 s allowed) is in flight: it answers.
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(send(&pool, &slow, 2_000).await.unwrap().body, "ok");
    assert_eq!(pool.idle_count(), 1, "the connection was reused");
    // A deadline earlier than the one the timer is set for still applies: the backend answers
    // after 300 ms, so a timeout (not the answer) shows the 100 ms deadline cut it short.
    assert!(matches!(
        send(&pool, &slow, 100).await,
        Err(SendError::Timeout)
    ));
    // The timed-out connection was dropped; a new one serves the next request.
    assert_eq!(pool.idle_count(), 0);
    assert_eq!(send(&pool, &fast, 29_000).await.unwrap().status, 200);
}

/// The tests above twice: each request written at once (`direct`), and queued with the
/// requests of the same turn and written through io_uring (`batched`, as `proscenium serve`
/// does with one worker; skipped, with a note, where the kernel refuses io_uring).
macro_rules! both_ways {
    ($($name:ident),* $(,)?) => {
        mod direct {
            $(#[tokio::test]
            async fn $name() {
                super::$name().await;
            })*
        }
        mod batched {
            $(#[tokio::test]
            async fn $name() {
                if let Err(e) = proscenium_uring::install() {
                    eprintln!("io_uring unavailable here ({e}): the batched variant is skipped");
                    return;
                }
                tokio::task::yield_now().await;
                super::$name().await;
                let sent = proscenium_uring::thread_stats().unwrap().sends;
                assert!(sent > 0, "the requests went through the batch");
            })*
        }
    };
}

both_ways!(
    chunked_answers_after_an_interim_100_are_decoded_and_the_connection_reused,
    answers_delimited_by_close_are_read_to_the_end_and_not_reused,
    a_backend_closing_kept_alive_connections_silently_costs_no_request,
    the_request_reaches_the_backend_as_sent,
    each_request_on_a_kept_alive_connection_gets_its_own_deadline,
);
