"""A handful of flows through the real AWS CLI (aws apigateway ...)."""

import json

from e2e_helpers import ACCOUNT_ID, CliError, add_mock_method, create_api, unique_name


def _create_api(aws, **extra):
    args = ["apigateway", "create-rest-api", "--name", unique_name("cli")]
    for key, value in extra.items():
        args += [f"--{key}", value]
    return aws.ok(*args)


def _deployable(aws):
    api = _create_api(aws)
    api_id, root = api["id"], api["rootResourceId"]
    res = aws.ok("apigateway", "create-resource", "--rest-api-id", api_id, "--parent-id", root,
                 "--path-part", "pets")
    aws.ok("apigateway", "put-method", "--rest-api-id", api_id, "--resource-id", res["id"],
           "--http-method", "GET", "--authorization-type", "NONE")
    aws.ok("apigateway", "put-integration", "--rest-api-id", api_id, "--resource-id", res["id"],
           "--http-method", "GET", "--type", "MOCK",
           "--request-templates", json.dumps({"application/json": '{"statusCode": 200}'}))
    return api_id, res["id"]


def _deployable_fast(client):
    """Same API as _deployable, built with boto3 (the CLI is slow to start)."""
    api = create_api(client)
    res = client.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="pets")
    add_mock_method(client, api["id"], res["id"], "GET")
    return api["id"], res["id"]


def test_cli_create_rest_api_defaults(aws):
    api = _create_api(aws, description="from the cli")
    assert api["id"] and api["rootResourceId"]
    assert api["apiKeySource"] == "HEADER"
    assert api["endpointConfiguration"] == {"types": ["EDGE"], "ipAddressType": "ipv4"}
    assert api["description"] == "from the cli"
    assert api["disableExecuteApiEndpoint"] is False
    assert "createdDate" in api


def test_cli_error_text(aws):
    err = aws.err("apigateway", "get-rest-api", "--rest-api-id", "nosuchapi1")
    assert isinstance(err, CliError)
    # the CLI may add "(reached max retries: N)" between the operation name and the colon
    assert "An error occurred (NotFoundException) when calling the GetRestApi operation" in err
    assert err.rstrip().endswith(f": Invalid API identifier specified {ACCOUNT_ID}:nosuchapi1")


def test_cli_integration_mapping_an_undeclared_parameter_refused(aws):
    api_id, res_id = _deployable(aws)
    err = aws.err("apigateway", "put-integration", "--rest-api-id", api_id, "--resource-id", res_id,
                  "--http-method", "GET", "--type", "HTTP_PROXY", "--integration-http-method", "GET",
                  "--uri", "http://127.0.0.1:9/{id}",
                  "--request-parameters", '{"integration.request.path.id": "method.request.path.id"}')
    assert "(BadRequestException)" in err
    assert err.rstrip().endswith(
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : "
        "[Invalid mapping expression parameter specified: method.request.path.id]")


def test_cli_deploy_flow(aws):
    api_id, res_id = _deployable(aws)
    method = aws.ok("apigateway", "get-method", "--rest-api-id", api_id, "--resource-id", res_id,
                    "--http-method", "GET")
    assert method["methodIntegration"]["type"] == "MOCK"
    dep = aws.ok("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "dev")
    assert dep["id"]
    assert dep["createdDate"]
    stage = aws.ok("apigateway", "get-stage", "--rest-api-id", api_id, "--stage-name", "dev")
    assert stage["deploymentId"] == dep["id"]
    assert stage["cacheClusterStatus"] == "NOT_AVAILABLE"
    deployments = aws.ok("apigateway", "get-deployments", "--rest-api-id", api_id)
    assert [d["id"] for d in deployments["items"]] == [dep["id"]]


def test_cli_delete_active_deployment_refused(aws, client):
    api_id, _ = _deployable_fast(client)
    dep = aws.ok("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "dev")
    err = aws.err("apigateway", "delete-deployment", "--rest-api-id", api_id, "--deployment-id", dep["id"])
    assert "(BadRequestException)" in err
    assert "Active stages pointing to this deployment must be moved or deleted" in err


def test_cli_update_stage_method_settings(aws, client):
    api_id, _ = _deployable_fast(client)
    aws.ok("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "dev")
    ops = [
        {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
        {"op": "replace", "path": "/~1pets/GET/logging/loglevel", "value": "INFO"},
        {"op": "replace", "path": "/variables/color", "value": "blue"},
    ]
    stage = aws.ok("apigateway", "update-stage", "--rest-api-id", api_id, "--stage-name", "dev",
                   "--patch-operations", json.dumps(ops))
    assert stage["methodSettings"]["*/*"]["metricsEnabled"] is True
    assert stage["methodSettings"]["pets/GET"]["loggingLevel"] == "INFO"
    assert stage["variables"] == {"color": "blue"}


def test_cli_update_stage_shorthand_patch(aws, client):
    api_id, _ = _deployable_fast(client)
    aws.ok("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "dev")
    stage = aws.ok("apigateway", "update-stage", "--rest-api-id", api_id, "--stage-name", "dev",
                   "--patch-operations", "op=replace,path=/description,value=cli-desc")
    assert stage["description"] == "cli-desc"


def test_cli_rollback_with_update_stage(aws, client):
    api_id, _ = _deployable_fast(client)
    d1 = aws.ok("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "dev")
    aws.ok("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "dev")
    stage = aws.ok("apigateway", "update-stage", "--rest-api-id", api_id, "--stage-name", "dev",
                   "--patch-operations", f"op=replace,path=/deploymentId,value={d1['id']}")
    assert stage["deploymentId"] == d1["id"]


def test_cli_pagination_walks_all_pages(aws, client_factory):
    other_region = client_factory(region="ap-northeast-2")
    created = {create_api(other_region)["id"] for _ in range(3)}
    listed = aws.ok("apigateway", "get-rest-apis", "--page-size", "1", "--region", "ap-northeast-2")
    assert created <= {i["id"] for i in listed["items"]}
    ids = [i["id"] for i in listed["items"]]
    assert len(ids) == len(set(ids))


def test_cli_tags_on_stage_arn(aws, client):
    api_id, _ = _deployable_fast(client)
    aws.ok("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "prod")
    arn = f"arn:aws:apigateway:us-east-1::/restapis/{api_id}/stages/prod"
    aws.ok("apigateway", "tag-resource", "--resource-arn", arn, "--tags", "owner=cli,env=prod")
    tags = aws.ok("apigateway", "get-tags", "--resource-arn", arn)
    assert tags["tags"] == {"owner": "cli", "env": "prod"}
    aws.ok("apigateway", "untag-resource", "--resource-arn", arn, "--tag-keys", "env")
    assert aws.ok("apigateway", "get-tags", "--resource-arn", arn)["tags"] == {"owner": "cli"}


def test_cli_get_account(aws):
    account = aws.ok("apigateway", "get-account", "--region", "sa-east-1")
    assert account["throttleSettings"] == {"burstLimit": 5000, "rateLimit": 10000.0}
