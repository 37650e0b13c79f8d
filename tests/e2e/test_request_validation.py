"""Request body validation against a method's model (issue #20 item 21).

The control plane is driven with boto3 (CreateModel, CreateRequestValidator, PutMethod with
requestModels and requestValidatorId, CreateDeployment); the deployed stage is invoked over
HTTP and what a client sees is asserted: AWS's 400 `{"message":"Invalid request body"}` and
the validator's messages in `$context.error.validationErrorString`.
"""

from __future__ import annotations

import json

import pytest

from e2e_helpers import add_mock_method, create_api, raw_request

OWNER = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 3}},
}


def pet_schema(api_id: str) -> dict:
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Pet",
        "type": "object",
        "required": ["name", "type"],
        "additionalProperties": False,
        "definitions": {"price": {"type": "number", "minimum": 0, "maximum": 10}},
        "properties": {
            "name": {"type": "string"},
            "type": {"type": "string", "enum": ["dog", "cat"]},
            "tag": {"type": "string", "pattern": "^[a-z]+$"},
            "price": {"$ref": "#/definitions/price"},
            "owner": {"$ref": f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Owner"},
            "toys": {
                "type": "array",
                "maxItems": 2,
                "items": {"type": "object", "required": ["id"],
                          "properties": {"id": {"type": "integer"}}},
            },
        },
    }


@pytest.fixture
def pets(client, endpoint):
    """An API whose POST /pets validates its body against Pet, deployed to `dev`."""
    api = create_api(client)
    api_id = api["id"]
    root = client.get_resources(restApiId=api_id)["items"][0]["id"]
    client.create_model(restApiId=api_id, name="Owner", contentType="application/json",
                        schema=json.dumps(OWNER))
    client.create_model(restApiId=api_id, name="Pet", contentType="application/json",
                        schema=json.dumps(pet_schema(api_id)))
    body_validator = client.create_request_validator(restApiId=api_id, name="body",
                                                     validateRequestBody=True)
    params_only = client.create_request_validator(restApiId=api_id, name="params",
                                                  validateRequestParameters=True)
    for path, validator in (("pets", body_validator), ("loose", params_only)):
        res = client.create_resource(restApiId=api_id, parentId=root, pathPart=path)
        add_mock_method(client, api_id, res["id"], "POST")
        client.update_method(restApiId=api_id, resourceId=res["id"], httpMethod="POST",
                             patchOperations=[
                                 {"op": "replace", "path": "/requestValidatorId",
                                  "value": validator["id"]},
                                 {"op": "add", "path": "/requestModels/application~1json",
                                  "value": "Pet"},
                             ])
    client.create_deployment(restApiId=api_id, stageName="dev")

    def post(path: str, body, headers: dict | None = None):
        data = body if isinstance(body, str) else json.dumps(body)
        return raw_request(endpoint, "POST", f"/restapis/{api_id}/dev/_user_request_/{path}",
                           body=data, headers=headers, sign=False)

    yield api_id, post
    client.delete_rest_api(restApiId=api_id)


VALID = {"name": "Rex", "type": "dog", "tag": "good", "price": 3.5,
         "owner": {"name": "Ann"}, "toys": [{"id": 1}, {"id": 2}]}


def assert_invalid(resp):
    assert (resp.status, resp.body) == (400, b'{"message":"Invalid request body"}')
    assert resp.headers.get("x-amzn-errortype") == "BadRequestException"


def test_a_valid_body_is_served(pets):
    _, post = pets
    resp = post("pets", VALID)
    assert (resp.status, resp.json()) == (200, {"ok": True})


@pytest.mark.parametrize("body", [
    {"type": "dog"},                                        # missing required property
    {"name": 7, "type": "dog"},                             # wrong type
    {"name": "Rex", "type": "bird"},                        # enum
    {"name": "Rex", "type": "dog", "tag": "Bad1"},          # pattern
    {"name": "Rex", "type": "dog", "price": 11},            # $ref to #/definitions
    {"name": "Rex", "type": "dog", "owner": {}},            # $ref to another model
    {"name": "Rex", "type": "dog", "owner": {"name": "A"}},
    {"name": "Rex", "type": "dog", "toys": [{"id": "x"}]},  # nested array of objects
    {"name": "Rex", "type": "dog", "toys": [{}, {}, {}]},
    {"name": "Rex", "type": "dog", "color": "red"},         # additionalProperties false
    [],
    "not json",
    '{"name": "Rex", "type": "dog", "toys": ' + "[" * 5000 + "]" * 5000 + "}",  # too deep
    '{"name": "Rex", "type": "dog", "price": 1e999}',
])
def test_an_invalid_body_is_refused(pets, body):
    _, post = pets
    assert_invalid(post("pets", body))


def test_a_validator_without_body_validation_does_not_check_the_body(pets):
    _, post = pets
    resp = post("loose", {"type": "bird"})
    assert (resp.status, resp.json()) == (200, {"ok": True})


def test_a_content_type_without_a_model_is_not_checked(client, pets):
    api_id, post = pets
    res = next(r for r in client.get_resources(restApiId=api_id)["items"] if r["path"] == "/pets")
    client.update_integration(restApiId=api_id, resourceId=res["id"], httpMethod="POST",
                              patchOperations=[{"op": "add",
                                                "path": "/requestTemplates/text~1plain",
                                                "value": '{"statusCode": 200}'}])
    client.create_deployment(restApiId=api_id, stageName="dev")
    resp = post("pets", {"type": "bird"}, headers={"Content-Type": "text/plain"})
    assert resp.status == 200
    assert_invalid(post("pets", {"type": "bird"},
                        headers={"Content-Type": "Application/JSON; charset=utf-8"}))


def test_a_default_model_applies_to_every_other_content_type(client, pets):
    api_id, post = pets
    res = next(r for r in client.get_resources(restApiId=api_id)["items"] if r["path"] == "/pets")
    kw = {"restApiId": api_id, "resourceId": res["id"], "httpMethod": "POST"}
    client.update_integration(**kw, patchOperations=[
        {"op": "add", "path": "/requestTemplates/text~1plain", "value": '{"statusCode": 200}'}])
    client.update_method(**kw, patchOperations=[
        {"op": "add", "path": "/requestModels/$default", "value": "Owner"}])
    client.create_deployment(restApiId=api_id, stageName="dev")
    text = {"Content-Type": "text/plain"}
    assert post("pets", {"name": "Bob"}, headers=text).status == 200
    assert_invalid(post("pets", {"name": "B"}, headers=text))
    # application/json keeps its own model.
    assert_invalid(post("pets", {"name": "Bob"}))
    assert post("pets", VALID).status == 200


EXPECTED = [
    ({"type": "dog"}, '[object has missing required properties (["name"])]'),
    ({"name": 7, "type": "dog"},
     '[instance type (integer) does not match any allowed primitive type (allowed: ["string"])]'),
    ({"name": "Rex", "type": "bird"},
     '[instance value ("bird") not found in enum (possible values: ["dog","cat"])]'),
    ({"name": "Rex", "type": "dog", "tag": "Bad1"},
     '[ECMA 262 regex "^[a-z]+$" does not match input string "Bad1"]'),
    ({"name": "Rex", "type": "dog", "price": 11},
     "[numeric instance is greater than the required maximum (maximum: 10, found: 11)]"),
    ({"name": "Rex", "type": "dog", "owner": {"name": "A"}},
     '[string "A" is too short (length: 1, required minimum: 3)]'),
    ({"name": "Rex", "type": "dog", "toys": [{}, {}, {}]},
     "[array is too long: must have at most 2 elements but instance has 3 elements]"),
    ({"name": "Rex", "type": "dog", "color": "red", "size": 1},
     '[object instance has properties which are not allowed by the schema: ["color","size"]]'),
    ({"color": "red"},
     '[object instance has properties which are not allowed by the schema: ["color"], '
     'object has missing required properties (["name","type"])]'),
]


def test_the_validation_error_string_reaches_a_customised_bad_request_body(client, pets):
    api_id, post = pets
    client.put_gateway_response(
        restApiId=api_id, responseType="BAD_REQUEST_BODY", statusCode="422",
        responseTemplates={"application/json": '{"message": $context.error.messageString, '
                                               '"errors": "$context.error.validationErrorString"}'})
    client.create_deployment(restApiId=api_id, stageName="dev")
    for body, text in EXPECTED:
        resp = post("pets", body)
        assert resp.status == 422, body
        assert resp.body.decode() == (
            '{"message": "Invalid request body", "errors": "' + text + '"}'), body
    assert post("pets", VALID).status == 200


def test_a_model_that_cannot_be_compiled_refuses_requests(client, pets):
    api_id, post = pets
    client.update_model(restApiId=api_id, modelName="Owner", patchOperations=[
        {"op": "replace", "path": "/schema",
         "value": json.dumps({"$ref": "https://example.com/remote.json"})}])
    client.create_deployment(restApiId=api_id, stageName="dev")
    resp = post("pets", VALID)
    assert (resp.status, resp.body) == (500, b'{"message": "Internal server error"}')
