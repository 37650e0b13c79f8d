//! MOCK integrations, routing outcomes, URL forms and gateway responses.

use proscenium_gateway::GatewayConfig;
use proscenium_model::{GatewayResponse, IntegrationType, StringMap};

use crate::support::*;

async fn pets_env() -> Env {
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("petsapi");
    add_method(&mut def, "/pets", "GET", mock(200, "{\"pets\": []}"));
    add_method(&mut def, "/pets/{id}", "GET", mock(200, "{\"pet\": 1}"));
    env.deploy(&def, "dep1", stage("dev", "dep1")).await;
    env
}

#[tokio::test]
async fn mock_answers_with_its_template_and_aws_headers() {
    let env = pets_env().await;
    let r = env.call("GET", "petsapi", "/dev/pets", &[], "").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "{\"pets\": []}");
    assert_eq!(r.header("content-type"), Some("application/json"));
    r.assert_stamped();
    assert_eq!(
        r.header("x-amzn-trace-id"),
        None,
        "MOCK answers carry no trace id"
    );
    let r = env.call("GET", "petsapi", "/dev/pets/7/", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "{\"pet\": 1}"));
}

#[tokio::test]
async fn mock_status_selects_the_integration_response() {
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("mockapi");
    let mut i = integration(IntegrationType::Mock, None, None);
    i.request_templates
        .insert("application/json".into(), "{statusCode: 404}".into());
    i.integration_responses
        .insert("200".into(), response("200", None));
    let mut nf = response("404", Some("40\\d"));
    nf.response_parameters.insert(
        "method.response.header.X-Static".into(),
        "'static value'".into(),
    );
    nf.response_templates
        .insert("application/json".into(), "{\"error\": \"nope\"}".into());
    i.integration_responses.insert("404".into(), nf);
    add_method(&mut def, "/", "ANY", i);
    env.deploy(&def, "d1", stage("prod", "d1")).await;
    let r = env.call("DELETE", "mockapi", "/prod", &[], "").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body, "{\"error\": \"nope\"}");
    assert_eq!(r.header("x-static"), Some("static value"));
}

#[tokio::test]
async fn mock_without_a_status_code_is_an_internal_error() {
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("bare");
    let mut i = integration(IntegrationType::Mock, None, None);
    i.integration_responses
        .insert("200".into(), response("200", None));
    add_method(&mut def, "/x", "GET", i);
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    let r = env.call("GET", "bare", "/dev/x", &[], "").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.body, "{\"message\": \"Internal server error\"}");
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("InternalServerErrorException")
    );
}

#[tokio::test]
async fn unmatched_routes_are_missing_authentication_token() {
    let env = pets_env().await;
    for (method, path) in [
        ("GET", "/dev/cats"),
        ("POST", "/dev/pets"),
        ("GET", "/dev/pets/1/2"),
    ] {
        let r = env.call(method, "petsapi", path, &[], "").await;
        assert_eq!(r.status, 403, "{method} {path}");
        assert_eq!(r.body, "{\"message\":\"Missing Authentication Token\"}");
        assert_eq!(
            r.header("x-amzn-errortype"),
            Some("MissingAuthenticationTokenException")
        );
        assert_eq!(r.header("content-type"), Some("application/json"));
        r.assert_stamped();
    }
}

#[tokio::test]
async fn unknown_stage_or_api_is_forbidden() {
    let env = pets_env().await;
    for (api, path) in [
        ("petsapi", "/nope/pets"),
        ("petsapi", "/"),
        ("otherapi", "/dev/pets"),
    ] {
        let r = env.call("GET", api, path, &[], "").await;
        assert_eq!(r.status, 403, "{api} {path}");
        assert_eq!(r.body, "{\"message\":\"Forbidden\"}");
        assert_eq!(r.header("x-amzn-errortype"), Some("ForbiddenException"));
    }
    let host = format!("localhost:{}", env.addr.port());
    let r = env
        .call_raw("GET", &host, "/_aws/execute-api/petsapi/nope/pets", &[], "")
        .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (403, "{\"message\":\"Forbidden\"}")
    );
}

#[tokio::test]
async fn path_style_urls_reach_the_stage() {
    let env = pets_env().await;
    let host = format!("localhost:{}", env.addr.port());
    let r = env
        .call_raw("GET", &host, "/_aws/execute-api/petsapi/dev/pets", &[], "")
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "{\"pets\": []}"));
    let r = env
        .call_raw(
            "GET",
            &host,
            "/restapis/petsapi/dev/_user_request_/pets/3",
            &[],
            "",
        )
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "{\"pet\": 1}"));
    let r = env
        .call_raw("GET", &host, "/restapis/petsapi/stages", &[], "")
        .await;
    assert_eq!((r.status, r.body.as_str()), (404, "management"));
}

#[tokio::test]
async fn customised_gateway_responses_are_served_as_deployed() {
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("custom");
    add_method(&mut def, "/x", "GET", mock(200, "ok"));
    let mut params = StringMap::new();
    params.insert(
        "gatewayresponse.header.Access-Control-Allow-Origin".into(),
        "'*'".into(),
    );
    let mut templates = StringMap::new();
    templates.insert(
        "application/json".into(),
        "{\"error\":$context.error.messageString,\"type\":\"$context.error.responseType\"}".into(),
    );
    def.gateway_responses.insert(
        "MISSING_AUTHENTICATION_TOKEN".into(),
        GatewayResponse {
            response_type: "MISSING_AUTHENTICATION_TOKEN".into(),
            status_code: Some("404".into()),
            response_parameters: params,
            response_templates: templates,
            default_response: false,
        },
    );
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    let r = env.call("GET", "custom", "/dev/nothing", &[], "").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        r.json(),
        serde_json::json!({"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"})
    );
}

#[tokio::test]
async fn hostile_paths_get_gateway_responses() {
    let env = pets_env().await;
    let r = env
        .call("GET", "petsapi", "/dev/pets/%E2%28%ZZ%", &[], "")
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "{\"pet\": 1}"));
    let deep = "/x".repeat(2000);
    let r = env
        .call("GET", "petsapi", &format!("/dev{deep}"), &[], "")
        .await;
    assert_eq!(r.status, 403);
    let r = env
        .call("GET", "petsapi", "/dev/pets/%2F%2F", &[], "")
        .await;
    assert_eq!(r.status, 200);
    let r = env
        .call("GET", "petsapi", "/dev/pets?%%=%&a=%ff", &[], "")
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn request_validators_check_required_parameters_and_json_bodies() {
    let env = Env::start(GatewayConfig::default()).await;
    let mut def = api("valapi");
    add_method(&mut def, "/v/{issuer}", "POST", mock(200, "valid"));
    def.request_validators.insert(
        "val1".into(),
        proscenium_model::RequestValidator {
            id: "val1".into(),
            name: Some("all".into()),
            validate_request_body: true,
            validate_request_parameters: true,
        },
    );
    let resource = def
        .resources
        .values_mut()
        .find(|r| r.path == "/v/{issuer}")
        .unwrap();
    let method = resource.resource_methods.get_mut("POST").unwrap();
    method.request_validator_id = Some("val1".into());
    for p in [
        "method.request.header.x-header-param",
        "method.request.path.issuer",
        "method.request.querystring.qs1",
    ] {
        method.request_parameters.insert(p.into(), true);
    }
    method
        .request_parameters
        .insert("method.request.querystring.optional".into(), false);
    method
        .request_models
        .insert("application/json".into(), "testSchema".into());
    def.models.insert(
        "testSchema".into(),
        proscenium_model::Model {
            id: "m1".into(),
            name: "testSchema".into(),
            description: None,
            schema: Some(r#"{"type": "object"}"#.into()),
            content_type: "application/json".into(),
        },
    );
    env.deploy(&def, "d1", stage("dev", "d1")).await;

    let r = env.call("POST", "valapi", "/dev/v/me", &[], "{}").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        "{\"message\":\"Missing required request parameters: [x-header-param, qs1]\"}"
    );
    assert_eq!(r.header("x-amzn-errortype"), Some("BadRequestException"));
    let ok_headers = [
        ("x-header-param", "1"),
        ("content-type", "application/json"),
    ];
    let r = env
        .call("POST", "valapi", "/dev/v/me?qs1=a", &ok_headers, "not json")
        .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, "{\"message\":\"Invalid request body\"}")
    );
    let r = env
        .call(
            "POST",
            "valapi",
            "/dev/v/me?qs1=a",
            &ok_headers,
            "{\"a\": 1}",
        )
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "valid"));
}

#[tokio::test]
async fn a_disabled_execute_api_endpoint_is_forbidden_once_deployed() {
    let env = pets_env().await;
    let mut def = api("petsapi");
    add_method(&mut def, "/pets", "GET", mock(200, "{\"pets\": []}"));
    def.api.disable_execute_api_endpoint = true;
    env.put_api(&def).await;
    env.gateway.reload().await;
    assert_eq!(
        env.call("GET", "petsapi", "/dev/pets", &[], "")
            .await
            .status,
        200
    );
    env.deploy(&def, "d2", stage("dev", "d2")).await;
    let r = env.call("GET", "petsapi", "/dev/pets", &[], "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (403, "{\"message\":\"Forbidden\"}")
    );
}
