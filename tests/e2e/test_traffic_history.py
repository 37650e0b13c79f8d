"""`GET /_proscenium/traffic`: a stage's last minutes per minute, per side, per deployment and
per method (detailed metrics), through the real binary. Requests are made over HTTP with known
statuses and the answer must count exactly them."""

from __future__ import annotations

import json
import time
import urllib.parse
from types import SimpleNamespace

import pytest

from e2e_helpers import ProsceniumServer, free_port, make_client, raw_request, running_server, unique_name
from test_invoke import call, mock_method


@pytest.fixture(scope="module")
def srv():
    yield from running_server()


@pytest.fixture(scope="module")
def c(srv):
    return make_client(srv.endpoint)


def traffic(srv, **query):
    status, headers, body = call(srv, "GET", "/_proscenium/traffic?" + urllib.parse.urlencode(query))
    return status, headers, json.loads(body)


def deployments(report):
    return {(d["deploymentId"], d["canary"]): d["total"]["requests"] for d in report["deployments"]}


def stage_api(c):
    """An API with GET /pets (200), GET /gone (404) and GET /boom (500), all MOCK."""
    api_id = c.create_rest_api(name=unique_name("traffic"))["id"]
    root = c.get_resources(restApiId=api_id)["items"][0]["id"]
    for path, status in [("pets", "200"), ("gone", "404"), ("boom", "500")]:
        res = c.create_resource(restApiId=api_id, parentId=root, pathPart=path)["id"]
        mock_method(c, api_id, res, "GET", '{"path": "%s"}' % path, status=status)
    return api_id


def hit(srv, api_id, path, times, want):
    for _ in range(times):
        status, _, body = call(srv, "GET", f"/restapis/{api_id}/prod/_user_request_/{path}")
        assert status == want, body


def test_counts_per_minute_side_deployment_and_method(srv, c):
    api_id = stage_api(c)
    d1 = c.create_deployment(restApiId=api_id, stageName="prod")["id"]
    hit(srv, api_id, "pets", 5, 200)
    hit(srv, api_id, "gone", 2, 404)
    hit(srv, api_id, "boom", 1, 500)

    status, headers, r = traffic(srv, apiId=api_id, stage="prod", minutes=5)
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert (r["apiId"], r["stage"], r["minutes"]) == (api_id, "prod", 5)
    starts = r["minuteStarts"]
    assert len(starts) == 5 and all(b - a == 60_000 for a, b in zip(starts, starts[1:]))
    assert starts[-1] <= time.time() * 1000 < starts[-1] + 120_000, "the last minute is the current one"
    assert len(r["base"]["perMinute"]) == 5 and len(r["canary"]["perMinute"]) == 5
    total = r["base"]["total"]
    assert (total["requests"], total["errors4xx"], total["errors5xx"]) == (8, 2, 1)
    assert sum(m["requests"] for m in r["base"]["perMinute"]) == 8
    assert sum(m["errors4xx"] for m in r["base"]["perMinute"]) == 2
    assert total["latencyMicros"] > 0
    assert r["canary"]["total"]["requests"] == 0
    assert deployments(r) == {(d1, False): 8}
    assert r["methods"] == [], "no method has detailed metrics yet"

    # Detailed metrics on GET /pets: that method gets its own numbers.
    c.update_stage(restApiId=api_id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/~1pets/GET/metrics/enabled", "value": "true"}])
    _, _, r = traffic(srv, apiId=api_id, stage="prod")
    assert r["minutes"] == 15 and len(r["minuteStarts"]) == 15
    assert [(m["resource"], m["method"], m["total"]["requests"]) for m in r["methods"]] == [("/pets", "GET", 0)]
    hit(srv, api_id, "pets", 3, 200)

    # A redeploy: the new deployment counts from zero, the first keeps what it served.
    d2 = c.create_deployment(restApiId=api_id, stageName="prod")["id"]
    hit(srv, api_id, "pets", 2, 200)
    hit(srv, api_id, "gone", 1, 404)
    # A canary taking all the traffic.
    d3 = c.create_deployment(restApiId=api_id, stageName="prod", canarySettings={"percentTraffic": 100.0})["id"]
    hit(srv, api_id, "pets", 4, 200)

    _, _, r = traffic(srv, apiId=api_id, stage="prod", minutes=60)
    assert len(r["minuteStarts"]) == 60
    assert deployments(r) == {(d1, False): 11, (d2, False): 3, (d3, True): 4}
    assert r["base"]["total"]["requests"] == 14
    assert r["base"]["total"]["errors4xx"] == 3
    assert r["canary"]["total"]["requests"] == 4
    assert sum(m["requests"] for m in r["canary"]["perMinute"]) == 4
    pets = [m for m in r["methods"] if (m["resource"], m["method"]) == ("/pets", "GET")]
    assert len(pets) == 1 and pets[0]["total"]["requests"] == 3 + 2 + 4

    # The Prometheus series say the same, per deployment.
    _, _, body = call(srv, "GET", "/_proscenium/metrics")
    per_dep: dict[str, float] = {}
    for line in body.decode().splitlines():
        if line.startswith("proscenium_requests_total{") and f'api_id="{api_id}"' in line:
            dep = line.split('deployment_id="', 1)[1].split('"', 1)[0]
            per_dep[dep] = per_dep.get(dep, 0) + float(line.rsplit(" ", 1)[1])
    assert per_dep == {d1: 11, d2: 3, d3: 4}


def test_bad_queries_and_unknown_stages(srv, c):
    api_id = stage_api(c)
    c.create_deployment(restApiId=api_id, stageName="prod")
    for query in [{"apiId": api_id, "stage": "prod", "minutes": 4},
                  {"apiId": api_id, "stage": "prod", "minutes": 61},
                  {"apiId": api_id, "stage": "prod", "minutes": "soon"},
                  {"apiId": api_id}, {"stage": "prod"}, {}]:
        status, headers, body = traffic(srv, **query)
        assert (status, headers["x-amzn-errortype"]) == (400, "BadRequestException"), query
        assert body["message"], query
    for query in [{"apiId": api_id, "stage": "nope"}, {"apiId": "nope", "stage": "prod"}]:
        status, headers, body = traffic(srv, **query)
        assert (status, headers["x-amzn-errortype"]) == (404, "NotFoundException"), query
    status, _, r = traffic(srv, apiId=api_id, stage="prod", minutes=5)
    assert status == 200 and r["base"]["total"]["requests"] == 0
    assert r["deployments"][0]["total"]["requests"] == 0, "the served deployment is listed"


def test_with_credentials_it_is_signed_like_the_metrics():
    mport = free_port()
    srv = ProsceniumServer(extra_args=["--metrics-listen", f"127.0.0.1:{mport}"],
                           env={"PROSCENIUM_ACCESS_KEY_ID": "AKTRAFFIC", "PROSCENIUM_SECRET_ACCESS_KEY": "sk"})
    srv.start()
    try:
        c = make_client(srv.endpoint, access_key="AKTRAFFIC", secret_key="sk")
        api_id = stage_api(c)
        c.create_deployment(restApiId=api_id, stageName="prod")
        hit(srv, api_id, "pets", 2, 200)
        path = f"/_proscenium/traffic?apiId={api_id}&stage=prod&minutes=5"
        unsigned = raw_request(srv.endpoint, "GET", path, sign=False)
        assert unsigned.status == 403
        wrong = raw_request(srv.endpoint, "GET", path, access_key="AKTRAFFIC", secret_key="nope")
        assert wrong.status == 403
        signed = raw_request(srv.endpoint, "GET", path, access_key="AKTRAFFIC", secret_key="sk")
        assert signed.status == 200 and signed.json()["base"]["total"]["requests"] == 2
        status, _, body = call(SimpleNamespace(port=mport), "GET", path)
        assert status == 200 and json.loads(body)["base"]["total"]["requests"] == 2, \
            "the metrics listener answers unsigned"
    finally:
        srv.cleanup()
