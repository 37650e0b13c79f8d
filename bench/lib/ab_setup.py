#!/usr/bin/env python3
"""Deploys the benchmark's HTTP-with-templates, Lambda proxy, HTTP_PROXY and MOCK APIs on one
running proscenium and prints their invoke URLs as `name=url` lines (bench/ab.sh reads them).

Usage: ab_setup.py --port P --backend-port B
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from mgmt import (BODY, HTTP_RESPONSE_TEMPLATE, MOCK, Mgmt, http_proxy,  # noqa: E402
                  http_with_templates, lambda_proxy, simple_api)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--backend-port", type=int, required=True)
    a = ap.parse_args()
    m = Mgmt(a.port)
    end = time.time() + 30
    while True:
        try:
            if m.get(f"http://127.0.0.1:{a.port}/_proscenium/health")[0] == 200:
                break
        except OSError:
            pass
        if time.time() > end:
            raise SystemExit(f"proscenium on :{a.port} never became healthy")
        time.sleep(0.05)
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
        end = time.time() + 30
        while m.get(api["url"])[0] != 200:
            if time.time() > end:
                raise SystemExit(f"{name} never answered 200 on :{a.port}")
            time.sleep(0.1)
        print(f"{name}={api['url']}")


if __name__ == "__main__":
    main()
