//! HTTP (non-proxy) integrations: parameter mappings and integration response selection.

use proscenium_gateway::GatewayConfig;
use proscenium_model::IntegrationType;

use crate::support::*;

#[tokio::test]
async fn request_parameters_are_mapped_into_the_integration_request() {
    let (backend_addr, seen) = backend(|_| reply(200, &[], "{\"ok\": true}")).await;
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("mapapi");
    let mut i = integration(
        IntegrationType::Http,
        Some("POST"),
        Some(&format!("http://{backend_addr}/items/{{itemId}}")),
    );
    for (k, v) in [
        ("integration.request.path.itemId", "method.request.path.id"),
        (
            "integration.request.querystring.q",
            "method.request.querystring.search",
        ),
        (
            "integration.request.querystring.all",
            "method.request.multivaluequerystring.tag",
        ),
        ("integration.request.header.X-Env", "stageVariables.env"),
        ("integration.request.header.X-Stage", "context.stage"),
        ("integration.request.header.X-Literal", "'fixed'"),
        (
            "integration.request.header.X-From-Client",
            "method.request.header.x-client",
        ),
    ] {
        i.request_parameters.insert(k.into(), v.into());
    }
    i.integration_responses
        .insert("200".into(), response("200", None));
    add_method(&mut def, "/things/{id}", "GET", i);
    let mut st = stage("test", "d1");
    st.variables.insert("env".into(), "staging".into());
    env.deploy(&def, "d1", st).await;

    let r = env
        .call(
            "GET",
            "mapapi",
            "/test/things/a%20b?search=cats&tag=x&tag=y&ignored=1",
            &[("x-client", "c1"), ("accept", "text/html")],
            "",
        )
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "{\"ok\": true}"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let s = seen.lock().unwrap().pop().unwrap();
    assert_eq!(s.method, "POST");
    assert_eq!(s.uri, "/items/a%20b?all=x&all=y&q=cats");
    assert_eq!(s.headers["x-env"], "staging");
    assert_eq!(s.headers["x-stage"], "test");
    assert_eq!(s.headers["x-literal"], "fixed");
    assert_eq!(s.headers["x-from-client"], "c1");
    assert_eq!(s.headers["user-agent"], "AmazonAPIGateway_mapapi");
    assert_eq!(s.headers["accept"], "application/json");
    assert!(
        !s.headers.contains_key("content-type"),
        "no body, no Content-Type"
    );
    assert!(
        !s.headers.contains_key("x-client"),
        "non-proxy HTTP does not forward client headers"
    );
}

#[tokio::test]
async fn selection_pattern_picks_the_response_by_backend_status() {
    let (backend_addr, _) = backend(|s| {
        let code = s.uri.trim_start_matches("/status/").parse().unwrap_or(200);
        reply(code, &[("x-backend", "b")], "{\"backend\": true}")
    })
    .await;
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("selapi");
    let mut i = integration(
        IntegrationType::Http,
        Some("GET"),
        Some(&format!("http://{backend_addr}/status/{{code}}")),
    );
    i.request_parameters.insert(
        "integration.request.path.code".into(),
        "method.request.path.code".into(),
    );
    i.integration_responses
        .insert("200".into(), response("200", None));
    let mut client_error = response("400", Some("4\\d{2}"));
    client_error.response_parameters.insert(
        "method.response.header.X-Backend".into(),
        "integration.response.header.x-backend".into(),
    );
    client_error
        .response_templates
        .insert("application/json".into(), "{\"error\": \"client\"}".into());
    i.integration_responses.insert("400".into(), client_error);
    add_method(&mut def, "/s/{code}", "GET", i);
    env.deploy(&def, "d1", stage("dev", "d1")).await;

    let r = env.call("GET", "selapi", "/dev/s/404", &[], "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, "{\"error\": \"client\"}")
    );
    assert_eq!(r.header("x-backend"), Some("b"));
    let r = env.call("GET", "selapi", "/dev/s/200", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "{\"backend\": true}"));
    assert_eq!(r.header("x-backend"), None);
    // A status no pattern matches gets the default response (AWS answers 200).
    let r = env.call("GET", "selapi", "/dev/s/503", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "{\"backend\": true}"));
}
