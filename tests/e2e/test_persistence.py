"""State survives kill -9: build a full API, SIGKILL the server, restart it, compare everything."""

import json

import pytest

from e2e_helpers import add_mock_method, assert_error, client_error, strip_meta

AUTHORIZER_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"
)


@pytest.fixture
def private_server(server_factory):
    return server_factory()


def build_full_api(client) -> dict:
    api = client.create_rest_api(name="persisted", description="full api", binaryMediaTypes=["image/png"],
                                 tags={"owner": "e2e"})
    api_id, root = api["id"], api["rootResourceId"]
    pets = client.create_resource(restApiId=api_id, parentId=root, pathPart="pets")
    pet = client.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="{petId}")
    client.create_model(restApiId=api_id, name="Pet", contentType="application/json",
                        schema=json.dumps({"type": "object", "properties": {"name": {"type": "string"}}}))
    validator = client.create_request_validator(restApiId=api_id, name="body", validateRequestBody=True)
    auth = client.create_authorizer(restApiId=api_id, name="tok", type="TOKEN", authorizerUri=AUTHORIZER_URI,
                                    identitySource="method.request.header.Authorization")
    add_mock_method(client, api_id, root, "GET")
    add_mock_method(client, api_id, pets["id"], "GET")
    client.put_method(restApiId=api_id, resourceId=pets["id"], httpMethod="POST", authorizationType="CUSTOM",
                      authorizerId=auth["id"], requestValidatorId=validator["id"],
                      requestModels={"application/json": "Pet"})
    client.put_integration(restApiId=api_id, resourceId=pets["id"], httpMethod="POST", type="HTTP",
                           integrationHttpMethod="POST", uri="http://example.com/pets")
    client.put_method(restApiId=api_id, resourceId=pet["id"], httpMethod="GET", authorizationType="NONE",
                      requestParameters={"method.request.path.petId": True})
    client.put_integration(restApiId=api_id, resourceId=pet["id"], httpMethod="GET", type="HTTP_PROXY",
                           integrationHttpMethod="GET", uri="http://example.com/pets/{petId}",
                           requestParameters={"integration.request.path.petId": "method.request.path.petId"})
    client.put_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX", statusCode="418",
                                responseTemplates={"application/json": '{"teapot": true}'})
    d1 = client.create_deployment(restApiId=api_id, stageName="dev", description="first",
                                  variables={"color": "red"})
    client.update_method(restApiId=api_id, resourceId=pets["id"], httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"}])
    d2 = client.create_deployment(restApiId=api_id, stageName="dev", description="second")
    client.create_stage(restApiId=api_id, stageName="prod", deploymentId=d1["id"], description="prod",
                        tags={"tier": "prod"})
    client.create_deployment(restApiId=api_id, stageName="prod", canarySettings={
        "percentTraffic": 10, "stageVariableOverrides": {"color": "green"}})
    client.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
        {"op": "replace", "path": "/~1pets/GET/throttling/burstLimit", "value": "10"},
        {"op": "replace", "path": "/accessLogSettings/destinationArn",
         "value": "arn:aws:logs:us-east-1:000000000000:log-group:access"},
        {"op": "replace", "path": "/tracingEnabled", "value": "true"},
    ])
    return {"api_id": api_id, "d1": d1["id"], "d2": d2["id"]}


def snapshot(client, api_id: str) -> dict:
    """Everything a user can read back about an API, without volatile request metadata."""
    snap = {"api": strip_meta(client.get_rest_api(restApiId=api_id))}
    resources = client.get_resources(restApiId=api_id, limit=500, embed=["methods"])["items"]
    snap["resources"] = sorted(resources, key=lambda r: r["path"])
    methods = {}
    for res in resources:
        for verb in res.get("resourceMethods", {}):
            methods[f"{res['path']} {verb}"] = strip_meta(
                client.get_method(restApiId=api_id, resourceId=res["id"], httpMethod=verb))
    snap["methods"] = methods
    snap["models"] = sorted(client.get_models(restApiId=api_id)["items"], key=lambda m: m["name"])
    snap["validators"] = client.get_request_validators(restApiId=api_id)["items"]
    snap["authorizers"] = client.get_authorizers(restApiId=api_id)["items"]
    snap["gateway_responses"] = sorted(client.get_gateway_responses(restApiId=api_id)["items"],
                                       key=lambda g: g["responseType"])
    deployments = sorted(client.get_deployments(restApiId=api_id)["items"], key=lambda d: d["id"])
    snap["deployments"] = deployments
    snap["api_summaries"] = {
        d["id"]: strip_meta(client.get_deployment(restApiId=api_id, deploymentId=d["id"], embed=["apisummary"]))
        for d in deployments
    }
    snap["stages"] = sorted(client.get_stages(restApiId=api_id)["item"], key=lambda s: s["stageName"])
    arn = f"arn:aws:apigateway:us-east-1::/restapis/{api_id}"
    snap["tags"] = client.get_tags(resourceArn=arn).get("tags", {})
    snap["stage_tags"] = client.get_tags(resourceArn=arn + "/stages/prod").get("tags", {})
    return snap


def test_full_api_survives_kill_9(private_server, restart_server):
    client = private_server.client()
    ids = build_full_api(client)
    before = snapshot(client, ids["api_id"])
    assert len(before["deployments"]) == 3
    assert before["stages"][0]["stageName"] == "dev"

    restart_server(private_server)
    client = private_server.client()
    after = snapshot(client, ids["api_id"])
    assert after == before
    assert [a["id"] for a in client.get_rest_apis()["items"]] == [ids["api_id"]]


def test_writes_after_restart_do_not_collide(private_server, restart_server):
    client = private_server.client()
    first = client.create_rest_api(name="one")
    res_before = client.create_resource(restApiId=first["id"], parentId=first["rootResourceId"], pathPart="a")
    restart_server(private_server)
    client = private_server.client()
    second = client.create_rest_api(name="two")
    res_after = client.create_resource(restApiId=first["id"], parentId=first["rootResourceId"], pathPart="b")
    assert second["id"] != first["id"]
    assert res_after["id"] != res_before["id"]
    assert {a["name"] for a in client.get_rest_apis()["items"]} == {"one", "two"}
    assert sorted(r["path"] for r in client.get_resources(restApiId=first["id"])["items"]) == ["/", "/a", "/b"]


def test_deletes_survive_restart(private_server, restart_server):
    client = private_server.client()
    keep = client.create_rest_api(name="keep")
    gone = client.create_rest_api(name="gone")
    add_mock_method(client, keep["id"], keep["rootResourceId"])
    dep = client.create_deployment(restApiId=keep["id"], stageName="tmp")
    client.delete_stage(restApiId=keep["id"], stageName="tmp")
    client.delete_deployment(restApiId=keep["id"], deploymentId=dep["id"])
    client.delete_rest_api(restApiId=gone["id"])
    restart_server(private_server)
    client = private_server.client()
    assert [a["id"] for a in client.get_rest_apis()["items"]] == [keep["id"]]
    assert client.get_deployments(restApiId=keep["id"])["items"] == []
    assert client.get_stages(restApiId=keep["id"]).get("item", []) == []
    assert_error(client_error(client.get_rest_api, restApiId=gone["id"]), 404, "NotFoundException")


def test_updates_persist_across_two_restarts(private_server, restart_server):
    client = private_server.client()
    api = client.create_rest_api(name="mutable")
    add_mock_method(client, api["id"], api["rootResourceId"])
    client.create_deployment(restApiId=api["id"], stageName="dev")
    restart_server(private_server)
    client = private_server.client()
    client.update_rest_api(restApiId=api["id"], patchOperations=[
        {"op": "replace", "path": "/name", "value": "mutated"}])
    client.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/variables/v", "value": "1"}])
    restart_server(private_server)
    client = private_server.client()
    assert client.get_rest_api(restApiId=api["id"])["name"] == "mutated"
    assert client.get_stage(restApiId=api["id"], stageName="dev")["variables"] == {"v": "1"}


def test_region_state_survives_restart(private_server, restart_server):
    east = private_server.client()
    west = private_server.client(region="us-west-2")
    a = east.create_rest_api(name="east")
    b = west.create_rest_api(name="west")
    west.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn",
                                          "value": "arn:aws:iam::000000000000:role/cw"}])
    restart_server(private_server)
    east = private_server.client()
    west = private_server.client(region="us-west-2")
    assert [x["id"] for x in east.get_rest_apis()["items"]] == [a["id"]]
    assert [x["id"] for x in west.get_rest_apis()["items"]] == [b["id"]]
    assert west.get_account()["cloudwatchRoleArn"] == "arn:aws:iam::000000000000:role/cw"
