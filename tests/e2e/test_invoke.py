"""Invocations through the real binary: APIs built with boto3, deployed, and called over HTTP
at their invoke URLs, with real backends and a Lambda Invoke endpoint on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import time

import pytest

from e2e_helpers import EchoBackend as Backend  # also imported from here by other tests
from e2e_helpers import (QuietHandler, function_name, make_client, running_server, serve_http,
                         served_address, unique_name)

LAMBDA_URI = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
              "arn:aws:lambda:us-east-1:000000000000:function:{name}/invocations")


class FakeLambda(QuietHandler):
    """A Lambda Invoke endpoint: the function name decides the answer."""

    events: list = []

    def do_POST(self):
        event = self.read_json()
        FakeLambda.events.append((self.path, event))
        name = function_name(self.path)
        headers = {}
        if name == "good":
            out = {"statusCode": 201, "headers": {"x-fn": "good"}, "body": json.dumps({"echo": event["path"]})}
        elif name == "cased":
            out = {"statusCode": 200, "body": "{}",
                   "multiValueHeaders": {"test-multi": ["a"]},
                   "headers": {"tesT-Multi": "b", "X-Custom-Thing": "v", "lower-one": "l",
                               "Date": "d"}}
        elif name == "malformed":
            out = {"statusCode": "not a number", "nobody": True}
        else:
            headers["X-Amz-Function-Error"] = "Unhandled"
            out = {"errorMessage": "boom", "errorType": "Error"}
        self.send_json(out, headers=headers)


@pytest.fixture(scope="module")
def backend():
    yield from served_address(Backend)


@pytest.fixture(scope="module")
def lambda_endpoint():
    yield from served_address(FakeLambda, "http://")


@pytest.fixture(scope="module")
def gw(lambda_endpoint):
    """A private server that knows the Lambda endpoint."""
    yield from running_server("--lambda-endpoint", lambda_endpoint)


@pytest.fixture(scope="module")
def c(gw):
    return make_client(gw.endpoint)


def call(gw, method, path, body=None, headers=None, host=None):
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    h = dict(headers or {})
    if host:
        h["Host"] = host
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def new_api(c):
    api = c.create_rest_api(name=unique_name("invoke"))
    return api["id"], api["rootResourceId"]


def mock_method(c, api_id, res_id, method, body, status="200"):
    c.put_method(restApiId=api_id, resourceId=res_id, httpMethod=method, authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=res_id, httpMethod=method, type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": %s}' % status})
    c.put_method_response(restApiId=api_id, resourceId=res_id, httpMethod=method, statusCode=status)
    c.put_integration_response(restApiId=api_id, resourceId=res_id, httpMethod=method, statusCode=status,
                               selectionPattern="", responseTemplates={"application/json": body})


def test_mock_at_every_invoke_url_style(gw, c):
    api_id, root = new_api(c)
    pets = c.create_resource(restApiId=api_id, parentId=root, pathPart="pets")["id"]
    mock_method(c, api_id, pets, "GET", '{"pets": []}')
    c.create_deployment(restApiId=api_id, stageName="dev")
    for path, host in [(f"/restapis/{api_id}/dev/_user_request_/pets", None),
                       (f"/_aws/execute-api/{api_id}/dev/pets", None),
                       ("/dev/pets", f"{api_id}.execute-api.localhost:{gw.port}"),
                       ("/dev/pets", f"{api_id}.execute-api.us-east-1.amazonaws.com")]:
        status, headers, body = call(gw, "GET", path, host=host)
        assert (status, json.loads(body)) == (200, {"pets": []}), path
        assert headers.get("x-amzn-requestid"), path


def test_missing_routes_and_stages(gw, c):
    api_id, root = new_api(c)
    mock_method(c, api_id, root, "GET", "{}")
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, headers, body = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/nothing/here")
    assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})
    status, _, body = call(gw, "POST", f"/restapis/{api_id}/dev/_user_request_/")
    assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})
    status, _, body = call(gw, "GET", f"/restapis/{api_id}/nostage/_user_request_/")
    assert status == 403


def test_snapshot_rules_redeploy_rollback_and_two_stages(gw, c):
    api_id, root = new_api(c)
    mock_method(c, api_id, root, "GET", '{"v": 1}')
    d1 = c.create_deployment(restApiId=api_id, stageName="prod")["id"]
    url = f"/restapis/{api_id}/prod/_user_request_/"
    assert json.loads(call(gw, "GET", url)[2]) == {"v": 1}
    # An edit without a redeploy changes nothing callable.
    c.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                               selectionPattern="", responseTemplates={"application/json": '{"v": 2}'})
    assert json.loads(call(gw, "GET", url)[2]) == {"v": 1}
    d2 = c.create_deployment(restApiId=api_id, stageName="prod")["id"]
    assert json.loads(call(gw, "GET", url)[2]) == {"v": 2}
    # A second stage on the old deployment serves it beside the first.
    c.create_stage(restApiId=api_id, stageName="old", deploymentId=d1)
    assert json.loads(call(gw, "GET", f"/restapis/{api_id}/old/_user_request_/")[2]) == {"v": 1}
    # Rollback: point prod at d1; the next request is served by d1.
    c.update_stage(restApiId=api_id, stageName="prod",
                   patchOperations=[{"op": "replace", "path": "/deploymentId", "value": d1}])
    assert json.loads(call(gw, "GET", url)[2]) == {"v": 1}
    assert c.get_stage(restApiId=api_id, stageName="prod")["deploymentId"] == d1
    assert d2 in [d["id"] for d in c.get_deployments(restApiId=api_id)["items"]]


def test_http_proxy_forwards_everything(gw, c, backend):
    api_id, root = new_api(c)
    proxy = c.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
    c.put_method(restApiId=api_id, resourceId=proxy, httpMethod="ANY", authorizationType="NONE",
                 requestParameters={"method.request.path.proxy": True})
    c.put_integration(restApiId=api_id, resourceId=proxy, httpMethod="ANY", type="HTTP_PROXY",
                      integrationHttpMethod="ANY", uri=f"http://{backend}/base/{{proxy}}",
                      requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, headers, body = call(gw, "POST", f"/restapis/{api_id}/dev/_user_request_/a/b?x=1&y=two",
                                 body=b'{"hello": "world"}', headers={"content-type": "application/json",
                                                                     "x-custom": "42"})
    echo = json.loads(body)
    assert status == 200
    assert echo["method"] == "POST"
    assert echo["path"] == "/base/a/b?x=1&y=two"
    assert echo["body"] == '{"hello": "world"}'
    assert echo["headers"]["x-custom"] == "42"
    assert headers["x-backend"] == "yes"
    status, _, _ = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/status/503")
    assert status == 503, "HTTP_PROXY returns the backend's status as it comes"


def test_http_integration_with_mappings_selection_and_stage_variables(gw, c, backend):
    api_id, root = new_api(c)
    res = c.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType="NONE",
                 requestParameters={"method.request.querystring.who": False})
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="HTTP",
                      integrationHttpMethod="GET", uri="http://${stageVariables.host}/status/${stageVariables.code}",
                      requestParameters={"integration.request.header.x-who": "method.request.querystring.who",
                                         "integration.request.header.x-fixed": "'literal'"})
    for code in ("200", "500"):
        c.put_method_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode=code,
                              responseParameters={"method.response.header.x-mapped": False})
    c.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200",
                               selectionPattern="", responseParameters={
                                   "method.response.header.x-mapped": "integration.response.header.x-backend"})
    c.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="500",
                               selectionPattern="5\\d{2}",
                               responseTemplates={"application/json": '{"error": "backend failed"}'})
    c.create_deployment(restApiId=api_id, stageName="ok", variables={"host": backend, "code": "200"})
    c.create_deployment(restApiId=api_id, stageName="bad", variables={"host": backend, "code": "503"})
    status, headers, body = call(gw, "GET", f"/restapis/{api_id}/ok/_user_request_/items?who=alice")
    echo = json.loads(body)
    assert status == 200
    assert echo["path"] == "/status/200"
    assert echo["headers"]["x-who"] == "alice"
    assert echo["headers"]["x-fixed"] == "literal"
    assert headers["x-mapped"] == "yes"
    status, _, body = call(gw, "GET", f"/restapis/{api_id}/bad/_user_request_/items")
    assert (status, json.loads(body)) == (500, {"error": "backend failed"})


def test_timeout_gives_504(gw, c, backend):
    api_id, root = new_api(c)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                      integrationHttpMethod="GET", uri=f"http://{backend}/slow", timeoutInMillis=200)
    c.create_deployment(restApiId=api_id, stageName="dev")
    t0 = time.monotonic()
    status, _, body = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/")
    assert (status, json.loads(body)) == (504, {"message": "Endpoint request timed out"})
    assert time.monotonic() - t0 < 1.5


def test_payload_over_10_mb_is_refused(gw, c, backend):
    api_id, root = new_api(c)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="POST", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="POST", type="HTTP_PROXY",
                      integrationHttpMethod="POST", uri=f"http://{backend}/")
    c.create_deployment(restApiId=api_id, stageName="dev")
    # Announce an oversized body, send a little of it, and read the answer.
    import socket
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
        s.sendall((f"POST /restapis/{api_id}/dev/_user_request_/ HTTP/1.1\r\nHost: x\r\n"
                   f"Content-Length: {10 * 1024 * 1024 + 1}\r\n\r\n").encode() + b"x" * 65536)
        head = s.recv(4096).decode(errors="replace")
    assert head.startswith("HTTP/1.1 413"), head


def lambda_api(c, function):
    api_id, root = new_api(c)
    res = c.create_resource(restApiId=api_id, parentId=root, pathPart="{id}")["id"]
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="AWS_PROXY",
                      integrationHttpMethod="POST", uri=LAMBDA_URI.format(name=function))
    c.create_deployment(restApiId=api_id, stageName="dev", variables={"color": "blue"})
    return api_id


def test_lambda_proxy_event_and_response(gw, c):
    api_id = lambda_api(c, "good")
    FakeLambda.events.clear()
    status, headers, body = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/42?q=1&q=2",
                                 headers={"x-h": "v"})
    assert status == 201
    assert headers["x-fn"] == "good"
    assert json.loads(body) == {"echo": "/42"}
    path, event = FakeLambda.events[-1]
    assert path.startswith("/2015-03-31/functions/") and path.endswith("/invocations")
    assert event["resource"] == "/{id}"
    assert event["path"] == "/42"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"q": "2"}
    assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"]}
    assert event["headers"]["x-h"] == "v"
    assert event["stageVariables"] == {"color": "blue"}
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["apiId"] == api_id
    assert event["requestContext"]["accountId"] == "000000000000"
    assert event["requestContext"]["resourcePath"] == "/{id}"
    assert event["isBase64Encoded"] is False


@pytest.mark.parametrize("function", ["malformed", "failing"])
def test_lambda_bad_answers_are_502(gw, c, function):
    api_id = lambda_api(c, function)
    status, _, body = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/1")
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})


def test_mapping_templates_render_with_velocity(gw, c, backend):
    """A request template reshapes the client's body for the backend; a response template
    reshapes the backend's answer, with #foreach/$foreach.hasNext and $util."""
    api_id, root = new_api(c)
    res = c.create_resource(restApiId=api_id, parentId=root, pathPart="orders")["id"]
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="POST", authorizationType="NONE")
    request_template = (
        '#set($root = $input.path(\'$\'))\n'
        '{"customer": "$util.escapeJavaScript($root.name)", "count": $root.items.size(), '
        '"stage": "$context.stage", "items": [#foreach($i in $root.items)"$i.sku"#if($foreach.hasNext), #end#end]}'
    )
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="POST", type="HTTP",
                      integrationHttpMethod="POST", uri=f"http://{backend}/orders",
                      requestTemplates={"application/json": request_template})
    c.put_method_response(restApiId=api_id, resourceId=res, httpMethod="POST", statusCode="200")
    response_template = (
        '#set($echo = $util.parseJson($input.path(\'$.body\')))\n'
        '{"received": $echo.count, "first": "$echo.items[0]", "method": "$input.path(\'$.method\')"}'
    )
    c.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="POST", statusCode="200",
                               selectionPattern="", responseTemplates={"application/json": response_template})
    c.create_deployment(restApiId=api_id, stageName="dev")
    order = {"name": 'Ann "the" Buyer', "items": [{"sku": "a1"}, {"sku": "b2"}]}
    status, _, body = call(gw, "POST", f"/restapis/{api_id}/dev/_user_request_/orders",
                           body=json.dumps(order).encode(), headers={"content-type": "application/json"})
    assert status == 200, body
    assert json.loads(body) == {"received": 2, "first": "a1", "method": "POST"}


def test_response_override_sets_status_and_headers(gw, c):
    api_id, root = new_api(c)
    mock_method(c, api_id, root, "GET",
                '#set($context.responseOverride.status = 404)'
                '#set($context.responseOverride.header.X-Reason = "not here")'
                '{"found": false}')
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, headers, body = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/")
    assert (status, json.loads(body)) == (404, {"found": False})
    assert headers["x-reason"] == "not here"


def test_request_override_sets_backend_headers_and_query(gw, c, backend):
    api_id, root = new_api(c)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="POST", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="POST", type="HTTP",
                      integrationHttpMethod="POST", uri=f"http://{backend}/echo",
                      requestTemplates={"application/json":
                                        '#set($context.requestOverride.header.X-Over = "yes")'
                                        '#set($context.requestOverride.querystring.q = $input.path(\'$.q\'))'
                                        '{"sent": true}'})
    c.put_method_response(restApiId=api_id, resourceId=root, httpMethod="POST", statusCode="200")
    c.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="POST", statusCode="200",
                               selectionPattern="")
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, _, body = call(gw, "POST", f"/restapis/{api_id}/dev/_user_request_/", body=b'{"q": "z"}',
                           headers={"content-type": "application/json"})
    echo = json.loads(body)
    assert status == 200
    assert echo["headers"]["x-over"] == "yes"
    assert echo["path"] == "/echo?q=z"
    assert echo["body"] == '{"sent": true}'


@pytest.fixture(scope="module")
def https_backend(tmp_path_factory):
    """An HTTPS backend with a self-signed certificate (no public CA trusts it)."""
    import ssl
    import subprocess
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                   check=True, capture_output=True)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(str(d / "cert.pem"), str(d / "key.pem"))
    srv = serve_http(Backend, tls)
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


@pytest.mark.parametrize("skip_verification, expected", [(True, 200), (False, 500)])
def test_https_backend_certificates_are_verified_unless_told_not_to(gw, c, https_backend,
                                                                    skip_verification, expected):
    api_id, root = new_api(c)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                      integrationHttpMethod="GET", uri=f"https://{https_backend}/secure",
                      tlsConfig={"insecureSkipVerification": skip_verification})
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, _, body = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/")
    assert status == expected, body
    if expected == 200:
        assert json.loads(body)["path"] == "/secure"
    else:
        assert json.loads(body) == {"message": "Internal server error"}


def test_minimum_compression_size_gzips_large_answers(gw, c):
    import gzip
    api_id, root = new_api(c)
    big = '{"data": "%s"}' % ("x" * 2000)
    mock_method(c, api_id, root, "GET", big)
    c.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/minimumCompressionSize", "value": "1024"}])
    c.create_deployment(restApiId=api_id, stageName="dev")
    url = f"/restapis/{api_id}/dev/_user_request_/"
    status, headers, body = call(gw, "GET", url, headers={"accept-encoding": "gzip, deflate"})
    assert (status, headers.get("content-encoding")) == (200, "gzip")
    assert gzip.decompress(body).decode() == big
    status, headers, body = call(gw, "GET", url)
    assert "content-encoding" not in headers and body.decode() == big, "no gzip unless the client accepts it"


def test_header_names_keep_the_clients_case(gw, c):
    """As AWS: the Lambda proxy event and `$input.params().header` show header names as the
    client wrote them; `$input.params(name)` finds a header in any case; API Gateway adds
    X-Forwarded-For/Port/Proto and X-Amzn-Trace-Id to the event's headers."""
    api_id = lambda_api(c, "good")
    FakeLambda.events.clear()
    status, _, _ = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/7",
                        headers={"tEsT-HEADeR": "aValUE", "X-Multi": "one"})
    assert status == 201
    _, event = FakeLambda.events[-1]
    assert event["headers"]["tEsT-HEADeR"] == "aValUE"
    assert "test-header" not in event["headers"]
    assert event["multiValueHeaders"]["tEsT-HEADeR"] == ["aValUE"]
    assert event["headers"]["Host"].startswith("127.0.0.1")
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["headers"]["X-Forwarded-Port"] == str(gw.port)
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert event["multiValueHeaders"]["X-Forwarded-For"] == ["127.0.0.1"]

    # Mapping templates: the map keeps the case, the lookup ignores it.
    api_id, root = new_api(c)
    res = c.create_resource(restApiId=api_id, parentId=root, pathPart="h")["id"]
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": 200}'})
    c.put_method_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200")
    c.put_integration_response(
        restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200",
        responseTemplates={"application/json":
                           "$input.params('x-test')|$input.params('X-TEST')|"
                           "$input.params().header.get('X-Test')|$!input.params().header.get('x-test')"})
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, _, body = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/h", headers={"X-Test": "v1"})
    assert (status, body.decode()) == (200, "v1|v1|v1|")


def test_http_proxy_backends_get_header_names_as_the_client_wrote_them(gw, c, backend):
    api_id, root = new_api(c)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                      integrationHttpMethod="GET", uri=f"http://{backend}/echo")
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, _, body = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/",
                           headers={"tEsT-HEADeR": "aValUE", "X-Custom-Thing": "1", "lower-only": "2"})
    assert status == 200
    names = json.loads(body)["names"]
    assert "tEsT-HEADeR" in names and "X-Custom-Thing" in names and "lower-only" in names, names


def test_mapped_headers_reach_http_backends_named_as_the_mapping_writes_them(gw, c, backend):
    """A non-proxy HTTP integration sends `integration.request.header.X-Who` as `X-Who`
    (HTTP/1.1 keeps the case), and so does `$context.requestOverride.header`."""
    api_id, root = new_api(c)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE",
                 requestParameters={"method.request.querystring.who": False})
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP",
                      integrationHttpMethod="GET", uri=f"http://{backend}/echo",
                      requestParameters={"integration.request.header.X-Who": "method.request.querystring.who",
                                         "integration.request.header.X-Fixed-Value": "'lit'",
                                         "integration.request.header.lower-case": "'low'"},
                      requestTemplates={"application/json":
                                        "#set($context.requestOverride.header.X-Over-Ride = 'o')"})
    c.put_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    c.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                               responseTemplates={"application/json": "$input.json('$')"})
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, _, body = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/?who=me")
    assert status == 200, body
    echo = json.loads(body)
    assert {"X-Who", "X-Fixed-Value", "lower-case", "X-Over-Ride"} <= set(echo["names"]), echo["names"]
    assert (echo["headers"]["x-who"], echo["headers"]["x-fixed-value"]) == ("me", "lit")


def test_http_proxy_with_execution_logging_keeps_the_clients_header_names(gw, c, backend):
    """Execution logging sends HTTP_PROXY requests through the general client: the names stay
    as the client wrote them there too."""
    api_id, root = new_api(c)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                      integrationHttpMethod="GET", uri=f"http://{backend}/echo")
    c.create_deployment(restApiId=api_id, stageName="dev")
    c.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"}])
    status, _, body = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/",
                           headers={"tEsT-HEADeR": "aValUE", "X-Custom-Thing": "1"})
    assert status == 200
    names = json.loads(body)["names"]
    assert "tEsT-HEADeR" in names and "X-Custom-Thing" in names, names


def raw_call(gw, path):
    """Status, and the header lines as the server wrote their names."""
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    r.read()
    return r.status, r.getheaders()


def test_answers_name_headers_in_the_case_api_gateway_writes_them(gw, c):
    """AWS writes its own headers in its case (Content-Type, x-amzn-RequestId, …), a Lambda
    proxy's headers as the function spelled them (the last spelling of a name wins), and
    mapped method response headers as the mapping names them."""
    api_id = lambda_api(c, "cased")
    status, headers = raw_call(gw, f"/restapis/{api_id}/dev/_user_request_/7")
    assert status == 200
    names = [k for k, _ in headers]
    for name in ("Content-Type", "Content-Length", "Date", "x-amzn-RequestId", "x-amz-apigw-id",
                 "X-Amzn-Trace-Id", "tesT-Multi", "X-Custom-Thing", "lower-one",
                 "x-amzn-Remapped-Date"):
        assert name in names, (name, names)
    assert dict(headers)["tesT-Multi"] == "a, b"
    assert not any(n.islower() and n in ("content-type", "content-length", "date") for n in names)

    api_id, root = new_api(c)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": 200}'})
    c.put_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                          responseParameters={"method.response.header.Access-Control-Allow-Origin": False,
                                              "method.response.header.x-lower": False})
    c.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                               responseParameters={
                                   "method.response.header.Access-Control-Allow-Origin": "'*'",
                                   "method.response.header.x-lower": "'l'"},
                               responseTemplates={"application/json":
                                                  "#set($context.responseOverride.header.X-Over-Ride = 'o'){}"})
    c.put_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN",
                           responseParameters={"gatewayresponse.header.X-Gateway-Said": "'no'"})
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, headers = raw_call(gw, f"/restapis/{api_id}/dev/_user_request_/")
    assert status == 200
    assert ("Access-Control-Allow-Origin", "*") in headers and ("x-lower", "l") in headers, headers
    assert ("X-Over-Ride", "o") in headers, headers

    # A gateway error: AWS's x-amzn-ErrorType, and the gateway response's mapped header.
    status, headers = raw_call(gw, f"/restapis/{api_id}/dev/_user_request_/nowhere")
    assert status == 403
    names = [k for k, _ in headers]
    assert "x-amzn-ErrorType" in names and "Content-Type" in names, names
    assert ("X-Gateway-Said", "no") in headers, headers
    # The management API answers in the same case.
    status, headers = raw_call(gw, "/restapis/nosuchapi")
    assert status == 404
    names = [k for k, _ in headers]
    assert "x-amzn-ErrorType" in names and "Content-Type" in names, names
