"""API keys, usage plans, usage plan keys and usage: the management API (issue #16), over real
sockets with boto3 and the AWS CLI. Keys and plans are account-level, so every test names its
own with a unique prefix and filters lists by it."""

import datetime
import re

import pytest

from e2e_helpers import api_not_found, assert_error, client_error, expect_error, status_of, strip_meta


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


@pytest.fixture
def staged_api(client, deployable_api):
    """A deployable API with a stage `dev`: (api_id, "dev")."""
    client.create_deployment(restApiId=deployable_api["id"], stageName="dev")
    return deployable_api["id"], "dev"


# --- API keys ------------------------------------------------------------------------------


def test_api_key_lifecycle(client, name):
    n = name("key")
    created = client.create_api_key(name=n, description="first", customerId="cust-1",
                                    tags={"team": "a"})
    assert status_of(created) == 201
    kid = created["id"]
    assert created["enabled"] is False, "AWS creates keys disabled unless asked"
    assert re.fullmatch(r"[A-Za-z0-9]{40}", created["value"])
    assert created["stageKeys"] == []
    assert created["name"] == n and created["customerId"] == "cust-1"
    assert created["tags"] == {"team": "a"}

    got = client.get_api_key(apiKey=kid)
    assert "value" not in got, "the value is shown only with includeValue"
    assert got["description"] == "first"
    assert client.get_api_key(apiKey=kid, includeValue=True)["value"] == created["value"]

    upd = client.update_api_key(apiKey=kid, patchOperations=[
        {"op": "replace", "path": "/name", "value": n + "-renamed"},
        {"op": "replace", "path": "/description", "value": "second"},
        {"op": "replace", "path": "/enabled", "value": "true"},
        {"op": "replace", "path": "/customerId", "value": "cust-2"},
    ])
    assert (upd["name"], upd["description"], upd["enabled"], upd["customerId"]) == (
        n + "-renamed", "second", True, "cust-2")
    assert "value" not in upd

    listed = client.get_api_keys(nameQuery=n)["items"]
    assert [k["id"] for k in listed] == [kid]
    assert "value" not in listed[0]
    assert client.get_api_keys(nameQuery=n, includeValues=True)["items"][0]["value"] == created["value"]
    assert client.get_api_keys(nameQuery=n, customerId="cust-1")["items"] == []
    assert [k["id"] for k in client.get_api_keys(nameQuery=n, customerId="cust-2")["items"]] == [kid]
    assert client.get_api_keys(nameQuery=n.upper())["items"] == [], "nameQuery is a case-sensitive prefix"

    assert status_of(client.delete_api_key(apiKey=kid)) == 202
    for fn in (client.get_api_key, client.delete_api_key):
        expect_error(fn, 404, "NotFoundException", "Invalid API Key identifier specified", apiKey=kid)


def test_api_key_value_name_and_description_limits(client, name):
    expect_error(client.create_api_key, 400, "BadRequestException",
                 "API Key value should be at least 20 characters", name=name(), value="x" * 19)
    expect_error(client.create_api_key, 400, "BadRequestException",
                 "API Key value exceeds maximum size of 128 characters", name=name(), value="x" * 129)
    expect_error(client.create_api_key, 400, "BadRequestException",
                 "Invalid API Key name, can be at most 1024 characters.", name="n" * 1025)
    expect_error(client.create_api_key, 400, "BadRequestException",
                 "Invalid API Key description specified.", name=name(), description="d" * 125_001)
    given = name("given").ljust(24, "x")
    k = client.create_api_key(name=name(), value=given, enabled=True)
    assert k["value"] == given and k["enabled"] is True
    unnamed = client.create_api_key(name="")
    assert "name" not in unnamed
    # values are unique
    expect_error(client.create_api_key, 409, "ConflictException", "API Key already exists",
                 name=name(), value=given)


def test_api_key_stage_keys(client, staged_api, name):
    api_id, stage = staged_api
    k = client.create_api_key(name=name(), stageKeys=[{"restApiId": api_id, "stageName": stage}])
    assert k["stageKeys"] == [f"{api_id}/{stage}"]
    expect_error(client.create_api_key, 404, "NotFoundException", api_not_found("nosuchapi"),
                 name=name(), stageKeys=[{"restApiId": "nosuchapi", "stageName": stage}])
    expect_error(client.create_api_key, 404, "NotFoundException", "Invalid stage identifier specified",
                 name=name(), stageKeys=[{"restApiId": api_id, "stageName": "nosuch"}])
    removed = client.update_api_key(apiKey=k["id"], patchOperations=[
        {"op": "remove", "path": "/stages", "value": f"{api_id}/{stage}"}])
    assert removed["stageKeys"] == []
    added = client.update_api_key(apiKey=k["id"], patchOperations=[
        {"op": "add", "path": "/stages", "value": f"{api_id}/{stage}"}])
    assert added["stageKeys"] == [f"{api_id}/{stage}"]
    expect_error(client.update_api_key, 404, "NotFoundException", "Invalid stage identifier specified",
                 apiKey=k["id"], patchOperations=[{"op": "add", "path": "/stages", "value": f"{api_id}/prod"}])


def test_update_api_key_paths_as_aws(client, name):
    kid = client.create_api_key(name=name(), enabled=True)["id"]
    expect_error(
        client.update_api_key, 400, "BadRequestException",
        "Invalid patch path  '/id' specified for op 'replace'. Must be one of: [/description, /enabled, /name, /customerId]",
        apiKey=kid, patchOperations=[{"op": "replace", "path": "/id", "value": "x"}])
    # AWS reads any value but "true" as false
    upd = client.update_api_key(apiKey=kid, patchOperations=[
        {"op": "replace", "path": "/enabled", "value": "invalid"}])
    assert upd["enabled"] is False
    assert upd["tags"] == {}
    expect_error(client.update_api_key, 404, "NotFoundException", "Invalid API Key identifier specified",
                 apiKey="nosuchkey", patchOperations=[{"op": "replace", "path": "/name", "value": "x"}])


def test_api_keys_are_paged_by_name(client, name):
    prefix = name("page")
    ids = [client.create_api_key(name=f"{prefix}-{i}")["id"] for i in (2, 0, 1)]
    first = client.get_api_keys(nameQuery=prefix, limit=2)
    assert [k["name"] for k in first["items"]] == [f"{prefix}-0", f"{prefix}-1"]
    assert first["position"]
    second = client.get_api_keys(nameQuery=prefix, limit=2, position=first["position"])
    assert [k["name"] for k in second["items"]] == [f"{prefix}-2"]
    assert "position" not in second
    assert {k["id"] for k in first["items"] + second["items"]} == set(ids)
    paginated = client.get_paginator("get_api_keys").paginate(
        nameQuery=prefix, PaginationConfig={"PageSize": 1})
    assert len([k for p in paginated for k in p["items"]]) == 3


def test_import_api_keys(client, name):
    prefix = name("imp")
    plan = client.create_usage_plan(name=name("plan"))
    csv = (
        "key,NAME,Enabled,usageplanIds,Description\n"
        f"{prefix}-value-aaaaaaaaaaaa,{prefix}-a,TRUE,{plan['id']},\"first, with a comma\"\n"
        f"short,{prefix}-b,true,,\n"
        f"{prefix}-value-cccccccccccc,{prefix}-c,false,,\n"
    )
    # with failonwarnings, the bad row fails the whole file and nothing is written
    err = client_error(client.import_api_keys, body=csv.encode(), format="csv", failOnWarnings=True)
    assert_error(err, 400, "BadRequestException")
    assert "API Key value should be at least 20 characters" in err["Error"]["Message"]
    assert client.get_api_keys(nameQuery=prefix)["items"] == []

    resp = client.import_api_keys(body=csv.encode(), format="csv")
    assert status_of(resp) == 201
    assert len(resp["ids"]) == 2
    assert resp["warnings"] == ["Line 3: API Key value should be at least 20 characters"]
    keys = {k["name"]: k for k in client.get_api_keys(nameQuery=prefix, includeValues=True)["items"]}
    assert set(keys) == {f"{prefix}-a", f"{prefix}-c"}
    a = keys[f"{prefix}-a"]
    assert a["value"] == f"{prefix}-value-aaaaaaaaaaaa"
    assert a["enabled"] is True and a["description"] == "first, with a comma"
    assert keys[f"{prefix}-c"]["enabled"] is False
    plan_keys = client.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert [k["id"] for k in plan_keys] == [a["id"]]

    bad_plan = (f"key,name,usageplanids\n{prefix}-value-dddddddddddd,{prefix}-d,nosuchplan\n"
                f"{prefix}-value-cccccccccccc,{prefix}-again,\n")
    resp = client.import_api_keys(body=bad_plan.encode(), format="csv")
    assert resp["ids"] == []
    assert resp["warnings"] == ["Line 2: Invalid Usage Plan ID specified: nosuchplan",
                                "Line 3: API Key already exists"]

    err = client_error(client.import_api_keys, body=b"name,description\na,b\n", format="csv")
    assert_error(err, 400, "BadRequestException", "Invalid API keys file: the header has no Key column")


def test_import_api_keys_with_the_cli(aws, name, tmp_path):
    prefix = name("cli")
    f = tmp_path / "keys.csv"
    f.write_text(f"Name,Key,Enabled\n{prefix},{prefix}-valuevaluevalue,true\n")
    out = aws("apigateway", "import-api-keys", "--body", f"fileb://{f}", "--format", "csv",
              "--fail-on-warnings")
    assert isinstance(out, dict), out
    assert len(out["ids"]) == 1
    listed = aws("apigateway", "get-api-keys", "--name-query", prefix, "--include-values")
    assert [k["value"] for k in listed["items"]] == [f"{prefix}-valuevaluevalue"]


# --- Usage plans ---------------------------------------------------------------------------


def test_usage_plan_lifecycle(client, staged_api, name):
    api_id, stage = staged_api
    n = name("plan")
    created = client.create_usage_plan(
        name=n, description="d",
        apiStages=[{"apiId": api_id, "stage": stage,
                    "throttle": {"/pets/get": {"burstLimit": 5, "rateLimit": 10.0}}}],
        throttle={"burstLimit": 1, "rateLimit": 2.0},
        quota={"limit": 10, "offset": 0, "period": "DAY"},
        tags={"tag_key": "tag_value"})
    assert status_of(created) == 201
    pid = created["id"]
    assert strip_meta(created) == {
        "id": pid, "name": n, "description": "d",
        "apiStages": [{"apiId": api_id, "stage": stage,
                       "throttle": {"/pets/GET": {"burstLimit": 5, "rateLimit": 10.0}}}],
        "throttle": {"burstLimit": 1, "rateLimit": 2.0},
        "quota": {"limit": 10, "offset": 0, "period": "DAY"},
        "tags": {"tag_key": "tag_value"},
    }
    bare = client.create_usage_plan(name=name("bare"))
    assert strip_meta(bare) == {"id": bare["id"], "name": bare["name"], "apiStages": []}
    assert client.get_usage_plan(usagePlanId=bare["id"])["tags"] == {}

    got = client.get_usage_plan(usagePlanId=pid)
    assert strip_meta(got) == strip_meta(created)
    assert pid in [p["id"] for p in client.get_usage_plans()["items"]]

    upd = client.update_usage_plan(usagePlanId=pid, patchOperations=[
        {"op": "replace", "path": "/name", "value": n + "-2"},
        {"op": "replace", "path": "/description", "value": "d2"},
        {"op": "replace", "path": "/productCode", "value": "prod-code"},
        {"op": "replace", "path": "/throttle/rateLimit", "value": "200"},
        {"op": "replace", "path": "/throttle/burstLimit", "value": "100"},
        {"op": "replace", "path": "/quota/limit", "value": "5000"},
        {"op": "replace", "path": "/quota/period", "value": "MONTH"},
        {"op": "replace", "path": "/quota/offset", "value": "3"},
        {"op": "replace", "path": f"/apiStages/{api_id}:{stage}/throttle/~1pets/GET/rateLimit", "value": "7"},
        {"op": "replace", "path": f"/apiStages/{api_id}:{stage}/throttle/~1cats/POST/burstLimit", "value": "3"},
        {"op": "remove", "path": f"/apiStages/{api_id}:{stage}/throttle/~1cats/POST"},
    ])
    assert upd["name"] == n + "-2" and upd["description"] == "d2" and upd["productCode"] == "prod-code"
    assert upd["throttle"] == {"burstLimit": 100, "rateLimit": 200.0}
    assert upd["quota"] == {"limit": 5000, "offset": 3, "period": "MONTH"}
    assert upd["apiStages"][0]["throttle"] == {"/pets/GET": {"burstLimit": 5, "rateLimit": 7.0}}
    assert "keyIds" not in upd and "key_ids" not in upd
    assert strip_meta(client.get_usage_plan(usagePlanId=pid)) == strip_meta(upd)

    cleared = client.update_usage_plan(usagePlanId=pid, patchOperations=[
        {"op": "remove", "path": "/throttle"}, {"op": "remove", "path": "/quota"},
        {"op": "remove", "path": "/apiStages", "value": f"{api_id}:{stage}"}])
    assert "throttle" not in cleared and "quota" not in cleared and cleared["apiStages"] == []
    cleared = client.update_usage_plan(usagePlanId=pid, patchOperations=[
        {"op": "add", "path": "/apiStages", "value": f"{api_id}:{stage}"}])
    assert cleared["apiStages"] == [{"apiId": api_id, "stage": stage}]

    # AWS refuses to delete a plan that still has API stages
    expect_error(client.delete_usage_plan, 400, "BadRequestException",
                 f"Cannot delete Usage Plan {pid} because there are API Stages associated with it, including {api_id}:{stage}",
                 usagePlanId=pid)
    client.update_usage_plan(usagePlanId=pid, patchOperations=[
        {"op": "remove", "path": "/apiStages", "value": f"{api_id}:{stage}"}])
    assert status_of(client.delete_usage_plan(usagePlanId=pid)) == 202
    for fn in (client.get_usage_plan, client.delete_usage_plan):
        expect_error(fn, 404, "NotFoundException", "Invalid Usage Plan ID specified", usagePlanId=pid)


def test_usage_plan_refusals(client, loose_client, staged_api, name):
    api_id, stage = staged_api
    create_invalid = "Invalid API Stage {api: %s, stage: %s} specified for usageplan %s"
    expect_error(client.create_usage_plan, 400, "BadRequestException", create_invalid,
                 name=name(), apiStages=[{"apiId": "nosuchapi", "stage": stage}])
    expect_error(client.create_usage_plan, 400, "BadRequestException", create_invalid,
                 name=name(), apiStages=[{"apiId": api_id, "stage": "nosuch"}])
    expect_error(loose_client.create_usage_plan, 400, "ValidationException",
                 "1 validation error detected: Value null at 'createUsagePlanInput.name' failed to satisfy constraint: Member must not be null")
    expect_error(loose_client.create_usage_plan, 400, "ValidationException",
                 "1 validation error detected: Value 'YEAR' at 'createUsagePlanInput.quota.period' failed to satisfy constraint: Member must satisfy enum value set: [DAY, WEEK, MONTH]",
                 name=name(), quota={"limit": 1, "period": "YEAR"})

    pid = client.create_usage_plan(name=name(), apiStages=[{"apiId": api_id, "stage": stage}])["id"]
    patch = lambda *ops: dict(usagePlanId=pid, patchOperations=list(ops))  # noqa: E731
    expect_error(client.update_usage_plan, 404, "NotFoundException", "Invalid Usage Plan ID specified",
                 usagePlanId="nosuch", patchOperations=[{"op": "replace", "path": "/name", "value": "x"}])
    expect_error(client.update_usage_plan, 400, "BadRequestException", "Invalid API Stage specified",
                 **patch({"op": "add", "path": "/apiStages"}))
    expect_error(client.update_usage_plan, 400, "BadRequestException", "Invalid API Stage specified",
                 **patch({"op": "add", "path": "/apiStages", "value": "wrong-format"}))
    expect_error(client.update_usage_plan, 404, "NotFoundException",
                 f"Invalid API Stage {{api: {api_id}b, stage: {stage}}} specified for usageplan {pid}",
                 **patch({"op": "add", "path": "/apiStages", "value": f"{api_id}b:{stage}"}))
    expect_error(client.update_usage_plan, 404, "NotFoundException",
                 f"Invalid API Stage {{api: {api_id}, stage: fakestagename}} specified for usageplan {pid}",
                 **patch({"op": "add", "path": "/apiStages", "value": f"{api_id}:fakestagename"}))
    expect_error(client.update_usage_plan, 400, "ValidationException",
                 **patch({"op": "replace", "path": "/quota/period", "value": "YEAR"}))
    expect_error(client.update_usage_plan, 400, "BadRequestException",
                 **patch({"op": "replace", "path": "/id", "value": "x"}))
    expect_error(
        client.update_usage_plan, 400, "BadRequestException",
        f"Invalid patch path  '/apiStages/{api_id}:{stage}' specified for op 'remove'. Must be one of: "
        "[/apiStages, /quota, /throttle, /productCode, /apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>, "
        "/apiStages/<apidId:stageName>/throttle]",
        **patch({"op": "remove", "path": f"/apiStages/{api_id}:{stage}"}))
    # nothing of a refused update was written
    assert client.get_usage_plan(usagePlanId=pid)["apiStages"] == [{"apiId": api_id, "stage": stage}]


# --- Usage plan keys -----------------------------------------------------------------------


def test_usage_plan_keys(client, staged_api, name):
    api_id, stage = staged_api
    pid = client.create_usage_plan(name=name(), apiStages=[{"apiId": api_id, "stage": stage}])["id"]
    kn = name("upk")
    k1 = client.create_api_key(name=f"{kn}-1")
    k2 = client.create_api_key(name=f"{kn}-2")
    assert client.get_usage_plan_keys(usagePlanId=pid)["items"] == []
    resp = client.create_usage_plan_key(usagePlanId=pid, keyId=k1["id"], keyType="API_KEY")
    assert status_of(resp) == 201
    assert strip_meta(resp) == {"id": k1["id"], "type": "API_KEY", "value": k1["value"], "name": f"{kn}-1"}
    client.create_usage_plan_key(usagePlanId=pid, keyId=k2["id"], keyType="API_KEY")

    assert [k["id"] for k in client.get_usage_plan_keys(usagePlanId=pid)["items"]] == [k1["id"], k2["id"]]
    assert [k["id"] for k in client.get_usage_plan_keys(usagePlanId=pid, nameQuery=f"{kn}-2")["items"]] == [k2["id"]]
    page = client.get_usage_plan_keys(usagePlanId=pid, limit=1)
    assert len(page["items"]) == 1 and page["position"]
    assert strip_meta(client.get_usage_plan_key(usagePlanId=pid, keyId=k1["id"])) == strip_meta(resp)
    assert client.get_usage_plan_keys(usagePlanId="nosuchplan")["items"] == []
    assert [p["id"] for p in client.get_usage_plans(keyId=k1["id"])["items"]] == [pid]

    expect_error(client.create_usage_plan_key, 404, "NotFoundException", "Invalid API Key identifier specified",
                 usagePlanId=pid, keyId="nosuchkey", keyType="API_KEY")
    expect_error(client.create_usage_plan_key, 404, "NotFoundException", "Invalid Usage Plan ID specified",
                 usagePlanId="nosuch", keyId=k1["id"], keyType="API_KEY")
    expect_error(client.create_usage_plan_key, 409, "ConflictException",
                 usagePlanId=pid, keyId=k1["id"], keyType="API_KEY")
    other = client.create_usage_plan(name=name(), apiStages=[{"apiId": api_id, "stage": stage}])["id"]
    expect_error(
        client.create_usage_plan_key, 409, "ConflictException",
        f"Usage Plan {other} cannot be added because API Key {k1['id']} cannot reference multiple Usage Plans with the same API Stage: {api_id}:{stage}",
        usagePlanId=other, keyId=k1["id"], keyType="API_KEY")

    assert status_of(client.delete_usage_plan_key(usagePlanId=pid, keyId=k1["id"])) == 202
    for fn in (client.get_usage_plan_key, client.delete_usage_plan_key):
        expect_error(fn, 404, "NotFoundException", "Invalid Usage Plan Key identifier specified",
                     usagePlanId=pid, keyId=k1["id"])
    # a deleted API key leaves every plan
    client.delete_api_key(apiKey=k2["id"])
    assert client.get_usage_plan_keys(usagePlanId=pid)["items"] == []
    assert client.get_usage_plans(keyId=k2["id"])["items"] == []
    # now that k1 left the first plan, it may join the other
    assert status_of(client.create_usage_plan_key(usagePlanId=other, keyId=k1["id"], keyType="API_KEY")) == 201


# --- Usage ---------------------------------------------------------------------------------


def test_get_usage_after_update_usage(client, aws, name):
    pid = client.create_usage_plan(name=name(), quota={"limit": 50, "period": "DAY"})["id"]
    kid = client.create_api_key(name=name())["id"]
    other = client.create_api_key(name=name())["id"]
    client.create_usage_plan_key(usagePlanId=pid, keyId=kid, keyType="API_KEY")
    client.create_usage_plan_key(usagePlanId=pid, keyId=other, keyType="API_KEY")
    t = today()
    y = t - datetime.timedelta(days=1)

    resp = client.update_usage(usagePlanId=pid, keyId=kid, patchOperations=[
        {"op": "replace", "path": "/remaining", "value": "45"}])
    assert resp["items"] == {kid: [[5, 45]]}

    usage = client.get_usage(usagePlanId=pid, startDate=y.isoformat(), endDate=t.isoformat())
    assert (usage["usagePlanId"], usage["startDate"], usage["endDate"]) == (pid, y.isoformat(), t.isoformat())
    assert usage["items"] == {kid: [[0, 50], [5, 45]], other: [[0, 50], [0, 50]]}
    only = client.get_usage(usagePlanId=pid, keyId=kid, startDate=t.isoformat(), endDate=t.isoformat())
    assert only["items"] == {kid: [[5, 45]]}
    first = client.get_usage(usagePlanId=pid, startDate=t.isoformat(), endDate=t.isoformat(), limit=1)
    assert len(first["items"]) == 1 and first["position"]
    second = client.get_usage(usagePlanId=pid, startDate=t.isoformat(), endDate=t.isoformat(), limit=1,
                              position=first["position"])
    assert "position" not in second
    assert {**first["items"], **second["items"]} == {kid: [[5, 45]], other: [[0, 50]]}

    client.update_usage(usagePlanId=pid, keyId=kid, patchOperations=[
        {"op": "replace", "path": "/remaining", "value": "50"}])
    cli = aws("apigateway", "get-usage", "--usage-plan-id", pid, "--key-id", kid,
              "--start-date", t.isoformat(), "--end-date", t.isoformat())
    assert isinstance(cli, dict), cli
    assert cli["items"] == {kid: [[0, 50]]}

    expect_error(client.update_usage, 404, "NotFoundException", "Invalid API Key identifier specified",
                 usagePlanId=pid, keyId="nosuchkey",
                 patchOperations=[{"op": "replace", "path": "/remaining", "value": "1"}])
    expect_error(client.update_usage, 400, "BadRequestException",
                 "Invalid patch path  '/used' specified for op 'replace'. Must be one of: [/remaining]",
                 usagePlanId=pid, keyId=kid,
                 patchOperations=[{"op": "replace", "path": "/used", "value": "1"}])
    expect_error(client.get_usage, 404, "NotFoundException", "Invalid Usage Plan ID specified",
                 usagePlanId="nosuch", startDate=t.isoformat(), endDate=t.isoformat())
    expect_error(client.get_usage, 400, "BadRequestException",
                 usagePlanId=pid, startDate="2026-13-01", endDate=t.isoformat())

    # a plan without a quota: remaining is 0, and there is no remaining to set
    free = client.create_usage_plan(name=name())["id"]
    client.create_usage_plan_key(usagePlanId=free, keyId=kid, keyType="API_KEY")
    assert client.get_usage(usagePlanId=free, startDate=t.isoformat(), endDate=t.isoformat())["items"] == {kid: [[0, 0]]}
    expect_error(client.update_usage, 400, "BadRequestException",
                 usagePlanId=free, keyId=kid,
                 patchOperations=[{"op": "replace", "path": "/remaining", "value": "1"}])


# --- Stage and API deletion, tags, account ------------------------------------------------


def test_deleting_a_stage_or_an_api_removes_it_from_plans(client, staged_api, name):
    api_id, stage = staged_api
    client.create_stage(restApiId=api_id, stageName="prod",
                        deploymentId=client.get_deployments(restApiId=api_id)["items"][0]["id"])
    pid = client.create_usage_plan(name=name(), apiStages=[
        {"apiId": api_id, "stage": stage}, {"apiId": api_id, "stage": "prod"}])["id"]
    client.delete_stage(restApiId=api_id, stageName="prod")
    assert client.get_usage_plan(usagePlanId=pid)["apiStages"] == [{"apiId": api_id, "stage": stage}]
    client.delete_rest_api(restApiId=api_id)
    assert client.get_usage_plan(usagePlanId=pid)["apiStages"] == []


def test_tags_on_api_keys_and_usage_plans(client, name):
    kid = client.create_api_key(name=name())["id"]
    pid = client.create_usage_plan(name=name())["id"]
    for path in (f"/apikeys/{kid}", f"/usageplans/{pid}"):
        arn = f"arn:aws:apigateway:us-east-1::{path}"
        assert status_of(client.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})) == 204
        assert client.get_tags(resourceArn=arn)["tags"] == {"a": "1", "b": "2"}
        client.untag_resource(resourceArn=arn, tagKeys=["a"])
        assert client.get_tags(resourceArn=arn)["tags"] == {"b": "2"}
    assert client.get_api_key(apiKey=kid)["tags"] == {"b": "2"}
    assert client.get_usage_plan(usagePlanId=pid)["tags"] == {"b": "2"}
    expect_error(client.get_tags, 404, "NotFoundException", "Invalid Usage Plan ID specified",
                 resourceArn="arn:aws:apigateway:us-east-1::/usageplans/nosuch")


def test_account_accepts_the_usage_plans_feature(client):
    acct = client.update_account(patchOperations=[{"op": "add", "path": "/features", "value": "UsagePlans"}])
    assert "UsagePlans" in acct["features"]
    assert "UsagePlans" in client.get_account()["features"]


def test_api_keys_with_the_cli(aws, name):
    n = name("clikey")
    created = aws("apigateway", "create-api-key", "--name", n, "--enabled")
    assert isinstance(created, dict), created
    assert created["enabled"] is True
    upd = aws("apigateway", "update-api-key", "--api-key", created["id"], "--patch-operations",
              "op=replace,path=/description,value=from-cli")
    assert upd["description"] == "from-cli"
    listed = aws("apigateway", "get-api-keys", "--name-query", n)
    assert [k["id"] for k in listed["items"]] == [created["id"]]
