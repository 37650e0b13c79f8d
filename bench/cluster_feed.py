"""How long a stage change made through node 1 takes to be served by nodes 2 and 3 (PostgreSQL store).

Usage: PROSCENIUM_BIN=target/debug/proscenium .venv/bin/python bench/cluster_feed.py
Starts a throwaway PostgreSQL (scripts/throwaway-postgres) and three nodes; 50 UpdateStage
calls, each timed from its answer until both other nodes serve the new variable.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ["AWS_CONFIG_FILE"] = "/dev/null"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"

from e2e_helpers import ProsceniumServer  # noqa: E402
from test_cluster import Postgres, color_api, serves  # noqa: E402
pg = Postgres(); url = pg.database()
nodes = [ProsceniumServer(extra_args=["--store", url]).start() for _ in range(3)]
try:
    c = nodes[0].client()
    api_id, _ = color_api(c)
    c.create_deployment(restApiId=api_id, stageName="dev", variables={"color": "c0"})
    lat = []
    for i in range(1, 51):
        c.update_stage(restApiId=api_id, stageName="dev", patchOperations=[{"op": "replace", "path": "/variables/color", "value": f"c{i}"}])
        t0 = time.monotonic()
        pending = {1, 2}
        while pending:
            for n in list(pending):
                if serves(nodes[n], api_id, {"color": f"c{i}"}):
                    pending.discard(n)
        lat.append(time.monotonic() - t0)
    lat.sort()
    print("n=50 median %.0f ms p99(max) %.0f ms" % (lat[25]*1000, lat[-1]*1000))
finally:
    for n in nodes: n.cleanup()
    pg.stop()
