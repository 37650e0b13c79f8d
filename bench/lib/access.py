#!/usr/bin/env python3
"""The access phases' cost over HTTP: a MOCK method with authorization NONE, the same behind a
Lambda TOKEN authorizer whose answer is cached, the same with apiKeyRequired and a usage
plan (throttle and quota far above the load), and the NONE method in an API that also has an
authorizer, a method requiring a key and a usage plan (`beside`: what NONE pays for their
existence), in one server, interleaved rounds of wrk.

    .venv/bin/python bench/lib/access.py --bin target/release/proscenium [--rounds 9]

The server runs on CPU 0 with one worker, wrk (1 thread, 32 connections) on CPU 1. The
authorizer function is a small HTTP server here (called once: its answer is cached). Prints
each round and the median ratio of each variant to NONE (paired by round)."""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))
from e2e_helpers import free_port, make_client  # noqa: E402

KEY = "benchkeybenchkeybenchkeybenchkey"
LAMBDA_URI = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
              "arn:aws:lambda:us-east-1:000000000000:function:auth/invocations")


class Authorizer(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = json.dumps({"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}}).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def mock_method(c, api_id, res, auth, key_required=False, authorizer=None):
    extra = {"authorizerId": authorizer} if authorizer else {}
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType=auth,
                 apiKeyRequired=key_required, **extra)
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": 200}'})
    c.put_method_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200")
    c.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200",
                               responseTemplates={"application/json": '{"ok": true}'})


def api(c, auth, key_required=False, beside=False):
    """`/pets` GET with `auth`; with `beside`, the API also has a TOKEN authorizer and a
    `/secure` GET that uses it and requires an API key (the measured method stays NONE)."""
    a = c.create_rest_api(name="access-bench")
    res = c.create_resource(restApiId=a["id"], parentId=a["rootResourceId"], pathPart="pets")["id"]
    authorizer = None
    if auth == "CUSTOM" or beside:
        authorizer = c.create_authorizer(
            restApiId=a["id"], name="t", type="TOKEN", authorizerUri=LAMBDA_URI,
            identitySource="method.request.header.Authorization", authorizerResultTtlInSeconds=300)["id"]
    mock_method(c, a["id"], res, auth, key_required, authorizer if auth == "CUSTOM" else None)
    if beside:
        secure = c.create_resource(restApiId=a["id"], parentId=a["rootResourceId"], pathPart="secure")["id"]
        mock_method(c, a["id"], secure, "CUSTOM", True, authorizer)
    c.create_deployment(restApiId=a["id"], stageName="dev")
    return a["id"]


def serve(bin_path, lambda_url, *extra, wrap=()):
    """`proscenium serve` on CPU 0 on a free port with a fresh data dir (`wrap` runs it
    under another tool, e.g. valgrind); returns the process and its port."""
    port = free_port()
    data = tempfile.mkdtemp(prefix="access-bench-")
    server = subprocess.Popen(
        ["taskset", "-c", "0", *wrap, bin_path, "serve", "--listen", f"127.0.0.1:{port}",
         "--data-dir", data, "--lambda-endpoint", lambda_url, *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return server, port


def client_when_ready(port, tries=100, pause=0.05):
    """A boto3 client once the management API answers."""
    for _ in range(tries):
        try:
            c = make_client(f"http://127.0.0.1:{port}")
            c.get_rest_apis()
            return c
        except Exception:  # noqa: BLE001 - still starting
            time.sleep(pause)
    raise SystemExit(f"proscenium on port {port} never answered")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--duration", type=int, default=6)
    args = ap.parse_args()
    lam = ThreadingHTTPServer(("127.0.0.1", 0), Authorizer)
    threading.Thread(target=lam.serve_forever, daemon=True).start()
    server, port = serve(args.bin, f"http://127.0.0.1:{lam.server_address[1]}", "--workers", "1",
                         "--account-rate-limit", "1000000000", "--account-burst-limit", "1000000000")
    try:
        c = client_when_ready(port)
        ids = {"none": api(c, "NONE"), "token": api(c, "CUSTOM"), "apikey": api(c, "NONE", True),
               "beside": api(c, "NONE", beside=True)}
        key = c.create_api_key(name="k", enabled=True, value=KEY)
        plan = c.create_usage_plan(name="p", apiStages=[{"apiId": ids["apikey"], "stage": "dev"},
                                                        {"apiId": ids["beside"], "stage": "dev"}],
                                   throttle={"rateLimit": 1e9, "burstLimit": 1000000000},
                                   quota={"limit": 1000000000, "period": "MONTH"})
        c.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        time.sleep(1.5)
        rps = {k: [] for k in ids}
        for rnd in range(args.rounds):
            order = list(ids.items())
            order = order[rnd % len(order):] + order[:rnd % len(order)]
            for name, api_id in order:
                out = subprocess.run(
                    ["taskset", "-c", "1", "wrk", "-t1", "-c32", f"-d{args.duration}s",
                     "-H", "Authorization: allow", "-H", f"x-api-key: {KEY}",
                     f"http://127.0.0.1:{port}/restapis/{api_id}/dev/_user_request_/pets"],
                    capture_output=True, text=True).stdout
                value = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
                bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
                if bad:
                    sys.exit(f"{name}: {bad.group(1)} answers were not 2xx")
                rps[name].append(value)
                print(f"round {rnd} {name:<7} {value:>10.0f} rps", flush=True)
        for name in ids:
            ratio = statistics.median(a / b for a, b in zip(rps[name], rps["none"]))
            print(f"{name:<7} median {statistics.median(rps[name]):>10.0f} rps   ÷ none {ratio:.3f}")
    finally:
        server.terminate()
        lam.shutdown()


if __name__ == "__main__":
    main()
