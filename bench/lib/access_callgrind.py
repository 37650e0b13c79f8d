#!/usr/bin/env python3
"""What a method with authorization NONE pays for the access features of its API (issue 22,
goal 6), in instructions per request under callgrind: the same MOCK NONE method in a plain
API, and in an API that also has a TOKEN authorizer, a method that uses it and requires an API
key, and a usage plan with a key (`access.py`'s `beside`). Each measured twice, alternately,
2 000 GETs over one keep-alive connection after 200 warm-up ones.

    .venv/bin/python bench/lib/access_callgrind.py --bin target/release/proscenium
"""
import argparse
import glob
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import access  # noqa: E402
import callgrind  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--requests", type=int, default=2000)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="access-cg-out-")
    out = os.path.join(work, "callgrind.out")
    # The authorizer is never called: only the NONE method is measured.
    p, port = access.serve(a.bin, "http://127.0.0.1:9",
                           wrap=("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"))
    try:
        c = access.client_when_ready(port, tries=900, pause=0.2)
        ids = {"none": access.api(c, "NONE"), "beside": access.api(c, "NONE", beside=True)}
        key = c.create_api_key(name="k", enabled=True, value=access.KEY)
        plan = c.create_usage_plan(name="p", apiStages=[{"apiId": ids["beside"], "stage": "dev"}],
                                   throttle={"rateLimit": 1e9, "burstLimit": 1000000000},
                                   quota={"limit": 1000000000, "period": "MONTH"})
        c.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        time.sleep(2)
        for name, api_id in list(ids.items()) * 2:
            url = f"http://127.0.0.1:{port}/restapis/{api_id}/dev/_user_request_/pets"
            callgrind.get_loop(url, 200)
            callgrind.control(p.pid, "-z")
            ok = callgrind.get_loop(url, a.requests)
            callgrind.control(p.pid, "-d")
            time.sleep(0.5)
            dump = max(glob.glob(out + ".*"), key=os.path.getmtime)
            per = callgrind.total_ir(dump) / a.requests
            print(f"{name:<7} {per:>9.0f} instructions per request ({ok} × 200)", flush=True)
    finally:
        p.terminate()


if __name__ == "__main__":
    main()
