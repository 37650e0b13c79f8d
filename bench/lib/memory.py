#!/usr/bin/env python3
"""Memory of `proscenium serve` (VmRSS): idle on an empty store, idle with the benchmark-sized
1-resource API deployed, and the cost of each additional deployment of a 1 000-resource API
(every resource with a GET MOCK method): 10 deployments to 10 new stages (all of them live and
compiled), then 10 redeployments of one stage (history only). Starts its own server.

Usage: memory.py --bin target/release/proscenium --cpu 0 --out DIR [--nginx-pids P,P]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import procstat  # noqa: E402
from mgmt import BODY, MOCK, Mgmt, free_port, simple_api, tree_api  # noqa: E402


def settle(pid: int, secs: float = 1.5) -> int:
    """RSS after the data plane has followed the change feed and allocations have settled."""
    time.sleep(secs)
    return procstat.rss_kib(pid)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--cpu", default="0")
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--deployments", type=int, default=10)
    ap.add_argument("--nginx-pids", default="", help="peer nginx processes, for reference")
    a = ap.parse_args()
    port = free_port()
    data = tempfile.mkdtemp(prefix="proscenium-mem.", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    p = subprocess.Popen(["taskset", "-c", a.cpu, a.bin, "serve", "--listen", f"127.0.0.1:{port}",
                          "--data-dir", data], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        m = Mgmt(port)
        m.wait_healthy(p, 30, "memory", interval=0.02)
        rows = []
        idle = settle(p.pid)
        rows.append(("idle, empty store", idle))
        one = simple_api(m, "mem-mock", "mock", MOCK, BODY)
        deadline = time.time() + 10
        while m.get(one["url"])[0] != 200 and time.time() < deadline:
            time.sleep(0.05)
        rows.append(("idle, 1-resource MOCK API deployed", settle(p.pid)))

        t0 = time.time()
        big = tree_api(m, "mem-1k", a.resources, methods_on_all=True)
        url = lambda stage: m.invoke_url(big["api"], big["path"], stage)  # noqa: E731
        rows.append((f"{a.resources}-resource API defined (not deployed)", settle(p.pid)))
        m.deploy(big["api"], "s0")
        while m.get(url("s0"))[0] != 200:
            time.sleep(0.05)
        first = settle(p.pid)
        rows.append(("first deployment of it (stage s0)", first))
        for i in range(1, a.deployments + 1):
            m.deploy(big["api"], f"s{i}")
        while m.get(url(f"s{a.deployments}"))[0] != 200:
            time.sleep(0.05)
        live = settle(p.pid, 3)
        rows.append((f"+{a.deployments} deployments to new stages (all live)", live))
        for _ in range(a.deployments):
            m.deploy(big["api"], "s0")
        redeployed = settle(p.pid, 3)
        rows.append((f"+{a.deployments} redeployments of stage s0", redeployed))
        setup_s = time.time() - t0

        print("| proscenium VmRSS | MiB |")
        print("|---|---|")
        for what, kib in rows:
            print(f"| {what} | {kib / 1024:.1f} |")
        print()
        print(f"per additional deployment of the {a.resources}-resource API (a GET MOCK method on every "
              f"resource): {(live - first) / a.deployments / 1024:.2f} MiB to a new "
              f"stage (all live), {(redeployed - live) / a.deployments / 1024:.2f} MiB per redeployment "
              f"of one stage; setup took {setup_s:.1f} s")
        if a.nginx_pids:
            pids = [int(x) for x in a.nginx_pids.split(",") if x]
            tot = sum(procstat.rss_kib(x) for x in pids)
            print(f"for reference, the peer nginx (master + worker) VmRSS: {tot / 1024:.1f} MiB")
    finally:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
        subprocess.run(["rm", "-rf", data])


if __name__ == "__main__":
    main()
