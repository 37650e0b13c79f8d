"""TestInvokeMethod through the real binary: methods of the current, undeployed definition run
with boto3 and the AWS CLI against backends and a Lambda Invoke endpoint on 127.0.0.1; the
answer's status, body, headers and AWS's execution log text (shape from AWS recordings:
"Execution log for request …" then "<Java date> : <line>" lines ending in a newline)."""

from __future__ import annotations

import json
import re

import pytest

from e2e_helpers import EchoBackend as Backend
from e2e_helpers import (ProsceniumServer, backend_certificate, expect_error, lambda_handler,
                         make_client, serve_http, serve_mutual_tls, served_address,
                         server_with_lambda, unique_name)

LAMBDA_URI = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
              "arn:aws:lambda:us-east-1:000000000000:function:{name}/invocations")
STAMP = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d UTC \d{4} : ")


def _answer(name: str, event: dict) -> dict:
    """The function `proxy` answers as a Lambda proxy function; any other echoes the event."""
    if name == "proxy":
        return {"statusCode": 201, "headers": {"x-fn": "proxy"},
                "body": json.dumps({"path": event.get("path")})}
    return {"got": event}


FakeLambda = lambda_handler(_answer)


@pytest.fixture(scope="module")
def backend():
    yield from served_address(Backend)


@pytest.fixture(scope="module")
def gw():
    yield from server_with_lambda(FakeLambda)


@pytest.fixture(scope="module")
def c(gw):
    return make_client(gw.endpoint)


def new_api(c):
    api = c.create_rest_api(name=unique_name("tim"))
    root = c.get_resources(restApiId=api["id"])["items"][0]["id"]
    return api["id"], root


def log_lines(log: str, request_id_line=True) -> list[str]:
    """The log's lines without their date stamps (each stamped line is checked)."""
    lines = log.split("\n")
    assert lines[-1] == "", "the log ends with a newline"
    assert re.fullmatch(r"Execution log for request [0-9a-f-]{36}", lines[0]), lines[0]
    out = []
    for line in lines[1:-1]:
        assert STAMP.match(line), line
        out.append(STAMP.sub("", line))
    return out


def test_mock_method_answers_as_aws_records(c):
    api_id, root = new_api(c)
    res = c.create_resource(restApiId=api_id, parentId=root, pathPart="pets")["id"]
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType="NONE")
    c.put_method_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200")
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": 200}'})
    c.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="GET",
                               statusCode="200", selectionPattern="",
                               responseTemplates={"application/json": '{"pets": "all the pets"}'})
    # Never deployed: the test runs the current definition.
    out = c.test_invoke_method(restApiId=api_id, resourceId=res, httpMethod="GET",
                               pathWithQueryString="/pets")
    assert out["status"] == 200
    assert json.loads(out["body"]) == {"pets": "all the pets"}
    assert out["headers"] == {"Content-Type": "application/json"}
    assert out["multiValueHeaders"] == {"Content-Type": ["application/json"]}
    assert isinstance(out["latency"], int) and out["latency"] >= 0
    rid = out["log"].split("\n")[0].rsplit(" ", 1)[1]
    assert log_lines(out["log"]) == [
        f"Starting execution for request: {rid}",
        "HTTP Method: GET, Resource Path: /pets",
        "Method request path: {}",
        "Method request query string: {}",
        "Method request headers: {}",
        "Method request body before transformations: ",
        'Method response body after transformations: {"pets": "all the pets"}',
        "Method response headers: {Content-Type=application/json}",
        "Successfully completed execution",
        "Method completed with status: 200",
    ]
    # A path the resource does not match still runs the method (as AWS does).
    out = c.test_invoke_method(restApiId=api_id, resourceId=res, httpMethod="GET",
                               pathWithQueryString="/random/test")
    assert out["status"] == 200
    assert "HTTP Method: GET, Resource Path: /random/test" in log_lines(out["log"])
    # A change is seen by the next test without a deployment.
    c.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="GET",
                               statusCode="200", selectionPattern="",
                               responseTemplates={"application/json": '{"pets": "none"}'})
    out = c.test_invoke_method(restApiId=api_id, resourceId=res, httpMethod="GET")
    assert json.loads(out["body"]) == {"pets": "none"}


def test_http_integration_with_template_path_query_headers_and_stage_variables(c, backend):
    api_id, root = new_api(c)
    items = c.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    res = c.create_resource(restApiId=api_id, parentId=items, pathPart="{id}")["id"]
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="POST", authorizationType="NONE",
                 requestParameters={"method.request.path.id": True,
                                    "method.request.querystring.q": False,
                                    "method.request.header.x-in": False})
    c.put_method_response(restApiId=api_id, resourceId=res, httpMethod="POST", statusCode="200",
                          responseParameters={"method.response.header.x-out": False})
    template = ('{"id": "$input.params(\'id\')", "q": "$input.params(\'q\')", '
                '"name": $input.json(\'$.name\'), "stage": "$context.stage"}')
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="POST", type="HTTP",
                      integrationHttpMethod="PUT",
                      uri="http://" + backend + "/${stageVariables.prefix}/{id}",
                      requestParameters={"integration.request.path.id": "method.request.path.id",
                                         "integration.request.header.x-fwd": "method.request.header.x-in"},
                      requestTemplates={"application/json": template})
    c.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="POST",
                               statusCode="200", selectionPattern="",
                               responseParameters={"method.response.header.x-out": "integration.response.header.x-backend"},
                               responseTemplates={"application/json": '{"seen": $input.json(\'$.body\')}'})
    Backend.received.clear()
    out = c.test_invoke_method(restApiId=api_id, resourceId=res, httpMethod="POST",
                               pathWithQueryString="/items/42?q=search",
                               headers={"Content-Type": "application/json", "x-in": "hello"},
                               body='{"name": "rex"}', stageVariables={"prefix": "v1"})
    assert out["status"] == 200, out
    method, path, body, headers = Backend.received[-1]
    assert (method, path) == ("PUT", "/v1/42")
    assert json.loads(body) == {"id": "42", "q": "search", "name": "rex",
                                "stage": "test-invoke-stage"}
    assert headers["x-fwd"] == "hello"
    assert json.loads(json.loads(out["body"])["seen"]) == json.loads(body)
    assert out["headers"]["X-Out"] == "yes"
    lines = log_lines(out["log"])
    uri = f"http://{backend}/v1/42"
    assert lines[1] == "HTTP Method: POST, Resource Path: /items/42"
    assert lines[2] == "Method request path: {id=42}"
    assert lines[3] == "Method request query string: {q=search}"
    assert "x-in=hello" in lines[4] and lines[4].startswith("Method request headers: {")
    # Names as the caller wrote them, as AWS's log prints them.
    assert "Content-Type=application/json" in lines[4], lines[4]
    assert lines[5] == 'Method request body before transformations: {"name": "rex"}'
    assert lines[6] == f"Endpoint request URI: {uri}"
    assert lines[7].startswith("Endpoint request headers: {") and "x-fwd=hello" in lines[7]
    assert lines[8] == "Endpoint request body after transformations: " + body
    assert lines[9] == f"Sending request to {uri}"
    assert re.fullmatch(r"Received response\. Status: 200, Integration latency: \d+ ms", lines[10])
    assert lines[11].startswith("Endpoint response headers: {") and "x-backend=yes" in lines[11]
    assert lines[12].startswith("Endpoint response body before transformations: {")
    assert lines[13].startswith("Method response body after transformations: {\"seen\"")
    assert lines[14].startswith("Method response headers: {") and "X-Out=yes" in lines[14]
    assert lines[15:] == ["Successfully completed execution", "Method completed with status: 200"]


def test_http_proxy_passes_the_backend_answer(c, backend):
    api_id, root = new_api(c)
    res = c.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="ANY", authorizationType="NONE",
                 requestParameters={"method.request.path.proxy": True})
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="ANY", type="HTTP_PROXY",
                      integrationHttpMethod="ANY", uri=f"http://{backend}/{{proxy}}",
                      requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
    out = c.test_invoke_method(restApiId=api_id, resourceId=res, httpMethod="ANY",
                               pathWithQueryString="/status/404/deep?x=1")
    assert out["status"] == 404
    assert out["headers"]["X-Backend"] == "yes"
    assert json.loads(out["body"])["path"] == "/status/404/deep?x=1"
    lines = log_lines(out["log"])
    assert "Method request path: {proxy=status/404/deep}" in lines
    assert lines[-1] == "Method completed with status: 404"


def test_lambda_proxy_and_lambda(c, gw):
    api_id, root = new_api(c)
    res = c.create_resource(restApiId=api_id, parentId=root, pathPart="fn")["id"]
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="AWS_PROXY",
                      integrationHttpMethod="POST", uri=LAMBDA_URI.format(name="proxy"))
    FakeLambda.events.clear()
    out = c.test_invoke_method(restApiId=api_id, resourceId=res, httpMethod="GET",
                               pathWithQueryString="/fn?a=b", stageVariables={"color": "red"})
    assert out["status"] == 201
    assert json.loads(out["body"]) == {"path": "/fn"}
    assert out["headers"]["X-Fn"] == "proxy"
    assert out["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")
    event = FakeLambda.events[-1]
    assert event["requestContext"]["stage"] == "test-invoke-stage"
    assert event["stageVariables"] == {"color": "red"}
    assert event["queryStringParameters"] == {"a": "b"}
    lines = log_lines(out["log"])
    assert any(l.startswith("Endpoint request URI: http://127.0.0.1:")
               and l.endswith("proxy/invocations") for l in lines)
    assert lines[-2:] == ["Successfully completed execution", "Method completed with status: 201"]

    # Lambda (non-proxy) with a request template and the default integration response.
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="POST", authorizationType="NONE")
    c.put_method_response(restApiId=api_id, resourceId=res, httpMethod="POST", statusCode="200")
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="POST", type="AWS",
                      integrationHttpMethod="POST", uri=LAMBDA_URI.format(name="plain"),
                      requestTemplates={"application/json": '{"n": $input.json(\'$.n\')}'})
    c.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="POST",
                               statusCode="200", selectionPattern="")
    out = c.test_invoke_method(restApiId=api_id, resourceId=res, httpMethod="POST",
                               body='{"n": 7}', headers={"Content-Type": "application/json"})
    assert out["status"] == 200, out
    assert json.loads(out["body"]) == {"got": {"n": 7}}
    assert "Endpoint request body after transformations: {\"n\": 7}" in log_lines(out["log"])


def test_failures_are_logged_as_aws_does(c):
    api_id, root = new_api(c)
    # Misconfigured: an endpoint address that cannot be used.
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP",
                      integrationHttpMethod="GET", uri="http://${stageVariables.nowhere}")
    out = c.test_invoke_method(restApiId=api_id, resourceId=root, httpMethod="GET")
    assert out["status"] == 500
    assert json.loads(out["body"]) == {"message": "Internal server error"}
    assert out["headers"]["x-amzn-ErrorType"] == "InternalServerErrorException"
    lines = log_lines(out["log"])
    assert lines[1] == "HTTP Method: GET, Resource Path: /"
    assert lines[-2].startswith("Execution failed due to configuration error: ")
    assert lines[-1] == "Method completed with status: 500"
    assert not any(l.startswith("Gateway response") for l in lines)

    # A request validator refuses a missing required header with 400.
    v = c.create_request_validator(restApiId=api_id, name="params",
                                   validateRequestParameters=True)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="POST", authorizationType="NONE",
                 requestValidatorId=v["id"],
                 requestParameters={"method.request.header.x-needed": True})
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="POST", type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": 200}'})
    out = c.test_invoke_method(restApiId=api_id, resourceId=root, httpMethod="POST")
    assert out["status"] == 400
    assert json.loads(out["body"]) == {
        "message": "Missing required request parameters: [x-needed]"}
    assert log_lines(out["log"])[-1] == "Method completed with status: 400"
    out = c.test_invoke_method(restApiId=api_id, resourceId=root, httpMethod="POST",
                               headers={"x-needed": "1"})
    assert out["status"] != 400


def test_unknown_resource_method_and_certificate(c):
    api_id, root = new_api(c)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    expect_error(c.test_invoke_method, 404, "NotFoundException",
                 "Invalid Resource identifier specified",
                 restApiId=api_id, resourceId="nope00", httpMethod="GET")
    expect_error(c.test_invoke_method, 404, "NotFoundException",
                 "Invalid Method identifier specified",
                 restApiId=api_id, resourceId=root, httpMethod="PUT")
    expect_error(c.test_invoke_method, 404, "NotFoundException",
                 "Invalid Resource identifier specified",
                 restApiId="nosuchapi", resourceId=root, httpMethod="GET")
    expect_error(c.test_invoke_method, 404, "NotFoundException",
                 "Invalid Client Certificate identifier specified",
                 restApiId=api_id, resourceId=root, httpMethod="GET",
                 clientCertificateId="abc123")
    # A method without an integration answers 500 with the reason in the log.
    out = c.test_invoke_method(restApiId=api_id, resourceId=root, httpMethod="GET")
    assert out["status"] == 500
    assert log_lines(out["log"])[-2] == (
        "Execution failed due to configuration error: the method has no integration")


def test_cli_test_invoke_method(aws, client):
    api = client.create_rest_api(name=unique_name("tim-cli"))
    root = client.get_resources(restApiId=api["id"])["items"][0]["id"]
    client.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET",
                      authorizationType="NONE")
    client.put_method_response(restApiId=api["id"], resourceId=root, httpMethod="GET",
                               statusCode="200")
    client.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK",
                           requestTemplates={"application/json": '{"statusCode": 200}'})
    client.put_integration_response(restApiId=api["id"], resourceId=root, httpMethod="GET",
                                    statusCode="200", selectionPattern="",
                                    responseTemplates={"application/json": '{"q": "$input.params(\'q\')"}'})
    out = aws("apigateway", "test-invoke-method", "--rest-api-id", api["id"],
              "--resource-id", root, "--http-method", "GET",
              "--path-with-query-string", "/?q=cli")
    assert out["status"] == 200
    assert json.loads(out["body"]) == {"q": "cli"}
    assert "Method request query string: {q=cli}" in out["log"]
    assert out["log"].rstrip("\n").endswith("Method completed with status: 200")


def test_client_certificate_is_presented_to_an_https_backend(tmp_path):
    """`clientCertificateId` of a test: the generated certificate is presented to a backend
    that requires one; without it the handshake fails (500)."""
    cert_pem, _ = backend_certificate(tmp_path)
    srv = ProsceniumServer(extra_args=["--backend-ca", str(cert_pem)])
    srv.start()
    backend = None
    try:
        c = make_client(srv.endpoint)
        cert = c.generate_client_certificate(description="tim")
        backend = serve_mutual_tls(Backend, tmp_path, cert["pemEncodedCertificate"])
        api_id, root = new_api(c)
        c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
        c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                          integrationHttpMethod="GET",
                          uri=f"https://127.0.0.1:{backend.server_address[1]}/mtls")
        out = c.test_invoke_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                                   clientCertificateId=cert["clientCertificateId"])
        assert out["status"] == 200, out
        assert json.loads(out["body"])["path"] == "/mtls"
        out = c.test_invoke_method(restApiId=api_id, resourceId=root, httpMethod="GET")
        assert out["status"] == 500, "without the certificate the backend refuses the handshake"
        assert log_lines(out["log"])[-1] == "Method completed with status: 500"
    finally:
        if backend:
            backend.shutdown()
        srv.cleanup()


def test_aws_service_integration_is_signed_and_selected(tmp_path):
    """An AWS service integration (DynamoDB PutItem) run by a test: the request is signed for
    the service, and the integration response is selected by the service's answer."""
    from test_aws_integrations import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, FakeAws
    aws = serve_http(FakeAws)
    srv = ProsceniumServer(
        extra_args=["--aws-endpoint", f"http://127.0.0.1:{aws.server_address[1]}",
                    "--aws-access-key-id", ACCESS_KEY],
        env={"PROSCENIUM_AWS_SECRET_ACCESS_KEY": SECRET_KEY,
             "PROSCENIUM_AWS_SESSION_TOKEN": SESSION_TOKEN})
    srv.start()
    try:
        c = make_client(srv.endpoint)
        api_id, root = new_api(c)
        res = c.create_resource(restApiId=api_id, parentId=root, pathPart="{id}")["id"]
        c.put_method(restApiId=api_id, resourceId=res, httpMethod="PUT", authorizationType="NONE")
        c.put_integration(
            restApiId=api_id, resourceId=res, httpMethod="PUT", type="AWS", integrationHttpMethod="POST",
            uri="arn:aws:apigateway:eu-west-1:dynamodb:action/PutItem",
            credentials="arn:aws:iam::000000000000:role/apigw-dynamodb",
            requestTemplates={"application/json": json.dumps({
                "TableName": "pets", "Item": {"id": {"S": "$input.params('id')"}}})})
        for status, pattern, template in [("200", "", '{"stored": "$input.params(\'id\')"}'),
                                          ("409", "4\\d{2}", '{"error": "$input.path(\'$.message\')"}')]:
            c.put_method_response(restApiId=api_id, resourceId=res, httpMethod="PUT", statusCode=status)
            c.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="PUT",
                                       statusCode=status, selectionPattern=pattern,
                                       responseTemplates={"application/json": template})
        FakeAws.requests.clear()
        out = c.test_invoke_method(restApiId=api_id, resourceId=res, httpMethod="PUT",
                                   pathWithQueryString="/rex", body="{}",
                                   headers={"Content-Type": "application/json"})
        assert (out["status"], json.loads(out["body"])) == (200, {"stored": "rex"}), out
        [seen] = FakeAws.requests
        assert seen["signature"]["valid"], seen
        assert (seen["signature"]["service"], seen["signature"]["region"]) == ("dynamodb", "eu-west-1")
        lines = log_lines(out["log"])
        assert any(l.startswith(f"Endpoint request URI: http://127.0.0.1:{aws.server_address[1]}/")
                   for l in lines), lines
        out = c.test_invoke_method(restApiId=api_id, resourceId=res, httpMethod="PUT",
                                   pathWithQueryString="/taken", body="{}",
                                   headers={"Content-Type": "application/json"})
        assert (out["status"], json.loads(out["body"])) == (409, {"error": "The conditional request failed"})
    finally:
        srv.cleanup()
        aws.shutdown()
