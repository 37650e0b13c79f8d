"""RestApi CRUD: CreateRestApi / GetRestApi(s) / UpdateRestApi / DeleteRestApi."""

import re

import pytest

from e2e_helpers import (
    api_not_found,
    assert_error,
    client_error,
    create_api,
    is_timestamp,
    status_of,
    strip_meta,
    unique_name,
)

COMPRESSION_MSG = "Invalid minimum compression size, must be between 0 and 10485760"
INVALID_TYPES_MSG = (
    "Value '[wrong]' at 'createRestApiInput.endpointConfiguration.types' failed to satisfy "
    "constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
    "[PRIVATE, EDGE, REGIONAL]]"
)
INVALID_IP_MSG = (
    "Value 'wrong' at 'createRestApiInput.endpointConfiguration.ipAddressType' failed to satisfy "
    "constraint: Member must satisfy enum value set: [ipv4, dualstack]"
)


def _op_enum_error(index: int, input_name: str = "updateRestApiInput") -> str:
    return (
        f"Value 'wrong' at '{input_name}.patchOperations.{index}.member.op' failed to satisfy "
        "constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]"
    )


# ---------------------------------------------------------------------------- create


def test_create_rest_api_defaults(client):
    name = unique_name("defaults")
    resp = client.create_rest_api(name=name)
    assert status_of(resp) == 201
    assert resp["name"] == name
    assert resp["apiKeySource"] == "HEADER"
    assert resp["disableExecuteApiEndpoint"] is False
    assert resp["endpointConfiguration"] == {"types": ["EDGE"], "ipAddressType": "ipv4"}
    assert is_timestamp(resp["createdDate"])
    assert resp["id"] and resp["rootResourceId"]
    assert set(strip_meta(resp)) == {"apiKeySource", "createdDate", "disableExecuteApiEndpoint",
                                     "endpointConfiguration", "id", "name", "rootResourceId"}


def test_rest_api_and_root_ids_look_like_aws_ids(client):
    resp = create_api(client)
    assert re.fullmatch(r"[a-z0-9]{10}", resp["id"]), resp["id"]
    assert re.fullmatch(r"[a-z0-9]+", resp["rootResourceId"]), resp["rootResourceId"]
    assert resp["id"] != resp["rootResourceId"]


def test_create_rest_api_ids_are_unique(client):
    ids = {create_api(client)["id"] for _ in range(5)}
    assert len(ids) == 5


def test_create_rest_api_with_description_and_version(client):
    resp = create_api(client, description="this is my api", version="v1")
    assert status_of(resp) == 201
    assert resp["description"] == "this is my api"
    assert resp["version"] == "v1"


def test_create_rest_api_empty_description_rejected(client):
    resp = client_error(client.create_rest_api, name=unique_name(), description="")
    assert_error(resp, 400, "BadRequestException", "Description cannot be an empty string")


@pytest.mark.parametrize("size", [-1, 10485761])
def test_create_rest_api_compression_out_of_range(client, size):
    resp = client_error(client.create_rest_api, name=unique_name(), minimumCompressionSize=size)
    assert_error(resp, 400, "BadRequestException", COMPRESSION_MSG)


def test_create_rest_api_with_compression(client):
    resp = create_api(client, minimumCompressionSize=1024)
    assert resp["minimumCompressionSize"] == 1024
    assert client.get_rest_api(restApiId=resp["id"])["minimumCompressionSize"] == 1024


def test_create_rest_api_empty_binary_media_types_omitted(client):
    resp = create_api(client, binaryMediaTypes=[])
    assert status_of(resp) == 201
    assert "binaryMediaTypes" not in resp


def test_create_rest_api_with_binary_media_types(client):
    resp = create_api(client, binaryMediaTypes=["image/png"])
    assert resp["binaryMediaTypes"] == ["image/png"]
    assert client.get_rest_api(restApiId=resp["id"])["binaryMediaTypes"] == ["image/png"]


def test_create_rest_api_with_tags(client):
    resp = create_api(client, description="this is my api", tags={"MY_TAG1": "MY_VALUE1"})
    assert resp["tags"] == {"MY_TAG1": "MY_VALUE1"}
    got = client.get_rest_api(restApiId=resp["id"])
    assert got["tags"] == {"MY_TAG1": "MY_VALUE1"}
    listed = [i for i in client.get_rest_apis(limit=500)["items"] if i["id"] == resp["id"]]
    assert listed and listed[0]["tags"] == {"MY_TAG1": "MY_VALUE1"}


def test_create_rest_api_api_key_source_authorizer(client):
    resp = create_api(client, apiKeySource="AUTHORIZER")
    assert resp["apiKeySource"] == "AUTHORIZER"


def test_create_rest_api_disable_execute_api_endpoint(client):
    resp = create_api(client, disableExecuteApiEndpoint=True)
    assert resp["disableExecuteApiEndpoint"] is True


@pytest.mark.parametrize(
    "config, expected",
    [
        ({"types": ["EDGE"]}, {"types": ["EDGE"], "ipAddressType": "ipv4"}),
        ({"types": ["REGIONAL"]}, {"types": ["REGIONAL"], "ipAddressType": "ipv4"}),
        ({"types": ["PRIVATE"]}, {"types": ["PRIVATE"], "ipAddressType": "dualstack"}),
        (
            {"types": ["EDGE"], "ipAddressType": "dualstack"},
            {"types": ["EDGE"], "ipAddressType": "dualstack"},
        ),
        (
            {"types": ["REGIONAL"], "ipAddressType": "ipv4"},
            {"types": ["REGIONAL"], "ipAddressType": "ipv4"},
        ),
    ],
)
def test_create_rest_api_endpoint_configuration_defaults(client, config, expected):
    resp = create_api(client, endpointConfiguration=config)
    assert status_of(resp) == 201
    assert resp["endpointConfiguration"] == expected
    assert client.get_rest_api(restApiId=resp["id"])["endpointConfiguration"] == expected


def test_create_rest_api_empty_endpoint_types_rejected(client):
    resp = client_error(client.create_rest_api, name=unique_name(),
                        endpointConfiguration={"types": []})
    assert_error(resp, 400, "BadRequestException",
                 "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.")


def test_create_rest_api_multiple_endpoint_types_rejected(client):
    resp = client_error(client.create_rest_api, name=unique_name(),
                        endpointConfiguration={"types": ["EDGE", "REGIONAL"]})
    assert_error(resp, 400, "BadRequestException", "Cannot create an api with multiple Endpoint Types.")


def test_create_rest_api_invalid_endpoint_type(client):
    resp = client_error(client.create_rest_api, name=unique_name(),
                        endpointConfiguration={"types": ["wrong"]})
    assert_error(resp, 400, "ValidationException", "1 validation error detected: " + INVALID_TYPES_MSG)


def test_create_rest_api_invalid_ip_address_type(client):
    resp = client_error(client.create_rest_api, name=unique_name(),
                        endpointConfiguration={"types": ["EDGE"], "ipAddressType": "wrong"})
    assert_error(resp, 400, "ValidationException", "1 validation error detected: " + INVALID_IP_MSG)


def test_create_rest_api_invalid_types_and_ip_address_type(client):
    resp = client_error(client.create_rest_api, name=unique_name(),
                        endpointConfiguration={"types": ["wrong"], "ipAddressType": "wrong"})
    assert_error(resp, 400, "ValidationException",
                 f"2 validation errors detected: {INVALID_TYPES_MSG}; {INVALID_IP_MSG}")


def test_create_private_rest_api_with_ipv4_rejected(client):
    resp = client_error(client.create_rest_api, name=unique_name(),
                        endpointConfiguration={"types": ["PRIVATE"], "ipAddressType": "ipv4"})
    assert_error(resp, 400, "BadRequestException",
                 "Only dualstack ipAddressType is supported for Private APIs.")


# ---------------------------------------------------------------------------- read


def test_get_rest_api_matches_create(client):
    created = create_api(client, description="d", version="1.0", binaryMediaTypes=["image/gif"])
    got = client.get_rest_api(restApiId=created["id"])
    assert status_of(got) == 200
    for key in ("id", "name", "description", "version", "rootResourceId", "apiKeySource",
                "disableExecuteApiEndpoint", "endpointConfiguration", "binaryMediaTypes",
                "createdDate"):
        assert got[key] == created[key], key


def test_get_rest_api_unknown_id(client):
    resp = client_error(client.get_rest_api, restApiId="doesnotexi")
    assert_error(resp, 404, "NotFoundException", api_not_found("doesnotexi"))


def test_get_rest_api_is_case_sensitive(client):
    created = create_api(client, description="lower case api")
    while created["id"].upper() == created["id"]:  # need an id containing letters
        created = create_api(client)
    upper = created["id"].upper()
    resp = client_error(client.get_rest_api, restApiId=upper)
    assert_error(resp, 404, "NotFoundException", api_not_found(upper))


def test_get_rest_apis_lists_created_apis(client):
    a = create_api(client, description="this is my api")
    b = create_api(client, description="this is my api2")
    resp = client.get_rest_apis(limit=500)
    assert status_of(resp) == 200
    by_id = {i["id"]: i for i in resp["items"]}
    assert by_id[a["id"]]["description"] == "this is my api"
    assert by_id[b["id"]]["description"] == "this is my api2"
    assert by_id[a["id"]]["endpointConfiguration"] == {"types": ["EDGE"], "ipAddressType": "ipv4"}
    assert by_id[a["id"]]["rootResourceId"] == a["rootResourceId"]


# ---------------------------------------------------------------------------- delete


def test_delete_rest_api(client):
    created = create_api(client)
    resp = client.delete_rest_api(restApiId=created["id"])
    assert status_of(resp) == 202
    err = client_error(client.get_rest_api, restApiId=created["id"])
    assert_error(err, 404, "NotFoundException", api_not_found(created["id"]))
    assert created["id"] not in {i["id"] for i in client.get_rest_apis(limit=500)["items"]}


def test_delete_rest_api_unknown_id(client):
    resp = client_error(client.delete_rest_api, restApiId="nosuchapi1")
    assert_error(resp, 404, "NotFoundException")


def test_delete_rest_api_removes_children(client):
    created = create_api(client)
    api_id = created["id"]
    client.create_resource(restApiId=api_id, parentId=created["rootResourceId"], pathPart="pets")
    client.delete_rest_api(restApiId=api_id)
    resp = client_error(client.get_resources, restApiId=api_id)
    assert_error(resp, 404, "NotFoundException", api_not_found(api_id))


# ---------------------------------------------------------------------------- update


def test_update_rest_api_unknown_id(client):
    resp = client_error(client.update_rest_api, restApiId="api_id",
                        patchOperations=[{"op": "replace", "path": "/apiKeySource", "value": "AUTHORIZER"}])
    assert_error(resp, 404, "NotFoundException", api_not_found("api_id"))


def test_update_rest_api_name_description_and_key_source(client, api):
    resp = client.update_rest_api(
        restApiId=api["id"],
        patchOperations=[
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "replace", "path": "/description", "value": "new description"},
            {"op": "replace", "path": "/apiKeySource", "value": "AUTHORIZER"},
        ],
    )
    assert status_of(resp) == 200
    assert resp["name"] == "renamed"
    assert resp["description"] == "new description"
    assert resp["apiKeySource"] == "AUTHORIZER"
    got = client.get_rest_api(restApiId=api["id"])
    assert (got["name"], got["description"], got["apiKeySource"]) == (
        "renamed", "new description", "AUTHORIZER")


def test_update_rest_api_binary_media_types_add_replace_remove(client):
    api = create_api(client, description="this is my api")
    api_id = api["id"]
    resp = client.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "add", "path": "/binaryMediaTypes/image~1png"},
        {"op": "add", "path": "/binaryMediaTypes/image~1jpeg"},
    ])
    assert status_of(resp) == 200
    assert resp["binaryMediaTypes"] == ["image/png", "image/jpeg"]
    assert resp["description"] == "this is my api"
    assert resp["tags"] == {}

    resp = client.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/binaryMediaTypes/image~1png", "value": "image/gif"},
    ])
    assert resp["binaryMediaTypes"] == ["image/jpeg", "image/gif"]

    resp = client.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "remove", "path": "/binaryMediaTypes/image~1gif"},
        {"op": "remove", "path": "/description"},
    ])
    assert resp["binaryMediaTypes"] == ["image/jpeg"]
    assert "description" not in resp
    got = client.get_rest_api(restApiId=api_id)
    assert got["binaryMediaTypes"] == ["image/jpeg"]
    assert "description" not in got


def test_update_rest_api_binary_media_types_is_not_an_array(client, api):
    # `-` is treated as a literal key, not as "append"
    resp = client.update_rest_api(restApiId=api["id"], patchOperations=[
        {"op": "add", "path": "/binaryMediaTypes/-", "value": "image/png"},
    ])
    assert resp["binaryMediaTypes"] == ["-"]


@pytest.mark.parametrize("op", ["add", "replace", "remove"])
def test_update_rest_api_binary_media_types_base_path_rejected(client, api, op):
    patch = {"op": op, "path": "/binaryMediaTypes"}
    if op != "remove":
        patch["value"] = "image/gif"
    resp = client_error(client.update_rest_api, restApiId=api["id"], patchOperations=[patch])
    assert_error(resp, 400, "BadRequestException", "Invalid patch path /binaryMediaTypes")


def test_update_rest_api_minimum_compression_size(client, api):
    api_id = api["id"]

    def patch(value):
        return client.update_rest_api(restApiId=api_id, patchOperations=[
            {"op": "replace", "path": "/minimumCompressionSize", "value": value}])

    assert patch("10")["minimumCompressionSize"] == 10
    assert client.get_rest_api(restApiId=api_id)["minimumCompressionSize"] == 10
    resp = patch("")
    assert "minimumCompressionSize" not in resp
    assert "minimumCompressionSize" not in client.get_rest_api(restApiId=api_id)
    assert patch("0")["minimumCompressionSize"] == 0
    assert client.get_rest_api(restApiId=api_id)["minimumCompressionSize"] == 0


@pytest.mark.parametrize("value", ["-1", "test"])
def test_update_rest_api_invalid_compression_size(client, api, value):
    resp = client_error(client.update_rest_api, restApiId=api["id"], patchOperations=[
        {"op": "replace", "path": "/minimumCompressionSize", "value": value}])
    assert_error(resp, 400, "BadRequestException", COMPRESSION_MSG)


def test_update_rest_api_compression_only_supports_replace(client, api):
    resp = client_error(client.update_rest_api, restApiId=api["id"], patchOperations=[
        {"op": "add", "path": "/minimumCompressionSize", "value": "10"}])
    assert_error(resp, 400, "BadRequestException",
                 "Invalid patch operation specified. Must be one of: [replace]")


def test_update_rest_api_endpoint_type_edge_to_regional(client, api):
    resp = client.update_rest_api(restApiId=api["id"], patchOperations=[
        {"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "REGIONAL"}])
    assert status_of(resp) == 200
    assert resp["endpointConfiguration"]["types"] == ["REGIONAL"]
    got = client.get_rest_api(restApiId=api["id"])
    assert got["endpointConfiguration"]["types"] == ["REGIONAL"]


def test_update_rest_api_to_private_requires_dualstack(client, api):
    resp = client.update_rest_api(restApiId=api["id"], patchOperations=[
        {"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "PRIVATE"},
        {"op": "replace", "path": "/endpointConfiguration/ipAddressType", "value": "dualstack"},
    ])
    assert resp["endpointConfiguration"] == {"types": ["PRIVATE"], "ipAddressType": "dualstack"}
    err = client_error(client.update_rest_api, restApiId=api["id"], patchOperations=[
        {"op": "replace", "path": "/endpointConfiguration/ipAddressType", "value": "ipv4"}])
    assert_error(err, 400, "BadRequestException",
                 "Only dualstack ipAddressType is supported for Private APIs.")


def test_update_rest_api_invalid_ip_address_type(client, api):
    resp = client_error(client.update_rest_api, restApiId=api["id"], patchOperations=[
        {"op": "replace", "path": "/endpointConfiguration/ipAddressType", "value": "wrong"}])
    assert_error(resp, 400, "BadRequestException", "ipAddressType must be either ipv4 or dualstack.")


def test_update_rest_api_ip_address_type_only_supports_replace(client, api):
    resp = client_error(client.update_rest_api, restApiId=api["id"], patchOperations=[
        {"op": "add", "path": "/endpointConfiguration/ipAddressType", "value": "dualstack"}])
    assert_error(resp, 400, "BadRequestException",
                 "Invalid patch operation specified. Must be one of: [replace]")


def test_update_rest_api_invalid_patch_op_enum(client, api):
    resp = client_error(client.update_rest_api, restApiId=api["id"], patchOperations=[
        {"op": "wrong", "path": "/endpointConfiguration/ipAddressType", "value": "dualstack"},
        {"op": "wrong", "path": "/endpointConfiguration/types/EDGE", "value": "REGIONAL"},
    ])
    assert_error(resp, 400, "ValidationException",
                 f"2 validation errors detected: {_op_enum_error(1)}; {_op_enum_error(2)}")


def test_update_rest_api_disable_execute_api_endpoint(client, api):
    resp = client.update_rest_api(restApiId=api["id"], patchOperations=[
        {"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "true"}])
    assert resp["disableExecuteApiEndpoint"] is True
    assert client.get_rest_api(restApiId=api["id"])["disableExecuteApiEndpoint"] is True


# ---------------------------------------------------------------------------- isolation


def test_rest_apis_are_isolated_per_region(client, client_factory):
    created = create_api(client)
    other = client_factory(region="eu-west-1")
    resp = client_error(other.get_rest_api, restApiId=created["id"])
    assert_error(resp, 404, "NotFoundException", api_not_found(created["id"]))
    assert created["id"] not in {i["id"] for i in other.get_rest_apis(limit=500)["items"]}
    # and the other way round
    in_eu = create_api(other)
    assert client_error(client.get_rest_api, restApiId=in_eu["id"])["Error"]["Code"] == "NotFoundException"
    assert other.get_rest_api(restApiId=in_eu["id"])["id"] == in_eu["id"]


def test_unicode_names_round_trip(client):
    name = "Bücher-API ✓ 名前"
    desc = "Déjà vu — \"quoted\" & <tagged> / slash"
    created = create_api(client, name=name, description=desc)
    assert (created["name"], created["description"]) == (name, desc)
    got = client.get_rest_api(restApiId=created["id"])
    assert (got["name"], got["description"]) == (name, desc)


def test_update_rest_api_invalid_endpoint_type(client, api):
    resp = client_error(client.update_rest_api, restApiId=api["id"], patchOperations=[
        {"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "wrong"}])
    assert_error(resp, 400, "BadRequestException",
                 "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE")
    assert client.get_rest_api(restApiId=api["id"])["endpointConfiguration"]["types"] == ["EDGE"]
