"""GetExport through the real binary: the shapes AWS writes (recorded export cases), the
stage's deployment snapshot rather than the live definition, JSON and YAML, and the round
trip export → import into a new API → deploy → export giving the same document for every
API these tests build."""

from __future__ import annotations

import json
import os

import pytest
import yaml

from e2e_helpers import add_mock_method, expect_error, unique_name

HERE = os.path.join(os.path.dirname(__file__), "openapi")

SIMPLE_PETS = {
    "swagger": "2.0",
    "info": {"version": "1.0.0", "title": "Simple PetStore (Swagger)"},
    "x-amazon-apigateway-binary-media-types": ["image/png", "image/jpg"],
    "paths": {
        "/pets": {"get": {
            "responses": {"200": {"description": "pets"}},
            "x-amazon-apigateway-integration": {
                "type": "http", "httpMethod": "GET",
                "uri": "http://petstore-demo-endpoint.execute-api.com/petstore/pets",
                "responses": {"default": {"statusCode": "200"}},
                "passthroughBehavior": "when_no_match"}}},
        "/pets/{petId}": {"get": {
            "parameters": [{"name": "petId", "in": "path", "required": True, "type": "string"}],
            "responses": {"200": {"description": "a pet"}},
            "x-amazon-apigateway-integration": {
                "type": "http", "httpMethod": "GET",
                "uri": "http://petstore-demo-endpoint.execute-api.com/petstore/pets/{id}",
                "responses": {"default": {"statusCode": "200"}},
                "requestParameters": {"integration.request.path.id": "method.request.path.petId"},
                "passthroughBehavior": "when_no_match"}}},
    },
}


def export(client, api_id, stage, kind, extensions=None, accept="application/json"):
    kw = {"restApiId": api_id, "stageName": stage, "exportType": kind, "accepts": accept}
    if extensions:
        kw["parameters"] = {"extensions": extensions}
    resp = client.get_export(**kw)
    body = resp["body"].read()
    return resp, (yaml.safe_load(body) if "yaml" in accept else json.loads(body))


@pytest.fixture
def cleanup(client):
    ids = []
    yield ids
    for i in ids:
        try:
            client.delete_rest_api(restApiId=i)
        except Exception:
            pass


def imported(client, cleanup, body: bytes, stage="local"):
    api_id = client.import_rest_api(body=body)["id"]
    cleanup.append(api_id)
    client.create_deployment(restApiId=api_id, stageName=stage)
    return api_id


def test_swagger_and_oas30_shapes_match_aws(client, cleanup):
    api_id = imported(client, cleanup, json.dumps(SIMPLE_PETS).encode())
    host = f"{api_id}.execute-api.us-east-1.amazonaws.com"
    pet_param = {"name": "petId", "in": "path", "required": True, "type": "string"}

    resp, doc = export(client, api_id, "local", "swagger")
    assert resp["contentDisposition"] == 'attachment; filename="swagger_1.0.0.json"'
    assert resp["contentType"] == "application/octet-stream"
    assert doc == {
        "swagger": "2.0",
        "info": {"version": "1.0.0", "title": "Simple PetStore (Swagger)"},
        "host": host, "basePath": "/local", "schemes": ["https"],
        "paths": {
            "/pets": {"get": {"responses": {"200": {"description": "200 response"}}}},
            "/pets/{petId}": {"get": {"parameters": [pet_param],
                                      "responses": {"200": {"description": "200 response"}}}}},
    }
    assert list(doc) == ["swagger", "info", "host", "basePath", "schemes", "paths"]

    _, doc = export(client, api_id, "local", "swagger", extensions="integrations")
    assert doc["x-amazon-apigateway-binary-media-types"] == ["image/png", "image/jpg"]
    assert doc["paths"]["/pets/{petId}"]["get"]["x-amazon-apigateway-integration"] == {
        "type": "http", "httpMethod": "GET",
        "uri": "http://petstore-demo-endpoint.execute-api.com/petstore/pets/{id}",
        "responses": {"default": {"statusCode": "200"}},
        "requestParameters": {"integration.request.path.id": "method.request.path.petId"},
        "passthroughBehavior": "when_no_match"}

    resp, doc = export(client, api_id, "local", "oas30")
    assert resp["contentDisposition"] == 'attachment; filename="oas30_1.0.0.json"'
    assert doc == {
        "openapi": "3.0.1",
        "info": {"title": "Simple PetStore (Swagger)", "version": "1.0.0"},
        "servers": [{"url": f"https://{host}/{{basePath}}", "variables": {"basePath": {"default": "local"}}}],
        "paths": {
            "/pets": {"get": {"responses": {"200": {"description": "200 response", "content": {}}}}},
            "/pets/{petId}": {"get": {
                "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "200 response", "content": {}}}}}},
        "components": {},
    }


def test_models_and_responses_as_aws_writes_them(client, cleanup):
    with open(os.path.join(HERE, "petstore_swagger.json")) as f:
        body = f.read().replace("BACKEND", "127.0.0.1:9").encode()
    api_id = imported(client, cleanup, body)
    _, doc = export(client, api_id, "local", "swagger")
    get = doc["paths"]["/pets"]["get"]
    assert get["produces"] == ["application/json"]
    assert sorted(get["parameters"], key=lambda p: p["name"]) == [
        {"name": "page", "in": "query", "required": False, "type": "string"},
        {"name": "type", "in": "query", "required": False, "type": "string"}]
    assert get["responses"]["200"] == {"description": "200 response", "schema": {"$ref": "#/definitions/Pets"},
                                       "headers": {"Access-Control-Allow-Origin": {"type": "string"}}}
    post = doc["paths"]["/pets"]["post"]
    assert post["parameters"] == [{"in": "body", "name": "NewPet", "required": True,
                                   "schema": {"$ref": "#/definitions/NewPet"}}]
    assert post["security"] == [{"api_key": []}]
    assert doc["securityDefinitions"]["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert doc["definitions"]["Pets"] == {"type": "array", "items": {"$ref": "#/definitions/Pet"}}
    assert "x-amazon-apigateway-integration" not in get
    assert "x-amazon-apigateway-authorizer" not in doc["securityDefinitions"]["tokenauth"]

    _, doc = export(client, api_id, "local", "oas30", extensions="authorizers")
    assert doc["components"]["schemas"]["NewPet"]["properties"]["type"] == {"$ref": "#/components/schemas/PetType"}
    assert doc["paths"]["/pets"]["post"]["requestBody"] == {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}}, "required": True}
    tok = doc["components"]["securitySchemes"]["tokenauth"]
    assert tok["x-amazon-apigateway-authorizer"]["type"] == "token"
    assert doc["paths"]["/owners"]["get"]["security"] == [{"pool": ["pets/read"]}]


def test_export_reads_the_deployment_not_the_live_api(client, cleanup):
    api_id = imported(client, cleanup, json.dumps(SIMPLE_PETS).encode())
    root = [r for r in client.get_resources(restApiId=api_id)["items"] if r["path"] == "/"][0]["id"]
    extra = client.create_resource(restApiId=api_id, parentId=root, pathPart="toys")["id"]
    add_mock_method(client, api_id, extra, "GET")
    _, doc = export(client, api_id, "local", "oas30")
    assert "/toys" not in doc["paths"]
    client.create_deployment(restApiId=api_id, stageName="local")
    _, doc = export(client, api_id, "local", "oas30")
    assert "/toys" in doc["paths"]


def test_yaml_export_is_the_same_document(client, cleanup):
    api_id = imported(client, cleanup, json.dumps(SIMPLE_PETS).encode())
    for kind in ("oas30", "swagger"):
        resp, from_yaml = export(client, api_id, "local", kind, "integrations", accept="application/yaml")
        assert resp["contentDisposition"] == f'attachment; filename="{kind}_1.0.0.yaml"'
        _, from_json = export(client, api_id, "local", kind, "integrations")
        assert from_yaml == from_json


def test_unknown_stage_and_api(client, cleanup, api):
    expect_error(client.get_export, 404, "NotFoundException", "Invalid stage identifier specified",
                 restApiId=api["id"], stageName="nope", exportType="oas30")
    expect_error(client.get_export, 404, "NotFoundException",
                 "Invalid API identifier specified 000000000000:nosuchapi",
                 restApiId="nosuchapi", stageName="nope", exportType="oas30")


def built_call_by_call(client, cleanup):
    """An API built with the management API, not imported: authorizer, validator, models,
    gateway response, policy-free MOCK and HTTP methods."""
    api = client.create_rest_api(name=unique_name("built"), description="built by hand",
                                 binaryMediaTypes=["application/octet-stream"])
    api_id, root = api["id"], api["rootResourceId"]
    cleanup.append(api_id)
    client.create_model(restApiId=api_id, name="Thing", contentType="application/json",
                        schema=json.dumps({"type": "object", "properties": {"n": {"type": "integer"}}}))
    v = client.create_request_validator(restApiId=api_id, name="body-only", validateRequestBody=True)
    auth = client.create_authorizer(
        restApiId=api_id, name="req", type="REQUEST",
        authorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                      "arn:aws:lambda:us-east-1:000000000000:function:a/invocations",
        identitySource="method.request.header.X-Token")
    things = client.create_resource(restApiId=api_id, parentId=root, pathPart="things")["id"]
    add_mock_method(client, api_id, root, "GET")
    client.put_method(restApiId=api_id, resourceId=things, httpMethod="POST", authorizationType="CUSTOM",
                      authorizerId=auth["id"], requestValidatorId=v["id"], apiKeyRequired=True,
                      requestModels={"application/json": "Thing"},
                      requestParameters={"method.request.header.X-Token": True})
    client.put_method_response(restApiId=api_id, resourceId=things, httpMethod="POST", statusCode="201",
                               responseModels={"application/json": "Thing"},
                               responseParameters={"method.response.header.X-Id": False})
    client.put_integration(restApiId=api_id, resourceId=things, httpMethod="POST", type="HTTP",
                           integrationHttpMethod="POST", uri="http://127.0.0.1:9/things",
                           timeoutInMillis=3000, requestTemplates={"application/json": "$input.body"})
    client.put_integration_response(restApiId=api_id, resourceId=things, httpMethod="POST", statusCode="201",
                                    selectionPattern="2\\d{2}",
                                    responseParameters={"method.response.header.X-Id": "'1'"})
    client.put_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX", statusCode="418",
                                responseTemplates={"application/json": '{"m": "teapot"}'})
    client.create_deployment(restApiId=api_id, stageName="local")
    return api_id


def normalise(doc):
    """The parts that name the API itself (host, servers) differ between two APIs."""
    doc = dict(doc)
    doc.pop("host", None)
    doc.pop("servers", None)
    return doc


@pytest.mark.parametrize("kind", ["oas30", "swagger"])
@pytest.mark.parametrize("source", ["petstore", "terraform", "simple", "built", "documented"])
def test_round_trip_export_import_export(client, cleanup, kind, source):
    if source == "built":
        api_id = built_call_by_call(client, cleanup)
    elif source == "documented":
        from test_documentation import DOC
        api_id = imported(client, cleanup, json.dumps(DOC).encode())
    elif source == "simple":
        api_id = imported(client, cleanup, json.dumps(SIMPLE_PETS).encode())
    else:
        name = "petstore_swagger.json" if source == "petstore" else "terraform_oas30.yaml"
        with open(os.path.join(HERE, name)) as f:
            api_id = imported(client, cleanup, f.read().replace("BACKEND", "127.0.0.1:9").encode())
    _, first = export(client, api_id, "local", kind, "integrations")
    again = imported(client, cleanup, json.dumps(first).encode())
    _, second = export(client, again, "local", kind, "integrations")
    assert normalise(second) == normalise(first)
    if source == "documented":
        assert len(first["x-amazon-apigateway-documentation"]["documentationParts"]) == 4
    # The imported copy has the same resources and methods as the original.
    def tree(i):
        return sorted((r["path"], sorted(r.get("resourceMethods", {})))
                      for r in client.get_resources(restApiId=i, limit=500)["items"])
    assert tree(again) == tree(api_id)
