"""The deploy workflow: deployments, stages, UpdateStage patch grammar, canaries."""

import pytest

from e2e_helpers import (
    add_mock_method,
    assert_error,
    client_error,
    create_api,
    is_timestamp,
    status_of,
    strip_meta,
    wait_for,
)

ACTIVE_STAGES = "Active stages pointing to this deployment must be moved or deleted"
STAGE_NOT_FOUND = "Invalid stage identifier specified"
VALID_STAGE_PATHS = (
    "[/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, "
    "/accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, "
    "/{resourcePath}/{httpMethod}/metrics/enabled, /{resourcePath}/{httpMethod}/logging/dataTrace, "
    "/{resourcePath}/{httpMethod}/logging/loglevel, "
    "/{resourcePath}/{httpMethod}/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit"
    "/{resourcePath}/{httpMethod}/caching/ttlInSeconds, /{resourcePath}/{httpMethod}/caching/enabled, "
    "/{resourcePath}/{httpMethod}/caching/dataEncrypted, "
    "/{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, "
    "/{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, "
    "/*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit "
    "/*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, /*/*/caching/enabled, "
    "/*/*/caching/dataEncrypted, /*/*/caching/requireAuthorizationForCacheControl, "
    "/*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, /tracingEnabled]"
)
ACCESS_LOG_PATHS = (
    "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, "
    "/accessLogSettings/format]"
)
# what AWS materialises for a method setting once any of its fields is set
DEFAULT_METHOD_SETTING = {
    "cacheDataEncrypted": False,
    "cacheTtlInSeconds": 300,
    "cachingEnabled": False,
    "dataTraceEnabled": False,
    "metricsEnabled": False,
    "requireAuthorizationForCacheControl": True,
    "throttlingBurstLimit": 5000,
    "throttlingRateLimit": 10000.0,
    "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
}
LOG_ARN = "arn:aws:logs:us-east-1:000000000000:log-group:e2e-access-logs"


def invalid_path(path: str) -> str:
    return f"Invalid method setting path: {path}. Must be one of: {VALID_STAGE_PATHS}"


def cannot_remove(setting: str) -> str:
    return f"Cannot remove method setting {setting} because there is no method setting for this method "


FRESH_STAGE_KEYS = {"cacheClusterEnabled", "cacheClusterStatus", "createdDate", "deploymentId",
                    "lastUpdatedDate", "methodSettings", "stageName", "tracingEnabled"}


def assert_fresh_stage(stage: dict, name: str, deployment_id: str) -> None:
    assert set(strip_meta(stage)) - {"description"} == FRESH_STAGE_KEYS
    assert stage["stageName"] == name
    assert stage["deploymentId"] == deployment_id
    assert stage["cacheClusterEnabled"] is False
    assert stage["cacheClusterStatus"] == "NOT_AVAILABLE"
    assert stage["methodSettings"] == {}
    assert stage["tracingEnabled"] is False
    assert is_timestamp(stage["createdDate"])
    assert is_timestamp(stage["lastUpdatedDate"])
    for absent in ("canarySettings", "accessLogSettings", "variables"):
        assert absent not in stage


@pytest.fixture
def dapi(client, deployable_api):
    """(api_id, root_id) of an API with GET / ready to deploy."""
    return deployable_api["id"], deployable_api["rootResourceId"]


@pytest.fixture
def staged(client, dapi):
    """(api_id, deployment_id) with stage 'dev' pointing at the deployment."""
    api_id, _ = dapi
    dep = client.create_deployment(restApiId=api_id)
    client.create_stage(restApiId=api_id, stageName="dev", deploymentId=dep["id"], description="dev stage")
    return api_id, dep["id"]


def update_stage(client, api_id, *ops, stage="dev"):
    return client.update_stage(restApiId=api_id, stageName=stage, patchOperations=list(ops))


def op(o, path, value=None, **extra):
    d = {"op": o, "path": path}
    if value is not None:
        d["value"] = value
    d.update(extra)
    return d


# ============================================================================ deployments


def test_create_deployment_without_stage(client, dapi):
    api_id, _ = dapi
    resp = client.create_deployment(restApiId=api_id)
    assert status_of(resp) == 201
    assert set(strip_meta(resp)) == {"id", "createdDate"}
    assert is_timestamp(resp["createdDate"])
    assert client.get_stages(restApiId=api_id).get("item", []) == []


def test_create_deployment_with_description(client, dapi):
    api_id, _ = dapi
    resp = client.create_deployment(restApiId=api_id, description="first deployment")
    assert resp["description"] == "first deployment"
    got = client.get_deployment(restApiId=api_id, deploymentId=resp["id"])
    assert got["description"] == "first deployment"


def test_get_deployment_default_shape(client, dapi):
    api_id, _ = dapi
    dep = client.create_deployment(restApiId=api_id)
    got = client.get_deployment(restApiId=api_id, deploymentId=dep["id"])
    assert status_of(got) == 200
    assert set(strip_meta(got)) == {"id", "createdDate"}
    assert got["id"] == dep["id"]
    assert got["createdDate"] == dep["createdDate"]


def test_get_deployment_unknown(client, dapi):
    api_id, _ = dapi
    err = client_error(client.get_deployment, restApiId=api_id, deploymentId="nosuchdep1")
    assert_error(err, 404, "NotFoundException")
    assert err["Error"]["Message"].lower() == "invalid deployment identifier specified"


def test_create_deployment_unknown_api(client):
    err = client_error(client.create_deployment, restApiId="nosuchapi1", stageName="dev")
    assert_error(err, 404, "NotFoundException")


def test_create_deployment_with_stage_name_creates_stage(client, dapi):
    api_id, _ = dapi
    dep = client.create_deployment(restApiId=api_id, stageName="dev")
    assert status_of(dep) == 201
    stage = client.get_stage(restApiId=api_id, stageName="dev")
    assert status_of(stage) == 200
    assert_fresh_stage(stage, "dev", dep["id"])
    assert "description" not in stage


def test_create_deployment_stage_description_and_variables(client, dapi):
    api_id, _ = dapi
    dep = client.create_deployment(restApiId=api_id, stageName="dev", stageDescription="the dev stage",
                                   description="deployment one",
                                   variables={"testVar": "test", "testVar2": "test2"})
    stage = client.get_stage(restApiId=api_id, stageName="dev")
    assert stage["description"] == "the dev stage"
    assert stage["variables"] == {"testVar": "test", "testVar2": "test2"}
    assert stage["deploymentId"] == dep["id"]
    assert client.get_deployment(restApiId=api_id, deploymentId=dep["id"])["description"] == "deployment one"


def test_create_deployment_with_cache_and_tracing(client, dapi):
    api_id, _ = dapi
    client.create_deployment(restApiId=api_id, stageName="dev", cacheClusterEnabled=True,
                             cacheClusterSize="0.5", tracingEnabled=True)
    stage = client.get_stage(restApiId=api_id, stageName="dev")
    assert stage["cacheClusterEnabled"] is True
    assert stage["cacheClusterSize"] == "0.5"
    assert stage["tracingEnabled"] is True


def test_redeploy_repoints_existing_stage(client, dapi):
    api_id, _ = dapi
    d1 = client.create_deployment(restApiId=api_id, stageName="dev")
    d2 = client.create_deployment(restApiId=api_id, stageName="dev")
    assert d1["id"] != d2["id"]
    stages = client.get_stages(restApiId=api_id)["item"]
    assert [(s["stageName"], s["deploymentId"]) for s in stages] == [("dev", d2["id"])]


def test_get_deployments_history(client, dapi):
    api_id, _ = dapi
    ids = [client.create_deployment(restApiId=api_id, stageName="dev", description=f"d{i}")["id"]
           for i in range(3)]
    resp = client.get_deployments(restApiId=api_id)
    assert status_of(resp) == 200
    by_id = {d["id"]: d for d in resp["items"]}
    assert set(by_id) == set(ids)
    for i, dep_id in enumerate(ids):
        assert by_id[dep_id]["description"] == f"d{i}"
        assert is_timestamp(by_id[dep_id]["createdDate"])


def test_update_deployment_description(client, dapi):
    api_id, _ = dapi
    dep = client.create_deployment(restApiId=api_id)
    resp = client.update_deployment(restApiId=api_id, deploymentId=dep["id"],
                                    patchOperations=[op("replace", "/description", "new-description")])
    assert status_of(resp) == 200
    assert strip_meta(resp) == {"id": dep["id"], "createdDate": dep["createdDate"],
                                "description": "new-description"}


def test_delete_deployment_refused_while_stage_points_at_it(client, dapi):
    api_id, _ = dapi
    dep = client.create_deployment(restApiId=api_id)
    client.create_stage(restApiId=api_id, stageName="s1", deploymentId=dep["id"])
    err = client_error(client.delete_deployment, restApiId=api_id, deploymentId=dep["id"])
    assert_error(err, 400, "BadRequestException", ACTIVE_STAGES)
    # still there
    assert client.get_deployment(restApiId=api_id, deploymentId=dep["id"])["id"] == dep["id"]
    assert status_of(client.delete_stage(restApiId=api_id, stageName="s1")) == 202
    assert status_of(client.delete_deployment(restApiId=api_id, deploymentId=dep["id"])) == 202
    assert client.get_deployments(restApiId=api_id)["items"] == []


def test_delete_deployment_refused_for_stage_created_by_deploy(client, dapi):
    api_id, _ = dapi
    for _ in range(3):
        dep = client.create_deployment(restApiId=api_id, stageName="s1")
        err = client_error(client.delete_deployment, restApiId=api_id, deploymentId=dep["id"])
        assert_error(err, 400, "BadRequestException", ACTIVE_STAGES)
        client.delete_stage(restApiId=api_id, stageName="s1")
        client.delete_deployment(restApiId=api_id, deploymentId=dep["id"])
    assert client.get_deployments(restApiId=api_id)["items"] == []
    assert client.get_stages(restApiId=api_id).get("item", []) == []


def test_delete_old_deployment_after_redeploy(client, dapi):
    api_id, _ = dapi
    d1 = client.create_deployment(restApiId=api_id)
    client.create_stage(restApiId=api_id, stageName="s1", deploymentId=d1["id"])
    d2 = client.create_deployment(restApiId=api_id, stageName="s1")
    assert status_of(client.delete_deployment(restApiId=api_id, deploymentId=d1["id"])) == 202
    err = client_error(client.delete_deployment, restApiId=api_id, deploymentId=d2["id"])
    assert_error(err, 400, "BadRequestException", ACTIVE_STAGES)
    assert [d["id"] for d in client.get_deployments(restApiId=api_id)["items"]] == [d2["id"]]


def test_deploy_api_without_methods_fails(client, api):
    err = client_error(client.create_deployment, restApiId=api["id"], stageName="dev")
    assert_error(err, 400, "BadRequestException", "The REST API doesn't contain any methods")
    assert client.get_stages(restApiId=api["id"]).get("item", []) == []


def test_deploy_method_without_integration_fails(client, api):
    client.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET",
                      authorizationType="NONE")
    err = client_error(client.create_deployment, restApiId=api["id"], stageName="dev")
    assert_error(err, 400, "BadRequestException", "No integration defined for method")


def test_deployment_api_summary(client, dapi):
    api_id, root_id = dapi
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    client.put_method(restApiId=api_id, resourceId=pets["id"], httpMethod="POST",
                      authorizationType="AWS_IAM", apiKeyRequired=True)
    client.put_integration(restApiId=api_id, resourceId=pets["id"], httpMethod="POST", type="MOCK")
    dep = client.create_deployment(restApiId=api_id)
    got = client.get_deployment(restApiId=api_id, deploymentId=dep["id"], embed=["apisummary"])
    summary = got["apiSummary"]
    assert summary["/"] == {"GET": {"authorizationType": "NONE", "apiKeyRequired": False}}
    assert summary["/pets"] == {"POST": {"authorizationType": "AWS_IAM", "apiKeyRequired": True}}


def test_deployment_snapshot_is_immutable(client, dapi):
    api_id, root_id = dapi
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    add_mock_method(client, api_id, pets["id"], "GET")
    d1 = client.create_deployment(restApiId=api_id, stageName="dev")
    before = client.get_deployment(restApiId=api_id, deploymentId=d1["id"], embed=["apisummary"])

    # edit the API heavily after deploying
    add_mock_method(client, api_id, pets["id"], "POST")
    client.update_method(restApiId=api_id, resourceId=pets["id"], httpMethod="GET", patchOperations=[
        op("replace", "/apiKeyRequired", "true")])
    client.update_resource(restApiId=api_id, resourceId=pets["id"], patchOperations=[
        op("replace", "/pathPart", "dogs")])
    client.delete_method(restApiId=api_id, resourceId=root_id, httpMethod="GET")

    after = client.get_deployment(restApiId=api_id, deploymentId=d1["id"], embed=["apisummary"])
    assert strip_meta(after) == strip_meta(before)
    assert after["apiSummary"]["/pets"] == {"GET": {"authorizationType": "NONE", "apiKeyRequired": False}}
    assert "/dogs" not in after["apiSummary"]

    d2 = client.create_deployment(restApiId=api_id, stageName="dev")
    new = client.get_deployment(restApiId=api_id, deploymentId=d2["id"], embed=["apisummary"])["apiSummary"]
    assert "/pets" not in new
    assert new["/dogs"] == {"GET": {"authorizationType": "NONE", "apiKeyRequired": True},
                            "POST": {"authorizationType": "NONE", "apiKeyRequired": False}}


# ============================================================================ stages


def test_create_stage_from_existing_deployment(client, dapi):
    api_id, _ = dapi
    dep = client.create_deployment(restApiId=api_id)
    resp = client.create_stage(restApiId=api_id, stageName="dev", deploymentId=dep["id"],
                               description="dev stage")
    assert status_of(resp) == 201
    assert_fresh_stage(resp, "dev", dep["id"])
    assert resp["description"] == "dev stage"
    got = client.get_stage(restApiId=api_id, stageName="dev")
    assert strip_meta(got) == strip_meta(resp)


def test_create_stage_with_variables_and_tags(client, dapi):
    api_id, _ = dapi
    dep = client.create_deployment(restApiId=api_id)
    resp = client.create_stage(restApiId=api_id, stageName="prod", deploymentId=dep["id"],
                               variables={"a": "1"}, tags={"team": "e2e"}, tracingEnabled=True)
    assert resp["variables"] == {"a": "1"}
    assert resp["tracingEnabled"] is True
    got = client.get_stage(restApiId=api_id, stageName="prod")
    assert got["tags"] == {"team": "e2e"}


def test_create_stage_duplicate_conflicts(client, staged):
    api_id, dep_id = staged
    err = client_error(client.create_stage, restApiId=api_id, stageName="dev", deploymentId=dep_id)
    assert_error(err, 409, "ConflictException", "Stage already exists")


def test_create_stage_unknown_deployment(client, dapi):
    api_id, _ = dapi
    err = client_error(client.create_stage, restApiId=api_id, stageName="dev", deploymentId="nosuchdep1")
    assert err["ResponseMetadata"]["HTTPStatusCode"] in (400, 404)
    assert client_error(client.get_stage, restApiId=api_id, stageName="dev")["Error"]["Code"] == "NotFoundException"


def test_get_stage_unknown(client, dapi):
    api_id, _ = dapi
    err = client_error(client.get_stage, restApiId=api_id, stageName="nope")
    assert_error(err, 404, "NotFoundException", STAGE_NOT_FOUND)


def test_get_stages_filters_by_deployment(client, dapi):
    api_id, _ = dapi
    d1 = client.create_deployment(restApiId=api_id)
    d2 = client.create_deployment(restApiId=api_id)
    client.create_stage(restApiId=api_id, stageName="stage1", deploymentId=d1["id"])
    client.create_stage(restApiId=api_id, stageName="stage2", deploymentId=d2["id"])
    all_stages = client.get_stages(restApiId=api_id)
    assert status_of(all_stages) == 200
    assert sorted((s["stageName"], s["deploymentId"]) for s in all_stages["item"]) == [
        ("stage1", d1["id"]), ("stage2", d2["id"])]
    only1 = client.get_stages(restApiId=api_id, deploymentId=d1["id"])["item"]
    assert [s["stageName"] for s in only1] == ["stage1"]
    assert_fresh_stage(only1[0], "stage1", d1["id"])
    only2 = client.get_stages(restApiId=api_id, deploymentId=d2["id"])["item"]
    assert [s["stageName"] for s in only2] == ["stage2"]


def test_delete_stage(client, staged):
    api_id, _ = staged
    assert status_of(client.delete_stage(restApiId=api_id, stageName="dev")) == 202
    err = client_error(client.get_stage, restApiId=api_id, stageName="dev")
    assert_error(err, 404, "NotFoundException", STAGE_NOT_FOUND)
    err = client_error(client.delete_stage, restApiId=api_id, stageName="dev")
    assert_error(err, 404, "NotFoundException", STAGE_NOT_FOUND)


def test_update_stage_unknown(client, dapi):
    api_id, _ = dapi
    err = client_error(update_stage, client, api_id, op("replace", "/description", "x"), stage="nope")
    assert_error(err, 404, "NotFoundException", STAGE_NOT_FOUND)


def test_rollback_stage_to_older_deployment(client, dapi):
    api_id, _ = dapi
    d1 = client.create_deployment(restApiId=api_id, stageName="dev")
    d2 = client.create_deployment(restApiId=api_id, stageName="dev")
    assert client.get_stage(restApiId=api_id, stageName="dev")["deploymentId"] == d2["id"]
    resp = update_stage(client, api_id, op("replace", "/deploymentId", d1["id"]))
    assert status_of(resp) == 200
    assert resp["deploymentId"] == d1["id"]
    assert client.get_stage(restApiId=api_id, stageName="dev")["deploymentId"] == d1["id"]
    # d2 is free now, d1 is pinned
    assert status_of(client.delete_deployment(restApiId=api_id, deploymentId=d2["id"])) == 202
    err = client_error(client.delete_deployment, restApiId=api_id, deploymentId=d1["id"])
    assert_error(err, 400, "BadRequestException", ACTIVE_STAGES)


def test_update_stage_to_unknown_deployment(client, staged):
    api_id, dep_id = staged
    err = client_error(update_stage, client, api_id, op("replace", "/deploymentId", "nosuchdep1"))
    assert_error(err, 400, "BadRequestException")
    assert client.get_stage(restApiId=api_id, stageName="dev")["deploymentId"] == dep_id


# ---------------------------------------------------------------- simple stage fields


def test_update_stage_description(client, staged):
    api_id, _ = staged
    resp = update_stage(client, api_id, op("replace", "/description", "stage new"))
    assert resp["description"] == "stage new"
    assert client.get_stage(restApiId=api_id, stageName="dev")["description"] == "stage new"


def test_update_stage_variables(client, staged):
    api_id, _ = staged
    resp = update_stage(client, api_id, op("replace", "/variables/var1", "test"),
                        op("add", "/variables/var2", "test2"))
    assert resp["variables"] == {"var1": "test", "var2": "test2"}
    resp = update_stage(client, api_id, op("replace", "/variables/var1", "changed"),
                        op("remove", "/variables/var2"))
    assert resp["variables"] == {"var1": "changed"}
    assert client.get_stage(restApiId=api_id, stageName="dev")["variables"] == {"var1": "changed"}


def test_update_stage_tracing_enabled(client, staged):
    api_id, _ = staged
    assert update_stage(client, api_id, op("replace", "/tracingEnabled", "true"))["tracingEnabled"] is True
    assert update_stage(client, api_id, op("replace", "/tracingEnabled", "false"))["tracingEnabled"] is False


def test_update_stage_cache_cluster(client, staged):
    api_id, _ = staged
    resp = update_stage(client, api_id, op("replace", "/cacheClusterEnabled", "true"),
                        op("replace", "/cacheClusterSize", "1.6"))
    assert resp["cacheClusterEnabled"] is True
    assert resp["cacheClusterSize"] == "1.6"
    assert resp["cacheClusterStatus"] in ("CREATE_IN_PROGRESS", "AVAILABLE")
    available = wait_for(lambda: client.get_stage(restApiId=api_id, stageName="dev")
                         ["cacheClusterStatus"] == "AVAILABLE")
    assert available, "cache cluster never became AVAILABLE"

    resp = update_stage(client, api_id, op("replace", "/cacheClusterEnabled", "false"))
    assert resp["cacheClusterEnabled"] is False
    assert resp["cacheClusterStatus"] in ("DELETE_IN_PROGRESS", "NOT_AVAILABLE")
    gone = wait_for(lambda: client.get_stage(restApiId=api_id, stageName="dev")
                    ["cacheClusterStatus"] == "NOT_AVAILABLE")
    assert gone, "cache cluster never became NOT_AVAILABLE"


@pytest.mark.parametrize("path", ["/documentation_version", "/tags/tag1"])
def test_update_stage_invalid_path(client, staged, path):
    api_id, _ = staged
    err = client_error(update_stage, client, api_id, op("replace", path, "123"))
    assert_error(err, 400, "BadRequestException", invalid_path(path))


def test_update_stage_invalid_op_enum(client, staged):
    api_id, _ = staged
    err = client_error(update_stage, client, api_id, op("wrong", "/description", "x"))
    assert_error(err, 400, "ValidationException",
                 "1 validation error detected: Value 'wrong' at 'updateStageInput.patchOperations.1.member.op' "
                 "failed to satisfy constraint: Member must satisfy enum value set: "
                 "[add, remove, move, test, replace, copy]")


# ---------------------------------------------------------------- method settings


def test_method_settings_wildcard_materialises_defaults(client, staged):
    api_id, _ = staged
    resp = update_stage(client, api_id, op("replace", "/*/*/caching/enabled", "true"))
    assert resp["methodSettings"] == {"*/*": {**DEFAULT_METHOD_SETTING, "cachingEnabled": True}}


def test_method_settings_metrics_and_logging(client, staged):
    api_id, _ = staged
    resp = update_stage(client, api_id, op("replace", "/*/*/metrics/enabled", "true"),
                        op("replace", "/*/*/logging/loglevel", "INFO"),
                        op("replace", "/*/*/logging/dataTrace", "true"))
    ms = resp["methodSettings"]["*/*"]
    assert ms["metricsEnabled"] is True
    assert ms["loggingLevel"] == "INFO"
    assert ms["dataTraceEnabled"] is True
    assert client.get_stage(restApiId=api_id, stageName="dev")["methodSettings"] == resp["methodSettings"]


def test_method_settings_throttling_and_caching_fields(client, staged):
    api_id, _ = staged
    resp = update_stage(
        client, api_id,
        op("replace", "/*/*/throttling/burstLimit", "42"),
        op("replace", "/*/*/throttling/rateLimit", "50.5"),
        op("replace", "/*/*/caching/ttlInSeconds", "60"),
        op("replace", "/*/*/caching/dataEncrypted", "true"),
        op("replace", "/*/*/caching/requireAuthorizationForCacheControl", "false"),
        op("replace", "/*/*/caching/unauthorizedCacheControlHeaderStrategy", "FAIL_WITH_403"),
    )
    ms = resp["methodSettings"]["*/*"]
    assert ms["throttlingBurstLimit"] == 42
    assert ms["throttlingRateLimit"] == 50.5
    assert ms["cacheTtlInSeconds"] == 60
    assert ms["cacheDataEncrypted"] is True
    assert ms["requireAuthorizationForCacheControl"] is False
    assert ms["unauthorizedCacheControlHeaderStrategy"] == "FAIL_WITH_403"


def test_method_settings_recorded_scenario(client, dapi):
    """One patch with stage fields, */* settings and a per-method override (as AWS recorded it)."""
    api_id, _ = dapi
    dep = client.create_deployment(restApiId=api_id)
    client.create_stage(restApiId=api_id, stageName="s1", deploymentId=dep["id"], description="my stage")
    resp = update_stage(
        client, api_id,
        op("replace", "/description", "stage new"),
        op("replace", "/variables/var1", "test"),
        op("replace", "/variables/var2", "test2"),
        op("replace", "/*/*/throttling/burstLimit", "123"),
        op("replace", "/*/*/caching/enabled", "true"),
        op("replace", "/tracingEnabled", "true"),
        op("replace", "/test/GET/throttling/burstLimit", "124"),
        stage="s1",
    )
    expected = {
        "*/*": {**DEFAULT_METHOD_SETTING, "cachingEnabled": True, "throttlingBurstLimit": 123},
        "test/GET": {**DEFAULT_METHOD_SETTING, "cachingEnabled": True, "throttlingBurstLimit": 124},
    }
    assert resp["methodSettings"] == expected
    assert resp["description"] == "stage new"
    assert resp["tracingEnabled"] is True
    assert resp["variables"] == {"var1": "test", "var2": "test2"}
    assert client.get_stage(restApiId=api_id, stageName="s1")["methodSettings"] == expected

    # changing */* later does not touch the per-method override
    resp = update_stage(client, api_id, op("replace", "/*/*/throttling/burstLimit", "100"), stage="s1")
    assert resp["methodSettings"]["*/*"]["throttlingBurstLimit"] == 100
    assert resp["methodSettings"]["test/GET"]["throttlingBurstLimit"] == 124


def test_method_settings_escaped_resource_path(client, dapi):
    api_id, root_id = dapi
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    pet = client.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="{id}")
    add_mock_method(client, api_id, pet["id"], "GET")
    client.create_deployment(restApiId=api_id, stageName="dev")
    resp = update_stage(client, api_id, op("replace", "/~1pets~1{id}/GET/caching/enabled", "true"))
    assert set(resp["methodSettings"]) == {"pets/{id}/GET"}
    assert resp["methodSettings"]["pets/{id}/GET"]["cachingEnabled"] is True


def test_method_settings_unescaped_resource_path(client, dapi):
    """Terraform's aws_api_gateway_method_settings sends the resource path unescaped."""
    api_id, root_id = dapi
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    pet = client.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="{id}")
    add_mock_method(client, api_id, pet["id"], "GET")
    client.create_deployment(restApiId=api_id, stageName="dev")
    resp = update_stage(client, api_id, op("replace", "/pets/{id}/GET/metrics/enabled", "true"),
                        op("replace", "/pets/{id}/GET/logging/loglevel", "ERROR"))
    assert set(resp["methodSettings"]) == {"pets/{id}/GET"}
    ms = client.get_stage(restApiId=api_id, stageName="dev")["methodSettings"]["pets/{id}/GET"]
    assert ms["metricsEnabled"] is True
    assert ms["loggingLevel"] == "ERROR"


def test_method_settings_escaped_and_unescaped_address_same_key(client, dapi):
    api_id, root_id = dapi
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    add_mock_method(client, api_id, pets["id"], "POST")
    client.create_deployment(restApiId=api_id, stageName="dev")
    update_stage(client, api_id, op("replace", "/~1pets/POST/throttling/burstLimit", "7"))
    resp = update_stage(client, api_id, op("replace", "/pets/POST/throttling/rateLimit", "3.5"))
    assert set(resp["methodSettings"]) == {"pets/POST"}
    assert resp["methodSettings"]["pets/POST"]["throttlingBurstLimit"] == 7
    assert resp["methodSettings"]["pets/POST"]["throttlingRateLimit"] == 3.5


def test_remove_wildcard_method_setting(client, staged):
    api_id, _ = staged
    err = client_error(update_stage, client, api_id, op("remove", "/*/*"))
    assert_error(err, 400, "BadRequestException", cannot_remove("*/*"))
    resp = update_stage(client, api_id, op("replace", "/*/*/caching/enabled", "true"))
    assert resp["methodSettings"] == {"*/*": {**DEFAULT_METHOD_SETTING, "cachingEnabled": True}}
    resp = update_stage(client, api_id, op("remove", "/*/*"))
    assert resp["methodSettings"] == {}
    assert client.get_stage(restApiId=api_id, stageName="dev")["methodSettings"] == {}


def test_remove_per_method_setting(client, dapi):
    api_id, root_id = dapi
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    add_mock_method(client, api_id, pets["id"], "GET")
    client.create_deployment(restApiId=api_id, stageName="dev")
    update_stage(client, api_id, op("replace", "/~1pets/GET/metrics/enabled", "true"),
                 op("replace", "/*/*/metrics/enabled", "true"))
    resp = update_stage(client, api_id, op("remove", "/~1pets/GET"))
    assert set(resp["methodSettings"]) == {"*/*"}


@pytest.mark.parametrize(
    "path, value",
    [
        ("/*/*/throttling/burstLimit", "not-a-number"),
        ("/*/*/throttling/rateLimit", "fast"),
        ("/*/*/caching/ttlInSeconds", "soon"),
        ("/*/*/logging/loglevel", "VERBOSE"),
    ],
)
def test_method_settings_invalid_values(client, staged, path, value):
    api_id, _ = staged
    err = client_error(update_stage, client, api_id, op("replace", path, value))
    assert_error(err, 400, "BadRequestException")
    assert client.get_stage(restApiId=api_id, stageName="dev")["methodSettings"] == {}


# ---------------------------------------------------------------- access logs


def test_access_log_settings(client, staged):
    api_id, _ = staged
    resp = update_stage(client, api_id, op("add", "/accessLogSettings/destinationArn", LOG_ARN))
    assert resp["accessLogSettings"] == {"destinationArn": LOG_ARN}
    resp = update_stage(client, api_id, op("replace", "/accessLogSettings/destinationArn", LOG_ARN + "a"))
    assert resp["accessLogSettings"] == {"destinationArn": LOG_ARN + "a"}
    fmt = "$context.requestId $context.identity.sourceIp"
    resp = update_stage(client, api_id, op("add", "/accessLogSettings/format", fmt))
    assert resp["accessLogSettings"] == {"destinationArn": LOG_ARN + "a", "format": fmt}
    assert client.get_stage(restApiId=api_id, stageName="dev")["accessLogSettings"] == resp["accessLogSettings"]
    resp = update_stage(client, api_id, op("remove", "/accessLogSettings"))
    assert "accessLogSettings" not in resp
    assert "accessLogSettings" not in client.get_stage(restApiId=api_id, stageName="dev")


@pytest.mark.parametrize(
    "patch",
    [
        op("add", "/accessLogSettings/randomValue", "value"),
        op("replace", "/accessLogSettings/randomValue", "value"),
        op("add", "/accessLogSettings/*", "value"),
        op("replace", "/accessLogSettings/*", "value"),
        op("add", "/accessLogSettings", "value"),
        op("replace", "/accessLogSettings", "value"),
    ],
)
def test_access_log_settings_invalid_paths(client, staged, patch):
    api_id, _ = staged
    err = client_error(update_stage, client, api_id, patch)
    assert_error(err, 400, "BadRequestException", ACCESS_LOG_PATHS)


@pytest.mark.parametrize("suffix", ["randomValue", "*"])
def test_access_log_settings_invalid_remove(client, staged, suffix):
    api_id, _ = staged
    err = client_error(update_stage, client, api_id, op("remove", f"/accessLogSettings/{suffix}"))
    assert_error(err, 400, "BadRequestException", cannot_remove(f"accessLogSettings/{suffix}"))


def test_access_log_settings_empty_values_and_single_remove(client, staged):
    api_id, _ = staged
    update_stage(client, api_id, op("add", "/accessLogSettings/destinationArn", LOG_ARN))
    for field in ("destinationArn", "format"):
        err = client_error(update_stage, client, api_id, op("replace", f"/accessLogSettings/{field}", ""))
        assert_error(err, 400, "BadRequestException", "Access Log value must not be empty")
    err = client_error(update_stage, client, api_id, op("remove", "/accessLogSettings/destinationArn"))
    assert_error(err, 400, "BadRequestException", cannot_remove("accessLogSettings/destinationArn"))
    assert client.get_stage(restApiId=api_id, stageName="dev")["accessLogSettings"] == {"destinationArn": LOG_ARN}


# ============================================================================ canaries


def test_create_stage_with_canary_settings(client, dapi):
    api_id, _ = dapi
    d1 = client.create_deployment(restApiId=api_id)
    d2 = client.create_deployment(restApiId=api_id)
    resp = client.create_stage(
        restApiId=api_id, stageName="dev", deploymentId=d1["id"], description="dev stage",
        variables={"testVar": "default"},
        canarySettings={"deploymentId": d2["id"], "percentTraffic": 50,
                        "stageVariableOverrides": {"testVar": "canary"}},
    )
    assert status_of(resp) == 201
    expected_canary = {"deploymentId": d2["id"], "percentTraffic": 50.0,
                       "stageVariableOverrides": {"testVar": "canary"}, "useStageCache": False}
    assert resp["canarySettings"] == expected_canary
    assert resp["deploymentId"] == d1["id"]
    assert resp["variables"] == {"testVar": "default"}
    assert client.get_stage(restApiId=api_id, stageName="dev")["canarySettings"] == expected_canary

    resp = update_stage(client, api_id, op("replace", "/canarySettings/stageVariableOverrides/testVar", "updated"))
    assert resp["canarySettings"]["stageVariableOverrides"] == {"testVar": "updated"}

    resp = update_stage(client, api_id, op("remove", "/canarySettings"))
    assert "canarySettings" not in resp
    got = client.get_stage(restApiId=api_id, stageName="dev")
    assert "canarySettings" not in got
    assert got["deploymentId"] == d1["id"]
    assert got["variables"] == {"testVar": "default"}


def test_create_stage_with_unknown_canary_deployment(client, dapi):
    api_id, _ = dapi
    dep = client.create_deployment(restApiId=api_id)
    err = client_error(client.create_stage, restApiId=api_id, stageName="dev3", deploymentId=dep["id"],
                       description="dev stage", canarySettings={"deploymentId": "deploy"})
    assert_error(err, 400, "BadRequestException", "Deployment id does not exist")


def test_canary_deployment_on_existing_stage(client, dapi):
    api_id, _ = dapi
    d1 = client.create_deployment(restApiId=api_id)
    client.create_stage(restApiId=api_id, stageName="dev", deploymentId=d1["id"],
                        variables={"testVar": "default"})
    canary = client.create_deployment(restApiId=api_id, stageName="dev", canarySettings={
        "percentTraffic": 50, "stageVariableOverrides": {"testVar": "canary"}})
    assert status_of(canary) == 201
    stage = client.get_stage(restApiId=api_id, stageName="dev")
    assert stage["deploymentId"] == d1["id"]
    assert stage["canarySettings"] == {"deploymentId": canary["id"], "percentTraffic": 50.0,
                                       "stageVariableOverrides": {"testVar": "canary"},
                                       "useStageCache": False}
    # the stage's main deployment stays pinned
    err = client_error(client.delete_deployment, restApiId=api_id, deploymentId=d1["id"])
    assert_error(err, 400, "BadRequestException", ACTIVE_STAGES)


def test_canary_deployment_replaces_existing_canary(client, dapi):
    api_id, _ = dapi
    d1 = client.create_deployment(restApiId=api_id)
    client.create_stage(restApiId=api_id, stageName="dev1", deploymentId=d1["id"],
                        canarySettings={"deploymentId": d1["id"], "percentTraffic": 40,
                                        "stageVariableOverrides": {"testVar": "canary1"}})
    canary = client.create_deployment(restApiId=api_id, stageName="dev1", canarySettings={
        "percentTraffic": 50, "stageVariableOverrides": {"testVar": "canary2"}})
    stage = client.get_stage(restApiId=api_id, stageName="dev1")
    assert stage["deploymentId"] == d1["id"]
    assert stage["canarySettings"] == {"deploymentId": canary["id"], "percentTraffic": 50.0,
                                       "stageVariableOverrides": {"testVar": "canary2"},
                                       "useStageCache": False}


@pytest.mark.parametrize(
    "stage_kwargs, message",
    [
        ({}, "Invalid deployment content specified.Non null and non empty stageName must be provided "
             "for canary deployment. Provided value is null"),
        ({"stageName": ""}, "Invalid deployment content specified.Non null and non empty stageName must "
                            "be provided for canary deployment. Provided value is "),
        ({"stageName": "non-existing"}, "Invalid deployment content specified.Stage non-existing must "
                                        "already be created before making a canary release deployment"),
    ],
)
def test_canary_deployment_validation(client, dapi, stage_kwargs, message):
    api_id, _ = dapi
    err = client_error(client.create_deployment, restApiId=api_id, **stage_kwargs, canarySettings={
        "percentTraffic": 50, "stageVariableOverrides": {"testVar": "canary"}})
    assert_error(err, 400, "BadRequestException", message)
    assert client.get_deployments(restApiId=api_id)["items"] == []


def test_canary_by_stage_update(client, dapi):
    api_id, _ = dapi
    d1 = client.create_deployment(restApiId=api_id)
    d2 = client.create_deployment(restApiId=api_id)
    client.create_stage(restApiId=api_id, stageName="dev", deploymentId=d1["id"], description="dev stage",
                        variables={"testVar": "default"})
    resp = update_stage(client, api_id, op("replace", "/canarySettings/deploymentId", d2["id"]))
    assert resp["canarySettings"] == {"deploymentId": d2["id"], "percentTraffic": 0.0, "useStageCache": False}
    assert resp["deploymentId"] == d1["id"]
    resp = update_stage(client, api_id, op("remove", "/canarySettings"))
    assert "canarySettings" not in resp
    # setting only the percentage creates a canary on the stage's own deployment
    resp = update_stage(client, api_id, op("replace", "/canarySettings/percentTraffic", "50"))
    assert resp["canarySettings"] == {"deploymentId": d1["id"], "percentTraffic": 50.0, "useStageCache": False}
    got = client.get_stage(restApiId=api_id, stageName="dev")
    assert got["canarySettings"] == resp["canarySettings"]


def test_canary_use_stage_cache_and_overrides_by_update(client, dapi):
    api_id, _ = dapi
    d1 = client.create_deployment(restApiId=api_id, stageName="dev")
    client.create_deployment(restApiId=api_id, stageName="dev", canarySettings={"percentTraffic": 10})
    resp = update_stage(client, api_id, op("replace", "/canarySettings/useStageCache", "true"),
                        op("replace", "/canarySettings/stageVariableOverrides/color", "blue"))
    assert resp["canarySettings"]["useStageCache"] is True
    assert resp["canarySettings"]["stageVariableOverrides"] == {"color": "blue"}
    resp = update_stage(client, api_id, op("remove", "/canarySettings/stageVariableOverrides/color"))
    assert resp["canarySettings"].get("stageVariableOverrides", {}) == {}
    assert resp["deploymentId"] == d1["id"]


def test_canary_update_validation(client, dapi):
    api_id, _ = dapi
    client.create_deployment(restApiId=api_id, stageName="dev")
    client.create_deployment(restApiId=api_id, stageName="dev", canarySettings={
        "percentTraffic": 50, "stageVariableOverrides": {"testVar": "canary"}})
    cases = [
        (op("remove", "/canarySettings/stageVariableOverrides"),
         cannot_remove("canarySettings/stageVariableOverrides")),
        (op("remove", "/canarySettings/badPath"), cannot_remove("canarySettings/badPath")),
        (op("replace", "/canarySettings", "test"), invalid_path("/canarySettings")),
        (op("replace", "/canarySettings/badPath", "badPath"), invalid_path("/canarySettings/badPath")),
    ]
    for patch, message in cases:
        err = client_error(update_stage, client, api_id, patch)
        assert_error(err, 400, "BadRequestException", message)


def test_canary_deployment_id_update_validation(client, dapi):
    api_id, _ = dapi
    d = client.create_deployment(restApiId=api_id, stageName="dev2")
    err = client_error(update_stage, client, api_id, op("add", "/canarySettings/deploymentId", d["id"]),
                       stage="dev2")
    assert_error(err, 400, "BadRequestException", "Invalid add operation with path: /canarySettings/deploymentId")
    err = client_error(update_stage, client, api_id, op("replace", "/canarySettings/deploymentId", "deploy"),
                       stage="dev2")
    assert_error(err, 400, "BadRequestException", "Deployment id does not exist")
    assert "canarySettings" not in client.get_stage(restApiId=api_id, stageName="dev2")


def test_copy_ops_invalid_direction(client, dapi):
    api_id, _ = dapi
    client.create_deployment(restApiId=api_id, stageName="dev", variables={"testVar": "test"})
    err = client_error(update_stage, client, api_id,
                       {"op": "copy", "path": "/canarySettings/stageVariableOverrides", "from": "/variables"},
                       {"op": "copy", "path": "/canarySettings/deploymentId", "from": "/deploymentId"})
    assert_error(err, 400, "BadRequestException",
                 "Invalid copy operation with path: /canarySettings/stageVariableOverrides and from /variables. "
                 "Valid copy:path are [/deploymentId, /variables] and valid copy:from are "
                 "[/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]")


def test_copy_ops_without_canary(client, dapi):
    api_id, _ = dapi
    client.create_deployment(restApiId=api_id, stageName="dev", variables={"testVar": "test"})
    err = client_error(update_stage, client, api_id,
                       {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"},
                       {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"})
    assert_error(err, 400, "BadRequestException", "Promotion not available. Canary does not exist.")


def test_canary_promotion_with_copy_ops(client, dapi):
    api_id, _ = dapi
    d1 = client.create_deployment(restApiId=api_id, stageName="dev",
                                  variables={"testVar": "test", "testVar2": "test2"})
    promote = [
        op("replace", "/canarySettings/percentTraffic", "0.0"),
        {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
        {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"},
    ]
    # with no canary yet, the replace creates one on the current deployment; copies change nothing
    resp = update_stage(client, api_id, *promote)
    assert resp["deploymentId"] == d1["id"]
    assert resp["canarySettings"] == {"deploymentId": d1["id"], "percentTraffic": 0.0, "useStageCache": False}
    assert resp["variables"] == {"testVar": "test", "testVar2": "test2"}

    canary = client.create_deployment(restApiId=api_id, stageName="dev", canarySettings={
        "percentTraffic": 50, "stageVariableOverrides": {"testVar": "override"}})
    stage = client.get_stage(restApiId=api_id, stageName="dev")
    assert stage["deploymentId"] == d1["id"]
    assert stage["canarySettings"]["deploymentId"] == canary["id"]

    resp = update_stage(client, api_id, *promote)
    assert resp["deploymentId"] == canary["id"]
    assert resp["variables"] == {"testVar": "override", "testVar2": "test2"}
    assert resp["canarySettings"] == {"deploymentId": canary["id"], "percentTraffic": 0.0,
                                      "stageVariableOverrides": {"testVar": "override"},
                                      "useStageCache": False}
    # the old deployment is no longer referenced by the stage
    assert status_of(client.delete_deployment(restApiId=api_id, deploymentId=d1["id"])) == 202


def test_stages_are_isolated_per_api(client, dapi):
    api_id, _ = dapi
    client.create_deployment(restApiId=api_id, stageName="dev")
    other = create_api(client)
    add_mock_method(client, other["id"], other["rootResourceId"])
    assert client.get_stages(restApiId=other["id"]).get("item", []) == []
    err = client_error(client.get_stage, restApiId=other["id"], stageName="dev")
    assert_error(err, 404, "NotFoundException", STAGE_NOT_FOUND)


def test_concurrent_stage_variable_updates_are_not_lost(client, staged):
    from concurrent.futures import ThreadPoolExecutor

    from botocore.exceptions import ClientError

    api_id, _ = staged

    def set_var(i):
        try:
            return update_stage(client, api_id, op("replace", f"/variables/v{i}", str(i)))
        except ClientError as e:
            return e.response

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(set_var, range(16)))
    applied = set()
    for i, res in enumerate(results):
        status = res["ResponseMetadata"]["HTTPStatusCode"]
        assert status in (200, 409, 429), res
        if status == 200:
            applied.add(f"v{i}")
    assert applied
    variables = client.get_stage(restApiId=api_id, stageName="dev").get("variables", {})
    assert applied <= set(variables), f"lost updates: {applied - set(variables)}"


def test_remove_per_method_setting_unescaped(client, dapi):
    """Terraform deletes aws_api_gateway_method_settings with an unescaped `remove /path/METHOD`."""
    api_id, root_id = dapi
    pets = client.create_resource(restApiId=api_id, parentId=root_id, pathPart="pets")
    pet = client.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="{id}")
    add_mock_method(client, api_id, pet["id"], "GET")
    client.create_deployment(restApiId=api_id, stageName="dev")
    update_stage(client, api_id, op("replace", "/pets/{id}/GET/metrics/enabled", "true"))
    resp = update_stage(client, api_id, op("remove", "/pets/{id}/GET"))
    assert resp["methodSettings"] == {}
