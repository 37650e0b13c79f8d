"""Serving speed of a cluster node (issue 19): a node on PostgreSQL against a node on the
embedded store, and a stage throttle shared through Redis against the same throttle per node.

Usage: PROSCENIUM_BIN=target/release/proscenium .venv/bin/python bench/cluster_serving.py
       [--rounds 5] [--duration 5] [--conns 32]
Starts a throwaway PostgreSQL (scripts/throwaway-postgres), a redis-server and three nodes, all
pinned to CPU 0 (`SERVER_CPU`), wrk on CPU 1 (`LOAD_CPU`): `sqlite` (the embedded store),
`postgres` and `postgres+redis` (both on the PostgreSQL store, so they serve the same API).
The MOCK method answers `{"ok": true}`; stage `plain` has no throttle, stage `limited` a stage
throttle far above what one core serves (so nothing is refused; each admitted request takes
the shared bucket's script on the Redis node). Each round runs every target once, in an order
rotated by one per round; ratios are medians of per-round paired ratios.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ["AWS_CONFIG_FILE"] = "/dev/null"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"

from drive import run_wrk  # noqa: E402
from e2e_helpers import ProsceniumServer, add_mock_method, free_port, unique_name, wait_for  # noqa: E402
from test_cluster import Postgres  # noqa: E402

SERVER_CPU = os.environ.get("SERVER_CPU", "0")
LOAD_CPU = os.environ.get("LOAD_CPU", "1")


def pin(pid: int) -> None:
    """Every thread of `pid` on the server CPU."""
    subprocess.run(["taskset", "-a", "-p", "-c", SERVER_CPU, str(pid)], check=True,
                   capture_output=True)


def mock_api(client) -> str:
    api = client.create_rest_api(name=unique_name("serving"))
    add_mock_method(client, api["id"], api["rootResourceId"])
    client.create_deployment(restApiId=api["id"], stageName="plain")
    client.create_deployment(restApiId=api["id"], stageName="limited")
    client.update_stage(restApiId=api["id"], stageName="limited", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "1000000"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "500000"}])
    return api["id"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--conns", type=int, default=32)
    a = ap.parse_args()
    if not shutil.which("redis-server") or not shutil.which("wrk"):
        raise SystemExit("needs redis-server and wrk (apt-get install -y redis-server wrk)")
    pg = Postgres()
    url = pg.database()
    rdir = tempfile.mkdtemp(prefix="proscenium-redis.")
    rport = free_port()
    redis = subprocess.Popen(["taskset", "-c", SERVER_CPU, "redis-server", "--port", str(rport),
                              "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                              "--dir", rdir], stdout=subprocess.DEVNULL)
    nodes = {}
    try:
        nodes["sqlite"] = ProsceniumServer(extra_args=["--workers", "1", "--account-rate-limit", "1000000", "--account-burst-limit", "500000"]).start()
        nodes["postgres"] = ProsceniumServer(extra_args=["--workers", "1", "--account-rate-limit", "1000000", "--account-burst-limit", "500000", "--store", url]).start()
        nodes["postgres+redis"] = ProsceniumServer(
            extra_args=["--workers", "1", "--account-rate-limit", "1000000", "--account-burst-limit", "500000", "--store", url, "--redis", f"redis://127.0.0.1:{rport}"]).start()
        for n in nodes.values():
            pin(n.proc.pid)
        local = mock_api(nodes["sqlite"].client())
        shared = mock_api(nodes["postgres"].client())

        def target(name: str, stage: str) -> str:
            api = local if name == "sqlite" else shared
            return f"{nodes[name].endpoint}/restapis/{api}/{stage}/_user_request_/"

        targets = {
            "sqlite plain": target("sqlite", "plain"),
            "postgres plain": target("postgres", "plain"),
            "postgres limited, per node": target("postgres", "limited"),
            "postgres limited, Redis": target("postgres+redis", "limited"),
        }
        import urllib.request
        for u in targets.values():
            assert wait_for(lambda u=u: urllib.request.urlopen(u, timeout=5).status == 200, timeout=10), u
            run_wrk(u, 1, a.conns, LOAD_CPU)  # warm-up
        names = list(targets)
        rps = {n: [] for n in names}
        errors = {n: 0 for n in names}
        for r in range(a.rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for n in order:
                res = run_wrk(targets[n], a.duration, a.conns, LOAD_CPU)
                rps[n].append(res["rps"])
                errors[n] += res["non2xx"] + res["sockerr"]
            time.sleep(0.2)

        def ratio(x: str, base: str) -> float:
            return statistics.median(p / q for p, q in zip(rps[x], rps[base]))

        print(f"rounds {a.rounds} × {a.duration:g} s, wrk -t1 -c{a.conns}, servers on CPU {SERVER_CPU}, load on CPU {LOAD_CPU}")
        for n in names:
            print(f"{n:32s} median {statistics.median(rps[n]):9.0f} rps  errors {errors[n]}  rounds {' '.join(f'{v:.0f}' for v in rps[n])}")
        print(f"postgres / sqlite (plain):               {ratio('postgres plain', 'sqlite plain'):.3f}")
        print(f"Redis throttle / per-node throttle:      {ratio('postgres limited, Redis', 'postgres limited, per node'):.3f}")
        print(f"Redis throttle / no throttle (postgres): {ratio('postgres limited, Redis', 'postgres plain'):.3f}")
    finally:
        for n in nodes.values():
            n.cleanup()
        redis.terminate()
        redis.wait(timeout=10)
        shutil.rmtree(rdir, ignore_errors=True)
        pg.stop()


if __name__ == "__main__":
    main()
