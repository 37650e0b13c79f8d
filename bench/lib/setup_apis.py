#!/usr/bin/env python3
"""Create the benchmark APIs on a running `proscenium serve` and print a JSON description:
{name: {"api": id, "url": invoke URL, ...}, "_features": {...}}.

Usage: setup_apis.py --port P --backend-port B [--resources 10000]
"""
import argparse
import json
import re
import sys
import time

from mgmt import (BODY, HTTP_RESPONSE_TEMPLATE, MOCK, Mgmt, http_proxy, http_with_templates,
                  lambda_proxy, simple_api, tree_api)


def wait_ok(m: Mgmt, url: str, secs: float = 10) -> int:
    """A deployment is served once the data plane has followed the store's change feed."""
    end = time.time() + secs
    status = 0
    while time.time() < end:
        status, _ = m.get(url)
        if status == 200:
            return status
        time.sleep(0.05)
    return status


def probe_throttling(m: Mgmt, url: str) -> bool:
    """True when a stage rate limit of 100 rps actually produces 429s."""
    for _ in range(400):  # bounded: 400 requests; a 100-rps bucket with burst 100 is empty long before
        status, _ = m.get(url)
        if status == 429:
            return True
    return False


def cache_hits(m: Mgmt, api: str) -> float:
    status, text = m.get(f"http://127.0.0.1:{m.port}/_proscenium/metrics")
    total = 0.0
    for line in text.decode().splitlines():
        if line.startswith("proscenium_cache_hits_total") and f'api_id="{api}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--backend-port", type=int, required=True)
    ap.add_argument("--resources", type=int, default=10000)
    ap.add_argument("--tls-port", type=int, help="a second proscenium serving HTTPS")
    ap.add_argument("--tls-ca", help="CA file of --tls-port's certificate")
    a = ap.parse_args()
    m = Mgmt(a.port)
    out = {}
    t0 = time.time()
    # The account bucket (AWS's default 10 000 rps / 5 000 burst) caps every stage; a load test
    # at saturation would measure 429s. Raise it (still a real bucket, checked on every request).
    m.call("PATCH", "/account", {"patchOperations": [
        {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "10000000"},
        {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "10000000"}]})
    if a.tls_port:
        # The TLS instance: the same MOCK API, with its own (raised) account bucket.
        t = t_mgmt = Mgmt(a.tls_port, tls_ca=a.tls_ca)
        t.call("PATCH", "/account", {"patchOperations": [
            {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "10000000"},
            {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "10000000"}]})
        out["mock-tls"] = simple_api(t, "bench-mock-tls", "mock", MOCK, BODY)
    out["mock"] = simple_api(m, "bench-mock", "mock", MOCK, BODY)
    out["proxy"] = simple_api(m, "bench-proxy", "proxy", http_proxy(a.backend_port))
    out["http-templates"] = simple_api(m, "bench-http", "tpl", http_with_templates(a.backend_port),
                                       HTTP_RESPONSE_TEMPLATE)
    out["lambda-proxy"] = simple_api(m, "bench-lambda", "fn", lambda_proxy())
    out["mock-redeploy"] = simple_api(m, "bench-churn", "mock", MOCK, BODY)

    big = tree_api(m, "bench-10k", a.resources)
    m.deploy(big["api"])
    big["url"] = m.invoke_url(big["api"], big["path"])
    out["mock-10k"] = big
    print(f"setup: {big['resources']} resources created in {time.time() - t0:.1f} s", file=sys.stderr)

    # The 429 path: a stage-wide limit of 100 rps must produce 429s under load.
    thr = simple_api(m, "bench-throttle", "mock", MOCK, BODY)
    m.patch_stage(thr["api"], [{"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"},
                               {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "100"}])
    time.sleep(0.3)
    out["_features"] = {"throttling": probe_throttling(m, thr["url"])}
    if out["_features"]["throttling"]:
        thr["expect_non2xx"] = True
        out["mock-429"] = thr

    # A cache hit: HTTP_PROXY behind a stage cache, GET cached for 300 s.
    cached = simple_api(m, "bench-cache", "proxy", http_proxy(a.backend_port))
    try:
        m.patch_stage(cached["api"], [{"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
                                      {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
                                      {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": "300"},
                                      # creating the */* method setting brings AWS's default method
                                      # throttling (10 000 rps): lift it as the account's is lifted
                                      {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "10000000"},
                                      {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "10000000"}])
        time.sleep(0.3)
        for _ in range(5):
            m.get(cached["url"])
        supported = cache_hits(m, cached["api"]) > 0
    except RuntimeError as e:
        print(f"setup: cache probe failed: {e}", file=sys.stderr)
        supported = False
    out["_features"]["cache"] = supported
    if supported:
        out["proxy-cache-hit"] = cached

    for name, t in out.items():
        if name.startswith("_"):
            continue
        if not re.match(r"^https?://127\.", t["url"]):
            raise SystemExit(f"non-loopback URL {t['url']}")
        client = t_mgmt if name == "mock-tls" else m
        status = wait_ok(client, t["url"]) if name != "mock-429" else 200
        if status != 200:
            raise SystemExit(f"setup: {name} answers {status} at {t['url']}")
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
