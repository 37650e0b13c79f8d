#!/usr/bin/env python3
"""Deploys the benchmark's HTTP-with-templates, Lambda proxy, HTTP_PROXY and MOCK APIs on one
running proscenium and prints their invoke URLs as `name=url` lines (bench/ab.sh reads them).

Usage: ab_setup.py --port P --backend-port B
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from mgmt import (BODY, HTTP_RESPONSE_TEMPLATE, MOCK, Mgmt, http_proxy,  # noqa: E402
                  http_with_templates, lambda_proxy, simple_api)
from setup_apis import wait_ok  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--backend-port", type=int, required=True)
    a = ap.parse_args()
    m = Mgmt(a.port)
    m.wait_healthy(None, 30, f"proscenium on :{a.port}")
    # AWS's default account bucket (10 000 rps) would throttle a load test.
    m.call("PATCH", "/account", {"patchOperations": [
        {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "10000000"},
        {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "10000000"}]})
    apis = {
        "templates": simple_api(m, "ab-templates", "tpl", http_with_templates(a.backend_port),
                                HTTP_RESPONSE_TEMPLATE),
        "lambda": simple_api(m, "ab-lambda", "fn", lambda_proxy()),
        "proxy": simple_api(m, "ab-proxy", "proxy", http_proxy(a.backend_port)),
        "mock": simple_api(m, "ab-mock", "mock", MOCK, BODY),
    }
    for name, api in apis.items():
        if wait_ok(m, api["url"], 30) != 200:
            raise SystemExit(f"{name} never answered 200 on :{a.port}")
        print(f"{name}={api['url']}")


if __name__ == "__main__":
    main()
