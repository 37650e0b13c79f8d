"""API keys and usage plans as a caller meets them: a stage method with apiKeyRequired,
driven end to end through boto3 (keys, plans, plan keys, GetUsage, UpdateUsage) and invoked
over HTTP; counts that survive a restart; the AUTHORIZER key source."""

from __future__ import annotations

import glob
import http.client
import json
import os
import time

import pytest

from e2e_helpers import (ProsceniumServer, lambda_handler, make_client, running_server,
                         served_address, unique_name)

LAMBDA_URI = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
              "arn:aws:lambda:us-east-1:000000000000:function:{name}/invocations")


# A TOKEN authorizer that allows everyone and names the API key to use: the token.
KeyAuthorizer = lambda_handler(lambda _name, event: {
    "principalId": "p", "usageIdentifierKey": event["authorizationToken"],
    "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}})


@pytest.fixture(scope="module")
def lambda_endpoint():
    yield from served_address(KeyAuthorizer, "http://")


@pytest.fixture(scope="module")
def gw(lambda_endpoint):
    yield from running_server("--lambda-endpoint", lambda_endpoint)


@pytest.fixture(scope="module")
def c(gw):
    return make_client(gw.endpoint)


def call(gw, api_id, stage="dev", key=None, headers=None):
    h = dict(headers or {})
    if key is not None:
        h["x-api-key"] = key
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    try:
        conn.request("GET", f"/restapis/{api_id}/{stage}/_user_request_/pets", headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode()
    finally:
        conn.close()


def keyed_api(c, key_source=None, authorizer=False):
    kwargs = {"apiKeySource": key_source} if key_source else {}
    api = c.create_rest_api(name=unique_name("keyed"), **kwargs)
    api_id = api["id"]
    res = c.create_resource(restApiId=api_id, parentId=api["rootResourceId"], pathPart="pets")["id"]
    extra = {}
    if authorizer:
        extra["authorizerId"] = c.create_authorizer(
            restApiId=api_id, name="keys", type="TOKEN", authorizerUri=LAMBDA_URI.format(name="keys"),
            identitySource="method.request.header.Authorization", authorizerResultTtlInSeconds=0)["id"]
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", apiKeyRequired=True,
                 authorizationType="CUSTOM" if authorizer else "NONE", **extra)
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": 200}'})
    c.put_method_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200")
    c.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200",
                               responseTemplates={"application/json":
                                                  '{"keyId": "$context.identity.apiKeyId"}'})
    c.create_deployment(restApiId=api_id, stageName="dev")
    c.create_stage(restApiId=api_id, stageName="prod",
                   deploymentId=c.get_stages(restApiId=api_id)["item"][0]["deploymentId"])
    return api_id


def plan_with_key(c, api_id, stage, quota=None, throttle=None, enabled=True):
    key = c.create_api_key(name=unique_name("k"), enabled=enabled)
    kwargs = {}
    if quota:
        kwargs["quota"] = quota
    if throttle:
        kwargs["throttle"] = throttle
    plan = c.create_usage_plan(name=unique_name("plan"), apiStages=[{"apiId": api_id, "stage": stage}], **kwargs)
    c.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    return key, plan


def wait_for_status(fn, want, timeout=3.0):
    """Keys and plans are live state: they take effect within a second, without a redeploy."""
    deadline = time.monotonic() + timeout
    got = fn()
    while got[0] != want and time.monotonic() < deadline:
        time.sleep(0.05)
        got = fn()
    return got


FORBIDDEN = (403, '{"message":"Forbidden"}')


def test_keys_are_checked_at_invocation(gw, c):
    api_id = keyed_api(c)
    key, _ = plan_with_key(c, api_id, "dev")
    prod_key, _ = plan_with_key(c, api_id, "prod")
    disabled, _ = plan_with_key(c, api_id, "dev", enabled=False)
    status, headers, body = wait_for_status(lambda: call(gw, api_id, key=key["value"]), 200)
    assert (status, json.loads(body)) == (200, {"keyId": key["id"]})
    status, headers, body = call(gw, api_id)
    assert (status, body) == FORBIDDEN
    assert headers["x-amzn-errortype"] == "ForbiddenException"
    assert call(gw, api_id, key="not-a-key-not-a-key-not-a-key")[::2] == FORBIDDEN
    assert call(gw, api_id, key=disabled["value"])[::2] == FORBIDDEN
    assert call(gw, api_id, key=prod_key["value"])[::2] == FORBIDDEN, "another stage's plan"
    assert call(gw, api_id, stage="prod", key=prod_key["value"])[0] == 200
    # Enabling a key takes effect without a redeploy.
    c.update_api_key(apiKey=disabled["id"], patchOperations=[
        {"op": "replace", "path": "/enabled", "value": "true"}])
    assert wait_for_status(lambda: call(gw, api_id, key=disabled["value"]), 200)[0] == 200
    # So does removing a key from its plan.
    c.delete_api_key(apiKey=key["id"])
    assert wait_for_status(lambda: call(gw, api_id, key=key["value"]), 403)[::2] == FORBIDDEN


def test_quota_exhaustion_get_usage_and_update_usage(gw, c):
    api_id = keyed_api(c)
    key, plan = plan_with_key(c, api_id, "dev", quota={"limit": 5, "period": "DAY"})
    wait_for_status(lambda: call(gw, api_id, key=key["value"]), 200)  # 1
    for _ in range(4):
        assert call(gw, api_id, key=key["value"])[0] == 200
    status, headers, body = call(gw, api_id, key=key["value"])
    assert (status, body) == (429, '{"message":"Limit Exceeded"}')
    assert headers["x-amzn-errortype"] == "LimitExceededException"
    today = time.strftime("%Y-%m-%d", time.gmtime())
    # Counts reach the store within a second.
    deadline = time.monotonic() + 3
    usage = {}
    while time.monotonic() < deadline:
        usage = c.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)
        if usage.get("items", {}).get(key["id"]) == [[5, 0]]:
            break
        time.sleep(0.1)
    assert usage["items"][key["id"]] == [[5, 0]], usage
    # UpdateUsage gives the key its quota back.
    c.update_usage(usagePlanId=plan["id"], keyId=key["id"], patchOperations=[
        {"op": "replace", "path": "/remaining", "value": "2"}])
    assert wait_for_status(lambda: call(gw, api_id, key=key["value"]), 200)[0] == 200
    assert call(gw, api_id, key=key["value"])[0] == 200
    assert call(gw, api_id, key=key["value"])[0] == 429


def test_plan_throttle_gives_429(gw, c):
    api_id = keyed_api(c)
    key, _ = plan_with_key(c, api_id, "dev", throttle={"rateLimit": 1.0, "burstLimit": 1})
    first = wait_for_status(lambda: call(gw, api_id, key=key["value"]), 200)
    assert first[0] == 200
    answers = [call(gw, api_id, key=key["value"]) for _ in range(5)]
    refused = [(status, headers["x-amzn-errortype"], body) for status, headers, body in answers
               if status != 200]
    assert refused, "a burst of one at one request per second refuses some of six requests"
    assert set(refused) == {(429, "TooManyRequestsException", '{"message":"Too Many Requests"}')}


def test_counts_survive_a_restart(lambda_endpoint):
    srv = ProsceniumServer(extra_args=["--lambda-endpoint", lambda_endpoint])
    srv.start()
    try:
        c = make_client(srv.endpoint)
        api_id = keyed_api(c)
        key, plan = plan_with_key(c, api_id, "dev", quota={"limit": 3, "period": "MONTH"})
        wait_for_status(lambda: call(srv, api_id, key=key["value"]), 200)
        assert call(srv, api_id, key=key["value"])[0] == 200
        srv.stop()  # graceful: the counts are written
        srv.start()
        assert call(srv, api_id, key=key["value"])[0] == 200, "the third of three"
        assert call(srv, api_id, key=key["value"])[0] == 429, "the count survived the restart"
    finally:
        srv.cleanup()


def test_authorizer_key_source(gw, c):
    api_id = keyed_api(c, key_source="AUTHORIZER", authorizer=True)
    key, _ = plan_with_key(c, api_id, "dev")
    status, _, body = wait_for_status(
        lambda: call(gw, api_id, headers={"Authorization": key["value"]}), 200)
    assert (status, json.loads(body)) == (200, {"keyId": key["id"]})
    # With the AUTHORIZER source, x-api-key is not read.
    assert call(gw, api_id, key=key["value"], headers={"Authorization": "unknown-unknown-unknown"})[::2] \
        == FORBIDDEN


def test_counts_older_than_a_second_survive_kill_9(lambda_endpoint):
    """The documented bound: counts are written every second, so a `kill -9` loses at most
    the last second's. Requests made more than a second before the kill are all counted."""
    srv = ProsceniumServer(extra_args=["--lambda-endpoint", lambda_endpoint])
    srv.start()
    try:
        c = make_client(srv.endpoint)
        api_id = keyed_api(c)
        key, plan = plan_with_key(c, api_id, "dev", quota={"limit": 4, "period": "WEEK"})
        wait_for_status(lambda: call(srv, api_id, key=key["value"]), 200)
        for _ in range(2):
            assert call(srv, api_id, key=key["value"])[0] == 200
        time.sleep(1.6)  # past the flush interval
        srv.restart()  # kill -9, then start on the same data dir
        assert call(srv, api_id, key=key["value"])[0] == 200, "the fourth of four"
        assert call(srv, api_id, key=key["value"])[0] == 429, "three counted before the kill"
        today = time.strftime("%Y-%m-%d", time.gmtime())
        c = make_client(srv.endpoint)
        deadline = time.monotonic() + 3
        used = None
        while time.monotonic() < deadline:
            used = c.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)["items"][key["id"]]
            if used[0][0] == 4:
                break
            time.sleep(0.1)
        assert used[0] == [4, 0], used
    finally:
        srv.cleanup()


def context_switches(pid):
    """Context switches so far of each of the process's threads, by the thread's /proc path."""
    counts = {}
    for status in glob.glob(f"/proc/{pid}/task/*/status"):
        try:
            with open(status) as f:
                counts[status] = sum(int(line.split()[1]) for line in f if "ctxt_switches" in line)
        except OSError:  # a thread that ended meanwhile
            pass
    return counts


def switches_in(srv, seconds):
    """Context switches in the next `seconds`, of the threads alive at the end (an idle
    blocking thread that exits meanwhile takes its counts with it)."""
    before = context_switches(srv.proc.pid)
    time.sleep(seconds)
    after = context_switches(srv.proc.pid)
    return sum(n - before.get(tid, 0) for tid, n in after.items())


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads' switches in Linux's /proc")
def test_counts_are_flushed_only_when_a_plan_has_a_key(lambda_endpoint):
    """The flusher writes counts every second, and reads the periods' totals back, only when
    some usage plan has a key: a gateway without one sleeps between requests (the flusher
    used to wake a serving thread and a store thread every second for a read nothing used)."""
    srv = ProsceniumServer(extra_args=["--lambda-endpoint", lambda_endpoint])
    srv.start()
    try:
        c = make_client(srv.endpoint)
        api_id = keyed_api(c)
        assert call(srv, api_id)[::2] == FORBIDDEN, "the method asks for a key"
        time.sleep(1.5)  # the change feed's rebuild is done
        idle = switches_in(srv, 4)
        key, plan = plan_with_key(c, api_id, "dev", quota={"limit": 100, "period": "DAY"})
        assert wait_for_status(lambda: call(srv, api_id, key=key["value"]), 200)[0] == 200
        time.sleep(1.5)
        flushing = switches_in(srv, 4)
        assert idle <= 4, f"{idle} context switches in 4 s of an idle gateway without usage plans"
        assert flushing >= 8, f"only {flushing} context switches in 4 s of flushing every second"
        # What the flusher is for: the count reached the store.
        today = time.strftime("%Y-%m-%d", time.gmtime())
        assert c.get_usage(usagePlanId=plan["id"], startDate=today,
                           endDate=today)["items"][key["id"]] == [[1, 99]]
    finally:
        srv.cleanup()
