#!/usr/bin/env python3
"""What a method with authorization NONE pays for the access features (issue 22, goal 6), in
instructions per request under callgrind. Two servers, each under callgrind:
- `plain`: one API with the MOCK NONE method, nothing else;
- `beside`: the same API, which here also has a TOKEN authorizer and a method that uses it and
  requires an API key (`access.py`'s `beside`), a usage plan with a key for its stage, a custom
  domain name mapping a base path to it, and a second API with a resource policy.
The method is called at its invoke URL in both (the domain's lookup misses, as for every
request that is not addressed to a custom domain). Each server measured twice, alternately,
2 000 GETs over one keep-alive connection after 200 warm-up ones.

    .venv/bin/python bench/lib/access_callgrind.py --bin target/release/proscenium
"""
import argparse
import glob
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import access  # noqa: E402
import callgrind  # noqa: E402


POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
     "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}}}]})


def beside(c):
    """Every access feature around the NONE method's API; returns that API's id."""
    api_id = access.api(c, "NONE", beside=True)
    key = c.create_api_key(name="k", enabled=True, value=access.KEY)
    plan = c.create_usage_plan(name="p", apiStages=[{"apiId": api_id, "stage": "dev"}],
                               throttle={"rateLimit": 1e9, "burstLimit": 1000000000},
                               quota={"limit": 1000000000, "period": "MONTH"})
    c.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    c.create_domain_name(domainName="api.example.com", endpointConfiguration={"types": ["REGIONAL"]},
                         regionalCertificateArn="arn:aws:acm:us-east-1:000000000000:certificate/bench")
    c.create_base_path_mapping(domainName="api.example.com", basePath="pets", restApiId=api_id, stage="dev")
    guarded = c.create_rest_api(name="guarded", policy=POLICY)["id"]
    access.mock_method(c, guarded, c.get_resources(restApiId=guarded)["items"][0]["id"], "NONE", False, None)
    c.create_deployment(restApiId=guarded, stageName="dev")
    return api_id


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--requests", type=int, default=2000)
    a = ap.parse_args()
    servers = {}
    try:
        for name in ("plain", "beside"):
            out = os.path.join(tempfile.mkdtemp(prefix=f"access-cg-{name}-"), "callgrind.out")
            # The authorizer is never called: only the NONE method is measured.
            p, port = access.serve(a.bin, "http://127.0.0.1:9",
                                   wrap=("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"))
            servers[name] = (p, port, out)
            c = access.client_when_ready(port, tries=900, pause=0.2)
            api_id = access.api(c, "NONE") if name == "plain" else beside(c)
            servers[name] += (f"http://127.0.0.1:{port}/restapis/{api_id}/dev/_user_request_/pets",)
        time.sleep(2)
        for name in ("plain", "beside") * 2:
            p, port, out, url = servers[name]
            callgrind.get_loop(url, 200)
            callgrind.control(p.pid, "-z")
            ok = callgrind.get_loop(url, a.requests)
            callgrind.control(p.pid, "-d")
            time.sleep(0.5)
            dump = max(glob.glob(out + ".*"), key=os.path.getmtime)
            per = callgrind.total_ir(dump) / a.requests
            print(f"{name:<7} {per:>9.0f} instructions per request ({ok} × 200)", flush=True)
    finally:
        for p, *_ in servers.values():
            p.terminate()


if __name__ == "__main__":
    main()
