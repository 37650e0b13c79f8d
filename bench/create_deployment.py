"""CreateDeployment of an API of 1 000 resources × 3 MOCK methods (imported as OpenAPI), timed
through boto3 on a node on the embedded store and on a node on PostgreSQL (issue 19: ≤ 300 ms).

Usage: PROSCENIUM_BIN=target/release/proscenium .venv/bin/python bench/create_deployment.py
Starts a throwaway PostgreSQL (scripts/throwaway-postgres); 5 deployments each.
"""
import json, os, sys, time, statistics
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
os.environ["AWS_CONFIG_FILE"]="/dev/null"; os.environ["AWS_SHARED_CREDENTIALS_FILE"]="/dev/null"
os.environ.setdefault("AWS_ACCESS_KEY_ID","test"); os.environ.setdefault("AWS_SECRET_ACCESS_KEY","test")
from e2e_helpers import ProsceniumServer
from test_cluster import Postgres
paths = {}
for i in range(1000):
    ops = {}
    for m in ("get", "post", "delete"):
        ops[m] = {"responses": {"200": {"description": "ok"}},
                  "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                       "responses": {"default": {"statusCode": "200"}}}}
    paths[f"/r{i}"] = ops
doc = json.dumps({"openapi": "3.0.1", "info": {"title": "big", "version": "1"}, "paths": paths}).encode()
pg = Postgres(); url = pg.database()
out = {}
try:
    for name, args in (("sqlite", []), ("postgres", ["--store", url])):
        n = ProsceniumServer(extra_args=args).start()
        c = n.client()
        api = c.import_rest_api(body=doc)
        times = []
        for _ in range(5):
            t0 = time.monotonic(); c.create_deployment(restApiId=api["id"], stageName="s"); times.append((time.monotonic()-t0)*1000)
        out[name] = times
        n.cleanup()
finally:
    pg.stop()
for k, v in out.items():
    print(k, "CreateDeployment 1000x3 ms:", " ".join(f"{x:.0f}" for x in v), "median", f"{statistics.median(v):.0f}")
