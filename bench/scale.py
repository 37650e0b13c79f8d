#!/usr/bin/env python3
"""Issue 22's scale of configuration: 10 000 stages across 1 000 REST APIs in one process.

Builds the configuration through the management API (each API: /items with a GET MOCK
method answering {"ok":true}, then --stages deployments, each to a stage of its own, so every
stage serves a compiled deployment of its own), then reports:
  - how long building it took, and what one more CreateDeployment costs with all of it there;
  - VmRSS of the process serving all of them (after every stage answered once);
  - start to healthy and start to the last stage's first 200 after a restart on that store
    (median of --restarts runs);
  - requests per second of one stage among them, against a second process serving that same
    API alone (one stage), measured side by side: wrk, interleaved rounds, both servers on
    --server-cpu, wrk on --load-cpu, the paired per-round ratio and its median.

Usage: bench/scale.py [--bin target/release/proscenium] [--apis 1000] [--stages 10]
                      [--rounds 5] [--duration 5] [--smoke]
--smoke: 20 APIs x 3 stages, one round of 1 s; checks the script runs, numbers not judged.
Needs wrk and taskset. Loopback only.
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import procstat  # noqa: E402
from drive import run_wrk  # noqa: E402
from mgmt import BODY, MOCK, Mgmt, free_port  # noqa: E402


def start(binary: str, data: str, cpu: str) -> tuple[subprocess.Popen, int, float]:
    port = free_port()
    t0 = time.perf_counter()
    p = subprocess.Popen(["taskset", "-c", cpu, binary, "serve", "--listen", f"127.0.0.1:{port}",
                          "--data-dir", data,
                          # AWS's default account limits (10 000 rps) would answer 429 under load.
                          "--account-rate-limit", "1000000000", "--account-burst-limit", "1000000000"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    Mgmt(port).wait_healthy(p, 60, "scale", interval=0.001)
    return p, port, time.perf_counter() - t0


def stop(p: subprocess.Popen) -> None:
    p.terminate()
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def one_api(m: Mgmt, name: str, stages: int) -> str:
    api, root = m.create_api(name)
    rid = m.resource(api, root, "items")
    m.method(api, rid, MOCK, BODY)
    for s in range(stages):
        m.deploy(api, f"s{s}")
    return api


def populate(port: int, apis: int, stages: int, threads: int = 2) -> list[str]:
    """Creates the APIs from `threads` connections at once; returns their ids in order."""
    ids: list = [None] * apis
    errors: list = []

    def work(k: int) -> None:
        m = Mgmt(port)
        try:
            for i in range(k, apis, threads):
                ids[i] = one_api(m, f"scale-{i}", stages)
        except Exception as e:  # reported below; the run is then void
            errors.append(e)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise SystemExit(f"populating failed: {errors[0]}")
    return ids


def wait_200(m: Mgmt, url: str, secs: float = 60) -> float:
    t0 = time.perf_counter()
    while True:
        try:
            if m.get(url)[0] == 200:
                return time.perf_counter() - t0
        except OSError:
            pass
        if time.perf_counter() - t0 > secs:
            raise SystemExit(f"{url} did not answer 200 within {secs} s")
        time.sleep(0.001)


def wrk(url: str, secs: float, conns: int, cpu: str) -> tuple[float, int]:
    """Requests per second and failed answers (non-2xx/3xx and socket errors) of one run."""
    r = run_wrk(url, secs, conns, cpu)
    return r["rps"], r["non2xx"] + r["sockerr"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("PROSCENIUM_BIN", "target/release/proscenium"))
    ap.add_argument("--apis", type=int, default=1000)
    ap.add_argument("--stages", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--restarts", type=int, default=3)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--server-cpu", default="0")
    ap.add_argument("--load-cpu", default="1")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.smoke:
        a.apis, a.stages, a.rounds, a.duration, a.restarts = 20, 3, 1, 1, 1
    for tool in ("wrk", "taskset"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed")
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    big_dir = tempfile.mkdtemp(prefix="proscenium-scale.", dir=shm)
    one_dir = tempfile.mkdtemp(prefix="proscenium-scale1.", dir=shm)
    procs: list = []
    try:
        big, big_port, _ = start(a.bin, big_dir, a.server_cpu)
        procs.append(big)
        t0 = time.perf_counter()
        ids = populate(big_port, a.apis, a.stages)
        made = time.perf_counter() - t0
        total = a.apis * a.stages
        print(f"built {a.apis} APIs x {a.stages} stages ({total} stages, {total} deployments) "
              f"through the management API in {made:.1f} s")
        m = Mgmt(big_port)
        url = lambda port, api, stage: f"http://127.0.0.1:{port}/restapis/{api}/{stage}/_user_request_/items"  # noqa: E731
        last = (ids[-1], f"s{a.stages - 1}")
        wait_200(m, url(big_port, *last))
        # Every stage answers once, so each of them is live (whatever is built on first use is built).
        t0 = time.perf_counter()
        for api in ids:
            for s in range(a.stages):
                status, body = m.get(url(big_port, api, f"s{s}"))
                if status != 200 or body != BODY.encode():
                    raise SystemExit(f"{api}/s{s} answered {status} {body[:100]!r}")
        print(f"every stage answered 200 {BODY} (one GET each, {time.perf_counter() - t0:.1f} s)")
        # What a change costs with all of them configured: a redeploy of one stage, acknowledged
        # once the data plane serves it (the management call waits for that).
        took = []
        for _ in range(10):
            t1 = time.perf_counter()
            m.deploy(ids[0], "s0")
            took.append(time.perf_counter() - t1)
        print(f"CreateDeployment (a redeploy of one stage, served when acknowledged) with {total} stages: "
              f"median {statistics.median(took) * 1000:.0f} ms (min {min(took) * 1000:.0f}, "
              f"max {max(took) * 1000:.0f}, 10 calls)")
        time.sleep(1.5)
        rss = procstat.rss_kib(big.pid)
        print(f"VmRSS serving {total} stages: {rss / 1024:.1f} MiB")

        # Restart on the same store: start to healthy, and to the last stage's first 200.
        healthy, serving = [], []
        for _ in range(a.restarts):
            stop(big)
            procs.remove(big)
            t0 = time.perf_counter()
            big, big_port, h = start(a.bin, big_dir, a.server_cpu)
            procs.append(big)
            wait_200(Mgmt(big_port), url(big_port, *last))
            healthy.append(h)
            serving.append(time.perf_counter() - t0)
        print(f"restart with {total} stages: start to healthy median {statistics.median(healthy) * 1000:.0f} ms "
              f"(min {min(healthy) * 1000:.0f}, max {max(healthy) * 1000:.0f}), to the last stage's first 200 "
              f"median {statistics.median(serving) * 1000:.0f} ms ({a.restarts} runs)")
        rss_restarted = procstat.rss_kib(big.pid)
        print(f"VmRSS after the restart, before any request but that one: {rss_restarted / 1024:.1f} MiB")

        # The same API alone in its own process, one stage.
        one, one_port, _ = start(a.bin, one_dir, a.server_cpu)
        procs.append(one)
        solo = one_api(Mgmt(one_port), "scale-solo", 1)
        one_url = url(one_port, solo, "s0")
        wait_200(Mgmt(one_port), one_url)
        # The measured stage: one in the middle of the configuration, not the first or the last made.
        rnd = random.Random(22)
        mid = (ids[rnd.randrange(len(ids))], f"s{rnd.randrange(a.stages)}")
        big_url = url(big_port, *mid)
        wait_200(Mgmt(big_port), big_url)
        # Warm both.
        wrk(one_url, 1, a.connections, a.load_cpu)
        wrk(big_url, 1, a.connections, a.load_cpu)
        ratios, rows = [], []
        for r in range(a.rounds):
            order = [("one", one_url), ("big", big_url)]
            if r % 2:
                order.reverse()
            got = {}
            for name, u in order:
                got[name] = wrk(u, a.duration, a.connections, a.load_cpu)
            ratio = got["big"][0] / got["one"][0] if got["one"][0] else 0.0
            ratios.append(ratio)
            rows.append((r + 1, got["one"], got["big"], ratio))
        print()
        print(f"| round | one stage alone, rps (errors) | one of {total} stages, rps (errors) | ratio |")
        print("|---|---|---|---|")
        for r, o, b, ratio in rows:
            print(f"| {r} | {o[0]:.0f} ({o[1]}) | {b[0]:.0f} ({b[1]}) | {ratio:.3f} |")
        print()
        errors = sum(o[1] + b[1] for _, o, b, _ in rows)
        print(f"one of {total} stages / one stage alone: median {statistics.median(ratios):.3f} "
              f"(rounds {min(ratios):.3f}-{max(ratios):.3f}), {errors} errors")
        if a.smoke:
            ok = errors == 0 and all(o[0] > 0 and b[0] > 0 for _, o, b, _ in rows)
            print(f"scale-smoke: {'passed' if ok else 'FAILED'}")
            if not ok:
                sys.exit(1)
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(big_dir, ignore_errors=True)
        shutil.rmtree(one_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
