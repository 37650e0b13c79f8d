"""Stage settings that act, through the real binary: throttling, caching and its flush, canary
split and promotion, access logs, metrics."""

from __future__ import annotations

import json
import os
import time

import pytest

from e2e_helpers import QuietHandler, served_address
from test_invoke import c, call, gw, lambda_endpoint, mock_method, new_api  # noqa: F401 (fixtures)


def patch(c, api_id, stage, *ops):
    return c.update_stage(restApiId=api_id, stageName=stage, patchOperations=[
        {"op": o[0], "path": o[1], **({"value": o[2]} if len(o) > 2 else {})} for o in ops])


class Counting(QuietHandler):
    """Answers each GET with its running count of GETs, `{"hit": n}`."""

    hits = 0

    def do_GET(self):
        Counting.hits += 1
        self.send_json({"hit": Counting.hits})


@pytest.fixture(scope="module")
def counting_backend():
    yield from served_address(Counting)


def test_stage_throttling_answers_429(gw, c):
    api_id, root = new_api(c)
    mock_method(c, api_id, root, "GET", '{"ok": true}')
    c.create_deployment(restApiId=api_id, stageName="dev")
    patch(c, api_id, "dev", ("replace", "/*/*/throttling/rateLimit", "1"),
          ("replace", "/*/*/throttling/burstLimit", "2"))
    statuses = [call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/")[0] for _ in range(10)]
    assert statuses[:2] == [200, 200], statuses
    assert statuses.count(429) >= 7, statuses
    status, _, body = call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/")
    assert (status, json.loads(body)) == (429, {"message": "Too Many Requests"})
    # A method-level override is more specific than the stage's.
    patch(c, api_id, "dev", ("replace", "/~1/GET/throttling/rateLimit", "1000"),
          ("replace", "/~1/GET/throttling/burstLimit", "1000"))
    assert all(call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/")[0] == 200 for _ in range(10))


def test_cache_serves_hits_and_flush_empties_it(gw, c, counting_backend):
    api_id, root = new_api(c)
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                      integrationHttpMethod="GET", uri=f"http://{counting_backend}/")
    c.create_deployment(restApiId=api_id, stageName="dev", cacheClusterEnabled=True, cacheClusterSize="0.5")
    patch(c, api_id, "dev", ("replace", "/*/*/caching/enabled", "true"))
    assert c.get_stage(restApiId=api_id, stageName="dev")["cacheClusterStatus"] == "AVAILABLE"
    url = f"/restapis/{api_id}/dev/_user_request_/"
    first = json.loads(call(gw, "GET", url)[2])
    for _ in range(5):
        assert json.loads(call(gw, "GET", url)[2]) == first, "served from the cache"
    assert c.flush_stage_cache(restApiId=api_id, stageName="dev")["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert json.loads(call(gw, "GET", url)[2]) != first, "a flushed cache goes back to the backend"


def test_canary_split_and_promotion(gw, c):
    api_id, root = new_api(c)
    mock_method(c, api_id, root, "GET", '{"d": "base"}')
    c.create_deployment(restApiId=api_id, stageName="live")
    c.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                               selectionPattern="", responseTemplates={"application/json": '{"d": "canary"}'})
    c.create_deployment(restApiId=api_id, stageName="live", canarySettings={"percentTraffic": 30.0})
    url = f"/restapis/{api_id}/live/_user_request_/"
    n = 600
    canary = sum(json.loads(call(gw, "GET", url)[2])["d"] == "canary" for _ in range(n))
    assert 0.22 * n <= canary <= 0.38 * n, canary
    c.update_stage(restApiId=api_id, stageName="live", patchOperations=[
        {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0"}])
    assert all(json.loads(call(gw, "GET", url)[2])["d"] == "canary" for _ in range(30))


def test_access_log_lines_follow_the_format(gw, c):
    api_id, root = new_api(c)
    mock_method(c, api_id, root, "GET", "{}")
    c.create_deployment(restApiId=api_id, stageName="dev")
    group = f"e2e-{api_id}"
    patch(c, api_id, "dev",
          ("replace", "/accessLogSettings/destinationArn", f"arn:aws:logs:us-east-1:000000000000:log-group:{group}"),
          ("replace", "/accessLogSettings/format",
           '{"requestId":"$context.requestId","method":"$context.httpMethod","status":"$context.status","stage":"$context.stage"}'))
    ids = [call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/")[1]["x-amzn-requestid"] for _ in range(3)]
    path = os.path.join(gw.data_dir, "logs", f"{group}.log")
    deadline = time.monotonic() + 5
    lines: list = []
    while time.monotonic() < deadline:
        if os.path.exists(path):
            lines = [json.loads(l) for l in open(path) if l.strip()]
            if len(lines) >= 3:
                break
        time.sleep(0.05)
    assert [l["requestId"] for l in lines] == ids
    assert all(l == {"requestId": l["requestId"], "method": "GET", "status": "200", "stage": "dev"} for l in lines)


def test_metrics_count_what_was_served(gw, c):
    api_id, root = new_api(c)
    mock_method(c, api_id, root, "GET", "{}")
    c.create_deployment(restApiId=api_id, stageName="dev")
    for _ in range(4):
        call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/")
    call(gw, "GET", f"/restapis/{api_id}/dev/_user_request_/missing")
    _, _, body = call(gw, "GET", "/_proscenium/metrics")
    text = body.decode()
    mine = [l for l in text.splitlines() if f'api_id="{api_id}"' in l and not l.startswith("#")]
    total = sum(float(l.rsplit(" ", 1)[1]) for l in mine if l.startswith("proscenium_requests_total"))
    assert total == 5, mine
    errors = sum(float(l.rsplit(" ", 1)[1]) for l in mine if l.startswith("proscenium_4xx_errors_total"))
    assert errors == 1, mine
