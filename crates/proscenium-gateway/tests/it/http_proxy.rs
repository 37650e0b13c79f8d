//! HTTP_PROXY integrations: what the backend receives and what the client gets back.

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
