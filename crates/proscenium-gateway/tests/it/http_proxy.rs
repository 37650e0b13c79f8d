//! HTTP_PROXY integrations: what the backend receives and what the client gets back.
#![allow(clippy::disallowed_methods)] // a test bounds its own duration

use proscenium_gateway::GatewayConfig;
use proscenium_model::IntegrationType;

use crate::support::*;

#[tokio::test]
async fn forwards_method_path_query_headers_and_body() {
    let (backend_addr, seen) = backend(|_| {
        reply(
            201,
            &[
                ("x-backend", "yes"),
                ("content-type", "text/plain"),
                ("server", "tiny"),
            ],
            "created",
        )
    })
    .await;
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("proxyapi");
    let mut i = integration(
        IntegrationType::HttpProxy,
        Some("ANY"),
        Some(&format!("http://{backend_addr}/base/{{proxy}}")),
    );
    i.request_parameters.insert(
        "integration.request.path.proxy".into(),
        "method.request.path.proxy".into(),
    );
    i.request_parameters.insert(
        "integration.request.header.X-Mapped".into(),
        "'mapped'".into(),
    );
    add_method(&mut def, "/{proxy+}", "ANY", i);
    env.deploy(&def, "d1", stage("dev", "d1")).await;

    let r = env
        .call(
            "PUT",
            "proxyapi",
            "/dev/a/b%20c/d?x=1&x=2&y=z",
            &[
                ("x-client", "hello"),
                ("content-type", "application/json"),
                ("connection", "keep-alive"),
            ],
            "{\"n\": 1}",
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body, "created");
    assert_eq!(r.header("x-backend"), Some("yes"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(r.header("x-amzn-remapped-server"), Some("tiny"));
    assert!(r.header("x-amzn-remapped-date").is_some());
    assert!(r.header("x-amzn-trace-id").unwrap().starts_with("Root=1-"));
    r.assert_stamped();

    let seen = seen.lock().unwrap().pop().unwrap();
    assert_eq!(seen.method, "PUT");
    assert_eq!(seen.uri, "/base/a/b%20c/d?x=1&x=2&y=z");
    assert_eq!(seen.body, "{\"n\": 1}");
    assert_eq!(seen.headers["x-client"], "hello");
    assert_eq!(seen.headers["x-mapped"], "mapped");
    assert_eq!(seen.headers["x-amzn-apigateway-api-id"], "proxyapi");
    assert_eq!(seen.headers["x-forwarded-for"], "127.0.0.1");
    assert_eq!(seen.headers["host"], backend_addr.to_string());
}

#[tokio::test]
async fn status_codes_and_stage_variables_pass_through() {
    let (backend_addr, seen) = backend(|s| {
        let code = s.uri.trim_start_matches("/status/").parse().unwrap_or(200);
        reply(code, &[], "{\"from\": \"backend\"}")
    })
    .await;
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("svapi");
    let i = integration(
        IntegrationType::HttpProxy,
        Some("GET"),
        Some("http://${stageVariables.backend}/status/{code}"),
    );
    add_method(&mut def, "/s/{code}", "GET", i);
    let mut st = stage("dev", "d1");
    st.variables
        .insert("backend".into(), backend_addr.to_string());
    env.deploy(&def, "d1", st).await;
    let r = env.call("GET", "svapi", "/dev/s/418", &[], "").await;
    assert_eq!(r.status, 418);
    assert_eq!(r.body, "{\"from\": \"backend\"}");
    assert_eq!(seen.lock().unwrap().last().unwrap().uri, "/status/418");
}

#[tokio::test]
async fn unreachable_backend_is_an_internal_server_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("deadapi");
    add_method(
        &mut def,
        "/x",
        "GET",
        integration(
            IntegrationType::HttpProxy,
            Some("GET"),
            Some(&format!("http://127.0.0.1:{port}/")),
        ),
    );
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    let r = env.call("GET", "deadapi", "/dev/x", &[], "").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.body, "{\"message\": \"Internal server error\"}");
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("InternalServerErrorException")
    );
    r.assert_stamped();
}

#[tokio::test]
async fn slow_backend_times_out_with_504() {
    let (backend_addr, _) = backend(|_| reply(200, &[], "late")).await;
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("slowapi");
    let mut i = integration(
        IntegrationType::HttpProxy,
        Some("GET"),
        Some(&format!("http://{backend_addr}/sleep/2000")),
    );
    i.timeout_in_millis = 100;
    add_method(&mut def, "/x", "GET", i);
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    let started = std::time::Instant::now();
    let r = env.call("GET", "slowapi", "/dev/x", &[], "").await;
    assert!(started.elapsed() < std::time::Duration::from_millis(1500));
    assert_eq!(r.status, 504);
    assert_eq!(r.body, "{\"message\": \"Endpoint request timed out\"}");
}

#[tokio::test]
async fn backend_connections_are_pooled_and_kept_alive() {
    let (backend_addr, _, connections) = counting_backend(|_| reply(200, &[], "pong")).await;
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("poolapi");
    add_method(
        &mut def,
        "/ping",
        "GET",
        integration(
            IntegrationType::HttpProxy,
            Some("GET"),
            Some(&format!("http://{backend_addr}/ping")),
        ),
    );
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    for _ in 0..10 {
        let r = env.call("GET", "poolapi", "/dev/ping", &[], "").await;
        assert_eq!((r.status, r.body.as_str()), (200, "pong"));
    }
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_redeploy_does_not_fail_the_request_in_flight() {
    let (backend_addr, _) = backend(|_| reply(200, &[], "from the old deployment")).await;
    let env = std::sync::Arc::new(Env::start(GatewayConfig::default()).await);
    let mut old = api("swapapi");
    add_method(
        &mut old,
        "/x",
        "GET",
        integration(
            IntegrationType::HttpProxy,
            Some("GET"),
            Some(&format!("http://{backend_addr}/sleep/300")),
        ),
    );
    env.deploy(&old, "d1", stage("dev", "d1")).await;
    let in_flight = {
        let env = env.clone();
        tokio::spawn(async move { env.call("GET", "swapapi", "/dev/x", &[], "").await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let mut new = api("swapapi");
    add_method(&mut new, "/x", "GET", mock(200, "from the new deployment"));
    env.deploy(&new, "d2", stage("dev", "d2")).await;
    let next = env.call("GET", "swapapi", "/dev/x", &[], "").await;
    assert_eq!(next.body, "from the new deployment");
    let first = in_flight.await.unwrap();
    assert_eq!(
        (first.status, first.body.as_str()),
        (200, "from the old deployment")
    );
}

#[tokio::test]
async fn clients_may_speak_http2() {
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("h2api");
    add_method(&mut def, "/x", "GET", mock(200, "over h2"));
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .http2_only(true)
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let req = http::Request::builder()
        .uri(format!(
            "http://h2api.execute-api.localhost:{}/dev/x",
            env.addr.port()
        ))
        .body(http_body_util::Empty::new())
        .unwrap();
    let mut parts = req.into_parts();
    parts.0.uri = format!("http://{}/dev/x", env.addr).parse().unwrap();
    parts
        .0
        .headers
        .insert("host", "h2api.execute-api.localhost".parse().unwrap());
    let resp = client
        .request(http::Request::from_parts(parts.0, parts.1))
        .await
        .unwrap();
    assert_eq!(resp.version(), http::Version::HTTP_2);
    assert_eq!(resp.status(), 200);
    use http_body_util::BodyExt;
    assert_eq!(
        resp.into_body().collect().await.unwrap().to_bytes(),
        "over h2"
    );
}

#[tokio::test]
async fn a_backend_sending_garbage_gets_a_gateway_response() {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let _ = s
                .write_all(b"\x00\x01garbage that is not HTTP\r\n\r\n")
                .await;
            let _ = s.shutdown().await;
        }
    });
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("garbageapi");
    add_method(
        &mut def,
        "/x",
        "GET",
        integration(
            IntegrationType::HttpProxy,
            Some("GET"),
            Some(&format!("http://{addr}/")),
        ),
    );
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    let r = env.call("GET", "garbageapi", "/dev/x", &[], "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (500, "{\"message\": \"Internal server error\"}")
    );
}

#[tokio::test]
async fn a_misconfigured_method_fails_alone() {
    let (backend_addr, _) = backend(|_| reply(200, &[], "fine")).await;
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("brokenapi");
    let mut broken = integration(
        IntegrationType::Http,
        Some("GET"),
        Some(&format!("http://{backend_addr}/")),
    );
    broken
        .integration_responses
        .insert("200".into(), response("200", Some("(unclosed")));
    add_method(&mut def, "/broken", "GET", broken);
    add_method(
        &mut def,
        "/fine",
        "GET",
        integration(
            IntegrationType::HttpProxy,
            Some("GET"),
            Some(&format!("http://{backend_addr}/")),
        ),
    );
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    let r = env.call("GET", "brokenapi", "/dev/broken", &[], "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (500, "{\"message\": \"Internal server error\"}")
    );
    let r = env.call("GET", "brokenapi", "/dev/fine", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "fine"));
}
