"""Models, request validators, authorizers and gateway responses."""

import json

import pytest

from e2e_helpers import api_not_found, assert_error, client_error, status_of, strip_meta

CALC_SCHEMA = {
    "title": "Calc output",
    "type": "object",
    "properties": {
        "a": {"type": "number"},
        "b": {"type": "number"},
        "op": {"description": "operation of +, -, * or /", "type": "string"},
        "c": {"type": "number"},
    },
    "required": ["a", "b", "op"],
}
EMPTY_SCHEMA = {"$schema": "http://json-schema.org/draft-04/schema#", "title": "Empty Schema",
                "type": "object"}
ERROR_SCHEMA = {"$schema": "http://json-schema.org/draft-04/schema#", "title": "Error Schema",
                "type": "object", "properties": {"message": {"type": "string"}}}
SCHEMA_REQUIRED = "Model schema must have at least 1 property or array items defined"
VALIDATOR_NOT_FOUND = "Invalid Request Validator identifier specified"
AUTHORIZER_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:myApiAuthorizer/invocations"
)
DEFAULT_TEMPLATE = {"application/json": '{"message":$context.error.messageString}'}
DEFAULT_GATEWAY_RESPONSES = {
    "ACCESS_DENIED": "403",
    "API_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_FAILURE": "500",
    "BAD_REQUEST_BODY": "400",
    "BAD_REQUEST_PARAMETERS": "400",
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
    "EXPIRED_TOKEN": "403",
    "INTEGRATION_FAILURE": "504",
    "INTEGRATION_TIMEOUT": "504",
    "INVALID_API_KEY": "403",
    "INVALID_SIGNATURE": "403",
    "MISSING_AUTHENTICATION_TOKEN": "403",
    "QUOTA_EXCEEDED": "429",
    "REQUEST_TOO_LARGE": "413",
    "RESOURCE_NOT_FOUND": "404",
    "THROTTLED": "429",
    "UNAUTHORIZED": "401",
    "UNSUPPORTED_MEDIA_TYPE": "415",
    "WAF_FILTERED": "403",
}
RESPONSE_TYPE_ENUM_ERROR = (
    "1 validation error detected: Value 'FAKE_RESPONSE_TYPE' at 'responseType' failed to satisfy "
    "constraint: Member must satisfy enum value set: [REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, "
    "AUTHORIZER_CONFIGURATION_ERROR, MISSING_AUTHENTICATION_TOKEN, BAD_REQUEST_BODY, INVALID_SIGNATURE, "
    "INVALID_API_KEY, BAD_REQUEST_PARAMETERS, AUTHORIZER_FAILURE, UNAUTHORIZED, INTEGRATION_TIMEOUT, "
    "ACCESS_DENIED, DEFAULT_4XX, DEFAULT_5XX, WAF_FILTERED, QUOTA_EXCEEDED, THROTTLED, "
    "API_CONFIGURATION_ERROR, UNSUPPORTED_MEDIA_TYPE, INTEGRATION_FAILURE, EXPIRED_TOKEN]"
)
GW_TEMPLATE = (
    '{\n     "message": $context.error.messageString,\n     "type":  "$context.error.responseType",\n'
    '     "stage":  "$context.stage",\n     "resourcePath":  "$context.resourcePath",\n'
    '     "stageVariables.a":  "$stageVariables.a",\n     "statusCode": "\'404\'"\n}'
)
GW_PARAMS = {
    "gatewayresponse.header.x-request-path": "method.request.path.petId",
    "gatewayresponse.header.Access-Control-Allow-Origin": "'a.b.c'",
    "gatewayresponse.header.x-request-query": "method.request.querystring.q",
    "gatewayresponse.header.x-request-header": "method.request.header.Accept",
}


def _schema(model):
    return json.loads(model["schema"])


# ============================================================================ models


def test_default_models(client, api_id):
    resp = client.get_models(restApiId=api_id)
    assert status_of(resp) == 200
    by_name = {m["name"]: m for m in resp["items"]}
    assert set(by_name) == {"Empty", "Error"}
    assert by_name["Empty"]["contentType"] == "application/json"
    assert by_name["Empty"]["description"] == "This is a default empty schema model"
    assert _schema(by_name["Empty"]) == EMPTY_SCHEMA
    assert by_name["Error"]["description"] == "This is a default error schema model"
    assert _schema(by_name["Error"]) == ERROR_SCHEMA
    assert by_name["Empty"]["id"] and by_name["Error"]["id"]


def test_model_lifecycle(client, api_id):
    resp = client.create_model(restApiId=api_id, name="CalcOutput", contentType="application/json",
                               description="Calc output model", schema=json.dumps(CALC_SCHEMA, indent=2))
    assert status_of(resp) == 201
    assert resp["name"] == "CalcOutput"
    assert resp["contentType"] == "application/json"
    assert resp["description"] == "Calc output model"
    assert _schema(resp) == CALC_SCHEMA
    assert resp["id"]

    names = {m["name"] for m in client.get_models(restApiId=api_id)["items"]}
    assert names == {"CalcOutput", "Empty", "Error"}
    got = client.get_model(restApiId=api_id, modelName="CalcOutput")
    assert status_of(got) == 200
    assert strip_meta(got) == strip_meta(resp)

    assert status_of(client.delete_model(restApiId=api_id, modelName="CalcOutput")) == 202
    err = client_error(client.get_model, restApiId=api_id, modelName="CalcOutput")
    assert_error(err, 404, "NotFoundException", "Invalid model name specified: CalcOutput")


def test_create_model_empty_description_omitted(client, api_id):
    resp = client.create_model(restApiId=api_id, name="MySchema", contentType="application/json",
                               description="", schema=json.dumps({"title": "MySchema", "type": "object"}))
    assert status_of(resp) == 201
    assert "description" not in resp
    assert _schema(resp) == {"title": "MySchema", "type": "object"}


def test_model_unknown_api(client):
    schema = json.dumps({"title": "MySchema", "type": "object"})
    err = client_error(client.create_model, restApiId="abcde0", name="MySchema",
                       contentType="application/json", description="Test model", schema=schema)
    assert_error(err, 404, "NotFoundException", api_not_found("abcde0"))
    err = client_error(client.get_models, restApiId="abcde0")
    assert_error(err, 404, "NotFoundException", api_not_found("abcde0"))
    err = client_error(client.get_model, restApiId="abcde0", modelName="MySchema")
    assert_error(err, 404, "NotFoundException", "Invalid model name specified: MySchema")
    err = client_error(client.delete_model, restApiId="abcde0", modelName="MySchema")
    assert_error(err, 404, "NotFoundException", "Invalid model name specified: MySchema")


def test_create_model_duplicate(client, api_id):
    schema = json.dumps({"title": "MySchema", "type": "object"})
    client.create_model(restApiId=api_id, name="MySchema", contentType="application/json", schema=schema)
    err = client_error(client.create_model, restApiId=api_id, name="MySchema",
                       contentType="application/json", schema=schema)
    assert_error(err, 409, "ConflictException", "Model name already exists for this REST API")


def test_create_model_empty_name(client, api_id):
    err = client_error(client.create_model, restApiId=api_id, name="", contentType="application/json",
                       schema=json.dumps({"title": "MySchema", "type": "object"}))
    assert_error(err, 400, "BadRequestException", "Model name must be non-empty")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "MyEmptySchema", "contentType": "application/json", "schema": ""},
        {"name": "MyEmptySchema", "contentType": "application/json"},
        {"name": "MyEmptySchemaXml", "contentType": "application/xml"},
    ],
)
def test_create_model_without_schema(client, api_id, kwargs):
    err = client_error(client.create_model, restApiId=api_id, description="", **kwargs)
    assert_error(err, 400, "BadRequestException", SCHEMA_REQUIRED)


def test_update_model(client, api_id):
    err = client_error(client.update_model, restApiId="abcde0", modelName="mySchema", patchOperations=[
        {"op": "replace", "path": "/description", "value": "x"}])
    assert_error(err, 404, "NotFoundException", "Invalid model name specified: mySchema")

    client.create_model(restApiId=api_id, name="MySchema", contentType="application/json",
                        description="old", schema=json.dumps({"title": "MySchema", "type": "object"}))
    updated = {"title": "Updated schema", "type": "object"}
    resp = client.update_model(restApiId=api_id, modelName="MySchema", patchOperations=[
        {"op": "replace", "path": "/schema", "value": json.dumps(updated)},
        {"op": "replace", "path": "/description", "value": ""},
    ])
    assert status_of(resp) == 200
    assert _schema(resp) == updated
    assert "description" not in resp
    assert _schema(client.get_model(restApiId=api_id, modelName="MySchema")) == updated


@pytest.mark.parametrize(
    "patch, message",
    [
        ({"op": "add", "path": "/wrong-path", "value": "not supported op"},
         "Invalid patch path  '/wrong-path' specified for op 'add'. Please choose supported operations"),
        ({"op": "replace", "path": "/name", "value": "invalid"},
         "Invalid patch path  '/name' specified for op 'replace'. Must be one of: [/description, /schema]"),
        ({"op": "replace", "path": "/schema", "value": ""}, SCHEMA_REQUIRED),
    ],
)
def test_update_model_invalid(client, api_id, patch, message):
    client.create_model(restApiId=api_id, name="MySchema", contentType="application/json",
                        schema=json.dumps({"title": "MySchema", "type": "object"}))
    err = client_error(client.update_model, restApiId=api_id, modelName="MySchema", patchOperations=[patch])
    assert_error(err, 400, "BadRequestException", message)


def test_models_are_scoped_to_api(client, api_id):
    from e2e_helpers import create_api

    other = create_api(client)
    client.create_model(restApiId=api_id, name="OnlyHere", contentType="application/json",
                        schema=json.dumps({"type": "object", "properties": {"a": {"type": "string"}}}))
    err = client_error(client.get_model, restApiId=other["id"], modelName="OnlyHere")
    assert_error(err, 404, "NotFoundException", "Invalid model name specified: OnlyHere")


# ============================================================================ request validators


def test_request_validator_lifecycle(client, api_id):
    resp = client.create_request_validator(restApiId=api_id, name="test-validator")
    assert status_of(resp) == 201
    vid = resp["id"]
    assert strip_meta(resp) == {"id": vid, "name": "test-validator", "validateRequestBody": False,
                                "validateRequestParameters": False}
    got = client.get_request_validator(restApiId=api_id, requestValidatorId=vid)
    assert status_of(got) == 200
    assert strip_meta(got) == strip_meta(resp)
    listed = client.get_request_validators(restApiId=api_id)
    assert listed["items"] == [strip_meta(resp)]

    upd = client.update_request_validator(restApiId=api_id, requestValidatorId=vid, patchOperations=[
        {"op": "replace", "path": "/validateRequestBody", "value": "true"}])
    assert status_of(upd) == 200
    assert upd["validateRequestBody"] is True
    # replace without a value resets to false
    upd = client.update_request_validator(restApiId=api_id, requestValidatorId=vid, patchOperations=[
        {"op": "replace", "path": "/validateRequestBody"}])
    assert upd["validateRequestBody"] is False
    assert client.get_request_validator(restApiId=api_id, requestValidatorId=vid)["validateRequestBody"] is False

    assert status_of(client.delete_request_validator(restApiId=api_id, requestValidatorId=vid)) == 202
    err = client_error(client.get_request_validator, restApiId=api_id, requestValidatorId=vid)
    assert_error(err, 404, "NotFoundException", VALIDATOR_NOT_FOUND)
    assert client.get_request_validators(restApiId=api_id)["items"] == []


def test_create_request_validator_with_flags(client, api_id):
    resp = client.create_request_validator(restApiId=api_id, name="both", validateRequestBody=True,
                                           validateRequestParameters=True)
    assert resp["validateRequestBody"] is True and resp["validateRequestParameters"] is True


def test_update_request_validator_name_and_parameters(client, api_id):
    vid = client.create_request_validator(restApiId=api_id, name="v1")["id"]
    resp = client.update_request_validator(restApiId=api_id, requestValidatorId=vid, patchOperations=[
        {"op": "replace", "path": "/name", "value": "v2"},
        {"op": "replace", "path": "/validateRequestParameters", "value": "true"}])
    assert resp["name"] == "v2"
    assert resp["validateRequestParameters"] is True


def test_request_validator_unknown_api(client):
    err = client_error(client.create_request_validator, restApiId="test-fake-rest-id", name="v",
                       validateRequestBody=True, validateRequestParameters=False)
    assert_error(err, 400, "BadRequestException", "Invalid REST API identifier specified")
    err = client_error(client.get_request_validators, restApiId="test-fake-rest-id")
    assert_error(err, 404, "NotFoundException", api_not_found("test-fake-rest-id"))


def test_request_validator_unknown_ids(client, api_id):
    vid = client.create_request_validator(restApiId=api_id, name="v")["id"]
    for fn in (client.get_request_validator, client.delete_request_validator):
        err = client_error(fn, restApiId="api_id", requestValidatorId=vid)
        assert_error(err, 404, "NotFoundException", VALIDATOR_NOT_FOUND)
        err = client_error(fn, restApiId=api_id, requestValidatorId="validator_id")
        assert_error(err, 404, "NotFoundException", VALIDATOR_NOT_FOUND)


@pytest.mark.parametrize(
    "patch, message",
    [
        ({"op": "add", "path": "/validateRequestBody", "value": "true"},
         "Invalid patch path  '/validateRequestBody' specified for op 'add'. Please choose supported operations"),
        ({"op": "remove", "path": "/validateRequestBody", "value": "true"},
         "Invalid patch path  '/validateRequestBody' specified for op 'remove'. Please choose supported operations"),
        ({"op": "replace", "path": "/invalidPath", "value": "true"},
         "Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: "
         "[/name, /validateRequestParameters, /validateRequestBody]"),
        ({"op": "replace", "path": "/name"}, "Request Validator name cannot be blank"),
    ],
)
def test_update_request_validator_invalid(client, api_id, patch, message):
    vid = client.create_request_validator(restApiId=api_id, name="v")["id"]
    err = client_error(client.update_request_validator, restApiId=api_id, requestValidatorId=vid,
                       patchOperations=[patch])
    assert_error(err, 400, "BadRequestException", message)


# ============================================================================ authorizers


def _create_token_authorizer(client, api_id, name="token-auth"):
    return client.create_authorizer(restApiId=api_id, name=name, type="TOKEN", authorizerUri=AUTHORIZER_URI,
                                    identitySource="method.request.header.Authorization")


def test_authorizer_lifecycle(client, api_id):
    resp = _create_token_authorizer(client, api_id)
    assert status_of(resp) == 201
    auth_id = resp["id"]
    assert (resp["name"], resp["type"], resp["authorizerUri"], resp["identitySource"]) == (
        "token-auth", "TOKEN", AUTHORIZER_URI, "method.request.header.Authorization")
    got = client.get_authorizer(restApiId=api_id, authorizerId=auth_id)
    assert status_of(got) == 200
    assert strip_meta(got) == strip_meta(resp)
    assert [a["id"] for a in client.get_authorizers(restApiId=api_id)["items"]] == [auth_id]

    upd = client.update_authorizer(restApiId=api_id, authorizerId=auth_id, patchOperations=[
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "60"},
        {"op": "replace", "path": "/identitySource", "value": "method.request.header.X-Token"}])
    assert status_of(upd) == 200
    assert upd["name"] == "renamed"
    assert upd["authorizerResultTtlInSeconds"] == 60
    assert upd["identitySource"] == "method.request.header.X-Token"

    assert status_of(client.delete_authorizer(restApiId=api_id, authorizerId=auth_id)) == 202
    err = client_error(client.get_authorizer, restApiId=api_id, authorizerId=auth_id)
    assert_error(err, 404, "NotFoundException")
    assert client.get_authorizers(restApiId=api_id)["items"] == []


def test_create_request_authorizer_with_auth_type(client, api_id):
    resp = client.create_authorizer(restApiId=api_id, name="lambda_authorizer", type="REQUEST",
                                    authorizerUri=AUTHORIZER_URI, authType="custom",
                                    identitySource="method.request.header.Auth",
                                    authorizerResultTtlInSeconds=300)
    assert resp["authType"] == "custom"
    assert resp["type"] == "REQUEST"
    assert resp["authorizerResultTtlInSeconds"] == 300


def test_create_cognito_authorizer(client, api_id):
    pool = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc123"
    resp = client.create_authorizer(restApiId=api_id, name="cognito", type="COGNITO_USER_POOLS",
                                    providerARNs=[pool], identitySource="method.request.header.Authorization")
    assert resp["providerARNs"] == [pool]
    assert resp["type"] == "COGNITO_USER_POOLS"


def test_authorizer_unknown_api(client):
    err = client_error(client.create_authorizer, restApiId="test-fake-rest-id", name="fake-auth-name",
                       type="TOKEN", authorizerUri=AUTHORIZER_URI,
                       identitySource="method.request.header.Authorization")
    assert_error(err, 409, "ConflictException",
                 "Unable to complete operation due to concurrent modification. Please try again later.")
    err = client_error(client.get_authorizers, restApiId="test-fake-rest-id")
    assert_error(err, 404, "NotFoundException", api_not_found("test-fake-rest-id"))


def test_get_authorizer_unknown(client, api_id):
    err = client_error(client.get_authorizer, restApiId=api_id, authorizerId="nosuchauth")
    assert_error(err, 404, "NotFoundException")


# ============================================================================ gateway responses


def test_get_default_gateway_response(client, api_id):
    resp = client.get_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")
    assert status_of(resp) == 200
    assert strip_meta(resp) == {"defaultResponse": True, "responseParameters": {},
                                "responseTemplates": DEFAULT_TEMPLATE,
                                "responseType": "MISSING_AUTHENTICATION_TOKEN", "statusCode": "403"}


def test_list_default_gateway_responses(client, api_id):
    resp = client.get_gateway_responses(restApiId=api_id)
    assert status_of(resp) == 200
    by_type = {i["responseType"]: i for i in resp["items"]}
    assert set(by_type) == set(DEFAULT_GATEWAY_RESPONSES)
    for rtype, code in DEFAULT_GATEWAY_RESPONSES.items():
        item = by_type[rtype]
        assert item["defaultResponse"] is True, rtype
        assert item["responseParameters"] == {}, rtype
        assert item["responseTemplates"] == DEFAULT_TEMPLATE, rtype
        assert item.get("statusCode") == code, rtype


def test_gateway_response_lifecycle(client, api_id):
    resp = client.put_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN",
                                       statusCode="404", responseParameters=GW_PARAMS,
                                       responseTemplates={"application/json": GW_TEMPLATE})
    assert status_of(resp) == 201
    expected = {"defaultResponse": False, "responseParameters": GW_PARAMS,
                "responseTemplates": {"application/json": GW_TEMPLATE},
                "responseType": "MISSING_AUTHENTICATION_TOKEN", "statusCode": "404"}
    assert strip_meta(resp) == expected
    got = client.get_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")
    assert strip_meta(got) == expected
    listed = {i["responseType"]: i for i in client.get_gateway_responses(restApiId=api_id)["items"]}
    assert listed["MISSING_AUTHENTICATION_TOKEN"] == expected
    assert len(listed) == len(DEFAULT_GATEWAY_RESPONSES)

    assert status_of(client.delete_gateway_response(restApiId=api_id,
                                                    responseType="MISSING_AUTHENTICATION_TOKEN")) == 202
    got = client.get_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")
    assert strip_meta(got) == {"defaultResponse": True, "responseParameters": {},
                               "responseTemplates": DEFAULT_TEMPLATE,
                               "responseType": "MISSING_AUTHENTICATION_TOKEN", "statusCode": "403"}


def test_gateway_response_unknown_api(loose_client):
    fake = "apiid123xyz"
    for call in (
        lambda: loose_client.get_gateway_responses(restApiId=fake),
        lambda: loose_client.get_gateway_response(restApiId=fake, responseType="DEFAULT_4XX"),
        lambda: loose_client.delete_gateway_response(restApiId=fake, responseType="DEFAULT_4XX"),
        lambda: loose_client.update_gateway_response(restApiId=fake, responseType="DEFAULT_4XX",
                                                     patchOperations=[]),
    ):
        assert_error(client_error(call), 404, "NotFoundException", api_not_found(fake))


def test_delete_gateway_response_not_set(client, api_id):
    err = client_error(client.delete_gateway_response, restApiId=api_id, responseType="DEFAULT_4XX")
    assert_error(err, 404, "NotFoundException", "Gateway response type not defined on api")


def test_gateway_response_unknown_type(loose_client, api_id):
    calls = (
        lambda: loose_client.get_gateway_response(restApiId=api_id, responseType="FAKE_RESPONSE_TYPE"),
        lambda: loose_client.delete_gateway_response(restApiId=api_id, responseType="FAKE_RESPONSE_TYPE"),
        lambda: loose_client.update_gateway_response(restApiId=api_id, responseType="FAKE_RESPONSE_TYPE",
                                                     patchOperations=[]),
        lambda: loose_client.put_gateway_response(restApiId=api_id, responseType="FAKE_RESPONSE_TYPE",
                                                  statusCode="404", responseParameters={},
                                                  responseTemplates={}),
    )
    for call in calls:
        assert_error(client_error(call), 400, "ValidationException", RESPONSE_TYPE_ENUM_ERROR)


def test_update_gateway_response_not_yet_set(client, api_id):
    resp = client.update_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX", patchOperations=[
        {"op": "replace", "path": "/statusCode", "value": "444"}])
    assert status_of(resp) == 200
    expected = {"defaultResponse": False, "responseParameters": {}, "responseTemplates": DEFAULT_TEMPLATE,
                "responseType": "DEFAULT_4XX", "statusCode": "444"}
    assert strip_meta(resp) == expected
    assert strip_meta(client.get_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX")) == expected


def test_update_gateway_response(client, api_id):
    client.put_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX", statusCode="404",
                                responseParameters=GW_PARAMS,
                                responseTemplates={"application/json": '{"message":$context.error.messageString}'})
    xml = ("<gatewayResponse><message>$context.error.messageString</message>"
           "<type>$context.error.responseType</type></gatewayResponse>")
    resp = client.update_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX", patchOperations=[
        {"op": "replace", "path": "/statusCode", "value": "444"},
        {"op": "replace", "path": "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
         "value": "'example.com'"},
        {"op": "add", "path": "/responseTemplates/application~1xml", "value": xml},
    ])
    assert status_of(resp) == 200
    expected = {
        "defaultResponse": False,
        "responseParameters": {**GW_PARAMS,
                               "gatewayresponse.header.Access-Control-Allow-Origin": "'example.com'"},
        "responseTemplates": {"application/json": '{"message":$context.error.messageString}',
                              "application/xml": xml},
        "responseType": "DEFAULT_4XX",
        "statusCode": "444",
    }
    assert strip_meta(resp) == expected
    assert strip_meta(client.get_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX")) == expected


@pytest.mark.parametrize(
    "response_type, patch, status, code, message",
    [
        ("DEFAULT_4XX", {"op": "add", "path": "/statusCode", "value": "444"}, 400, "BadRequestException",
         "Invalid patch path /statusCode"),
        ("DEFAULT_4XX", {"op": "remove", "path": "/statusCode"}, 400, "BadRequestException",
         "Invalid patch path /statusCode"),
        ("DEFAULT_5XX", {"op": "replace",
                         "path": "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
                         "value": "'example.com'"}, 404, "NotFoundException", "Invalid parameter name specified"),
        ("DEFAULT_4XX", {"op": "add", "value": "'example.com'"}, 400, "BadRequestException",
         "Invalid patch path null"),
        ("DEFAULT_4XX", {"op": "wrong-op", "path": "/statusCode", "value": "'example.com'"}, 400,
         "ValidationException",
         "1 validation error detected: Value 'wrong-op' at 'updateGatewayResponseInput.patchOperations.1.member.op' "
         "failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]"),
        ("DEFAULT_4XX", {"op": "add", "path": "/wrongPath", "value": "'example.com'"}, 400, "BadRequestException",
         "Invalid patch path /wrongPath"),
        ("DEFAULT_4XX", {"op": "replace", "path": "/responseTemplates/application~1xml", "value": None}, 400,
         "BadRequestException", "Invalid null or empty value in responseTemplates"),
        ("DEFAULT_4XX", {"op": "replace",
                         "path": "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
                         "value": None}, 400, "BadRequestException",
         "Invalid null or empty value in responseParameters"),
    ],
)
def test_update_gateway_response_invalid(loose_client, api_id, response_type, patch, status, code, message):
    loose_client.put_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX", statusCode="404",
                                      responseParameters=GW_PARAMS,
                                      responseTemplates={"application/json": "{}"})
    err = client_error(loose_client.update_gateway_response, restApiId=api_id, responseType=response_type,
                       patchOperations=[patch])
    assert_error(err, status, code, message)


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"statusCode": "404"},
         {"statusCode": "404", "responseParameters": {}, "responseTemplates": DEFAULT_TEMPLATE}),
        ({"responseParameters": {"gatewayresponse.header.x-request-header": "method.request.header.Accept"}},
         {"statusCode": "403",
          "responseParameters": {"gatewayresponse.header.x-request-header": "method.request.header.Accept"},
          "responseTemplates": DEFAULT_TEMPLATE}),
        ({"responseTemplates": {"application/json": GW_TEMPLATE}},
         {"statusCode": "403", "responseParameters": {}, "responseTemplates": {"application/json": GW_TEMPLATE}}),
    ],
)
def test_put_gateway_response_replaces_everything(client, api_id, kwargs, expected):
    # a full put first: every later put replaces it entirely, filling the gaps with defaults
    client.put_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN",
                                statusCode="404", responseParameters=GW_PARAMS,
                                responseTemplates={"application/json": GW_TEMPLATE})
    resp = client.put_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN", **kwargs)
    assert status_of(resp) == 201
    assert strip_meta(resp) == {"defaultResponse": False, "responseType": "MISSING_AUTHENTICATION_TOKEN",
                                **expected}


def test_default_5xx_customisation_applies_to_default_5xx_types(client, api_id):
    params = {"gatewayresponse.header.x-request-header": "method.request.header.Accept"}
    client.put_gateway_response(restApiId=api_id, responseType="DEFAULT_5XX", statusCode="599",
                                responseParameters=params, responseTemplates={"application/json": GW_TEMPLATE})
    resp = client.put_gateway_response(restApiId=api_id, responseType="AUTHORIZER_FAILURE",
                                       responseParameters={"gatewayresponse.header.foo": "'bar'"})
    assert strip_meta(resp) == {"defaultResponse": False,
                                "responseParameters": {"gatewayresponse.header.foo": "'bar'"},
                                "responseTemplates": DEFAULT_TEMPLATE, "responseType": "AUTHORIZER_FAILURE",
                                "statusCode": "500"}
    by_type = {i["responseType"]: i for i in client.get_gateway_responses(restApiId=api_id)["items"]}
    for rtype in ("API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR", "INTEGRATION_FAILURE",
                  "INTEGRATION_TIMEOUT"):
        assert by_type[rtype] == {"defaultResponse": True, "responseParameters": params,
                                  "responseTemplates": {"application/json": GW_TEMPLATE},
                                  "responseType": rtype, "statusCode": "599"}, rtype
    assert by_type["DEFAULT_5XX"]["defaultResponse"] is False
    assert by_type["AUTHORIZER_FAILURE"]["statusCode"] == "500"
    # 4xx defaults are untouched
    assert by_type["ACCESS_DENIED"] == {"defaultResponse": True, "responseParameters": {},
                                        "responseTemplates": DEFAULT_TEMPLATE, "responseType": "ACCESS_DENIED",
                                        "statusCode": "403"}
