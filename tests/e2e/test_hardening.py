"""What the review found: paging across deletions, 405s in AWS's error shape, cross-site
requests refused while no credentials are configured, canary bounds on create."""

import http.client
import json

from e2e_helpers import assert_error, client_error, unique_name


def raw(endpoint, method, path, headers=None, body=None):
    host, port = endpoint.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()


def test_paging_survives_deleting_the_next_item(client, api):
    root = api["rootResourceId"]
    ids = [client.create_resource(restApiId=api["id"], parentId=root, pathPart=f"p{i}")["id"] for i in range(5)]
    first = client.get_resources(restApiId=api["id"], limit=2)
    assert len(first["items"]) == 2 and "position" in first
    seen = [r["id"] for r in first["items"]]
    # Delete the item the next page would start with.
    nxt = sorted(set(ids) - set(seen), key=lambda i: client.get_resource(restApiId=api["id"], resourceId=i)["path"])[0]
    client.delete_resource(restApiId=api["id"], resourceId=nxt)
    position = first["position"]
    while position:
        page = client.get_resources(restApiId=api["id"], limit=2, position=position)
        seen += [r["id"] for r in page["items"]]
        position = page.get("position")
    assert sorted(seen) == sorted([root] + [i for i in ids if i != nxt])


def test_wrong_method_is_an_aws_error(endpoint):
    status, headers, body = raw(endpoint, "PUT", "/restapis")
    assert status == 404
    assert headers.get("x-amzn-errortype")
    assert "message" in json.loads(body)


def test_cross_site_writes_are_refused_without_credentials(endpoint):
    host = endpoint.removeprefix("http://")
    body = json.dumps({"name": unique_name("csrf")})
    status, headers, _ = raw(endpoint, "POST", "/restapis",
                             {"Host": host, "Origin": "https://evil.example", "Content-Type": "text/plain"}, body)
    assert status == 403
    assert headers["x-amzn-errortype"] == "AccessDeniedException"
    status, _, _ = raw(endpoint, "POST", "/restapis", {"Host": host, "Origin": f"http://{host}"}, body)
    assert status == 201, "the console's own origin may call"


def test_canary_percent_is_bounded_on_create(client, deployable_api):
    api_id = deployable_api["id"]
    d = client.create_deployment(restApiId=api_id, stageName="dev")["id"]
    err = client_error(client.create_deployment, restApiId=api_id, stageName="dev",
                       canarySettings={"percentTraffic": 150.0})
    assert_error(err, 400, "BadRequestException")
    err = client_error(client.create_stage, restApiId=api_id, stageName="two", deploymentId=d,
                       canarySettings={"percentTraffic": -1.0})
    assert_error(err, 400, "BadRequestException")
