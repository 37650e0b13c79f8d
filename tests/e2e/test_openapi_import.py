"""OpenAPI import through the real binary: ImportRestApi and PutRestApi (overwrite and
merge) with boto3 and the AWS CLI, the resulting resources read back with the management
API, then the imported MOCK and HTTP integrations invoked over HTTP against a loopback
backend. Expected shapes and messages are AWS's (recorded import cases)."""

from __future__ import annotations

import http.client
import json
import os
from http.server import BaseHTTPRequestHandler

import pytest

from e2e_helpers import expect_error, serve_http, status_of, unique_name, wait_for

HERE = os.path.join(os.path.dirname(__file__), "openapi")


class Backend(BaseHTTPRequestHandler):
    """Echoes the request it received as JSON."""

    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        payload = json.dumps({"method": self.command, "path": self.path, "body": body,
                              "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def backend():
    srv = serve_http(Backend)
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def document(name: str, backend: str) -> bytes:
    with open(os.path.join(HERE, name)) as f:
        return f.read().replace("BACKEND", backend).encode()


def call(server, method, api_id, stage, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(method, f"/restapis/{api_id}/{stage}/_user_request_{path}", body=body,
                 headers=dict(headers or {}))
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def call_when_deployed(server, method, api_id, stage, path, **kw):
    """The first call waits until the data plane has compiled the new deployment."""
    out = []

    def ready():
        out[:] = [call(server, method, api_id, stage, path, **kw)]
        return out[0][0] != 403 or b"Missing Authentication Token" not in out[0][2]

    wait_for(ready)
    return out[0]


def resources_by_path(client, api_id):
    items = client.get_resources(restApiId=api_id, limit=500)["items"]
    return {r["path"]: r for r in items}


@pytest.fixture
def cleanup(client):
    ids = []
    yield ids
    for i in ids:
        try:
            client.delete_rest_api(restApiId=i)
        except Exception:
            pass


def test_import_swagger_petstore_reads_back_as_aws_builds_it(client, backend, cleanup):
    resp = client.import_rest_api(body=document("petstore_swagger.json", backend))
    cleanup.append(resp["id"])
    assert status_of(resp) == 201
    assert resp["name"] == "PetStore"
    assert resp["version"] == "1.0"
    assert resp["binaryMediaTypes"] == ["image/png"]
    assert resp["minimumCompressionSize"] == 1024
    assert resp["endpointConfiguration"] == {"types": ["EDGE"], "ipAddressType": "ipv4"}
    assert "warnings" not in resp
    api_id = resp["id"]

    paths = resources_by_path(client, api_id)
    assert set(paths) == {"/", "/pets", "/pets/{petId}", "/owners", "/{proxy+}"}
    assert set(paths["/pets"]["resourceMethods"]) == {"GET", "POST"}
    assert set(paths["/{proxy+}"]["resourceMethods"]) == {"ANY"}

    models = {m["name"]: m for m in client.get_models(restApiId=api_id)["items"]}
    assert set(models) == {"Pets", "Pet", "NewPet", "PetType", "NewPetResponse"}
    assert json.loads(models["Pets"]["schema"])["items"]["$ref"] == \
        f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Pet"
    assert all(m["contentType"] == "application/json" for m in models.values())

    root_get = client.get_method(restApiId=api_id, resourceId=paths["/"]["id"], httpMethod="GET")
    assert root_get["authorizationType"] == "NONE"
    assert root_get["methodResponses"]["200"]["responseParameters"] == \
        {"method.response.header.Content-Type": False}
    integ = root_get["methodIntegration"]
    assert integ["type"] == "MOCK"
    assert integ["passthroughBehavior"] == "WHEN_NO_MATCH"
    assert integ["cacheNamespace"] == paths["/"]["id"]
    assert integ["integrationResponses"]["200"]["responseParameters"] == \
        {"method.response.header.Content-Type": "'text/html'"}

    pets_get = client.get_method(restApiId=api_id, resourceId=paths["/pets"]["id"], httpMethod="GET")
    assert pets_get["operationName"] == "ListPets"
    assert pets_get["requestParameters"] == {"method.request.querystring.type": False,
                                             "method.request.querystring.page": False}
    mr = client.get_method_response(restApiId=api_id, resourceId=paths["/pets"]["id"],
                                    httpMethod="GET", statusCode="200")
    assert mr["responseModels"] == {"application/json": "Pets"}
    assert mr["responseParameters"] == {"method.response.header.Access-Control-Allow-Origin": False}
    i = pets_get["methodIntegration"]
    assert (i["type"], i["httpMethod"], i["connectionType"], i["timeoutInMillis"]) == \
        ("HTTP", "GET", "INTERNET", 5000)

    pets_post = client.get_method(restApiId=api_id, resourceId=paths["/pets"]["id"], httpMethod="POST")
    assert pets_post["apiKeyRequired"] is True
    assert pets_post["requestModels"] == {"application/json": "NewPet"}
    validators = {v["id"]: v for v in client.get_request_validators(restApiId=api_id)["items"]}
    assert validators[pets_post["requestValidatorId"]] == {
        "id": pets_post["requestValidatorId"], "name": "all",
        "validateRequestBody": True, "validateRequestParameters": True}
    assert len(validators) == 2

    authorizers = {a["name"]: a for a in client.get_authorizers(restApiId=api_id)["items"]}
    tok = authorizers["tokenauth"]
    assert (tok["type"], tok["authType"], tok["identitySource"], tok["authorizerResultTtlInSeconds"],
            tok["identityValidationExpression"]) == \
        ("TOKEN", "oauth2", "method.request.header.Authorization", 60, "^x-[a-z]+")
    assert authorizers["pool"]["type"] == "COGNITO_USER_POOLS"
    pet_get = client.get_method(restApiId=api_id, resourceId=paths["/pets/{petId}"]["id"], httpMethod="GET")
    assert (pet_get["authorizationType"], pet_get["authorizerId"]) == ("CUSTOM", tok["id"])
    assert pet_get["methodIntegration"]["cacheKeyParameters"] == ["method.request.path.petId"]
    pet_delete = client.get_method(restApiId=api_id, resourceId=paths["/pets/{petId}"]["id"],
                                   httpMethod="DELETE")
    assert pet_delete["authorizationType"] == "AWS_IAM"
    owners = client.get_method(restApiId=api_id, resourceId=paths["/owners"]["id"], httpMethod="GET")
    assert (owners["authorizationType"], owners["authorizationScopes"]) == \
        ("COGNITO_USER_POOLS", ["pets/read"])

    gr = client.get_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")
    assert (gr["statusCode"], gr["defaultResponse"]) == ("404", False)


def test_imported_integrations_answer_over_http(client, server, backend, cleanup):
    api_id = client.import_rest_api(body=document("petstore_swagger.json", backend))["id"]
    cleanup.append(api_id)
    client.create_deployment(restApiId=api_id, stageName="test")

    status, headers, body = call_when_deployed(server, "GET", api_id, "test", "/")
    assert status == 200
    assert headers["content-type"] == "text/html"
    assert body == b"<html><body>Welcome to test</body></html>"

    status, headers, body = call(server, "GET", api_id, "test", "/pets?type=dog&page=2")
    assert status == 200
    assert headers["access-control-allow-origin"] == "*"
    seen = json.loads(body)
    assert seen["method"] == "GET"
    assert seen["path"].startswith("/petstore/pets?")
    assert sorted(seen["path"].split("?")[1].split("&")) == ["page=2", "type=dog"]

    # The greedy ANY proxy forwards method, path and body.
    status, _, body = call(server, "PUT", api_id, "test", "/toys/1", body=b'{"a":1}',
                           headers={"content-type": "application/json"})
    seen = json.loads(body)
    assert (status, seen["method"], seen["path"], seen["body"]) == (200, "PUT", "/any/toys/1", '{"a":1}')

    # The imported gateway response answers a method the API lacks.
    status, headers, body = call(server, "POST", api_id, "test", "/")
    assert (status, headers["x-imported"], json.loads(body)) == (404, "yes", {"msg": "no such route"})
    # The imported API key requirement holds: no key, 403 Forbidden.
    status, _, body = call(server, "POST", api_id, "test", "/pets", body=b'{"type":"dog","price":30}',
                           headers={"content-type": "application/json"})
    assert (status, json.loads(body)) == (403, {"message": "Forbidden"})


def test_terraform_sequence_create_put_overwrite_patch_deploy(client, server, backend, cleanup):
    created = client.create_rest_api(name=unique_name("tf"))
    api_id = created["id"]
    cleanup.append(api_id)
    put = client.put_rest_api(restApiId=api_id, mode="overwrite",
                              body=document("terraform_oas30.yaml", backend))
    assert status_of(put) == 200
    assert (put["id"], put["rootResourceId"], put["name"], put["version"]) == \
        (api_id, created["rootResourceId"], "example", "1.0")
    assert put["endpointConfiguration"] == {"types": ["REGIONAL"], "ipAddressType": "ipv4"}
    assert put["tags"] == {"team": "platform"}
    policy = json.loads(put["policy"])
    assert policy["Statement"][0]["Resource"] == f"arn:aws:execute-api:us-east-1:000000000000:{api_id}/*"
    # CreateRestApi's default models are gone: overwrite replaces the definition.
    assert sorted(m["name"] for m in client.get_models(restApiId=api_id)["items"]) == ["Greeting", "Item"]

    updated = client.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/name", "value": "tf-renamed"},
        {"op": "replace", "path": "/description", "value": "managed by terraform"},
    ])
    assert (updated["name"], updated["description"]) == ("tf-renamed", "managed by terraform")
    client.create_deployment(restApiId=api_id, stageName="prod")

    status, _, body = call_when_deployed(server, "GET", api_id, "prod", "/path1")
    assert (status, json.loads(body)) == (200, {"message": "hello from prod"})
    # Required header declared by the document and checked by its validator.
    status, _, body = call(server, "GET", api_id, "prod", "/items/7")
    assert status == 400
    assert json.loads(body) == {"message": "Missing required request parameters: [X-Trace]"}
    status, _, body = call(server, "GET", api_id, "prod", "/items/7", headers={"X-Trace": "t1"})
    seen = json.loads(body)
    assert (status, seen["path"], seen["headers"]["x-trace"]) == (200, "/items/7", "t1")
    status, _, body = call(server, "PUT", api_id, "prod", "/items/9", body=b'{"name":"n"}',
                           headers={"content-type": "application/json"})
    seen = json.loads(body)
    assert (status, seen["method"], seen["path"], json.loads(seen["body"])) == \
        (200, "PUT", "/items/9", {"wrapped": {"name": "n"}})
    status, _, body = call(server, "PUT", api_id, "prod", "/items/9", body=b'{}',
                           headers={"content-type": "application/json"})
    assert (status, json.loads(body)) == (400, {"message": "Invalid request body"})

    # A second overwrite (terraform apply after an edit) replaces the tree.
    doc = b'{"swagger":"2.0","info":{"title":"example","version":"2"},"paths":{"/only":{"get":{"responses":{}}}}}'
    client.put_rest_api(restApiId=api_id, mode="overwrite", body=doc)
    assert set(resources_by_path(client, api_id)) == {"/", "/only"}


def test_merge_adds_and_replaces_overwrite_replaces(client, backend, cleanup):
    api_id = client.import_rest_api(body=document("petstore_swagger.json", backend))["id"]
    cleanup.append(api_id)
    before = resources_by_path(client, api_id)
    extra = json.dumps({
        "swagger": "2.0", "info": {"title": "PetStore", "version": "2.0"},
        "paths": {
            "/toys": {"get": {"responses": {"200": {"description": "ok"}},
                              "x-amazon-apigateway-integration": {"type": "mock"}}},
            "/pets": {"get": {"responses": {},
                              "x-amazon-apigateway-integration": {"type": "mock"}}}},
    }).encode()
    merged = client.put_rest_api(restApiId=api_id, mode="merge", body=extra)
    assert merged["version"] == "2.0"
    assert merged["binaryMediaTypes"] == ["image/png"]
    after = resources_by_path(client, api_id)
    assert set(after) == set(before) | {"/toys"}
    assert after["/pets"]["id"] == before["/pets"]["id"]
    get = client.get_method(restApiId=api_id, resourceId=after["/pets"]["id"], httpMethod="GET")
    assert get["methodIntegration"]["type"] == "MOCK"
    assert "POST" in after["/pets"]["resourceMethods"]
    assert len(client.get_models(restApiId=api_id)["items"]) == 5

    over = client.put_rest_api(restApiId=api_id, mode="overwrite", body=extra)
    assert "binaryMediaTypes" not in over
    assert set(resources_by_path(client, api_id)) == {"/", "/toys", "/pets"}
    assert client.get_models(restApiId=api_id)["items"] == []
    assert client.get_authorizers(restApiId=api_id)["items"] == []


def test_bad_documents_answer_invalid_openapi_input(client, api):
    for body in [b"{not json", b"key: [unclosed", b"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
                 b"just a string", b""]:
        expect_error(client.import_rest_api, 400, "BadRequestException", "Invalid OpenAPI input.", body=body)
        expect_error(client.put_rest_api, 400, "BadRequestException", "Invalid OpenAPI input.",
                     restApiId=api["id"], mode="overwrite", body=body)
    expect_error(client.put_rest_api, 404, "NotFoundException",
                 "Invalid API identifier specified 000000000000:nosuchapi",
                 restApiId="nosuchapi", mode="overwrite", body=b'{"swagger":"2.0","info":{"title":"t"},"paths":{}}')


WARNING_DOC = json.dumps({
    "openapi": "3.0.1", "info": {"title": "warned", "version": "1"},
    "paths": {"/test": {"get": {
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {
            "type": "mock", "requestParameters": {"integration.request.header.nothing": True},
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"}}}}},
}).encode()


def test_warnings_are_returned_and_failonwarnings_leaves_nothing(client_factory):
    c = client_factory(region="eu-north-1")
    before = c.get_rest_apis()["items"]
    resp = c.import_rest_api(body=WARNING_DOC)
    try:
        assert resp["warnings"] == [
            "Invalid format for 'requestParameters'. Expected type string for property "
            "'integration.request.header.nothing' of resource '/test' and method 'GET' but got 'true'"]
        err = expect_error(c.import_rest_api, 400, "BadRequestException", failOnWarnings=True,
                           body=WARNING_DOC)
        assert err["Error"]["Message"].startswith("Warnings found during import:")
        assert len(c.get_rest_apis()["items"]) == len(before) + 1
        # PutRestApi under failonwarnings changes nothing either.
        original = resources_by_path(c, resp["id"])
        expect_error(c.put_rest_api, 400, "BadRequestException", restApiId=resp["id"], mode="overwrite",
                     failOnWarnings=True, body=WARNING_DOC.replace(b"/test", b"/other"))
        assert resources_by_path(c, resp["id"]) == original
    finally:
        c.delete_rest_api(restApiId=resp["id"])


def test_errors_fail_the_whole_import(client_factory):
    c = client_factory(region="eu-north-1")
    before = len(c.get_rest_apis()["items"])
    doc = json.dumps({
        "swagger": "2.0", "info": {"title": "broken", "version": "1"},
        "paths": {
            "/ok": {"get": {"responses": {}, "x-amazon-apigateway-integration": {"type": "mock"}}},
            "/bad": {"get": {"responses": {}, "x-amazon-apigateway-integration": {
                "type": "http", "httpMethod": "GET", "uri": "not-a-url"}}}},
    }).encode()
    err = expect_error(c.import_rest_api, 400, "BadRequestException", body=doc)
    assert err["Error"]["Message"] == ("Errors found during import:\n\tUnable to put integration on 'GET' "
                                       "for resource at path '/bad': Invalid HTTP endpoint specified for URI")
    assert len(c.get_rest_apis()["items"]) == before


@pytest.mark.parametrize("mode,expected", [
    ("ignore", {"/", "/test"}),
    ("prepend", {"/", "/base-url", "/base-url/part", "/base-url/part/test"}),
    ("split", {"/", "/part", "/part/test"}),
])
def test_base_path_modes(client, api, mode, expected):
    doc = json.dumps({
        "openapi": "3.0.1", "info": {"title": "bp", "version": "2.0"},
        "servers": [{"url": "https://example.com/base-url/part"}],
        "paths": {"/test": {"get": {"responses": {"200": {"description": "ok"}},
                                    "x-amazon-apigateway-integration": {"type": "mock"}}}},
    }).encode()
    client.put_rest_api(restApiId=api["id"], mode="overwrite", parameters={"basepath": mode}, body=doc)
    assert set(resources_by_path(client, api["id"])) == expected


def test_cli_imports_yaml_with_endpoint_type(aws, tmp_path, backend):
    f = tmp_path / "api.yaml"
    f.write_bytes(document("terraform_oas30.yaml", backend))
    out = aws.ok("apigateway", "import-rest-api", "--body", f"fileb://{f}",
                 "--parameters", "endpointConfigurationTypes=REGIONAL")
    try:
        assert out["name"] == "example"
        assert out["endpointConfiguration"]["types"] == ["REGIONAL"]
        res = aws.ok("apigateway", "get-resources", "--rest-api-id", out["id"])
        assert {r["path"] for r in res["items"]} == {"/", "/path1", "/items", "/items/{id}"}
    finally:
        aws("apigateway", "delete-rest-api", "--rest-api-id", out["id"])
