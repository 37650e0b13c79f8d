//! AWS_PROXY (Lambda proxy) through a fake Lambda Invoke endpoint.

use proscenium_gateway::GatewayConfig;
use proscenium_model::IntegrationType;
use serde_json::{Value, json};

use crate::support::*;

/// A fake Lambda Invoke API: the function name picks the behaviour.
async fn fake_lambda() -> (std::net::SocketAddr, SeenLog) {
    backend(|s| {
        let name = s
            .uri
            .strip_prefix("/2015-03-31/functions/")
            .and_then(|r| r.split('/').next())
            .unwrap_or_default()
            .to_string();
        match name.as_str() {
            "good" => reply(
                200,
                &[],
                &json!({
                    "statusCode": 201,
                    "headers": {"x-fn": "good", "content-type": "text/plain", "server": "fn"},
                    "multiValueHeaders": {"x-multi": ["a", "b"]},
                    "body": "hello from lambda"
                })
                .to_string(),
            ),
            "malformed" => reply(200, &[], "{\"statusCode\": 200, \"wrongValue\": 1}"),
            "crash" => reply(
                200,
                &[("x-amz-function-error", "Unhandled")],
                "{\"errorMessage\": \"boom\", \"errorType\": \"Error\"}",
            ),
            "echo" => reply(200, &[], &s.body),
            "fails" => reply(
                200,
                &[("x-amz-function-error", "Unhandled")],
                "{\"errorMessage\": \"Bad Request: missing id\", \"errorType\": \"Error\"}",
            ),
            "other-error" => reply(
                200,
                &[("x-amz-function-error", "Unhandled")],
                "{\"errorMessage\": \"something else\"}",
            ),
            "binary" => reply(
                200,
                &[],
                "{\"statusCode\": 200, \"body\": \"aGVsbG8=\", \"isBase64Encoded\": true, \"headers\": {\"content-type\": \"image/png\"}}",
            ),
            _ => reply(
                404,
                &[],
                "{\"Type\": \"User\", \"message\": \"Function not found\"}",
            ),
        }
    })
    .await
}

fn lambda_uri(function: &str) -> String {
    format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function}/invocations")
}

async fn env_with(function: &str, method: &str) -> (Env, SeenLog) {
    let (addr, seen) = fake_lambda().await;
    let config = GatewayConfig {
        account_id: "111111111111".into(),
        lambda_endpoint: Some(format!("http://{addr}")),
        ..Default::default()
    };
    let env = Env::start(config).await;
    let mut def = api("lambdaapi");
    let i = integration(
        IntegrationType::AwsProxy,
        Some(method),
        Some(&lambda_uri(function)),
    );
    add_method(&mut def, "/{proxy+}", "ANY", i);
    let mut st = stage("dev", "d1");
    st.variables.insert("fn".into(), "good".into());
    env.deploy(&def, "d1", st).await;
    (env, seen)
}

#[tokio::test]
async fn good_response_and_the_event_aws_builds() {
    let (env, seen) = env_with(
        "arn:aws:lambda:us-east-1:111111111111:function:good",
        "POST",
    )
    .await;
    let r = env
        .call(
            "POST",
            "lambdaapi",
            "/dev/proxy-value/x?urlparam=test&m=1&m=2",
            &[
                ("x-test", "v"),
                ("content-type", "application/json"),
                ("user-agent", "tests/1"),
            ],
            "{\"message\": \"hello world\"}",
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body, "hello from lambda");
    assert_eq!(r.header("x-fn"), Some("good"));
    assert_eq!(r.header("x-amzn-remapped-server"), Some("fn"));
    assert_eq!(r.header("x-multi"), Some("a, b"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert!(r.header("x-amzn-trace-id").is_some());
    r.assert_stamped();

    let call = seen.lock().unwrap().pop().unwrap();
    assert_eq!(call.method, "POST");
    assert_eq!(call.uri, "/2015-03-31/functions/good/invocations");
    let event: Value = serde_json::from_str(&call.body).unwrap();
    assert_eq!(
        keys(&event),
        [
            "resource",
            "path",
            "httpMethod",
            "headers",
            "multiValueHeaders",
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "pathParameters",
            "stageVariables",
            "requestContext",
            "body",
            "isBase64Encoded"
        ]
    );
    assert_eq!(event["resource"], "/{proxy+}");
    assert_eq!(event["path"], "/proxy-value/x");
    assert_eq!(event["httpMethod"], "POST");
    assert_eq!(event["headers"]["x-test"], "v");
    assert_eq!(event["multiValueHeaders"]["x-test"], json!(["v"]));
    assert_eq!(
        event["queryStringParameters"],
        json!({"urlparam": "test", "m": "2"})
    );
    assert_eq!(
        event["multiValueQueryStringParameters"],
        json!({"urlparam": ["test"], "m": ["1", "2"]})
    );
    assert_eq!(event["pathParameters"], json!({"proxy": "proxy-value/x"}));
    assert_eq!(event["stageVariables"], json!({"fn": "good"}));
    assert_eq!(event["body"], "{\"message\": \"hello world\"}");
    assert_eq!(event["isBase64Encoded"], false);
    let rc = &event["requestContext"];
    assert_eq!(rc["accountId"], "111111111111");
    assert_eq!(rc["apiId"], "lambdaapi");
    assert_eq!(rc["stage"], "dev");
    assert_eq!(rc["deploymentId"], "d1");
    assert_eq!(rc["resourcePath"], "/{proxy+}");
    assert_eq!(rc["httpMethod"], "POST");
    assert_eq!(rc["path"], "/dev/proxy-value/x");
    assert_eq!(rc["protocol"], "HTTP/1.1");
    assert_eq!(rc["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(rc["identity"]["userAgent"], "tests/1");
    assert_eq!(rc["requestId"], r.header("x-amzn-requestid").unwrap());
    assert_eq!(rc["domainName"], "lambdaapi.execute-api.localhost");
    assert!(rc["requestTimeEpoch"].as_u64().unwrap() > 1_600_000_000_000);
    assert!(rc["requestTime"].as_str().unwrap().ends_with(" +0000"));
    assert!(rc["resourceId"].is_string());
}

/// Keys of a JSON object, in the order they were sent.
fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[tokio::test]
async fn repeated_headers_and_parameters_and_every_member_in_aws_order() {
    let (env, seen) = env_with("${stageVariables.fn}", "POST").await;
    let r = env
        .call(
            "GET",
            "lambdaapi",
            "/dev/a/b?b=1&a=x%20y&b=3&e=",
            &[("x-rep", "one"), ("x-solo", "s"), ("x-rep", "two")],
            "",
        )
        .await;
    assert_eq!(r.status, 201);
    let raw = seen.lock().unwrap().pop().unwrap().body;
    let event: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(event["headers"]["x-rep"], "two", "the last value");
    assert_eq!(event["multiValueHeaders"]["x-rep"], json!(["one", "two"]));
    assert_eq!(event["multiValueHeaders"]["x-solo"], json!(["s"]));
    let mh = keys(&event["multiValueHeaders"]);
    let at = |k: &str| mh.iter().position(|n| *n == k).unwrap();
    assert!(
        at("x-rep") < at("x-solo"),
        "names where they first appear: {mh:?}"
    );
    assert_eq!(keys(&event["headers"]), mh);
    assert_eq!(keys(&event["queryStringParameters"]), ["b", "a", "e"]);
    assert_eq!(
        event["queryStringParameters"],
        json!({"b": "3", "a": "x y", "e": ""})
    );
    assert_eq!(
        event["multiValueQueryStringParameters"],
        json!({"b": ["1", "3"], "a": ["x y"], "e": [""]})
    );
    assert_eq!(event["pathParameters"], json!({"proxy": "a/b"}));
    assert_eq!(event["body"], Value::Null);
    let rc = &event["requestContext"];
    assert_eq!(
        keys(rc),
        [
            "resourceId",
            "resourcePath",
            "httpMethod",
            "extendedRequestId",
            "requestTime",
            "path",
            "accountId",
            "protocol",
            "stage",
            "domainPrefix",
            "requestTimeEpoch",
            "requestId",
            "identity",
            "domainName",
            "deploymentId",
            "apiId"
        ]
    );
    assert_eq!(rc["domainPrefix"], "lambdaapi");
    assert_eq!(rc["httpMethod"], "GET");
    assert_eq!(
        keys(&rc["identity"]),
        [
            "cognitoIdentityPoolId",
            "accountId",
            "cognitoIdentityId",
            "caller",
            "sourceIp",
            "principalOrgId",
            "accessKey",
            "cognitoAuthenticationType",
            "cognitoAuthenticationProvider",
            "userArn",
            "userAgent",
            "user"
        ]
    );
    for absent in [
        "caller",
        "user",
        "accessKey",
        "userAgent",
        "cognitoIdentityPoolId",
    ] {
        assert_eq!(rc["identity"][absent], Value::Null, "{absent}");
    }
    assert!(!raw.contains('\n'), "compact JSON, as AWS sends it");
}

#[tokio::test]
async fn no_query_and_no_body_are_null() {
    let (env, seen) = env_with("${stageVariables.fn}", "POST").await;
    let r = env.call("GET", "lambdaapi", "/dev/a", &[], "").await;
    assert_eq!(r.status, 201);
    let event: Value = serde_json::from_str(&seen.lock().unwrap().pop().unwrap().body).unwrap();
    assert_eq!(event["queryStringParameters"], Value::Null);
    assert_eq!(event["multiValueQueryStringParameters"], Value::Null);
    assert_eq!(event["body"], Value::Null);
}

#[tokio::test]
async fn malformed_response_is_a_502() {
    let (env, _) = env_with("malformed", "POST").await;
    let r = env.call("GET", "lambdaapi", "/dev/a", &[], "").await;
    assert_eq!(r.status, 502);
    assert_eq!(r.body, "{\"message\": \"Internal server error\"}");
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("InternalServerErrorException")
    );
}

#[tokio::test]
async fn function_error_is_a_502() {
    let (env, _) = env_with("crash", "POST").await;
    let r = env.call("GET", "lambdaapi", "/dev/a", &[], "").await;
    assert_eq!(r.status, 502);
    assert_eq!(r.body, "{\"message\": \"Internal server error\"}");
}

#[tokio::test]
async fn missing_function_and_non_post_integrations_are_500() {
    let (env, _) = env_with("absent", "POST").await;
    let r = env.call("GET", "lambdaapi", "/dev/a", &[], "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (500, "{\"message\": \"Internal server error\"}")
    );
    let (env, _) = env_with("good", "GET").await;
    let r = env.call("GET", "lambdaapi", "/dev/a", &[], "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (500, "{\"message\": \"Internal server error\"}")
    );
}

async fn env_for(def: proscenium_model::ApiDefinition) -> Env {
    let (addr, _) = fake_lambda().await;
    let config = GatewayConfig {
        lambda_endpoint: Some(format!("http://{addr}")),
        ..Default::default()
    };
    let env = Env::start(config).await;
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    env
}

#[tokio::test]
async fn aws_lambda_integration_selects_responses_by_error_message() {
    let mut def = api("awsapi");
    for (path, function) in [
        ("/ok", "echo"),
        ("/bad", "fails"),
        ("/other", "other-error"),
    ] {
        let mut i = integration(
            IntegrationType::Aws,
            Some("POST"),
            Some(&lambda_uri(function)),
        );
        i.request_templates.insert(
            "application/json".into(),
            "{\"static\": \"payload\"}".into(),
        );
        i.integration_responses
            .insert("200".into(), response("200", None));
        let mut bad = response("400", Some("Bad Request:.*"));
        bad.response_templates
            .insert("application/json".into(), "{\"err\": \"bad\"}".into());
        i.integration_responses.insert("400".into(), bad);
        add_method(&mut def, path, "GET", i);
    }
    let env = env_for(def).await;
    let r = env.call("GET", "awsapi", "/dev/ok", &[], "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "{\"static\": \"payload\"}")
    );
    let r = env.call("GET", "awsapi", "/dev/bad", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (400, "{\"err\": \"bad\"}"));
    // An error no pattern matches takes the default response, error payload and all.
    let r = env.call("GET", "awsapi", "/dev/other", &[], "").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["errorMessage"], "something else");
}

#[tokio::test]
async fn base64_bodies_are_decoded_for_binary_accept_types() {
    let mut def = api("binapi");
    def.api.binary_media_types = vec!["image/png".into()];
    let i = integration(
        IntegrationType::AwsProxy,
        Some("POST"),
        Some(&lambda_uri("binary")),
    );
    add_method(&mut def, "/img", "GET", i);
    let env = env_for(def).await;
    let r = env
        .call("GET", "binapi", "/dev/img", &[("accept", "image/png")], "")
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "hello"));
    assert_eq!(r.header("content-type"), Some("image/png"));
    let r = env.call("GET", "binapi", "/dev/img", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "aGVsbG8="));
}
