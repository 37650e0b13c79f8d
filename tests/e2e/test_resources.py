"""Resources: CreateResource / GetResource(s) / UpdateResource / DeleteResource."""

import pytest

from e2e_helpers import api_not_found, assert_error, client_error, status_of

RESOURCE_NOT_FOUND = "Invalid Resource identifier specified"


def _paths(client, api_id):
    return {i["path"]: i for i in client.get_resources(restApiId=api_id, limit=500)["items"]}


def test_new_api_has_only_root_resource(client, api):
    resp = client.get_resources(restApiId=api["id"])
    assert status_of(resp) == 200
    assert resp["items"] == [{"id": api["rootResourceId"], "path": "/"}]


def test_get_root_resource(client, api):
    resp = client.get_resource(restApiId=api["id"], resourceId=api["rootResourceId"])
    assert status_of(resp) == 200
    assert resp["id"] == api["rootResourceId"]
    assert resp["path"] == "/"
    assert "parentId" not in resp and "pathPart" not in resp


def test_create_resource(client, api_id, root_id):
    resp = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    assert status_of(resp) == 201
    assert resp["parentId"] == root_id
    assert resp["path"] == "/pets"
    assert resp["pathPart"] == "pets"
    assert resp["id"]
    assert "resourceMethods" not in resp
    got = client.get_resource(restApiId=api_id, resourceId=resp["id"])
    assert {k: got[k] for k in ("id", "parentId", "path", "pathPart")} == {
        "id": resp["id"], "parentId": root_id, "path": "/pets", "pathPart": "pets"}


def test_create_nested_resources(client, api_id, root_id):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    sub = client.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="subpets")
    assert sub["path"] == "/pets/subpets"
    assert sub["parentId"] == pets["id"]
    items = client.get_resources(restApiId=api_id)["items"]
    assert sorted(i["path"] for i in items) == ["/", "/pets", "/pets/subpets"]


def test_create_resource_with_path_parameter(client, api_id, root_id):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    pet = client.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="{petId}")
    assert pet["path"] == "/pets/{petId}"
    assert pet["pathPart"] == "{petId}"


def test_create_resource_unknown_parent(client, api_id):
    resp = client_error(client.create_resource, restApiId=api_id, parentId="fake-resource-id",
                        pathPart="subpets")
    assert_error(resp, 404, "NotFoundException", RESOURCE_NOT_FOUND)


def test_create_resource_unknown_api(client):
    resp = client_error(client.create_resource, restApiId="nosuchapi1", parentId="abc",
                        pathPart="x")
    assert_error(resp, 404, "NotFoundException")


def test_create_duplicate_sibling_conflicts(client, api_id, root_id):
    client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    resp = client_error(client.create_resource, restApiId=api_id, parentId=root_id, pathPart="pets")
    assert_error(resp, 409, "ConflictException",
                 "Another resource with the same parent already has this name: pets")


def test_get_resource_unknown(client, api_id):
    resp = client_error(client.get_resource, restApiId=api_id, resourceId="nope123456")
    assert_error(resp, 404, "NotFoundException", RESOURCE_NOT_FOUND)


def test_get_resources_unknown_api(client):
    resp = client_error(client.get_resources, restApiId="nosuchapi1")
    assert_error(resp, 404, "NotFoundException", api_not_found("nosuchapi1"))


def test_get_resources_lists_methods(client, api_id, root_id):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    client.put_method(restApiId=api_id, resourceId=pets["id"], httpMethod="GET",
                      authorizationType="NONE")
    client.put_method(restApiId=api_id, resourceId=pets["id"], httpMethod="POST",
                      authorizationType="NONE")
    items = _paths(client, api_id)
    assert set(items["/pets"]["resourceMethods"]) == {"GET", "POST"}
    assert "resourceMethods" not in items["/"]


def test_get_resources_embed_methods(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET",
                      authorizationType="NONE", apiKeyRequired=True)
    resp = client.get_resources(restApiId=api_id, embed=["methods"])
    root = [i for i in resp["items"] if i["path"] == "/"][0]
    get = root["resourceMethods"]["GET"]
    assert get["httpMethod"] == "GET"
    assert get["authorizationType"] == "NONE"
    assert get["apiKeyRequired"] is True


# ---------------------------------------------------------------------------- update


def test_update_resource_path_part(client, api_id, root_id):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    resp = client.update_resource(restApiId=api_id, resourceId=pets["id"], patchOperations=[
        {"op": "replace", "path": "/pathPart", "value": "dogs"}])
    assert status_of(resp) == 200
    assert resp == {**resp, "id": pets["id"], "parentId": root_id, "path": "/dogs", "pathPart": "dogs"}
    got = client.get_resource(restApiId=api_id, resourceId=pets["id"])
    assert got["path"] == "/dogs" and got["pathPart"] == "dogs"


def test_update_resource_path_part_renames_descendants(client, api_id, root_id):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    sub = client.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="{petId}")
    client.update_resource(restApiId=api_id, resourceId=pets["id"], patchOperations=[
        {"op": "replace", "path": "/pathPart", "value": "dogs"}])
    assert client.get_resource(restApiId=api_id, resourceId=sub["id"])["path"] == "/dogs/{petId}"


def test_update_resource_move_to_new_parent(client, api_id, root_id):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    sub = client.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="subpets")
    resp = client.update_resource(restApiId=api_id, resourceId=sub["id"], patchOperations=[
        {"op": "replace", "path": "/parentId", "value": root_id}])
    assert resp["parentId"] == root_id
    assert resp["path"] == "/subpets"
    # deleting the old parent keeps the moved resource
    client.delete_resource(restApiId=api_id, resourceId=pets["id"])
    assert sorted(_paths(client, api_id)) == ["/", "/subpets"]


def test_update_resource_unknown_resource(client, api_id):
    resp = client_error(client.update_resource, restApiId=api_id, resourceId="fake-resource",
                        patchOperations=[{"op": "replace", "path": "/pathPart", "value": "dogs"}])
    assert_error(resp, 404, "NotFoundException", RESOURCE_NOT_FOUND)


def test_update_resource_invalid_path(client, api_id, root_id):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    resp = client_error(client.update_resource, restApiId=api_id, resourceId=pets["id"],
                        patchOperations=[{"op": "replace", "path": "/invalid", "value": "dogs"}])
    assert_error(resp, 400, "BadRequestException",
                 "Invalid patch path  '/invalid' specified for op 'replace'. Must be one of: [/parentId, /pathPart]")


def test_update_resource_unknown_parent(client, api_id, root_id):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    resp = client_error(client.update_resource, restApiId=api_id, resourceId=pets["id"],
                        patchOperations=[{"op": "replace", "path": "/parentId", "value": "fake-parent-id"}])
    assert_error(resp, 404, "NotFoundException", RESOURCE_NOT_FOUND)


@pytest.mark.parametrize("op", ["add", "remove"])
def test_update_resource_unsupported_operation(client, api_id, root_id, op):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    patch = {"op": op, "path": "/pathPart"}
    if op == "add":
        patch["value"] = "added-pets"
    resp = client_error(client.update_resource, restApiId=api_id, resourceId=pets["id"],
                        patchOperations=[patch])
    assert_error(resp, 400, "BadRequestException",
                 f"Invalid patch path  '/pathPart' specified for op '{op}'. Please choose supported operations")


def test_update_resource_cycle_rejected(client, api_id, root_id):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    sub = client.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="subpets")
    resp = client_error(client.update_resource, restApiId=api_id, resourceId=pets["id"],
                        patchOperations=[{"op": "replace", "path": "/parentId", "value": sub["id"]}])
    assert_error(resp, 400, "BadRequestException", "Resources cannot be cyclical.")


def test_update_resource_move_onto_existing_name_conflicts(client, api_id, root_id):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    sub = client.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="subpets")
    child = client.create_resource(restApiId=api_id, parentId=sub["id"], pathPart="pets")
    resp = client_error(client.update_resource, restApiId=api_id, resourceId=child["id"],
                        patchOperations=[{"op": "replace", "path": "/parentId", "value": root_id}])
    assert_error(resp, 409, "ConflictException",
                 "Another resource with the same parent already has this name: pets")


def test_update_resource_rename_onto_existing_name_conflicts(client, api_id, root_id):
    client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    other = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="subpets")
    resp = client_error(client.update_resource, restApiId=api_id, resourceId=other["id"],
                        patchOperations=[{"op": "replace", "path": "/pathPart", "value": "pets"}])
    assert_error(resp, 409, "ConflictException",
                 "Another resource with the same parent already has this name: pets")


@pytest.mark.parametrize(
    "path, value, message",
    [
        ("/pathPart", "newroot", "Root resource cannot update its pathPart."),
        ("/parentId", "someparent", "Root resource cannot update its parentId."),
    ],
)
def test_update_root_resource_rejected(client, api_id, root_id, path, value, message):
    resp = client_error(client.update_resource, restApiId=api_id, resourceId=root_id,
                        patchOperations=[{"op": "replace", "path": path, "value": value}])
    assert_error(resp, 400, "BadRequestException", message)


# ---------------------------------------------------------------------------- delete


def test_delete_resource_cascades_to_children(client, api_id, root_id):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    sub = client.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="subpets")
    resp = client.delete_resource(restApiId=api_id, resourceId=pets["id"])
    assert status_of(resp) == 202
    assert client.get_resources(restApiId=api_id)["items"] == [{"id": root_id, "path": "/"}]
    err = client_error(client.delete_resource, restApiId=api_id, resourceId=sub["id"])
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)


def test_delete_resource_removes_its_methods(client, api_id, root_id):
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    client.put_method(restApiId=api_id, resourceId=pets["id"], httpMethod="GET",
                      authorizationType="NONE")
    client.delete_resource(restApiId=api_id, resourceId=pets["id"])
    err = client_error(client.get_method, restApiId=api_id, resourceId=pets["id"], httpMethod="GET")
    assert_error(err, 404, "NotFoundException", RESOURCE_NOT_FOUND)


# ---------------------------------------------------------------------------- greedy paths


def test_proxy_resources_layout(client, api_id, root_id):
    proxy = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="{proxy+}")
    assert status_of(proxy) == 201
    assert proxy["path"] == "/{proxy+}"
    parent = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="parent")
    p_proxy = client.create_resource(restApiId=api_id, parentId=parent["id"], pathPart="{proxy+}")
    child = client.create_resource(restApiId=api_id, parentId=parent["id"], pathPart="child")
    c_proxy = client.create_resource(restApiId=api_id, parentId=child["id"], pathPart="{proxy+}")
    assert p_proxy["path"] == "/parent/{proxy+}"
    assert c_proxy["path"] == "/parent/child/{proxy+}"
    # replace the greedy child by a plain variable one with its own greedy child
    client.delete_resource(restApiId=api_id, resourceId=p_proxy["id"])
    dyn = client.create_resource(restApiId=api_id, parentId=parent["id"], pathPart="{child}")
    dyn_proxy = client.create_resource(restApiId=api_id, parentId=dyn["id"], pathPart="{proxy+}")
    assert dyn["path"] == "/parent/{child}"
    assert dyn_proxy["path"] == "/parent/{child}/{proxy+}"
    assert sorted(_paths(client, api_id)) == sorted([
        "/", "/parent", "/parent/child", "/parent/child/{proxy+}", "/parent/{child}",
        "/parent/{child}/{proxy+}", "/{proxy+}"])


def test_second_variable_sibling_rejected(client, api_id, root_id):
    client.create_resource(restApiId=api_id, parentId=root_id, pathPart="{proxy+}")
    resp = client_error(client.create_resource, restApiId=api_id, parentId=root_id,
                        pathPart="{dynamic}")
    assert_error(resp, 400, "BadRequestException",
                 "A sibling ({proxy+}) of this resource already has a variable path part -- only one is allowed")


@pytest.mark.parametrize("path_part", ["child", "{child}"])
def test_child_of_greedy_resource_rejected(client, api_id, root_id, path_part):
    proxy = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="{proxy+}")
    resp = client_error(client.create_resource, restApiId=api_id, parentId=proxy["id"],
                        pathPart=path_part)
    assert_error(resp, 400, "BadRequestException",
                 "Cannot create a child of a resource with a greedy path variable: {proxy+}")


def test_greedy_child_of_static_resource(client, api_id, root_id):
    parent = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="parent")
    resp = client.create_resource(restApiId=api_id, parentId=parent["id"], pathPart="{child+}")
    assert status_of(resp) == 201
    assert resp["path"] == "/parent/{child+}"
    assert resp["pathPart"] == "{child+}"


# ---------------------------------------------------------------- concurrency


def test_concurrent_resource_creation(client, api_id, root_id):
    """Terraform creates siblings in parallel: every create either succeeds or is throttled (429)."""
    from concurrent.futures import ThreadPoolExecutor

    from botocore.exceptions import ClientError

    def create(i):
        try:
            return client.create_resource(restApiId=api_id, parentId=root_id, pathPart=f"r{i}")
        except ClientError as e:
            return e.response

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(create, range(24)))
    created = []
    for res in results:
        status = res["ResponseMetadata"]["HTTPStatusCode"]
        assert status in (201, 429), res
        if status == 201:
            created.append(res)
        else:
            assert res["Error"]["Code"] == "TooManyRequestsException"
    assert created, "no concurrent create succeeded"
    assert len({r["id"] for r in created}) == len(created)
    listed = _paths(client, api_id)
    for res in created:
        assert listed[res["path"]]["id"] == res["id"]
    assert len(listed) == len(created) + 1
