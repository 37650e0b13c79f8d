"""TagResource / UntagResource / GetTags on API and stage ARNs; GetAccount / UpdateAccount."""

import urllib.parse

from e2e_helpers import REGION, create_api, raw_request, status_of


def api_arn(api_id: str, region: str = REGION) -> str:
    return f"arn:aws:apigateway:{region}::/restapis/{api_id}"


def stage_arn(api_id: str, stage: str, region: str = REGION) -> str:
    return f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{stage}"


def _tags(client, arn):
    return client.get_tags(resourceArn=arn).get("tags", {})


# ============================================================================ tags


def test_tag_rest_api(client, api_id):
    resp = client.tag_resource(resourceArn=api_arn(api_id), tags={"env": "test", "team": "e2e"})
    assert status_of(resp) == 204
    got = client.get_tags(resourceArn=api_arn(api_id))
    assert status_of(got) == 200
    assert got["tags"] == {"env": "test", "team": "e2e"}
    assert client.get_rest_api(restApiId=api_id)["tags"] == {"env": "test", "team": "e2e"}


def test_get_tags_of_untagged_api_is_empty(client, api_id):
    assert _tags(client, api_arn(api_id)) == {}


def test_tag_resource_overwrites_and_merges(client, api_id):
    client.tag_resource(resourceArn=api_arn(api_id), tags={"a": "1", "b": "2"})
    client.tag_resource(resourceArn=api_arn(api_id), tags={"b": "20", "c": "3"})
    assert _tags(client, api_arn(api_id)) == {"a": "1", "b": "20", "c": "3"}


def test_untag_rest_api(client, api_id):
    client.tag_resource(resourceArn=api_arn(api_id), tags={"a": "1", "b": "2", "c": "3"})
    resp = client.untag_resource(resourceArn=api_arn(api_id), tagKeys=["a", "c"])
    assert status_of(resp) == 204
    assert _tags(client, api_arn(api_id)) == {"b": "2"}
    assert client.get_rest_api(restApiId=api_id)["tags"] == {"b": "2"}


def test_tags_given_at_creation_are_visible_through_get_tags(client):
    created = create_api(client, tags={"MY_TAG1": "MY_VALUE1"})
    assert _tags(client, api_arn(created["id"])) == {"MY_TAG1": "MY_VALUE1"}
    client.untag_resource(resourceArn=api_arn(created["id"]), tagKeys=["MY_TAG1"])
    assert client.get_rest_api(restApiId=created["id"]).get("tags", {}) == {}


def test_tag_stage(client, deployable_api):
    api_id = deployable_api["id"]
    client.create_deployment(restApiId=api_id, stageName="prod")
    arn = stage_arn(api_id, "prod")
    resp = client.tag_resource(resourceArn=arn, tags={"stage-tag": "v"})
    assert status_of(resp) == 204
    assert _tags(client, arn) == {"stage-tag": "v"}
    assert client.get_stage(restApiId=api_id, stageName="prod")["tags"] == {"stage-tag": "v"}
    # stage tags are not the API's tags
    assert _tags(client, api_arn(api_id)) == {}
    client.untag_resource(resourceArn=arn, tagKeys=["stage-tag"])
    assert _tags(client, arn) == {}


def test_stage_tags_from_create_stage(client, deployable_api):
    api_id = deployable_api["id"]
    dep = client.create_deployment(restApiId=api_id)
    client.create_stage(restApiId=api_id, stageName="beta", deploymentId=dep["id"], tags={"k": "v"})
    assert _tags(client, stage_arn(api_id, "beta")) == {"k": "v"}


def test_tags_with_raw_percent_encoded_arn(endpoint, client, api_id):
    """The ARN travels as one percent-encoded path segment (':' -> %3A, '/' -> %2F)."""
    encoded = urllib.parse.quote(api_arn(api_id), safe="")
    assert "%2F" in encoded and "%3A" in encoded
    put = raw_request(endpoint, "PUT", f"/tags/{encoded}", body='{"tags": {"raw": "yes"}}')
    assert put.status == 204, put.body
    got = raw_request(endpoint, "GET", f"/tags/{encoded}")
    assert got.status == 200, got.body
    assert got.json()["tags"] == {"raw": "yes"}
    assert _tags(client, api_arn(api_id)) == {"raw": "yes"}
    dele = raw_request(endpoint, "DELETE", f"/tags/{encoded}?tagKeys=raw")
    assert dele.status == 204, dele.body
    assert _tags(client, api_arn(api_id)) == {}


# ============================================================================ account


def test_get_account_defaults(client_factory):
    # a region nobody else touches, so UpdateAccount tests cannot interfere
    client = client_factory(region="ap-south-1")
    resp = client.get_account()
    assert status_of(resp) == 200
    assert resp["throttleSettings"] == {"burstLimit": 5000, "rateLimit": 10000.0}
    assert "cloudwatchRoleArn" not in resp


def test_update_account_cloudwatch_role(client_factory):
    client = client_factory(region="eu-north-1")
    role = "arn:aws:iam::000000000000:role/apigw-cloudwatch"
    resp = client.update_account(patchOperations=[
        {"op": "replace", "path": "/cloudwatchRoleArn", "value": role}])
    assert status_of(resp) == 200
    assert resp["cloudwatchRoleArn"] == role
    assert resp["throttleSettings"] == {"burstLimit": 5000, "rateLimit": 10000.0}
    got = client.get_account()
    assert got["cloudwatchRoleArn"] == role
    assert got["throttleSettings"] == {"burstLimit": 5000, "rateLimit": 10000.0}


def test_account_settings_are_per_region(client_factory):
    west = client_factory(region="us-west-1")
    east2 = client_factory(region="us-east-2")
    role = "arn:aws:iam::000000000000:role/only-us-west-1"
    west.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}])
    assert west.get_account()["cloudwatchRoleArn"] == role
    assert east2.get_account().get("cloudwatchRoleArn") != role
