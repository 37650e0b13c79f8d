"""Binary payloads through the real binary: the API's binaryMediaTypes and contentHandling on
integrations and integration responses (non-proxy), and isBase64Encoded with Lambda proxy,
with real backends and a Lambda Invoke endpoint on 127.0.0.1."""

from __future__ import annotations

import base64
import http.client
import json

import pytest

from e2e_helpers import (QuietHandler, lambda_handler, make_client, served_address,
                         server_with_lambda, unique_name)

# A PNG header plus bytes that are not UTF-8.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\xff\xfe\x80\x00"
LAMBDA_URI = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
              "arn:aws:lambda:us-east-1:000000000000:function:{name}/invocations")


class Backend(QuietHandler):
    """`/echo` answers the request's body and Content-Type; `/inspect` describes the request as
    JSON; `/b64` answers the PNG base64-encoded as text/plain."""

    def _answer(self):
        body = self.read_body()
        if self.path.startswith("/echo"):
            out, ctype = body, self.headers.get("content-type", "application/octet-stream")
        elif self.path.startswith("/b64"):
            out, ctype = base64.b64encode(PNG), "text/plain"
        else:
            out = json.dumps({"body_b64": base64.b64encode(body).decode(),
                              "content_type": self.headers.get("content-type")}).encode()
            ctype = "application/json"
        self.send_body(out, ctype)

    do_GET = do_POST = do_PUT = _answer


# A Lambda Invoke endpoint whose function answers the event's body as it came
# (isBase64Encoded included) as image/png.
EchoLambda = lambda_handler(lambda _name, event: {
    "statusCode": 200, "headers": {"content-type": "image/png"},
    "body": event["body"], "isBase64Encoded": event["isBase64Encoded"]})


@pytest.fixture(scope="module")
def backend():
    yield from served_address(Backend)


@pytest.fixture(scope="module")
def gw():
    yield from server_with_lambda(EchoLambda)


@pytest.fixture(scope="module")
def c(gw):
    return make_client(gw.endpoint)


def call(gw, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    conn.request(method, path, body=body, headers=dict(headers or {}))
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def http_api(c, uri, method="POST", binary_types=("image/png",), content_handling=None,
             response_handling=None, templates=None):
    """An API with `method /` integrated (HTTP) with `uri`, the backend's Content-Type mapped
    onto the method response."""
    api = c.create_rest_api(name=unique_name("bin"), binaryMediaTypes=list(binary_types))
    api_id, root = api["id"], api["rootResourceId"]
    c.put_method(restApiId=api_id, resourceId=root, httpMethod=method, authorizationType="NONE")
    extra = {"contentHandling": content_handling} if content_handling else {}
    if templates:
        extra["requestTemplates"] = templates
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod=method, type="HTTP",
                      integrationHttpMethod=method, uri=uri, **extra)
    c.put_method_response(restApiId=api_id, resourceId=root, httpMethod=method, statusCode="200",
                          responseParameters={"method.response.header.Content-Type": False})
    extra = {"contentHandling": response_handling} if response_handling else {}
    c.put_integration_response(
        restApiId=api_id, resourceId=root, httpMethod=method, statusCode="200", selectionPattern="",
        responseParameters={"method.response.header.Content-Type": "integration.response.header.Content-Type"},
        **extra)
    c.create_deployment(restApiId=api_id, stageName="dev")
    return f"/restapis/{api_id}/dev/_user_request_/"


def test_png_round_trips_through_an_http_integration(gw, c, backend):
    url = http_api(c, f"http://{backend}/echo")
    status, headers, body = call(gw, "POST", url, body=PNG,
                                 headers={"content-type": "image/png", "accept": "image/png"})
    assert (status, headers["content-type"], body) == (200, "image/png", PNG)
    # The first Accept type decides: a text one gets the binary answer base64-encoded.
    status, _, body = call(gw, "POST", url, body=PNG,
                           headers={"content-type": "image/png", "accept": "application/json, image/png"})
    assert (status, body) == (200, base64.b64encode(PNG))


def test_convert_to_text_gives_the_template_base64(gw, c, backend):
    url = http_api(c, f"http://{backend}/inspect", content_handling="CONVERT_TO_TEXT",
                   templates={"image/png": '{"data": "$input.body"}'})
    status, _, body = call(gw, "POST", url, body=PNG,
                           headers={"content-type": "image/png", "accept": "application/json"})
    assert status == 200, body
    seen = json.loads(body)
    assert json.loads(base64.b64decode(seen["body_b64"])) == {"data": base64.b64encode(PNG).decode()}


def test_convert_to_binary_decodes_on_both_sides(gw, c, backend):
    # Response: a base64 text answer becomes the bytes, whatever the client accepts.
    url = http_api(c, f"http://{backend}/b64", method="GET", response_handling="CONVERT_TO_BINARY")
    status, _, body = call(gw, "GET", url, headers={"accept": "application/json"})
    assert (status, body) == (200, PNG)
    # Request: a base64 text payload reaches the backend decoded.
    url = http_api(c, f"http://{backend}/inspect", content_handling="CONVERT_TO_BINARY")
    status, _, body = call(gw, "POST", url, body=base64.b64encode(PNG),
                           headers={"content-type": "text/plain", "accept": "application/json"})
    assert status == 200, body
    assert base64.b64decode(json.loads(body)["body_b64"]) == PNG
    # Text that is not base64 cannot be converted: AWS's configuration error.
    status, _, body = call(gw, "POST", url, body=b"not base64!",
                           headers={"content-type": "text/plain"})
    assert (status, json.loads(body)) == (500, {"message": "Internal server error"})


def test_binary_payload_is_never_templated_and_needs_passthrough(gw, c, backend):
    url = http_api(c, f"http://{backend}/echo", templates={"image/png": '{"templated": true}'})
    status, _, body = call(gw, "POST", url, body=PNG,
                           headers={"content-type": "image/png", "accept": "image/png"})
    assert (status, body) == (200, PNG)
    api_id = url.split("/")[2]
    c.update_integration(restApiId=api_id, resourceId=c.get_resources(restApiId=api_id)["items"][0]["id"],
                         httpMethod="POST", patchOperations=[
                             {"op": "replace", "path": "/passthroughBehavior", "value": "NEVER"}])
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, _, body = call(gw, "POST", url, body=PNG,
                           headers={"content-type": "image/png", "accept": "image/png"})
    assert (status, json.loads(body)) == (415, {"message": "Unsupported Media Type"})


def test_lambda_proxy_is_base64_encoded_both_ways(gw, c):
    api = c.create_rest_api(name=unique_name("binlambda"), binaryMediaTypes=["image/png"])
    api_id, root = api["id"], api["rootResourceId"]
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="POST", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="POST", type="AWS_PROXY",
                      integrationHttpMethod="POST", uri=LAMBDA_URI.format(name="echo"))
    c.create_deployment(restApiId=api_id, stageName="dev")
    url = f"/restapis/{api_id}/dev/_user_request_/"
    EchoLambda.events.clear()
    status, headers, body = call(gw, "POST", url, body=PNG,
                                 headers={"content-type": "image/png", "accept": "image/png"})
    assert (status, headers["content-type"], body) == (200, "image/png", PNG)
    [event] = EchoLambda.events
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == PNG
    # A text Accept gets the function's base64 text as it is.
    status, _, body = call(gw, "POST", url, body=PNG,
                           headers={"content-type": "image/png", "accept": "text/plain"})
    assert (status, body) == (200, base64.b64encode(PNG))
    # A text request is not encoded.
    status, _, body = call(gw, "POST", url, body=b'{"a": 1}',
                           headers={"content-type": "application/json", "accept": "application/json"})
    assert EchoLambda.events[-1]["isBase64Encoded"] is False
    assert (status, body) == (200, b'{"a": 1}')
