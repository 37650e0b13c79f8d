"""AWS service integrations (type AWS, other than Lambda) through the real binary: APIs built
with boto3, deployed, and called over HTTP; the gateway signs its requests to a fake AWS
endpoint on 127.0.0.1 that checks every SigV4 signature with botocore and answers like SQS and
DynamoDB would."""

from __future__ import annotations

import hashlib
import http.client
import json
import time
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, parse_qsl, quote, urlsplit

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from e2e_helpers import ProsceniumServer, free_port, make_client, serve_http, unique_name

ACCESS_KEY = "AKIDPROSCENIUMTEST"
SECRET_KEY = "proscenium/secret+key"
SESSION_TOKEN = "session-token-1"


def canonical_query(query: str) -> str:
    """The query as AWS services canonicalise it: decoded, RFC 3986 re-encoded, sorted."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(pairs))


def verify_signature(method: str, path: str, headers, body: bytes) -> dict:
    """Recomputes the request's signature with botocore; returns what the scope says."""
    auth = headers.get("Authorization") or ""
    assert auth.startswith("AWS4-HMAC-SHA256 "), auth
    fields = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    key_id, date, region, service, terminator = fields["Credential"].split("/")
    signed = fields["SignedHeaders"].split(";")
    split = urlsplit(path)
    url = f"http://{headers['Host']}{split.path}"
    if split.query:
        url += "?" + canonical_query(split.query)
    req = AWSRequest(method=method, url=url, data=body,
                     headers={h: headers[h] for h in signed})
    req.context["timestamp"] = headers["X-Amz-Date"]
    signer_cls = S3SigV4Auth if service == "s3" else SigV4Auth
    signer = signer_cls(Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN), service, region)
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    return {
        "valid": key_id == ACCESS_KEY and terminator == "aws4_request"
        and date == headers["X-Amz-Date"][:8] and expected == fields["Signature"],
        "service": service,
        "region": region,
        "signed_headers": signed,
    }


class FakeAws(BaseHTTPRequestHandler):
    """Answers like SQS (query protocol, JSON because API Gateway asks for it) and DynamoDB
    (JSON protocol) would; refuses requests whose signature does not verify."""

    requests: list = []

    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        sig = verify_signature(self.command, self.path, self.headers, body)
        split = urlsplit(self.path)
        seen = {"method": self.command, "path": split.path, "query": parse_qs(split.query),
                "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                "signature": sig}
        FakeAws.requests.append(seen)
        if not sig["valid"]:
            return self._send(403, {"__type": "InvalidSignatureException",
                                    "message": "The request signature we calculated does not match"})
        if split.path.endswith("/slow"):
            time.sleep(2)
        target = self.headers.get("X-Amz-Target", "")
        if target == "DynamoDB_20120810.PutItem":
            item = json.loads(body)["Item"]
            if item["id"]["S"] == "taken":
                return self._send(400, {
                    "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                    "message": "The conditional request failed"})
            return self._send(200, {})
        form = parse_qs(body.decode()) if body else {}
        action = (seen["query"].get("Action") or form.get("Action") or [""])[0]
        if action == "SendMessage":
            message = form["MessageBody"][0]
            return self._send(200, {"SendMessageResponse": {
                "SendMessageResult": {"MD5OfMessageBody": hashlib.md5(message.encode()).hexdigest(),
                                      "MessageId": str(uuid.uuid4())},
                "ResponseMetadata": {"RequestId": str(uuid.uuid4())}}})
        if action == "GetQueueUrl":
            name = seen["query"]["QueueName"][0]
            if name == "missing":
                return self._send(400, {"Error": {"Code": "AWS.SimpleQueueService.NonExistentQueue",
                                                  "Message": "The specified queue does not exist."}})
            return self._send(200, {"GetQueueUrlResponse": {"GetQueueUrlResult": {
                "QueueUrl": f"http://sqs.{sig['region']}.localhost/000000000000/{name}"}}})
        return self._send(400, {"Error": {"Code": "InvalidAction", "Message": f"no action {action!r}"}})

    def _send(self, status: int, payload: dict):
        FakeAws.requests[-1]["answer"] = payload
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the gateway gave up (timeout test)
            pass

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def aws_endpoint():
    srv = serve_http(FakeAws)
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


@pytest.fixture(scope="module")
def gw(aws_endpoint):
    srv = ProsceniumServer(
        extra_args=["--aws-endpoint", aws_endpoint, "--aws-access-key-id", ACCESS_KEY],
        env={"PROSCENIUM_AWS_SECRET_ACCESS_KEY": SECRET_KEY,
             "PROSCENIUM_AWS_SESSION_TOKEN": SESSION_TOKEN})
    srv.start()
    yield srv
    srv.cleanup()


@pytest.fixture(scope="module")
def c(gw):
    return make_client(gw.endpoint)


@pytest.fixture(autouse=True)
def _fresh_log():
    FakeAws.requests.clear()


def call(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=body, headers=dict(headers or {}))
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def new_api(c):
    api = c.create_rest_api(name=unique_name("aws"))
    return api["id"], api["rootResourceId"]


def respond(c, api_id, res, method, status, pattern, template=None):
    c.put_method_response(restApiId=api_id, resourceId=res, httpMethod=method, statusCode=status)
    kwargs = {"responseTemplates": {"application/json": template}} if template else {}
    c.put_integration_response(restApiId=api_id, resourceId=res, httpMethod=method,
                               statusCode=status, selectionPattern=pattern, **kwargs)


def test_sqs_path_integration_sends_a_signed_form_body(gw, c):
    api_id, root = new_api(c)
    queues = c.create_resource(restApiId=api_id, parentId=root, pathPart="queues")["id"]
    res = c.create_resource(restApiId=api_id, parentId=queues, pathPart="{queue}")["id"]
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="POST", authorizationType="NONE",
                 requestParameters={"method.request.path.queue": True})
    c.put_integration(
        restApiId=api_id, resourceId=res, httpMethod="POST", type="AWS", integrationHttpMethod="POST",
        uri="arn:aws:apigateway:us-east-1:sqs:path/000000000000/{queue}",
        credentials="arn:aws:iam::000000000000:role/apigw-sqs",
        requestParameters={
            "integration.request.path.queue": "method.request.path.queue",
            "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
        requestTemplates={"application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"},
        passthroughBehavior="NEVER")
    respond(c, api_id, res, "POST", "200", "",
            '{"id": "$input.path(\'$.SendMessageResponse.SendMessageResult.MessageId\')"}')
    c.create_deployment(restApiId=api_id, stageName="dev")

    message = '{"hello": "world & friends"}'
    status, headers, body = call(gw.port, "POST", f"/restapis/{api_id}/dev/_user_request_/queues/orders",
                                 body=message, headers={"content-type": "application/json"})
    assert status == 200, body
    assert headers["content-type"] == "application/json"
    [seen] = FakeAws.requests
    message_id = seen["answer"]["SendMessageResponse"]["SendMessageResult"]["MessageId"]
    assert json.loads(body) == {"id": message_id}
    assert seen["signature"]["valid"], seen
    assert (seen["signature"]["service"], seen["signature"]["region"]) == ("sqs", "us-east-1")
    assert (seen["method"], seen["path"], seen["query"]) == ("POST", "/000000000000/orders", {})
    assert seen["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert seen["headers"]["x-amz-security-token"] == SESSION_TOKEN
    assert {"host", "x-amz-date", "content-type"} <= set(seen["signature"]["signed_headers"])
    assert parse_qs(seen["body"].decode()) == {"Action": ["SendMessage"], "MessageBody": [message]}


def test_dynamodb_action_with_template_and_selection_by_status(gw, c):
    api_id, root = new_api(c)
    pets = c.create_resource(restApiId=api_id, parentId=root, pathPart="pets")["id"]
    res = c.create_resource(restApiId=api_id, parentId=pets, pathPart="{id}")["id"]
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="PUT", authorizationType="NONE")
    c.put_integration(
        restApiId=api_id, resourceId=res, httpMethod="PUT", type="AWS", integrationHttpMethod="POST",
        uri="arn:aws:apigateway:eu-west-1:dynamodb:action/PutItem",
        credentials="arn:aws:iam::000000000000:role/apigw-dynamodb",
        requestTemplates={"application/json": json.dumps({
            "TableName": "pets",
            "Item": {"id": {"S": "$input.params('id')"}, "name": {"S": "$input.path('$.name')"}}})})
    respond(c, api_id, res, "PUT", "200", "", '{"stored": "$input.params(\'id\')"}')
    respond(c, api_id, res, "PUT", "409", "4\\d{2}", '{"error": "$input.path(\'$.message\')"}')
    c.create_deployment(restApiId=api_id, stageName="dev")
    url = f"/restapis/{api_id}/dev/_user_request_/pets"

    status, _, body = call(gw.port, "PUT", f"{url}/rex", body='{"name": "Rex"}',
                           headers={"content-type": "application/json"})
    assert (status, json.loads(body)) == (200, {"stored": "rex"})
    [seen] = FakeAws.requests
    assert seen["signature"]["valid"], seen
    assert (seen["signature"]["service"], seen["signature"]["region"]) == ("dynamodb", "eu-west-1")
    assert (seen["method"], seen["path"], seen["query"]) == ("POST", "/", {"Action": ["PutItem"]})
    assert seen["headers"]["x-amz-target"] == "DynamoDB_20120810.PutItem"
    assert seen["headers"]["content-type"] == "application/x-amz-json-1.0"
    assert json.loads(seen["body"]) == {"TableName": "pets",
                                        "Item": {"id": {"S": "rex"}, "name": {"S": "Rex"}}}

    status, _, body = call(gw.port, "PUT", f"{url}/taken", body='{"name": "Dup"}',
                           headers={"content-type": "application/json"})
    assert (status, json.loads(body)) == (409, {"error": "The conditional request failed"})


def test_get_action_carries_action_and_mapped_query_with_stage_variable_region(gw, c):
    api_id, root = new_api(c)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE",
                 requestParameters={"method.request.querystring.name": True})
    c.put_integration(
        restApiId=api_id, resourceId=root, httpMethod="GET", type="AWS", integrationHttpMethod="GET",
        uri="arn:aws:apigateway:${stageVariables.region}:sqs:action/GetQueueUrl",
        credentials="arn:aws:iam::000000000000:role/apigw-sqs",
        requestParameters={"integration.request.querystring.QueueName": "method.request.querystring.name"})
    respond(c, api_id, root, "GET", "200", "")
    respond(c, api_id, root, "GET", "404", "400", '{"missing": true}')
    c.create_deployment(restApiId=api_id, stageName="dev", variables={"region": "ap-south-1"})
    url = f"/restapis/{api_id}/dev/_user_request_/"

    status, _, body = call(gw.port, "GET", url + "?name=jobs%20queue")
    assert status == 200, body
    assert json.loads(body) == {"GetQueueUrlResponse": {"GetQueueUrlResult": {
        "QueueUrl": "http://sqs.ap-south-1.localhost/000000000000/jobs queue"}}}
    [seen] = FakeAws.requests
    assert seen["signature"]["valid"], seen
    assert seen["signature"]["region"] == "ap-south-1"
    assert (seen["method"], seen["path"], seen["body"]) == ("GET", "/", b"")
    assert seen["query"] == {"Action": ["GetQueueUrl"], "QueueName": ["jobs queue"]}
    assert seen["headers"]["user-agent"] == f"AmazonAPIGateway_{api_id}"

    status, _, body = call(gw.port, "GET", url + "?name=missing")
    assert (status, json.loads(body)) == (404, {"missing": True})


def sqs_api(c, queue, timeout=None):
    api_id, root = new_api(c)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="POST", authorizationType="NONE")
    extra = {"timeoutInMillis": timeout} if timeout else {}
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="POST", type="AWS",
                      integrationHttpMethod="POST",
                      uri=f"arn:aws:apigateway:us-east-1:sqs:path/000000000000/{queue}",
                      credentials="arn:aws:iam::000000000000:role/apigw-sqs",
                      requestTemplates={"application/json": "Action=SendMessage&MessageBody=x"},
                      **extra)
    respond(c, api_id, root, "POST", "200", "")
    c.create_deployment(restApiId=api_id, stageName="dev")
    return f"/restapis/{api_id}/dev/_user_request_/"


def test_slow_service_times_out_with_504(gw, c):
    url = sqs_api(c, "slow", timeout=300)
    t0 = time.monotonic()
    status, _, body = call(gw.port, "POST", url, body="{}", headers={"content-type": "application/json"})
    assert (status, json.loads(body)) == (504, {"message": "Endpoint request timed out"})
    assert time.monotonic() - t0 < 1.8


def test_unreachable_endpoint_is_500():
    srv = ProsceniumServer(extra_args=["--aws-endpoint", f"http://127.0.0.1:{free_port()}"])
    srv.start()
    try:
        url = sqs_api(make_client(srv.endpoint), "q")
        status, headers, body = call(srv.port, "POST", url, body="{}",
                                     headers={"content-type": "application/json"})
        assert (status, json.loads(body)) == (500, {"message": "Internal server error"})
        assert headers["x-amzn-errortype"] == "InternalServerErrorException"
    finally:
        srv.cleanup()
