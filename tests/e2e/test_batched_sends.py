"""Backend requests written in batches through io_uring, as `proscenium serve` does on each
worker thread: a stage proxies exactly as before, concurrent requests each get their own answer on
kept-alive backend connections, and /_proscenium/metrics counts the batched writes.
`--no-io-uring` writes each request at once."""
from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler

import pytest
from e2e_helpers import make_client, raw_request, serve_http, unique_name

BATCHED = "proscenium_backend_batched_sends_total"
SUBMITS = "proscenium_backend_batch_submits_total"


class KeepAliveEcho(BaseHTTPRequestHandler):
    """Answers every request with its path and body, on kept-alive connections."""

    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        data = json.dumps({"method": self.command, "path": self.path, "body": body}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def echo_backend():
    srv = serve_http(KeepAliveEcho)
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def proxy_api(c, backend: str) -> str:
    api_id = c.create_rest_api(name=unique_name("batched"))["id"]
    root = c.get_resources(restApiId=api_id)["items"][0]["id"]
    proxy = c.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
    c.put_method(restApiId=api_id, resourceId=proxy, httpMethod="ANY", authorizationType="NONE",
                 requestParameters={"method.request.path.proxy": True})
    c.put_integration(restApiId=api_id, resourceId=proxy, httpMethod="ANY", type="HTTP_PROXY",
                      integrationHttpMethod="ANY", uri=f"http://{backend}/{{proxy}}",
                      requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
    c.create_deployment(restApiId=api_id, stageName="dev")
    return api_id


def metric(srv, name: str) -> float:
    text = raw_request(srv.endpoint, "GET", "/_proscenium/metrics", sign=False).body.decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} is not in /_proscenium/metrics:\n{text}")


def call_many(srv, api_id: str, n: int, connections: int) -> list[tuple[int, dict]]:
    """`n` POSTs, each with its own path and body, from `connections` client threads that keep
    their connections alive."""

    def worker(first: int) -> list[tuple[int, dict]]:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        out = []
        for i in range(first, n, connections):
            conn.request("POST", f"/restapis/{api_id}/dev/_user_request_/item/{i}",
                         body=f"payload {i}", headers={"content-type": "text/plain"})
            r = conn.getresponse()
            out.append((i, r.status, json.loads(r.read())))
        conn.close()
        return out

    with ThreadPoolExecutor(connections) as pool:
        results = [x for part in pool.map(worker, range(connections)) for x in part]
    return [(status, echo) for _, status, echo in sorted(results, key=lambda x: x[0])]


def test_one_worker_queues_every_backend_request_and_each_answer_finds_its_request(
        server_factory, echo_backend):
    srv = server_factory(extra_args=["--workers", "1"])
    if "io_uring unavailable" in srv.log_tail():
        pytest.skip(f"the kernel refuses io_uring here:\n{srv.log_tail()}")
    c = make_client(srv.endpoint)
    api_id = proxy_api(c, echo_backend)
    sent_before, submits_before = metric(srv, BATCHED), metric(srv, SUBMITS)
    results = call_many(srv, api_id, 96, 12)
    for i, (status, echo) in enumerate(results):
        assert status == 200, echo
        assert echo == {"method": "POST", "path": f"/item/{i}", "body": f"payload {i}"}
    sent = metric(srv, BATCHED) - sent_before
    submits = metric(srv, SUBMITS) - submits_before
    assert sent == 96, "each backend request went through the batch"
    assert submits >= 1, "the queue was submitted"


def test_several_workers_each_batch_their_backend_requests(server_factory, echo_backend):
    """Thread per core: every worker has its own runtime, so every one batches its sends."""
    srv = server_factory(extra_args=["--workers", "3"])
    if "io_uring unavailable" in srv.log_tail():
        pytest.skip(f"the kernel refuses io_uring here:\n{srv.log_tail()}")
    c = make_client(srv.endpoint)
    api_id = proxy_api(c, echo_backend)
    sent_before = metric(srv, BATCHED)
    results = call_many(srv, api_id, 120, 24)
    for i, (status, echo) in enumerate(results):
        assert status == 200, echo
        assert echo == {"method": "POST", "path": f"/item/{i}", "body": f"payload {i}"}
    assert metric(srv, BATCHED) - sent_before == 120, "each worker's backend requests went through its batch"


def test_no_io_uring_writes_each_backend_request_at_once(server_factory, echo_backend):
    srv = server_factory(extra_args=["--workers", "1", "--no-io-uring"])
    c = make_client(srv.endpoint)
    api_id = proxy_api(c, echo_backend)
    results = call_many(srv, api_id, 12, 3)
    assert [status for status, _ in results] == [200] * 12
    assert [echo["path"] for _, echo in results] == [f"/item/{i}" for i in range(12)]
    assert metric(srv, BATCHED) == 0
    assert metric(srv, SUBMITS) == 0
