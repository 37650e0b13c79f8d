"""AWS fidelity (issue #20 items 10, 15 and 20), against the real binary over real sockets:
validation AWS does (AWS integrations without a role, stage variables, the length quotas of
stage variables, resource policies and mapping templates), GetRestApi's empty
tag map, `GET /restapis/`, and VPC links (the five operations, and VPC_LINK integrations
that reach their backend)."""

from __future__ import annotations

import http.client
import json
from http.server import BaseHTTPRequestHandler

import pytest

from e2e_helpers import (
    assert_error,
    client_error,
    expect_error,
    raw_request,
    serve_http,
    status_of,
    strip_meta,
    unique_name,
    wait_for,
)

ROLE = "arn:aws:iam::000000000000:role/apigw"
NLB = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/my-nlb/1234567890abcdef"
VALUE_MESSAGE = ("Invalid stage variable value: {}.  Please use values with alphanumeric characters "
                 "and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','.")
NAME_MESSAGE = "Invalid stage variable name: {}.  Please use names with only word characters."


# --------------------------------------------------------------------------------------
# Item 15: GetRestApi's tags, GET /restapis/
# --------------------------------------------------------------------------------------


def test_get_rest_api_prints_an_empty_tag_map_create_and_list_do_not(client):
    created = client.create_rest_api(name=unique_name("tags"))
    try:
        assert "tags" not in created, "CreateRestApi's answer has no tags member"
        got = client.get_rest_api(restApiId=created["id"])
        assert got["tags"] == {}
        [listed] = [a for a in client.get_rest_apis(limit=500)["items"] if a["id"] == created["id"]]
        assert "tags" not in listed
    finally:
        client.delete_rest_api(restApiId=created["id"])


def test_get_rest_api_keeps_its_tags(client):
    created = client.create_rest_api(name=unique_name("tags"), tags={"team": "edge"})
    try:
        assert client.get_rest_api(restApiId=created["id"])["tags"] == {"team": "edge"}
    finally:
        client.delete_rest_api(restApiId=created["id"])


def test_get_restapis_with_a_trailing_slash_is_get_rest_apis(client, endpoint, api_id):
    resp = raw_request(endpoint, "GET", "/restapis/?limit=500")
    assert resp.status == 200, resp.body
    assert api_id in [a["id"] for a in resp.json()["item"]]
    # Other methods on the empty id are still unknown.
    assert raw_request(endpoint, "DELETE", "/restapis/").status == 404


# --------------------------------------------------------------------------------------
# Item 10: AWS integrations need a role; stage variables are checked
# --------------------------------------------------------------------------------------


def test_aws_integration_without_credentials_is_refused_unless_lambda(client, aws, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="POST", authorizationType="NONE")
    for uri in ("arn:aws:apigateway:us-east-1:sqs:path/000000000000/q",
                "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
                "arn:aws:apigateway:us-west-2:s3:path/b/k"):
        expect_error(client.put_integration, 400, "BadRequestException",
                     "Role ARN must be specified for AWS integrations",
                     restApiId=api_id, resourceId=root_id, httpMethod="POST", type="AWS",
                     integrationHttpMethod="POST", uri=uri)
    err = aws.err("apigateway", "put-integration", "--rest-api-id", api_id, "--resource-id", root_id,
                  "--http-method", "POST", "--type", "AWS", "--integration-http-method", "POST",
                  "--uri", "arn:aws:apigateway:us-east-1:sqs:path/000000000000/q")
    assert "(BadRequestException)" in err and "Role ARN must be specified for AWS integrations" in err
    # Lambda needs no role (the function's resource policy allows API Gateway).
    lam = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
           "arn:aws:lambda:us-east-1:000000000000:function:f/invocations")
    resp = client.put_integration(restApiId=api_id, resourceId=root_id, httpMethod="POST", type="AWS",
                                  integrationHttpMethod="POST", uri=lam)
    assert status_of(resp) == 201 and "credentials" not in resp
    # UpdateIntegration: moving to another service without a role is refused too.
    expect_error(client.update_integration, 400, "BadRequestException",
                 "Role ARN must be specified for AWS integrations",
                 restApiId=api_id, resourceId=root_id, httpMethod="POST",
                 patchOperations=[{"op": "replace", "path": "/uri",
                                   "value": "arn:aws:apigateway:us-east-1:sqs:path/000000000000/q"}])
    resp = client.update_integration(
        restApiId=api_id, resourceId=root_id, httpMethod="POST",
        patchOperations=[{"op": "replace", "path": "/uri",
                          "value": "arn:aws:apigateway:us-east-1:sqs:path/000000000000/q"},
                         {"op": "replace", "path": "/credentials", "value": ROLE}])
    assert resp["credentials"] == ROLE
    expect_error(client.update_integration, 400, "BadRequestException",
                 "Role ARN must be specified for AWS integrations",
                 restApiId=api_id, resourceId=root_id, httpMethod="POST",
                 patchOperations=[{"op": "remove", "path": "/credentials"}])
    assert client.get_integration(restApiId=api_id, resourceId=root_id,
                                  httpMethod="POST")["credentials"] == ROLE


def test_stage_variables_are_checked_as_aws_checks_them(client, aws, deployable_api):
    api_id = deployable_api["id"]
    dep = client.create_deployment(restApiId=api_id)["id"]
    expect_error(client.create_stage, 400, "BadRequestException", NAME_MESSAGE.format("bad-name"),
                 restApiId=api_id, stageName="s1", deploymentId=dep, variables={"bad-name": "v"})
    expect_error(client.create_stage, 400, "BadRequestException", VALUE_MESSAGE.format("semi;colon"),
                 restApiId=api_id, stageName="s1", deploymentId=dep, variables={"ok": "semi;colon"})
    expect_error(client.create_stage, 400, "BadRequestException", VALUE_MESSAGE.format(""),
                 restApiId=api_id, stageName="s1", deploymentId=dep, variables={"empty": ""})
    expect_error(client.create_deployment, 400, "BadRequestException", VALUE_MESSAGE.format("a+b"),
                 restApiId=api_id, stageName="s1", variables={"v": "a+b"})
    expect_error(client.create_stage, 400, "BadRequestException", VALUE_MESSAGE.format("a|b"),
                 restApiId=api_id, stageName="s1", deploymentId=dep,
                 canarySettings={"percentTraffic": 10.0, "stageVariableOverrides": {"v": "a|b"}})
    assert client.get_stages(restApiId=api_id)["item"] == [], "nothing was created"
    allowed = "https://host.example:8080/p?a=1&b=2,c#frag~x y_z"
    stage = client.create_stage(restApiId=api_id, stageName="s1", deploymentId=dep,
                                variables={"Good_1": allowed})
    assert stage["variables"] == {"Good_1": allowed}
    expect_error(client.update_stage, 400, "BadRequestException", VALUE_MESSAGE.format("x$y"),
                 restApiId=api_id, stageName="s1",
                 patchOperations=[{"op": "replace", "path": "/variables/v", "value": "x$y"}])
    expect_error(client.update_stage, 400, "BadRequestException", NAME_MESSAGE.format("a.b"),
                 restApiId=api_id, stageName="s1",
                 patchOperations=[{"op": "replace", "path": "/variables/a.b", "value": "x"}])
    err = aws.err("apigateway", "update-stage", "--rest-api-id", api_id, "--stage-name", "s1",
                  "--patch-operations", "op=replace,path=/variables/v,value=a*b")
    assert "(BadRequestException)" in err and "Invalid stage variable value: a*b." in err
    assert client.get_stage(restApiId=api_id, stageName="s1")["variables"] == {"Good_1": allowed}


# --------------------------------------------------------------------------------------
# Item 20: VPC links
# --------------------------------------------------------------------------------------


def test_vpc_link_lifecycle(client):
    name = unique_name("vpclink")
    created = client.create_vpc_link(name=name, targetArns=[NLB])
    assert status_of(created) == 202
    link_id = created["id"]
    try:
        assert strip_meta(created) == {"id": link_id, "name": name, "status": "PENDING",
                                       "targetArns": [NLB]}
        got = client.get_vpc_link(vpcLinkId=link_id)
        assert strip_meta(got) == {"id": link_id, "name": name, "status": "AVAILABLE",
                                   "statusMessage": "Your vpc link is ready for use", "tags": {},
                                   "targetArns": [NLB]}
        [listed] = [v for v in client.get_vpc_links(limit=500)["items"] if v["id"] == link_id]
        assert listed == {"id": link_id, "name": name, "status": "AVAILABLE",
                          "statusMessage": "Your vpc link is ready for use", "targetArns": [NLB]}
        updated = client.update_vpc_link(vpcLinkId=link_id, patchOperations=[
            {"op": "replace", "path": "/name", "value": name + "-updated"},
            {"op": "replace", "path": "/description", "value": "to the NLB"}])
        assert strip_meta(updated) == {"id": link_id, "name": name + "-updated",
                                       "description": "to the NLB", "status": "AVAILABLE",
                                       "statusMessage": "Your vpc link is ready for use",
                                       "tags": {}, "targetArns": [NLB]}
        assert client.get_vpc_link(vpcLinkId=link_id)["description"] == "to the NLB"
    finally:
        deleted = client.delete_vpc_link(vpcLinkId=link_id)
    assert status_of(deleted) == 202
    expect_error(client.get_vpc_link, 404, "NotFoundException",
                 "Invalid Vpc Link identifier specified", vpcLinkId=link_id)


def test_vpc_link_with_description_and_tags(client):
    created = client.create_vpc_link(name=unique_name("vpclink"), description="d",
                                     targetArns=[NLB], tags={"team": "edge"})
    try:
        assert (created["description"], created["tags"]) == ("d", {"team": "edge"})
        got = client.get_vpc_link(vpcLinkId=created["id"])
        assert (got["description"], got["tags"]) == ("d", {"team": "edge"})
    finally:
        client.delete_vpc_link(vpcLinkId=created["id"])


def test_vpc_link_errors(client, loose_client):
    expect_error(client.create_vpc_link, 400, "BadRequestException",
                 "Invalid ARN. ARN is not well formed invalid-arn",
                 name="x", targetArns=["invalid-arn"])
    expect_error(client.create_vpc_link, 400, "BadRequestException", "Name cannot be empty",
                 name="", targetArns=[NLB])
    resp = client_error(loose_client.create_vpc_link, name="x")
    assert_error(resp, 400, "ValidationException",
                 "1 validation error detected: Value null at 'createVpcLinkInput.targetArns' "
                 "failed to satisfy constraint: Member must not be null")
    for call in (lambda: client.get_vpc_link(vpcLinkId="nope00"),
                 lambda: client.delete_vpc_link(vpcLinkId="nope00"),
                 lambda: client.update_vpc_link(vpcLinkId="nope00", patchOperations=[
                     {"op": "replace", "path": "/name", "value": "n"}])):
        assert_error(client_error(call), 404, "NotFoundException",
                     "Invalid Vpc Link identifier specified")
    link_id = client.create_vpc_link(name=unique_name("vpclink"), targetArns=[NLB])["id"]
    try:
        expect_error(client.update_vpc_link, 400, "BadRequestException",
                     "Invalid patch path  '/targetArns' specified for op 'replace'. "
                     "Must be one of: [/name, /description]",
                     vpcLinkId=link_id,
                     patchOperations=[{"op": "replace", "path": "/targetArns", "value": NLB}])
    finally:
        client.delete_vpc_link(vpcLinkId=link_id)


def test_vpc_links_with_the_cli(aws):
    created = aws.ok("apigateway", "create-vpc-link", "--name", "cli-link", "--target-arns", NLB)
    assert created["status"] == "PENDING"
    link_id = created["id"]
    assert aws.ok("apigateway", "get-vpc-link", "--vpc-link-id", link_id)["status"] == "AVAILABLE"
    assert link_id in [v["id"] for v in aws.ok("apigateway", "get-vpc-links")["items"]]
    aws.ok("apigateway", "delete-vpc-link", "--vpc-link-id", link_id)
    err = aws.err("apigateway", "get-vpc-link", "--vpc-link-id", link_id)
    assert "(NotFoundException)" in err and "Invalid Vpc Link identifier specified" in err


def test_vpc_links_survive_a_restart(server_factory, restart_server):
    srv = server_factory()
    c = srv.client()
    link_id = c.create_vpc_link(name="persisted", targetArns=[NLB])["id"]
    restart_server(srv)
    c = srv.client()
    assert c.get_vpc_link(vpcLinkId=link_id)["name"] == "persisted"
    # Another region of the same account sees none of it.
    assert srv.client(region="eu-west-1").get_vpc_links()["items"] == []


class Backend(BaseHTTPRequestHandler):
    def do_GET(self):
        data = json.dumps({"path": self.path, "via": "nlb"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def backend():
    srv = serve_http(Backend)
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_vpc_link_integration_reaches_the_load_balancer_behind_it(client, server, backend):
    link_id = client.create_vpc_link(name=unique_name("vpclink"), targetArns=[NLB])["id"]
    api = client.create_rest_api(name=unique_name("vpc"))
    api_id = api["id"]
    try:
        res = client.create_resource(restApiId=api_id, parentId=api["rootResourceId"],
                                     pathPart="{proxy+}")["id"]
        client.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType="NONE",
                          requestParameters={"method.request.path.proxy": True})
        put = client.put_integration(
            restApiId=api_id, resourceId=res, httpMethod="GET", type="HTTP_PROXY",
            integrationHttpMethod="GET", uri=f"http://{backend}/{{proxy}}",
            connectionType="VPC_LINK", connectionId="${stageVariables.vpcLinkId}",
            requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
        assert status_of(put) == 201
        assert (put["connectionType"], put["connectionId"]) == ("VPC_LINK", "${stageVariables.vpcLinkId}")
        got = client.get_integration(restApiId=api_id, resourceId=res, httpMethod="GET")
        assert (got["connectionType"], got["connectionId"]) == ("VPC_LINK", "${stageVariables.vpcLinkId}")
        updated = client.update_integration(restApiId=api_id, resourceId=res, httpMethod="GET",
                                            patchOperations=[{"op": "replace", "path": "/connectionId",
                                                              "value": link_id}])
        assert updated["connectionId"] == link_id
        client.create_deployment(restApiId=api_id, stageName="dev", variables={"vpcLinkId": link_id})
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", f"/restapis/{api_id}/dev/_user_request_/orders/7")
        r = conn.getresponse()
        body = r.read()
        assert r.status == 200, body
        assert json.loads(body) == {"path": "/orders/7", "via": "nlb"}
    finally:
        client.delete_rest_api(restApiId=api_id)
        client.delete_vpc_link(vpcLinkId=link_id)


def test_connection_type_outside_the_enum_is_refused(loose_client, api_id, root_id):
    loose_client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET",
                            authorizationType="NONE")
    expect_error(loose_client.put_integration, 400, "ValidationException",
                 "1 validation error detected: Value 'PRIVATE' at 'putIntegrationInput.connectionType' "
                 "failed to satisfy constraint: Member must satisfy enum value set: [INTERNET, VPC_LINK]",
                 restApiId=api_id, resourceId=root_id, httpMethod="GET", type="HTTP",
                 integrationHttpMethod="GET", uri="http://example.com", connectionType="PRIVATE")


# --------------------------------------------------------------------------------------
# Item 10: AWS's length quotas (stage variables, resource policies, mapping templates)
# --------------------------------------------------------------------------------------

def test_stage_variables_keep_to_aws_length_and_count_quotas(client, aws, deployable_api):
    api_id = deployable_api["id"]
    dep = client.create_deployment(restApiId=api_id)["id"]
    long_name = "n" * 65
    expect_error(client.create_stage, 400, "BadRequestException",
                 f"Invalid stage variable name: {long_name}.  "
                 "A stage variable name can be at most 64 characters long.",
                 restApiId=api_id, stageName="s1", deploymentId=dep, variables={long_name: "v"})
    expect_error(client.create_stage, 400, "BadRequestException",
                 "Invalid stage variable value of 513 characters.  "
                 "A stage variable value can be at most 512 characters long.",
                 restApiId=api_id, stageName="s1", deploymentId=dep, variables={"v": "x" * 513})
    too_many = {f"v{i}": "x" for i in range(101)}
    expect_error(client.create_stage, 400, "BadRequestException",
                 "A stage can have at most 100 stage variables; this request would give it 101.",
                 restApiId=api_id, stageName="s1", deploymentId=dep, variables=too_many)
    expect_error(client.create_deployment, 400, "BadRequestException",
                 "A stage can have at most 100 stage variables; this request would give it 101.",
                 restApiId=api_id, stageName="s1", variables=too_many)
    assert client.get_stages(restApiId=api_id)["item"] == [], "nothing was created"

    # At the quotas exactly, everything is kept.
    full = {f"v{i}": "x" for i in range(99)}
    full["n" * 64] = "y" * 512
    stage = client.create_stage(restApiId=api_id, stageName="s1", deploymentId=dep, variables=full)
    assert stage["variables"] == full
    err = aws.err("apigateway", "update-stage", "--rest-api-id", api_id, "--stage-name", "s1",
                  "--patch-operations", "op=replace,path=/variables/one_more,value=x")
    assert "(BadRequestException)" in err and "would give it 101." in err
    expect_error(client.update_stage, 400, "BadRequestException",
                 "Invalid stage variable value of 600 characters.  "
                 "A stage variable value can be at most 512 characters long.",
                 restApiId=api_id, stageName="s1",
                 patchOperations=[{"op": "replace", "path": "/variables/v0", "value": "z" * 600}])
    # Replacing a value or swapping one variable for another keeps within the count.
    resp = client.update_stage(restApiId=api_id, stageName="s1", patchOperations=[
        {"op": "remove", "path": "/variables/v0"},
        {"op": "replace", "path": "/variables/w0", "value": "w"},
        {"op": "replace", "path": "/variables/v1", "value": "changed"}])
    assert len(resp["variables"]) == 100
    assert resp["variables"]["w0"] == "w" and resp["variables"]["v1"] == "changed"
    assert client.get_stage(restApiId=api_id, stageName="s1")["variables"] == resp["variables"]


def _policy(statements: int, indent: int | None = None) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{i:04d}", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*", "Condition": {"IpAddress": {"aws:SourceIp": f"10.0.{i % 250}.0/24"}}}
        for i in range(statements)]}, indent=indent, separators=None if indent else (",", ":"))


def test_resource_policies_keep_to_the_8192_character_quota(client, aws):
    # 49 statements compact to 8 113 characters; 50 to 8 278.
    fits, too_long = _policy(49), _policy(50)
    assert len(fits) <= 8192 < len(too_long)
    assert client.create_rest_api(name=unique_name("policy"), policy=fits)["policy"]
    expect_error(client.create_rest_api, 400, "BadRequestException",
                 f"Invalid policy document. The policy is {len(too_long)} characters long without "
                 "whitespace; a resource policy can be at most 8192 characters long.",
                 name=unique_name("policy"), policy=too_long)
    # Whitespace between tokens does not count, as with IAM's quota.
    pretty = _policy(49, indent=4)
    assert len(pretty) > 8192
    api = client.create_rest_api(name=unique_name("policy"), policy=pretty)
    assert api["policy"], "the policy was kept"
    err = aws.err("apigateway", "update-rest-api", "--rest-api-id", api["id"], "--patch-operations",
                  json.dumps([{"op": "replace", "path": "/policy", "value": too_long}]))
    assert "(BadRequestException)" in err and "at most 8192 characters long" in err
    assert client.get_rest_api(restApiId=api["id"])["policy"] == api["policy"], "unchanged"


def test_mapping_templates_keep_to_the_300_kb_quota(client, api_id, root_id):
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="POST",
                      authorizationType="NONE")
    big = "#set($x = 1)" + " " * (300 * 1024 - 12)
    assert len(big) == 300 * 1024
    too_big = big + " "
    message = ("The mapping template for application/json is 307201 bytes; "
               "a mapping template can be at most 300 KB (307200 bytes).")
    expect_error(client.put_integration, 400, "BadRequestException", message,
                 restApiId=api_id, resourceId=root_id, httpMethod="POST", type="MOCK",
                 requestTemplates={"application/json": too_big})
    client.put_integration(restApiId=api_id, resourceId=root_id, httpMethod="POST", type="MOCK",
                           requestTemplates={"application/json": big})
    expect_error(client.update_integration, 400, "BadRequestException", message,
                 restApiId=api_id, resourceId=root_id, httpMethod="POST",
                 patchOperations=[{"op": "replace", "path": "/requestTemplates/application~1json",
                                   "value": too_big}])
    client.put_method_response(restApiId=api_id, resourceId=root_id, httpMethod="POST",
                               statusCode="200")
    expect_error(client.put_integration_response, 400, "BadRequestException", message,
                 restApiId=api_id, resourceId=root_id, httpMethod="POST", statusCode="200",
                 responseTemplates={"application/json": too_big})
    client.put_integration_response(restApiId=api_id, resourceId=root_id, httpMethod="POST",
                                    statusCode="200", responseTemplates={"application/json": "{}"})
    expect_error(client.update_integration_response, 400, "BadRequestException", message,
                 restApiId=api_id, resourceId=root_id, httpMethod="POST", statusCode="200",
                 patchOperations=[{"op": "replace", "path": "/responseTemplates/application~1json",
                                   "value": too_big}])
    got = client.get_integration(restApiId=api_id, resourceId=root_id, httpMethod="POST")
    assert got["requestTemplates"]["application/json"] == big
    assert got["integrationResponses"]["200"]["responseTemplates"] == {"application/json": "{}"}


# --------------------------------------------------------------------------------------
# Item 10: authorization types outside AWS's four, negative throttles
# --------------------------------------------------------------------------------------

AUTH_TYPE_MESSAGE = ("Invalid authorization type specified: {}. "
                     "Must be one of: [NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS]")


def test_authorization_type_outside_the_four_is_refused(client, aws, api_id, root_id):
    # A typo such as "IAM" used to be stored, making a method that refuses every request.
    expect_error(client.put_method, 400, "BadRequestException", AUTH_TYPE_MESSAGE.format("IAM"),
                 restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="IAM")
    with pytest.raises(Exception):
        client.get_method(restApiId=api_id, resourceId=root_id, httpMethod="GET")
    client.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET",
                      authorizationType="NONE")
    expect_error(client.update_method, 400, "BadRequestException",
                 AUTH_TYPE_MESSAGE.format("none"), restApiId=api_id, resourceId=root_id,
                 httpMethod="GET",
                 patchOperations=[{"op": "replace", "path": "/authorizationType", "value": "none"}])
    assert client.get_method(restApiId=api_id, resourceId=root_id,
                             httpMethod="GET")["authorizationType"] == "NONE"
    # The four AWS types stay accepted, through the CLI too.
    out = aws("apigateway", "update-method", "--rest-api-id", api_id, "--resource-id", root_id,
              "--http-method", "GET", "--patch-operations",
              "op=replace,path=/authorizationType,value=AWS_IAM")
    assert out["authorizationType"] == "AWS_IAM"


def test_minus_one_throttle_means_no_limit_as_terraform_sends_it(client, deployable_api, endpoint):
    # Terraform's aws_api_gateway_method_settings sends -1 for "throttling disabled"; AWS
    # accepts it, so refusing negatives would break those plans. The stage then serves
    # without a limit at that level, while a zero rate refuses everything.
    api_id = deployable_api["id"]
    client.create_deployment(restApiId=api_id, stageName="s1")
    updated = client.update_stage(restApiId=api_id, stageName="s1", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "-1"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "-1"},
    ])
    settings = updated["methodSettings"]["*/*"]
    assert (settings["throttlingRateLimit"], settings["throttlingBurstLimit"]) == (-1.0, -1)
    path = f"/restapis/{api_id}/s1/_user_request_/"
    statuses = [raw_request(endpoint, "GET", path, sign=False).status for _ in range(30)]
    assert statuses == [200] * 30, statuses
    client.update_stage(restApiId=api_id, stageName="s1", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "0"},
    ])
    assert wait_for(lambda: raw_request(endpoint, "GET", path, sign=False).status == 429)
