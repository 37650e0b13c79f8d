"""The activity log: every state-changing management call (boto3, the AWS CLI) recorded as a
CloudTrail event in `{data-dir}/logs/cloudtrail.jsonl` before it is answered, readable through
`GET /_proscenium/activity` with the management API's authentication, filtered by API, stage
and operation, with API key values hidden."""

from __future__ import annotations

import json
import os
import re

import pytest

from e2e_helpers import ProsceniumServer, make_client, raw_request, unique_name

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
KEY, SECRET = "AKIDACTIVITYTEST", "activity-secret"


@pytest.fixture(scope="module")
def srv():
    s = ProsceniumServer(env={"PROSCENIUM_ACCESS_KEY_ID": KEY,
                              "PROSCENIUM_SECRET_ACCESS_KEY": SECRET})
    s.start()
    yield s
    s.cleanup()


@pytest.fixture(scope="module")
def c(srv):
    return make_client(srv.endpoint, access_key=KEY, secret_key=SECRET)


def activity(srv, query="", sign=True):
    r = raw_request(srv.endpoint, "GET", "/_proscenium/activity" + (f"?{query}" if query else ""),
                    sign=sign, access_key=KEY, secret_key=SECRET)
    return r


def events(srv, query=""):
    r = activity(srv, query)
    assert r.status == 200, r.body
    return r.json()["events"]


def test_each_change_is_a_cloudtrail_event_with_its_caller(srv, c):
    api_id = c.create_rest_api(name=unique_name("act"))["id"]
    root = c.get_resources(restApiId=api_id)["items"][0]["id"]
    res = c.create_resource(restApiId=api_id, parentId=root, pathPart="pets")
    c.put_method(restApiId=api_id, resourceId=res["id"], httpMethod="GET", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=res["id"], httpMethod="GET", type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": 200}'})
    c.create_deployment(restApiId=api_id, stageName="dev")
    c.update_stage(restApiId=api_id, stageName="dev",
                   patchOperations=[{"op": "replace", "path": "/description", "value": "d"}])
    with pytest.raises(c.exceptions.NotFoundException):
        c.create_resource(restApiId=api_id, parentId="nope00", pathPart="x")
    c.get_rest_api(restApiId=api_id)  # a read: not recorded

    got = events(srv, f"apiId={api_id}")
    names = [e["eventName"] for e in got]
    assert names == ["CreateResource", "UpdateStage", "CreateDeployment", "PutIntegration",
                     "PutMethod", "CreateResource", "CreateRestApi"], names
    for e in got:
        assert e["eventSource"] == "apigateway.amazonaws.com"
        assert e["eventVersion"] == "1.08"
        assert e["eventType"] == "AwsApiCall" and e["readOnly"] is False
        assert e["awsRegion"] == "us-east-1"
        assert e["sourceIPAddress"] == "127.0.0.1"
        assert "Botocore" in e["userAgent"] or "botocore" in e["userAgent"]
        assert e["userIdentity"]["accessKeyId"] == KEY
        assert e["userIdentity"]["accountId"] == "000000000000"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["eventTime"])
        assert re.fullmatch(r"[0-9a-f-]{36}", e["requestID"]) and re.fullmatch(r"[0-9a-f-]{36}", e["eventID"])
    failed, stage_update, deployment = got[0], got[1], got[2]
    assert failed["errorCode"] == "NotFoundException"
    assert failed["errorMessage"] == "Invalid Resource identifier specified"
    assert failed["responseElements"] is None
    assert failed["requestParameters"] == {"restApiId": api_id, "parentId": "nope00",
                                           "createResourceInput": {"pathPart": "x"}}
    assert stage_update["requestParameters"]["stageName"] == "dev"
    assert stage_update["requestParameters"]["updateStageInput"]["patchOperations"] == [
        {"op": "replace", "path": "/description", "value": "d"}]
    assert stage_update["responseElements"]["description"] == "d"
    assert "errorCode" not in stage_update
    assert deployment["requestParameters"]["createDeploymentInput"]["stageName"] == "dev"
    assert got[-1]["responseElements"]["id"] == api_id
    assert got[5]["responseElements"]["id"] == res["id"]

    # Filters: stage and operation.
    assert [e["eventName"] for e in events(srv, f"apiId={api_id}&stage=dev")] == [
        "UpdateStage", "CreateDeployment"]
    assert [e["eventName"] for e in events(srv, f"apiId={api_id}&operation=PutMethod")] == ["PutMethod"]
    assert len(events(srv, f"apiId={api_id}&limit=2")) == 2

    # The file holds the same events, one JSON object per line.
    path = os.path.join(srv.data_dir, "logs", "cloudtrail.jsonl")
    with open(path) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    ids = {e["eventID"] for e in got}
    assert ids <= {e["eventID"] for e in lines}


def test_secrets_are_hidden_and_the_cli_caller_is_recorded(srv, c):
    value = "activity-key-value-0123456789"
    key = c.create_api_key(name=unique_name("k"), value=value, enabled=True)
    got = events(srv, "operation=CreateApiKey")[0]
    assert got["requestParameters"]["createApiKeyInput"]["value"] == HIDDEN
    assert got["responseElements"]["value"] == HIDDEN
    assert got["responseElements"]["id"] == key["id"]
    with open(os.path.join(srv.data_dir, "logs", "cloudtrail.jsonl")) as f:
        assert value not in f.read()

    from e2e_helpers import AwsCli
    cli = AwsCli(srv.endpoint, access_key=KEY, secret_key=SECRET)
    out = cli("apigateway", "create-rest-api", "--name", unique_name("act-cli"))
    assert "id" in out, out
    e = events(srv, f"apiId={out['id']}")[0]
    assert e["eventName"] == "CreateRestApi"
    assert e["userAgent"].startswith("aws-cli/")
    assert e["userIdentity"]["accessKeyId"] == KEY


def test_the_endpoint_needs_the_management_api_credentials(srv):
    r = activity(srv, sign=False)
    assert r.status == 403
    assert r.error_code == "MissingAuthenticationTokenException"
    r = raw_request(srv.endpoint, "GET", "/_proscenium/activity", access_key=KEY,
                    secret_key="wrong")
    assert r.status == 403


def test_events_survive_a_crash(server_factory, restart_server):
    s = server_factory()
    cl = make_client(s.endpoint)
    api_id = cl.create_rest_api(name=unique_name("act-crash"))["id"]
    s = restart_server(s)  # kill -9: the answered call's event was already on disk
    r = raw_request(s.endpoint, "GET", f"/_proscenium/activity?apiId={api_id}")
    assert r.status == 200
    assert [e["eventName"] for e in r.json()["events"]] == ["CreateRestApi"]
