"""Methods, method responses, integrations and integration responses."""

import json

import pytest

from e2e_helpers import assert_error, client_error, status_of, strip_meta

RESOURCE_NOT_FOUND = "Invalid Resource identifier specified"
METHOD_NOT_FOUND = "Invalid Method identifier specified"
INTEGRATION_NOT_FOUND = "Invalid Integration identifier specified"
STATUS_NOT_FOUND = "Invalid Response status code specified"
AUTHORIZER_REQUIRED = (
    "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
    "COGNITO_USER_POOLS requires a valid authorizer."
)
OP_ENUM = "failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]"
STATUS_PATTERN = (
    "Value 'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular "
    "expression pattern: [1-5]\\d\\d"
)
LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:000000000000:function:MyLambda/invocations"
)
AUTHORIZER_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:myApiAuthorizer/invocations"
)


@pytest.fixture
def get_method(client, api_id, root_id):
    """GET / with a MOCK integration (no responses yet)."""
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    client.put_integration(restApiId=api_id, resourceId=root_id, httpMethod="GET", type="MOCK",
                           requestTemplates={"application/json": '{"statusCode": 200}'})
    return {"restApiId": api_id, "resourceId": root_id, "httpMethod": "GET"}


@pytest.fixture
def with_method_response(client, get_method):
    client.put_method_response(**get_method, statusCode="200",
                               responseParameters={"method.response.header.my-header": False},
                               responseModels={"application/json": "Empty"})
    return get_method


# ============================================================================ methods


def test_put_method_defaults(client, api_id, root_id):
    resp = client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY",
                             authorizationType="NONE")
    assert status_of(resp) == 201
    assert strip_meta(resp) == {"apiKeyRequired": False, "authorizationType": "NONE", "httpMethod": "ANY"}


def test_get_method(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY", authorizationType="NONE")
    resp = client.get_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY")
    assert status_of(resp) == 200
    assert strip_meta(resp) == {"apiKeyRequired": False, "authorizationType": "NONE", "httpMethod": "ANY"}


def test_delete_method(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY", authorizationType="NONE")
    resp = client.delete_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY")
    assert status_of(resp) == 204
    err = client_error(client.get_method, restApiId=api_id, resourceId=root_id, httpMethod="ANY")
    assert_error(err, 404, "NotFoundException", METHOD_NOT_FOUND)
    err = client_error(client.delete_method, restApiId=api_id, resourceId=root_id, httpMethod="ANY")
    assert_error(err, 404, "NotFoundException", METHOD_NOT_FOUND)


def test_put_method_twice_conflicts(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE",
                      operationName="first")
    err = client_error(client.put_method, restApiId=api_id, resourceId=root_id, httpMethod="GET",
                       authorizationType="AWS_IAM", apiKeyRequired=True)
    assert_error(err, 409, "ConflictException", "Method already exists for this resource")
    got = client.get_method(restApiId=api_id, resourceId=root_id, httpMethod="GET")
    assert got["authorizationType"] == "NONE"
    assert got["operationName"] == "first"


def test_put_method_request_parameters(client, api_id, root_id):
    params = {
        "method.request.querystring.q_optional": False,
        "method.request.querystring.q_required": True,
        "method.request.header.h_optional": False,
        "method.request.header.h_required": True,
    }
    resp = client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY",
                             authorizationType="NONE", requestParameters=params)
    assert resp["requestParameters"] == params
    got = client.get_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY")
    assert got["requestParameters"] == params


def test_put_method_parameter_names_must_be_unique(client, api_id, root_id):
    resp = client_error(client.put_method, restApiId=api_id, resourceId=root_id, httpMethod="GET",
                        authorizationType="NONE",
                        requestParameters={"method.request.querystring.optional": False,
                                           "method.request.header.optional": False})
    assert_error(resp, 400, "BadRequestException",
                 "Parameter names must be unique across querystring, header and path")


def test_put_method_invalid_http_method(client, api_id, root_id):
    resp = client_error(client.put_method, restApiId=api_id, resourceId=root_id, httpMethod="WRONG",
                        authorizationType="NONE")
    assert_error(resp, 400, "BadRequestException",
                 "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")


def test_put_method_unknown_api_or_resource(client, api_id, root_id):
    resp = client_error(client.put_method, restApiId="fake-api", resourceId=root_id,
                        httpMethod="WRONG", authorizationType="NONE")
    assert_error(resp, 404, "NotFoundException", RESOURCE_NOT_FOUND)
    resp = client_error(client.put_method, restApiId=api_id, resourceId="fake-resource-id",
                        httpMethod="WRONG", authorizationType="NONE")
    assert_error(resp, 404, "NotFoundException", RESOURCE_NOT_FOUND)


def test_put_method_custom_without_authorizer(client, api_id, root_id):
    resp = client_error(client.put_method, restApiId=api_id, resourceId=root_id, httpMethod="ANY",
                        authorizationType="CUSTOM")
    assert_error(resp, 400, "BadRequestException", AUTHORIZER_REQUIRED)


def test_put_method_unknown_request_validator(client, api_id, root_id):
    resp = client_error(client.put_method, restApiId=api_id, resourceId=root_id, httpMethod="ANY",
                        authorizationType="NONE", requestValidatorId="fake-validator")
    assert_error(resp, 400, "BadRequestException", "Invalid Request Validator identifier specified")


def test_put_method_unknown_model(client, api_id, root_id):
    resp = client_error(client.put_method, restApiId=api_id, resourceId=root_id, httpMethod="ANY",
                        authorizationType="NONE", requestModels={"application/json": "petModel"})
    assert_error(resp, 400, "BadRequestException", "Invalid model identifier specified: petModel")


def test_put_method_with_custom_authorizer(client, api_id, root_id):
    auth = client.create_authorizer(restApiId=api_id, name="lambda_authorizer", type="TOKEN",
                                    authorizerUri=AUTHORIZER_URI,
                                    identitySource="method.request.header.Auth")
    resp = client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET",
                             authorizationType="CUSTOM", authorizerId=auth["id"], apiKeyRequired=True)
    assert strip_meta(resp) == {"apiKeyRequired": True, "authorizationType": "CUSTOM",
                                "authorizerId": auth["id"], "httpMethod": "GET"}


def test_put_method_with_validator_and_model(client, api_id, root_id):
    validator = client.create_request_validator(restApiId=api_id, name="v", validateRequestBody=True)
    resp = client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="POST",
                             authorizationType="NONE", requestValidatorId=validator["id"],
                             requestModels={"application/json": "Empty"})
    assert resp["requestValidatorId"] == validator["id"]
    assert resp["requestModels"] == {"application/json": "Empty"}


def test_update_method_add_replace_remove(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY", authorizationType="NONE")
    kw = {"restApiId": api_id, "resourceId": root_id, "httpMethod": "ANY"}
    resp = client.update_method(**kw, patchOperations=[
        {"op": "add", "path": "/requestParameters/method.request.querystring.optional", "value": "true"},
        {"op": "add", "path": "/requestModels/application~1json", "value": "Empty"},
    ])
    assert status_of(resp) == 200
    assert resp["requestParameters"] == {"method.request.querystring.optional": True}
    assert resp["requestModels"] == {"application/json": "Empty"}

    resp = client.update_method(**kw, patchOperations=[
        {"op": "replace", "path": "/operationName", "value": "ReplacedOperationName"},
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
        {"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"},
        {"op": "replace", "path": "/requestParameters/method.request.querystring.optional", "value": "false"},
    ])
    assert strip_meta(resp) == {
        "apiKeyRequired": True, "authorizationType": "AWS_IAM", "httpMethod": "ANY",
        "operationName": "ReplacedOperationName",
        "requestModels": {"application/json": "Empty"},
        "requestParameters": {"method.request.querystring.optional": False},
    }

    auth = client.create_authorizer(restApiId=api_id, name="authorizer-test", type="TOKEN",
                                    authorizerUri=AUTHORIZER_URI,
                                    identitySource="method.request.header.Authorization")
    resp = client.update_method(**kw, patchOperations=[
        {"op": "replace", "path": "/authorizerId", "value": auth["id"]},
        {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
    ])
    assert resp["authorizationType"] == "CUSTOM"
    assert resp["authorizerId"] == auth["id"]

    resp = client.update_method(**kw, patchOperations=[
        {"op": "remove", "path": "/requestParameters/method.request.querystring.optional", "value": "true"},
        {"op": "remove", "path": "/requestModels/application~1json", "value": "Empty"},
    ])
    assert strip_meta(resp) == {
        "apiKeyRequired": True, "authorizationType": "CUSTOM", "authorizerId": auth["id"],
        "httpMethod": "ANY", "operationName": "ReplacedOperationName",
    }
    assert strip_meta(client.get_method(**kw)) == strip_meta(resp)


def test_update_method_not_found(client, api_id, root_id):
    patch = [{"op": "replace", "path": "/operationName", "value": "x"}]
    err = client_error(client.update_method, restApiId="fake-api", resourceId=root_id,
                       httpMethod="ANY", patchOperations=patch)
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)
    err = client_error(client.update_method, restApiId=api_id, resourceId="fake-resource-id",
                       httpMethod="ANY", patchOperations=patch)
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)
    err = client_error(client.update_method, restApiId=api_id, resourceId=root_id,
                       httpMethod="GET", patchOperations=patch)
    assert_error(err, 404, "NotFoundException", METHOD_NOT_FOUND)


@pytest.mark.parametrize(
    "patch, message",
    [
        ({"op": "add", "path": "/operationName", "value": "operationName"},
         "Invalid patch operation specified. Must be one of: [replace]"),
        ({"op": "add", "path": "/requestValidatorId", "value": "wrong-id"},
         "Invalid patch operation specified. Must be one of: [replace]"),
        ({"op": "add", "path": "/httpMethod", "value": "PUT"}, "Invalid patch path /httpMethod"),
        ({"op": "replace", "path": "/requestParameters", "value": "method.request.querystring.optional=false"},
         "Invalid patch path /requestParameters"),
        ({"op": "add", "path": "/requestModels/application/json", "value": "Empty"},
         "Invalid patch path /requestModels/application/json"),
        ({"op": "replace", "path": "/authorizationType", "value": "CUSTOM"}, AUTHORIZER_REQUIRED),
        ({"op": "replace", "path": "/requestValidatorId", "value": "fake-id"},
         "Invalid Request Validator identifier specified"),
    ],
)
def test_update_method_invalid_patches(client, api_id, root_id, patch, message):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY",
                      authorizationType="NONE", apiKeyRequired=True)
    err = client_error(client.update_method, restApiId=api_id, resourceId=root_id, httpMethod="ANY",
                       patchOperations=[patch])
    assert_error(err, 400, "BadRequestException", message)


def test_update_method_custom_with_unknown_authorizer(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY", authorizationType="NONE")
    err = client_error(client.update_method, restApiId=api_id, resourceId=root_id, httpMethod="ANY",
                       patchOperations=[
                           {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
                           {"op": "replace", "path": "/authorizerId", "value": "abc123"},
                       ])
    assert_error(err, 400, "BadRequestException", AUTHORIZER_REQUIRED)


def test_update_method_lenient_values(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY",
                      authorizationType="NONE", apiKeyRequired=True)
    kw = {"restApiId": api_id, "resourceId": root_id, "httpMethod": "ANY"}
    # a non-boolean string is read as false
    resp = client.update_method(**kw, patchOperations=[
        {"op": "replace", "path": "/apiKeyRequired", "value": "whatever"}])
    assert strip_meta(resp) == {"apiKeyRequired": False, "authorizationType": "NONE", "httpMethod": "ANY"}
    # an authorizer id on a NONE method is ignored
    resp = client.update_method(**kw, patchOperations=[
        {"op": "replace", "path": "/authorizerId", "value": "abc123"}])
    assert strip_meta(resp) == {"apiKeyRequired": False, "authorizationType": "NONE", "httpMethod": "ANY"}


# ============================================================================ method responses


def test_put_method_response_minimal(client, get_method):
    resp = client.put_method_response(**get_method, statusCode="200")
    assert status_of(resp) == 201
    assert strip_meta(resp) == {"statusCode": "200"}


def test_method_response_lifecycle(client, get_method):
    resp = client.put_method_response(**get_method, statusCode="200", responseParameters={},
                                      responseModels={})
    assert status_of(resp) == 201
    assert strip_meta(resp) == {"responseModels": {}, "responseParameters": {}, "statusCode": "200"}
    got = client.get_method_response(**get_method, statusCode="200")
    assert status_of(got) == 200
    assert strip_meta(got) == strip_meta(resp)

    expected = {"responseModels": {"application/json": "Empty"},
                "responseParameters": {"method.response.header.my-header": True},
                "statusCode": "200"}
    add = client.update_method_response(**get_method, statusCode="200", patchOperations=[
        {"op": "add", "path": "/responseParameters/method.response.header.my-header", "value": "true"},
        {"op": "add", "path": "/responseModels/application~1json", "value": "Empty"},
    ])
    assert status_of(add) == 201
    assert strip_meta(add) == expected
    rep = client.update_method_response(**get_method, statusCode="200", patchOperations=[
        {"op": "replace", "path": "/responseParameters/method.response.header.my-header", "value": "true"},
        {"op": "replace", "path": "/responseModels/application~1json", "value": "Empty"},
    ])
    assert status_of(rep) == 201
    assert strip_meta(rep) == expected

    method = client.get_method(**get_method)
    assert method["methodResponses"] == {"200": expected}

    resp = client.delete_method_response(**get_method, statusCode="200")
    assert status_of(resp) == 204
    err = client_error(client.get_method_response, **get_method, statusCode="200")
    assert_error(err, 404, "NotFoundException", STATUS_NOT_FOUND)


def test_update_method_response_remove_entries(client, with_method_response):
    resp = client.update_method_response(**with_method_response, statusCode="200", patchOperations=[
        {"op": "remove", "path": "/responseParameters/method.response.header.my-header", "value": "true"},
        {"op": "remove", "path": "/responseModels/application~1json", "value": "Empty"},
    ])
    assert status_of(resp) == 201
    assert strip_meta(resp) == {"statusCode": "200"}


def test_update_method_response_not_found(client, with_method_response):
    patch = [{"op": "replace", "path": "/responseParameters/method.response.header.my-header",
              "value": "true"}]
    kw = dict(with_method_response)
    err = client_error(client.update_method_response, **kw, statusCode="201", patchOperations=patch)
    assert_error(err, 404, "NotFoundException", STATUS_NOT_FOUND)
    err = client_error(client.update_method_response, **{**kw, "resourceId": "wrong"},
                       statusCode="200", patchOperations=patch)
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)
    err = client_error(client.update_method_response, **{**kw, "httpMethod": "POST"},
                       statusCode="200", patchOperations=patch)
    assert_error(err, 404, "NotFoundException", METHOD_NOT_FOUND)


def test_update_method_response_invalid_status_code(client, with_method_response):
    err = client_error(client.update_method_response, **with_method_response, statusCode="wrong",
                       patchOperations=[{"op": "replace",
                                         "path": "/responseParameters/method.response.header.my-header",
                                         "value": "true"}])
    assert_error(err, 400, "ValidationException", "1 validation error detected: " + STATUS_PATTERN)


def test_update_method_response_invalid_op_and_status_code(client, with_method_response):
    err = client_error(client.update_method_response, **with_method_response, statusCode="wrong",
                       patchOperations=[{"op": "wrong_op",
                                         "path": "/responseParameters/method.response.header.my-header",
                                         "value": "true"}])
    assert_error(err, 400, "ValidationException",
                 "2 validation errors detected: Value 'wrong_op' at "
                 f"'updateMethodResponseInput.patchOperations.1.member.op' {OP_ENUM}; {STATUS_PATTERN}")


def test_update_method_response_invalid_ops_are_all_reported(client, with_method_response):
    ops = [
        {"op": "wrong_op", "path": "/responseParameters/method.response.header.my-header", "value": "true"},
        {"op": "remove", "path": "/responseModels/application~1json", "value": "Empty"},
        {"op": "wrong_op", "path": "/responseModels/application~1json", "value": "Empty"},
    ]
    err = client_error(client.update_method_response, **with_method_response, statusCode="200",
                       patchOperations=ops)
    assert_error(err, 400, "ValidationException",
                 "2 validation errors detected: "
                 f"Value 'wrong_op' at 'updateMethodResponseInput.patchOperations.1.member.op' {OP_ENUM}; "
                 f"Value 'wrong_op' at 'updateMethodResponseInput.patchOperations.3.member.op' {OP_ENUM}")
    # nothing was applied
    got = client.get_method_response(**with_method_response, statusCode="200")
    assert got["responseModels"] == {"application/json": "Empty"}


@pytest.mark.parametrize(
    "op, path, value, message",
    [
        ("replace", "/responseParameters/wrong", "true", "Invalid parameter name specified"),
        ("remove", "/responseParameters/wrong", "true", "Invalid parameter name specified"),
        ("replace", "/responseModels/wrong", "Empty", "Content-Type specified was not found"),
        ("remove", "/responseModels/wrong", "Empty", "Content-Type specified was not found"),
    ],
)
def test_update_method_response_unknown_entries(client, with_method_response, op, path, value, message):
    err = client_error(client.update_method_response, **with_method_response, statusCode="200",
                       patchOperations=[{"op": op, "path": path, "value": value}])
    assert_error(err, 404, "NotFoundException", message)


def test_update_method_response_invalid_path(client, get_method):
    client.put_method_response(**get_method, statusCode="200", responseParameters={}, responseModels={})
    err = client_error(client.update_method_response, **get_method, statusCode="200", patchOperations=[
        {"op": "remove", "path": "/wrong/method.response.header.my-header", "value": "true"}])
    assert_error(err, 400, "BadRequestException", "Invalid patch path /wrong/method.response.header.my-header")


# ============================================================================ integrations


def test_put_mock_integration_defaults(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    resp = client.put_integration(restApiId=api_id, resourceId=root_id, httpMethod="GET", type="MOCK",
                                  requestTemplates={"application/json": '{"statusCode": 200}'})
    assert status_of(resp) == 201
    assert resp["type"] == "MOCK"
    assert resp["passthroughBehavior"] == "WHEN_NO_MATCH"
    assert resp["timeoutInMillis"] == 29000
    assert resp["cacheKeyParameters"] == []
    assert resp["cacheNamespace"]
    assert resp["requestTemplates"] == {"application/json": '{"statusCode": 200}'}
    assert set(strip_meta(resp)) == {"cacheKeyParameters", "cacheNamespace", "passthroughBehavior",
                                     "requestTemplates", "timeoutInMillis", "type"}


def test_put_mock_integration_with_request_parameters(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE",
                      requestParameters={"method.request.path.testPath": True})
    resp = client.put_integration(
        restApiId=api_id, resourceId=root_id, httpMethod="GET", type="MOCK",
        requestParameters={"integration.request.path.integrationPath": "method.request.path.testPath"},
        requestTemplates={"application/json": "{statusCode: 200}"})
    assert status_of(resp) == 201
    body = strip_meta(resp)
    assert body.pop("cacheNamespace")
    assert body == {
        "cacheKeyParameters": [],
        "passthroughBehavior": "WHEN_NO_MATCH",
        "requestParameters": {"integration.request.path.integrationPath": "method.request.path.testPath"},
        "requestTemplates": {"application/json": "{statusCode: 200}"},
        "timeoutInMillis": 29000,
        "type": "MOCK",
    }


def test_put_http_integration(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    resp = client.put_integration(restApiId=api_id, resourceId=root_id, httpMethod="GET", type="HTTP",
                                  uri="http://example.com", integrationHttpMethod="POST")
    assert status_of(resp) == 201
    assert {k: resp[k] for k in ("type", "httpMethod", "uri", "connectionType", "passthroughBehavior",
                                 "timeoutInMillis", "cacheKeyParameters")} == {
        "type": "HTTP", "httpMethod": "POST", "uri": "http://example.com", "connectionType": "INTERNET",
        "passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": 29000, "cacheKeyParameters": []}


def test_get_integration_and_method_embedding(client, get_method):
    got = client.get_integration(**get_method)
    assert status_of(got) == 200
    assert got["type"] == "MOCK"
    assert got["requestTemplates"] == {"application/json": '{"statusCode": 200}'}
    method = client.get_method(**get_method)
    assert method["methodIntegration"]["type"] == "MOCK"
    assert method["methodIntegration"]["timeoutInMillis"] == 29000


@pytest.mark.parametrize("integration_type", ["HTTP", "HTTP_PROXY", "AWS"])
def test_put_integration_requires_integration_http_method(client, api_id, root_id, integration_type):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    err = client_error(client.put_integration, restApiId=api_id, resourceId=root_id, httpMethod="GET",
                       type=integration_type, uri="http://example.com")
    assert_error(err, 400, "BadRequestException", "Enumeration value for HttpMethod must be non-empty")


@pytest.mark.parametrize("integration_type", ["HTTP", "HTTP_PROXY"])
def test_put_integration_invalid_http_uri(client, api_id, root_id, integration_type):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    err = client_error(client.put_integration, restApiId=api_id, resourceId=root_id, httpMethod="GET",
                       type=integration_type, uri="non-valid-http", integrationHttpMethod="POST")
    assert_error(err, 400, "BadRequestException", "Invalid HTTP endpoint specified for URI")


def test_put_aws_integration_invalid_arn(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    err = client_error(client.put_integration, restApiId=api_id, resourceId=root_id, httpMethod="GET",
                       type="AWS", uri="non-valid-arn", integrationHttpMethod="POST")
    assert_error(err, 400, "BadRequestException", "Invalid ARN specified in the request")


def test_put_aws_proxy_integration_only_lambda(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    err = client_error(client.put_integration, restApiId=api_id, resourceId=root_id, httpMethod="GET",
                       type="AWS_PROXY", uri="arn:aws:apigateway:us-west-2:s3:path/b/k",
                       integrationHttpMethod="POST",
                       credentials="arn:aws:iam::000000000000:role/service-role/testfunction-role")
    assert_error(err, 400, "BadRequestException",
                 "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.")


@pytest.mark.parametrize("integration_type", ["AWS", "AWS_PROXY"])
def test_put_lambda_integration(client, api_id, root_id, integration_type):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    resp = client.put_integration(restApiId=api_id, resourceId=root_id, httpMethod="GET",
                                  type=integration_type, uri=LAMBDA_URI, integrationHttpMethod="POST")
    assert status_of(resp) == 201
    assert (resp["type"], resp["uri"], resp["httpMethod"]) == (integration_type, LAMBDA_URI, "POST")
    assert set(strip_meta(resp)) == {"cacheKeyParameters", "cacheNamespace", "httpMethod", "passthroughBehavior",
                                     "timeoutInMillis", "type", "uri"}


def test_put_aws_integration_with_credentials(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    creds = "arn:aws:iam::000000000000:role/service-role/testfunction-role"
    resp = client.put_integration(restApiId=api_id, resourceId=root_id, httpMethod="GET", type="AWS",
                                  uri="arn:aws:apigateway:us-west-2:s3:path/b/k",
                                  integrationHttpMethod="POST", credentials=creds)
    assert resp["credentials"] == creds
    assert resp["uri"] == "arn:aws:apigateway:us-west-2:s3:path/b/k"


def test_put_integration_wrong_type(loose_client, api_id, root_id):
    err = client_error(loose_client.put_integration, restApiId=api_id, resourceId=root_id,
                       httpMethod="GET", type="HTTPS_PROXY")
    assert_error(err, 400, "ValidationException",
                 "1 validation error detected: Value 'HTTPS_PROXY' at 'putIntegrationInput.type' failed to "
                 "satisfy constraint: Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, HTTP_PROXY, AWS]")


def test_put_integration_missing_method_or_resource(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="POST", authorizationType="NONE")
    kw = dict(integrationHttpMethod="GET", type="MOCK",
              requestTemplates={"application/json": '{"statusCode": 200}'})
    err = client_error(client.put_integration, restApiId=api_id, resourceId=root_id, httpMethod="GET", **kw)
    assert_error(err, 404, "NotFoundException", METHOD_NOT_FOUND)
    err = client_error(client.put_integration, restApiId=api_id, resourceId="badresource",
                       httpMethod="GET", **kw)
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)


def test_get_integration_not_found_cases(client, api_id, root_id):
    err = client_error(client.get_integration, restApiId="nosuchapi1", resourceId=root_id, httpMethod="GET")
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)
    err = client_error(client.get_integration, restApiId=api_id, resourceId="nosuchres1", httpMethod="GET")
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)
    err = client_error(client.get_integration, restApiId=api_id, resourceId=root_id, httpMethod="GET")
    assert_error(err, 404, "NotFoundException", METHOD_NOT_FOUND)
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    err = client_error(client.get_integration, restApiId=api_id, resourceId=root_id, httpMethod="GET")
    assert_error(err, 404, "NotFoundException", INTEGRATION_NOT_FOUND)


def test_delete_integration(client, get_method):
    resp = client.delete_integration(**get_method)
    assert status_of(resp) == 204
    err = client_error(client.get_integration, **get_method)
    assert_error(err, 404, "NotFoundException", INTEGRATION_NOT_FOUND)
    assert "methodIntegration" not in client.get_method(**get_method)


def test_update_integration_request_templates(client, get_method):
    resp = client.update_integration(**get_method, patchOperations=[
        {"op": "replace", "path": "/requestTemplates/application~1json", "value": '{"statusCode": 201}'},
        {"op": "add", "path": "/requestTemplates/text~1plain", "value": "plain"},
    ])
    assert status_of(resp) == 200
    assert resp["requestTemplates"] == {"application/json": '{"statusCode": 201}', "text/plain": "plain"}
    assert client.get_integration(**get_method)["requestTemplates"] == resp["requestTemplates"]


def test_integration_with_vpc_link(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    uri = "http://my-vpclink-test-nlb-1234567890abcdef.us-east-1.amazonaws.com"
    kw = {"restApiId": api_id, "resourceId": root_id, "httpMethod": "GET"}
    resp = client.put_integration(**kw, type="HTTP_PROXY", uri=uri, integrationHttpMethod="GET",
                                  connectionType="VPC_LINK", connectionId="${stageVariables.vpcLinkId}")
    assert status_of(resp) == 201
    assert (resp["connectionType"], resp["connectionId"]) == ("VPC_LINK", "${stageVariables.vpcLinkId}")
    resp = client.update_integration(**kw, patchOperations=[
        {"op": "replace", "path": "/connectionId", "value": "${stageVariables.vpcLinkIdBeta}"}])
    assert status_of(resp) == 200
    assert resp["connectionId"] == "${stageVariables.vpcLinkIdBeta}"
    got = client.get_integration(**kw)
    assert (got["connectionType"], got["connectionId"], got["uri"]) == (
        "VPC_LINK", "${stageVariables.vpcLinkIdBeta}", uri)


def test_put_integration_boolean_parameter_value_rejected(loose_client, api_id, root_id):
    loose_client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET",
                            authorizationType="NONE",
                            requestParameters={"method.request.path.testPath": True})
    err = client_error(loose_client.put_integration, restApiId=api_id, resourceId=root_id,
                       httpMethod="GET", type="HTTP_PROXY",
                       requestParameters={"integration.request.path.testPath": True})
    assert_error(err, 400, "SerializationException",
                 "class java.lang.Boolean can not be converted to an String")


def mapping_refused(what: str) -> str:
    return f"Invalid mapping expression specified: Validation Result: warnings : [], errors : [{what}]"


def test_integration_request_parameters_must_be_declared_by_the_method(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE",
                      requestParameters={"method.request.path.id": True,
                                         "method.request.querystring.q": False})
    kw = {"restApiId": api_id, "resourceId": root_id, "httpMethod": "GET"}
    put = lambda params: client.put_integration(  # noqa: E731
        **kw, type="HTTP", integrationHttpMethod="GET", uri="http://127.0.0.1:9/{id}",
        requestParameters=params)
    err = client_error(put, {"integration.request.path.id": "method.request.path.page"})
    assert_error(err, 400, "BadRequestException",
                 mapping_refused("Invalid mapping expression parameter specified: method.request.path.page"))
    err = client_error(put, {"integration.request.header.x": "method.request.header.X-Undeclared"})
    assert_error(err, 400, "BadRequestException", mapping_refused(
        "Invalid mapping expression parameter specified: method.request.header.X-Undeclared"))
    err = client_error(put, {"integration.request.header.x": "not an expression"})
    assert_error(err, 400, "BadRequestException",
                 mapping_refused("Invalid mapping expression specified: not an expression"))
    err = client_error(put, {"integration.request.cookie.x": "'v'"})
    assert_error(err, 400, "BadRequestException", mapping_refused("Invalid mapping identifier specified"))
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_integration(**kw)  # nothing half-written by the refused calls
    declared = {"integration.request.path.id": "method.request.path.id",
                "integration.request.querystring.all": "method.request.multivaluequerystring.q",
                "integration.request.header.x-lit": "'literal'",
                "integration.request.header.x-stage": "stageVariables.s",
                "integration.request.header.x-req": "context.requestId",
                "integration.request.header.x-body": "method.request.body.a"}
    assert put(declared)["requestParameters"] == declared
    # a patch that adds an undeclared source is refused and leaves the integration as it was
    err = client_error(client.update_integration, **kw, patchOperations=[
        {"op": "add", "path": "/requestParameters/integration.request.header.y",
         "value": "method.request.querystring.nope"}])
    assert_error(err, 400, "BadRequestException", mapping_refused(
        "Invalid mapping expression parameter specified: method.request.querystring.nope"))
    assert client.get_integration(**kw)["requestParameters"] == declared
    client.update_method(**kw, patchOperations=[
        {"op": "add", "path": "/requestParameters/method.request.querystring.nope", "value": "false"}])
    got = client.update_integration(**kw, patchOperations=[
        {"op": "add", "path": "/requestParameters/integration.request.header.y",
         "value": "method.request.querystring.nope"}])
    assert got["requestParameters"]["integration.request.header.y"] == "method.request.querystring.nope"


def test_a_mapping_left_stale_by_a_method_edit_does_not_block_other_updates(client, api_id, root_id):
    kw = {"restApiId": api_id, "resourceId": root_id, "httpMethod": "GET"}
    client.put_method(**kw, authorizationType="NONE", requestParameters={"method.request.header.X-In": False})
    client.put_integration(**kw, type="HTTP", integrationHttpMethod="GET", uri="http://127.0.0.1:9/",
                           requestParameters={"integration.request.header.x-out": "method.request.header.x-in"})
    client.update_method(**kw, patchOperations=[
        {"op": "remove", "path": "/requestParameters/method.request.header.X-In"}])
    got = client.update_integration(**kw, patchOperations=[
        {"op": "replace", "path": "/uri", "value": "http://127.0.0.1:9/moved"}])
    assert got["uri"] == "http://127.0.0.1:9/moved"
    assert got["requestParameters"] == {"integration.request.header.x-out": "method.request.header.x-in"}


def test_integration_response_headers_must_be_declared_by_the_method_response(client, get_method):
    mapped = {"method.response.header.X-A": "integration.response.header.x-b"}
    err = client_error(client.put_integration_response, **get_method, statusCode="200",
                       responseParameters=mapped)
    assert_error(err, 400, "BadRequestException", mapping_refused("No method response exists for method."))
    # without mappings no method response is needed (as on AWS)
    client.put_integration_response(**get_method, statusCode="200", selectionPattern="")
    client.put_method_response(**get_method, statusCode="200",
                               responseParameters={"method.response.header.X-A": False})
    err = client_error(client.put_integration_response, **get_method, statusCode="200",
                       responseParameters={"method.response.header.X-Other": "'v'"})
    assert_error(err, 400, "BadRequestException", mapping_refused(
        "Invalid mapping expression parameter specified: method.response.header.X-Other"))
    err = client_error(client.put_integration_response, **get_method, statusCode="200",
                       responseParameters={"method.response.header.X-A": "bogus"})
    assert_error(err, 400, "BadRequestException", mapping_refused("Invalid mapping expression specified: bogus"))
    assert "responseParameters" not in client.get_integration_response(**get_method, statusCode="200")
    got = client.put_integration_response(**get_method, statusCode="200", responseParameters=mapped)
    assert got["responseParameters"] == mapped
    err = client_error(client.update_integration_response, **get_method, statusCode="200",
                       patchOperations=[{"op": "add", "path": "/responseParameters/method.response.header.X-C",
                                         "value": "'c'"}])
    assert_error(err, 400, "BadRequestException", mapping_refused(
        "Invalid mapping expression parameter specified: method.response.header.X-C"))
    assert client.get_integration_response(**get_method, statusCode="200")["responseParameters"] == mapped


def test_delete_method_removes_integration(client, get_method):
    client.delete_method(**get_method)
    err = client_error(client.get_integration, **get_method)
    assert_error(err, 404, "NotFoundException", METHOD_NOT_FOUND)


# ============================================================================ integration responses


def test_integration_response_lifecycle(client, get_method):
    resp = client.put_integration_response(**get_method, statusCode="200", selectionPattern="",
                                           responseTemplates={"application/json": '"created"'})
    assert status_of(resp) == 201
    assert strip_meta(resp) == {"responseTemplates": {"application/json": '"created"'},
                                "selectionPattern": "", "statusCode": "200"}
    got = client.get_integration_response(**get_method, statusCode="200")
    assert status_of(got) == 200
    assert strip_meta(got) == strip_meta(resp)

    upd = client.update_integration_response(**get_method, statusCode="200", patchOperations=[
        {"op": "replace", "path": "/selectionPattern", "value": "updated-pattern"}])
    assert status_of(upd) == 200
    assert strip_meta(upd) == {"responseTemplates": {"application/json": '"created"'},
                               "selectionPattern": "updated-pattern", "statusCode": "200"}

    over = client.put_integration_response(**get_method, statusCode="200",
                                           responseTemplates={"application/json": "overwrite"},
                                           selectionPattern="overwrite-pattern")
    assert status_of(over) == 201
    expected = {"responseTemplates": {"application/json": "overwrite"},
                "selectionPattern": "overwrite-pattern", "statusCode": "200"}
    assert strip_meta(over) == expected
    method = client.get_method(**get_method)
    assert method["methodIntegration"]["integrationResponses"] == {"200": expected}

    resp = client.delete_integration_response(**get_method, statusCode="200")
    assert status_of(resp) == 204
    err = client_error(client.get_integration_response, **get_method, statusCode="200")
    assert_error(err, 404, "NotFoundException", STATUS_NOT_FOUND)
    assert "integrationResponses" not in client.get_method(**get_method)["methodIntegration"]


def test_put_integration_response_minimal_before_method_response(client, get_method):
    # AWS does not require the matching method response to exist first
    resp = client.put_integration_response(**get_method, statusCode="200")
    assert status_of(resp) == 201
    assert strip_meta(resp) == {"statusCode": "200"}
    assert strip_meta(client.get_integration_response(**get_method, statusCode="200")) == {"statusCode": "200"}


def test_put_integration_response_empty_templates(client, get_method):
    resp = client.put_integration_response(**get_method, statusCode="200", selectionPattern="2\\d{2}",
                                           responseTemplates={})
    assert strip_meta(resp) == {"responseTemplates": {}, "selectionPattern": "2\\d{2}", "statusCode": "200"}


def test_put_integration_response_content_handling(client, get_method):
    resp = client.put_integration_response(**get_method, statusCode="200", selectionPattern="2\\d{2}",
                                           contentHandling="CONVERT_TO_BINARY")
    assert strip_meta(resp) == {"contentHandling": "CONVERT_TO_BINARY", "selectionPattern": "2\\d{2}",
                                "statusCode": "200"}
    got = client.get_integration_response(**get_method, statusCode="200")
    assert strip_meta(got) == strip_meta(resp)


def test_put_integration_response_empty_template_is_null(client, get_method):
    resp = client.put_integration_response(**get_method, statusCode="200", selectionPattern="",
                                           responseTemplates={"application/json": ""})
    assert status_of(resp) == 201
    assert resp["responseTemplates"] == {"application/json": None}


def test_put_integration_response_with_parameters(client, get_method):
    client.put_method_response(**get_method, statusCode="200",
                               responseParameters={"method.response.header.X-Custom": False})
    resp = client.put_integration_response(
        **get_method, statusCode="200",
        responseParameters={"method.response.header.X-Custom": "'value'"})
    assert resp["responseParameters"] == {"method.response.header.X-Custom": "'value'"}


def test_integration_response_not_found_cases(client, api_id, root_id):
    err = client_error(client.put_integration_response, restApiId="wrong-api",
                       resourceId="dummy-value", httpMethod="GET", statusCode="200")
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)
    err = client_error(client.get_integration_response, restApiId="wrong-api",
                       resourceId="dummy-value", httpMethod="GET", statusCode="200")
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)
    err = client_error(client.put_integration_response, restApiId=api_id,
                       resourceId="wrong-resource", httpMethod="GET", statusCode="200")
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)
    err = client_error(client.get_integration_response, restApiId=api_id, resourceId=root_id,
                       httpMethod="wrong-method", statusCode="200")
    assert_error(err, 404, "NotFoundException", METHOD_NOT_FOUND)
    err = client_error(client.put_integration_response, restApiId=api_id, resourceId=root_id,
                       httpMethod="wrong-method", statusCode="200")
    assert_error(err, 404, "NotFoundException", METHOD_NOT_FOUND)


def test_integration_response_without_integration(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    err = client_error(client.get_integration_response, restApiId=api_id, resourceId=root_id,
                       httpMethod="GET", statusCode="200")
    assert_error(err, 404, "NotFoundException", INTEGRATION_NOT_FOUND)


def test_integration_response_unknown_status_code(client, get_method):
    err = client_error(client.get_integration_response, **get_method, statusCode="201")
    assert_error(err, 404, "NotFoundException", STATUS_NOT_FOUND)


def test_integration_response_invalid_status_code(client, get_method):
    err = client_error(client.put_integration_response, **get_method, statusCode="wrong",
                       responseTemplates={"application/json": '"created"'}, selectionPattern="")
    assert_error(err, 400, "ValidationException", "1 validation error detected: " + STATUS_PATTERN)
    err = client_error(client.get_integration_response, **get_method, statusCode="wrong")
    assert_error(err, 400, "ValidationException", "1 validation error detected: " + STATUS_PATTERN)


def test_put_integration_response_non_string_template(loose_client, get_method):
    err = client_error(loose_client.put_integration_response, **get_method, statusCode="200",
                       selectionPattern="", responseTemplates={"application/json": 123})
    assert_error(err, 400, "SerializationException",
                 "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")


def test_delete_integration_response_errors(client, get_method):
    client.put_integration_response(**get_method, statusCode="200", selectionPattern="")
    api_id, root_id = get_method["restApiId"], get_method["resourceId"]
    err = client_error(client.delete_integration_response, restApiId=api_id, resourceId="wrong-resource",
                       httpMethod="GET", statusCode="200")
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)
    err = client_error(client.delete_integration_response, restApiId="wrong-api", resourceId=root_id,
                       httpMethod="GET", statusCode="200")
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)
    err = client_error(client.delete_integration_response, restApiId=api_id, resourceId=root_id,
                       httpMethod="POST", statusCode="200")
    assert_error(err, 404, "NotFoundException", INTEGRATION_NOT_FOUND)
    err = client_error(client.delete_integration_response, restApiId=api_id, resourceId=root_id,
                       httpMethod="GET", statusCode="201")
    assert_error(err, 404, "NotFoundException", STATUS_NOT_FOUND)


def test_method_request_models_block_model_deletion(client, api_id, root_id):
    schema = json.dumps({"title": "MySchema", "type": "object"})
    client.create_model(restApiId=api_id, name="MySchema", contentType="application/json", schema=schema)
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY", authorizationType="NONE",
                      requestModels={"application/json": "MySchema"})
    err = client_error(client.delete_model, restApiId=api_id, modelName="MySchema")
    assert_error(err, 409, "ConflictException",
                 "Cannot delete model 'MySchema', is referenced in method request: //ANY")
    client.update_method(restApiId=api_id, resourceId=root_id, httpMethod="ANY", patchOperations=[
        {"op": "remove", "path": "/requestModels/application~1json"}])
    assert status_of(client.delete_model(restApiId=api_id, modelName="MySchema")) == 202


def test_model_reference_names_the_method_path(client, api_id, root_id):
    schema = json.dumps({"title": "Two", "type": "object"})
    client.create_model(restApiId=api_id, name="Two", contentType="application/json", schema=schema)
    res = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="test")
    client.put_method(restApiId=api_id, resourceId=res["id"], httpMethod="ANY", authorizationType="NONE",
                      requestModels={"application/json": "Two"})
    err = client_error(client.delete_model, restApiId=api_id, modelName="Two")
    assert_error(err, 409, "ConflictException",
                 "Cannot delete model 'Two', is referenced in method request: /test/ANY")
    client.delete_method(restApiId=api_id, resourceId=res["id"], httpMethod="ANY")
    assert status_of(client.delete_model(restApiId=api_id, modelName="Two")) == 202


def test_update_http_integration_fields(client, api_id, root_id):
    """The replace paths Terraform's aws_api_gateway_integration sends on update."""
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    kw = {"restApiId": api_id, "resourceId": root_id, "httpMethod": "GET"}
    client.put_integration(**kw, type="HTTP", uri="http://example.com/a", integrationHttpMethod="GET")
    resp = client.update_integration(**kw, patchOperations=[
        {"op": "replace", "path": "/uri", "value": "http://example.com/b"},
        {"op": "replace", "path": "/httpMethod", "value": "PUT"},
        {"op": "replace", "path": "/timeoutInMillis", "value": "5000"},
        {"op": "replace", "path": "/passthroughBehavior", "value": "NEVER"},
        {"op": "replace", "path": "/contentHandling", "value": "CONVERT_TO_TEXT"},
    ])
    assert status_of(resp) == 200
    assert resp["uri"] == "http://example.com/b"
    assert resp["httpMethod"] == "PUT"
    assert resp["timeoutInMillis"] == 5000
    assert resp["passthroughBehavior"] == "NEVER"
    assert resp["contentHandling"] == "CONVERT_TO_TEXT"
    got = client.get_integration(**kw)
    assert (got["uri"], got["httpMethod"], got["timeoutInMillis"]) == ("http://example.com/b", "PUT", 5000)


def test_put_aws_integration_arn_without_path_or_action(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    err = client_error(client.put_integration, restApiId=api_id, resourceId=root_id, httpMethod="GET",
                       type="AWS", uri="arn:aws:iam::0000000000:role/service-role/asdf",
                       integrationHttpMethod="POST")
    assert_error(err, 400, "BadRequestException", "AWS ARN for integration must contain path or action")


def test_put_aws_integration_action_uri(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="POST", authorizationType="NONE")
    uri = "arn:aws:apigateway:us-east-1:dynamodb:action/Scan"
    resp = client.put_integration(restApiId=api_id, resourceId=root_id, httpMethod="POST", type="AWS",
                                  uri=uri, integrationHttpMethod="POST",
                                  credentials="arn:aws:iam::000000000000:role/apigw-dynamodb",
                                  requestTemplates={"application/json": '{"TableName": "t"}'})
    assert status_of(resp) == 201
    assert resp["uri"] == uri


def test_put_integration_response_invalid_template_content_type(loose_client, get_method):
    err = client_error(loose_client.put_integration_response, **get_method, statusCode="200",
                       selectionPattern="", responseTemplates={123: '{"statusCode": 200}'})
    assert_error(err, 400, "BadRequestException",
                 "Validation Result: warnings : [], errors : [Invalid content type specified: 123]")
