"""The listener on the wire, with raw sockets: keep-alive and pipelining, chunked request
bodies, Expect: 100-continue, HTTP/1.0, malformed and oversized heads, HTTP/2 with prior
knowledge (curl), and that management calls and invocations share one connection."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from http.server import BaseHTTPRequestHandler

import pytest

from e2e_helpers import add_mock_method, serve_http


class Echo(BaseHTTPRequestHandler):
    """Answers with the body it received and how it was framed."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode()
        out = json.dumps({"body": body, "length": length}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def echo():
    srv = serve_http(Echo)
    yield srv.server_address[1]
    srv.shutdown()


@pytest.fixture
def stage(client, api, echo):
    """GET / (MOCK) and POST /echo (HTTP_PROXY to the echo backend), deployed to `wire`."""
    api_id = api["id"]
    add_mock_method(client, api_id, api["rootResourceId"], "GET")
    res = client.create_resource(restApiId=api_id, parentId=api["rootResourceId"], pathPart="echo")
    client.put_method(restApiId=api_id, resourceId=res["id"], httpMethod="POST", authorizationType="NONE")
    client.put_integration(restApiId=api_id, resourceId=res["id"], httpMethod="POST", type="HTTP_PROXY",
                           integrationHttpMethod="POST", uri=f"http://127.0.0.1:{echo}/echo")
    client.create_deployment(restApiId=api_id, stageName="wire")
    return api_id


def connect(endpoint: str) -> socket.socket:
    host, port = endpoint.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=10)
    return s


def read_answer(s: socket.socket, buf: bytearray) -> tuple[int, dict, bytes]:
    """Reads one Content-Length-framed answer from `s` (leftover bytes stay in `buf`)."""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {bytes(buf)!r}")
        buf += chunk
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the body")
        rest += chunk
    buf[:] = rest[length:]
    return status, headers, rest[:length]


def test_pipelined_requests_are_answered_in_order_on_one_connection(endpoint, stage):
    host = endpoint.removeprefix("http://")
    s = connect(endpoint)
    one = f"GET /restapis/{stage}/wire/_user_request_/ HTTP/1.1\r\nHost: {host}\r\n\r\n"
    two = (f"POST /restapis/{stage}/wire/_user_request_/echo HTTP/1.1\r\nHost: {host}\r\n"
           "Content-Length: 5\r\n\r\nhello")
    health = f"GET /_proscenium/health HTTP/1.1\r\nHost: {host}\r\n\r\n"
    s.sendall((one + two + health + one).encode())
    buf = bytearray()
    answers = [read_answer(s, buf) for _ in range(4)]
    assert [a[0] for a in answers] == [200, 200, 200, 200]
    assert json.loads(answers[0][2]) == {"ok": True}
    assert json.loads(answers[1][2]) == {"body": "hello", "length": 5}
    assert json.loads(answers[2][2]) == {"status": "ok"}
    assert all("x-amzn-requestid" in a[1] for a in (answers[0], answers[1], answers[3]))
    assert answers[0][1]["x-amzn-requestid"] != answers[3][1]["x-amzn-requestid"]
    s.close()


def test_chunked_request_bodies_reach_the_backend_whole(endpoint, stage):
    host = endpoint.removeprefix("http://")
    s = connect(endpoint)
    s.sendall((f"POST /restapis/{stage}/wire/_user_request_/echo HTTP/1.1\r\nHost: {host}\r\n"
               "Transfer-Encoding: chunked\r\n\r\n"
               "4;ext=x\r\nwire\r\n6\r\n chunk\r\n0\r\nX-Trailer: t\r\n\r\n").encode())
    status, _, body = read_answer(s, bytearray())
    assert status == 200
    assert json.loads(body) == {"body": "wire chunk", "length": 10}
    s.close()


def test_expect_100_continue_is_answered_before_the_body(endpoint, stage):
    host = endpoint.removeprefix("http://")
    s = connect(endpoint)
    s.sendall((f"POST /restapis/{stage}/wire/_user_request_/echo HTTP/1.1\r\nHost: {host}\r\n"
               "Expect: 100-continue\r\nContent-Length: 4\r\n\r\n").encode())
    interim = s.recv(1024)
    assert interim.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), interim
    s.sendall(b"body")
    buf = bytearray(interim[len(b"HTTP/1.1 100 Continue\r\n\r\n"):])
    status, _, body = read_answer(s, buf)
    assert (status, json.loads(body)["body"]) == (200, "body")
    s.close()


def test_http_1_0_clients_are_answered_and_closed_unless_they_keep_alive(endpoint, stage):
    host = endpoint.removeprefix("http://")
    path = f"/restapis/{stage}/wire/_user_request_/"
    s = connect(endpoint)
    s.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
    status, headers, body = read_answer(s, bytearray())
    assert (status, headers.get("connection")) == (200, "close")
    assert s.recv(1) == b"", "the server closes an HTTP/1.0 connection"
    s = connect(endpoint)
    s.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: keep-alive\r\n\r\n".encode() * 2)
    buf = bytearray()
    for _ in range(2):
        status, headers, _ = read_answer(s, buf)
        assert (status, headers.get("connection")) == (200, "keep-alive")
    s.close()


@pytest.mark.parametrize("raw, status", [
    (b"NOT HTTP AT ALL\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431),
])
def test_malformed_requests_get_a_status_and_a_closed_connection(endpoint, raw, status):
    s = connect(endpoint)
    s.sendall(raw)
    got, headers, _ = read_answer(s, bytearray())
    assert (got, headers.get("connection")) == (status, "close")
    s.close()


def test_a_body_over_the_limit_is_refused_without_being_read(endpoint, stage):
    host = endpoint.removeprefix("http://")
    s = connect(endpoint)
    s.sendall((f"POST /restapis/{stage}/wire/_user_request_/echo HTTP/1.1\r\nHost: {host}\r\n"
               f"Content-Length: {11 * 1024 * 1024}\r\n\r\n").encode() + b"x" * 1024)
    status, headers, body = read_answer(s, bytearray())
    assert status == 413
    assert headers.get("connection") == "close"
    assert json.loads(body) == {"message": "Request Too Long"}
    s.close()


@pytest.mark.skipif(not shutil.which("curl"), reason="curl not installed")
def test_http2_with_prior_knowledge_is_served(endpoint, stage):
    out = subprocess.run(
        ["curl", "-sS", "--http2-prior-knowledge", "-o", "-", "-w", "\n%{http_version} %{http_code}",
         f"{endpoint}/restapis/{stage}/wire/_user_request_/"],
        capture_output=True, text=True, timeout=20, check=True).stdout
    body, _, status = out.rpartition("\n")
    assert status == "2 200", out
    assert json.loads(body) == {"ok": True}
