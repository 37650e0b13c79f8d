#!/usr/bin/env python3
"""Start-to-healthy time of `proscenium serve`, on an empty data directory and on one holding
100 REST APIs x 10 deployments (each API with a stage). Reports the median of several runs.

Usage: bench/startup.py [--bin target/release/proscenium] [--runs 7]
Needs boto3 (the e2e venv has it: .venv/bin/python bench/startup.py).
"""
import argparse
import http.client
import os
import socket
import statistics
import subprocess
import tempfile
import time

import boto3
from botocore.config import Config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port: int) -> bool:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=0.05)
        c.request("GET", "/_proscenium/health")
        return c.getresponse().status == 200
    except OSError:
        return False


def time_to_healthy(binary: str, data_dir: str) -> tuple[float, subprocess.Popen, int]:
    port = free_port()
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not healthy(port):
        if p.poll() is not None:
            raise SystemExit(f"server exited with {p.returncode}")
        if time.perf_counter() - t0 > 30:
            raise SystemExit("not healthy within 30 s")
        time.sleep(0.0005)
    return time.perf_counter() - t0, p, port


def measure(binary: str, data_dir: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        dt, p, _ = time_to_healthy(binary, data_dir)
        out.append(dt)
        p.terminate()
        p.wait()
    return out


def populate(port: int, apis: int, deployments: int) -> None:
    c = boto3.client("apigateway", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                     aws_access_key_id="test", aws_secret_access_key="test",
                     config=Config(retries={"max_attempts": 1}))
    for i in range(apis):
        api = c.create_rest_api(name=f"bench-{i}")
        root = api["rootResourceId"]
        res = c.create_resource(restApiId=api["id"], parentId=root, pathPart="items")
        c.put_method(restApiId=api["id"], resourceId=res["id"], httpMethod="GET", authorizationType="NONE")
        c.put_integration(restApiId=api["id"], resourceId=res["id"], httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
        for _ in range(deployments):
            c.create_deployment(restApiId=api["id"], stageName="dev")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("PROSCENIUM_BIN", "target/release/proscenium"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--apis", type=int, default=100)
    ap.add_argument("--deployments", type=int, default=10)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as full:
        e = measure(a.bin, empty, a.runs)
        print(f"start to healthy, empty store: median {statistics.median(e) * 1000:.1f} ms "
              f"(min {min(e) * 1000:.1f}, max {max(e) * 1000:.1f}, {a.runs} runs)")
        _, p, port = time_to_healthy(a.bin, full)
        t0 = time.perf_counter()
        populate(port, a.apis, a.deployments)
        print(f"populated {a.apis} APIs x {a.deployments} deployments in {time.perf_counter() - t0:.1f} s")
        p.terminate()
        p.wait()
        f = measure(a.bin, full, a.runs)
        print(f"start to healthy, {a.apis} APIs x {a.deployments} deployments: median "
              f"{statistics.median(f) * 1000:.1f} ms (min {min(f) * 1000:.1f}, max {max(f) * 1000:.1f})")


if __name__ == "__main__":
    main()
