"""Issue 20, the server's side, with real sockets: the Host rule against DNS rebinding, idle
HTTP/2 connections closed, slow request bodies cut off, running out of file descriptors, one
process per data directory, metrics behind credentials, management errors in AWS's shape,
chunked trailers and transfer codings, the account throttle flags, and the logs."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time

import pytest

from e2e_helpers import (
    ProsceniumServer,
    add_mock_method,
    create_api,
    free_port,
    make_client,
    proscenium_bin,
    raw_request,
    unique_name,
)


def exchange(port: int, raw: bytes, timeout: float = 10) -> tuple[int, dict, bytes]:
    """Sends `raw` on a new connection; reads one answer (until the server closes or the
    Content-Length is complete)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(raw)
        return read_answer(s)
    finally:
        s.close()


def read_answer(s: socket.socket) -> tuple[int, dict, bytes]:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {buf!r}")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(lines[0].split()[1]), headers, rest[:length]


def get(port: int, path: str, host: str, method: str = "GET", extra: str = "") -> tuple[int, dict, bytes]:
    return exchange(port, f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n".encode())


@pytest.fixture
def private_server():
    """Starts a private server with extra flags/env; cleans up."""
    started = []

    def start(*args: str, env: dict | None = None) -> ProsceniumServer:
        srv = ProsceniumServer(extra_args=list(args), env=env)
        srv.start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.cleanup()


# ---------------------------------------------------------------------------------------
# 1. DNS rebinding: the Host must name the gateway while no credentials are configured
# ---------------------------------------------------------------------------------------


def test_a_foreign_host_cannot_read_or_delete_without_credentials(server, client):
    port = server.port
    api = create_api(client, name=unique_name("rebind"))
    evil = f"evil.example:{port}"
    status, headers, body = get(port, "/restapis", evil)
    assert status == 403
    assert headers["x-amzn-errortype"] == "AccessDeniedException"
    assert "Host" in json.loads(body)["message"]
    assert api["id"].encode() not in body
    status, headers, _ = get(port, f"/restapis/{api['id']}", evil, method="DELETE")
    assert (status, headers["x-amzn-errortype"]) == (403, "AccessDeniedException")
    assert client.get_rest_api(restApiId=api["id"])["id"] == api["id"], "not deleted"
    status, _, _ = get(port, "/_proscenium/console/", evil)
    assert status == 403, "the console is refused too"
    status, _, _ = get(port, "/_proscenium/metrics", evil)
    assert status == 403, "and the metrics, which name every API"
    for ok_host in [f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}"]:
        status, _, _ = get(port, "/restapis", ok_host)
        assert status == 200, ok_host
    status, _, body = get(port, "/_proscenium/health", evil)
    assert status == 200, "health stays reachable"


def test_invocations_answer_any_host(client, deployable_api, server):
    api_id = deployable_api["id"]
    client.create_deployment(restApiId=api_id, stageName="dev")
    port = server.port
    for path, host in [
        (f"/restapis/{api_id}/dev/_user_request_/", f"evil.example:{port}"),
        (f"/_aws/execute-api/{api_id}/dev/", f"evil.example:{port}"),
        ("/dev/", f"{api_id}.execute-api.localhost:{port}"),
    ]:
        status, _, _ = get(port, path, host)
        assert status == 200, (path, host)


def test_allowed_hosts_are_served(private_server):
    srv = private_server("--allowed-host", "gw.example", env={"PROSCENIUM_ALLOWED_HOSTS": "ignored.example"})
    assert get(srv.port, "/restapis", f"gw.example:{srv.port}")[0] == 200
    assert get(srv.port, "/restapis", f"ignored.example:{srv.port}")[0] == 403, "flags replace the environment"
    srv2 = private_server(env={"PROSCENIUM_ALLOWED_HOSTS": "a.example, b.example:1"})
    assert get(srv2.port, "/restapis", "a.example")[0] == 200
    assert get(srv2.port, "/restapis", "b.example:1")[0] == 200
    assert get(srv2.port, "/restapis", "b.example:2")[0] == 403


def test_with_credentials_the_host_rule_gives_way_to_the_signature(private_server):
    srv = private_server(env={"PROSCENIUM_ACCESS_KEY_ID": "AKHOST", "PROSCENIUM_SECRET_ACCESS_KEY": "sk"})
    status, headers, _ = get(srv.port, "/restapis", f"evil.example:{srv.port}")
    assert status == 403 and headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    signed = raw_request(srv.endpoint, "GET", "/restapis", access_key="AKHOST", secret_key="sk")
    assert signed.status == 200


# ---------------------------------------------------------------------------------------
# 2. HTTP/2 connections time out like HTTP/1.1's
# ---------------------------------------------------------------------------------------

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def h2_frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def h2_frames(data: bytes) -> list[int]:
    """The frame types in `data`."""
    kinds = []
    while len(data) >= 9:
        length = int.from_bytes(data[:3], "big")
        kinds.append(data[3])
        data = data[9 + length:]
    return kinds


def wait_closed(s: socket.socket, limit: float) -> tuple[float, bytes]:
    start = time.monotonic()
    got = b""
    s.settimeout(limit)
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            pytest.fail(f"still open after {limit}s (received {h2_frames(got)})")
        except ConnectionResetError:
            break
        if not chunk:
            break
        got += chunk
    return time.monotonic() - start, got


def test_an_idle_h2c_connection_is_closed_with_goaway(private_server):
    srv = private_server("--idle-timeout", "2")
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(H2_PREFACE + h2_frame(0x4, 0, 0))  # an empty SETTINGS frame, then nothing
    waited, got = wait_closed(s, 8)
    s.close()
    assert 1.0 <= waited <= 6, waited
    assert 0x7 in h2_frames(got), f"GOAWAY before closing: {h2_frames(got)}"


def test_an_h2c_connection_that_served_requests_is_closed_once_idle(private_server):
    """The deadline counts from the last request: a connection used now and then lives on."""
    srv = private_server("--idle-timeout", "2")
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    hpack = b"".join(b"\x00" + bytes([len(k)]) + k + bytes([len(v)]) + v for k, v in [
        (b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/_proscenium/health"),
        (b":authority", f"127.0.0.1:{srv.port}".encode())])
    s.sendall(H2_PREFACE + h2_frame(0x4, 0, 0))
    for i in range(3):
        time.sleep(1.2)
        s.sendall(h2_frame(0x1, 0x5, 1 + 2 * i, hpack))  # HEADERS, END_STREAM | END_HEADERS
    waited, got = wait_closed(s, 8)
    s.close()
    # 3.6 s of requests 1.2 s apart outlived the 2 s deadline; it then ran from the last one.
    assert 1.0 <= waited <= 6, waited
    assert h2_frames(got).count(0x1) >= 3, f"three answers' HEADERS: {h2_frames(got)}"
    assert 0x7 in h2_frames(got)


def test_a_slow_reader_gets_one_more_idle_period_after_goaway_to_take_its_answer(private_server):
    """A client that reads slowly (its flow-control window full) while the connection is
    otherwise idle gets GOAWAY at the idle deadline, then one more idle period to take the
    answer (here 6 s + 6 s; it reads on after 10.5 s)."""
    srv = private_server("--idle-timeout", "6")
    path = "/_proscenium/console/style.css"
    size = len(open(os.path.join(os.path.dirname(__file__), "..", "..", "console", "style.css"), "rb").read())
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    # SETTINGS_INITIAL_WINDOW_SIZE = 100: the server may send 100 bytes of the answer.
    s.sendall(H2_PREFACE + h2_frame(0x4, 0, 0, struct.pack(">HI", 0x4, 100)))
    s.sendall(h2_frame(0x1, 0x5, 1, h2_headers(srv.port, "GET", path)))
    buf = b""
    data = b""
    ended = False

    def pump(seconds: float):
        nonlocal buf, data, ended
        s.settimeout(0.2)
        until = time.monotonic() + seconds
        while time.monotonic() < until and not ended:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                pytest.fail(f"closed with {len(data)} of {size} bytes sent")
            buf += chunk
            while len(buf) >= 9 and len(buf) >= 9 + int.from_bytes(buf[:3], "big"):
                length = int.from_bytes(buf[:3], "big")
                kind, flags, stream, payload = buf[3], buf[4], int.from_bytes(buf[5:9], "big"), buf[9:9 + length]
                buf = buf[9 + length:]
                if kind == 0x4 and not flags & 0x1:
                    s.sendall(h2_frame(0x4, 0x1, 0))  # ACK the server's SETTINGS
                elif kind == 0x6 and not flags & 0x1:
                    s.sendall(h2_frame(0x6, 0x1, 0, payload))  # answer its pings
                elif kind == 0x0 and stream == 1:
                    data += payload
                    ended = bool(flags & 0x1)

    pump(10.5)  # past the idle deadline, within the period after it
    assert 0 < len(data) <= 100 and not ended, len(data)
    s.sendall(h2_frame(0x8, 0, 1, struct.pack(">I", 1 << 20)))  # WINDOW_UPDATE: read on
    pump(5)
    s.close()
    assert ended and len(data) == size, (len(data), size)


def test_the_idle_timeout_applies_to_http_1_1_too(private_server):
    srv = private_server("--idle-timeout", "2")
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(f"GET /_proscenium/health HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n\r\n".encode())
    assert read_answer(s)[0] == 200
    waited, _ = wait_closed(s, 8)
    s.close()
    assert waited <= 4, waited


# ---------------------------------------------------------------------------------------
# 3. Slow request bodies
# ---------------------------------------------------------------------------------------


def test_a_trickled_http_1_1_body_gets_408_at_the_body_deadline(private_server):
    srv = private_server("--body-timeout", "2")
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(f"POST /restapis HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\nContent-Type: application/json\r\n"
              "Content-Length: 100\r\n\r\n{".encode())
    start = time.monotonic()
    answer = b""
    s.settimeout(0.5)
    while time.monotonic() - start < 8:
        try:
            s.sendall(b" ")  # one byte every half second: never idle, never done
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
        except socket.timeout:
            pass
    waited = time.monotonic() - start
    s.close()
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"x-amzn-ErrorType: RequestTimeoutException" in head
    assert b"Connection: close" in head
    assert "2 seconds" in json.loads(body)["message"]
    assert waited < 5, waited


def h2_headers(port: int, method: str, path: str) -> bytes:
    """A header block in HPACK literals (no Huffman, no indexing)."""
    return b"".join(b"\x00" + bytes([len(k)]) + k + bytes([len(v)]) + v for k, v in [
        (b":method", method.encode()), (b":scheme", b"http"), (b":path", path.encode()),
        (b":authority", f"127.0.0.1:{port}".encode())])


def test_a_trickled_h2c_body_gets_408_at_the_body_deadline_and_the_connection_closes(private_server):
    srv = private_server("--body-timeout", "2")
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(H2_PREFACE + h2_frame(0x4, 0, 0) + h2_frame(0x1, 0x4, 1, h2_headers(srv.port, "POST", "/restapis")))
    s.settimeout(0.5)
    start = time.monotonic()
    got = b""
    closed_at = None
    while time.monotonic() - start < 10:
        try:
            s.sendall(h2_frame(0x0, 0, 1, b" "))  # DATA, one byte every half second
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            closed_at = time.monotonic() - start
            break
        got += chunk
    s.close()
    frames = []
    data = got
    while len(data) >= 9:
        length = int.from_bytes(data[:3], "big")
        frames.append((data[3], data[4], int.from_bytes(data[5:9], "big"), data[9:9 + length]))
        data = data[9 + length:]
    answer = [f for f in frames if f[2] == 1]
    assert [f[0] for f in answer][:2] == [0x1, 0x0], f"HEADERS and DATA of an answer: {frames}"
    body = answer[1][3]
    assert answer[1][1] & 0x1, "the answer ends the stream"
    assert json.loads(body)["message"] == "The request body was not received within 2 seconds"
    assert any(f[0] == 0x7 for f in frames), "GOAWAY"
    assert closed_at is not None and closed_at < 8, f"closed after {closed_at}"


# ---------------------------------------------------------------------------------------
# 4. Out of file descriptors: no spinning, existing connections served, a warning logged
# ---------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 (1-based) of the whole line.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LimitedServer(ProsceniumServer):
    """A server started under `prlimit --nofile=N:N` (soft = hard: it cannot raise it)."""

    nofile = 64

    def command(self) -> list[str]:
        return ["prlimit", f"--nofile={self.nofile}:{self.nofile}", "--", *super().command()]


@pytest.mark.skipif(not shutil.which("prlimit"), reason="prlimit not installed")
def test_out_of_file_descriptors_the_accept_loop_backs_off(tmp_path):
    srv = LimitedServer(extra_args=["--workers", "1"])
    srv.start()
    held = []
    try:
        kept = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        health = f"GET /_proscenium/health HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n\r\n".encode()
        kept.sendall(health)
        assert read_answer(kept)[0] == 200
        for _ in range(120):
            held.append(socket.create_connection(("127.0.0.1", srv.port), timeout=10))
        time.sleep(1.0)
        pid = srv.proc.pid
        before = cpu_seconds(pid)
        time.sleep(1.0)
        used = cpu_seconds(pid) - before
        print(f"CPU used while out of descriptors: {used:.3f} s in 1 s")
        assert used < 0.5, f"the server used {used:.2f} s of CPU in 1 s while out of descriptors"
        kept.sendall(health)
        assert read_answer(kept)[0] == 200, "an existing connection is still served"
        assert "cannot accept connections" in srv.log_tail(20000)
        assert srv.log_tail(20000).count("cannot accept connections") <= 2, "warned at most once per interval"
        assert "open file descriptor limit" in srv.log_tail(20000)
        kept.close()
        for s in held:
            s.close()
        held.clear()
        # Once descriptors are free again, new connections are served.
        deadline = time.monotonic() + 10
        while True:
            try:
                assert exchange(srv.port, health.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"), timeout=2)[0] == 200
                break
            except (OSError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        for s in held:
            s.close()
        srv.cleanup()


# ---------------------------------------------------------------------------------------
# 5. One process per data directory; the port is bound before the directory is made
# ---------------------------------------------------------------------------------------


def run_serve(*args: str, timeout: float = 10) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROSCENIUM_")}
    return subprocess.run([proscenium_bin(), "serve", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_a_second_server_on_the_same_data_dir_refuses_to_start(server):
    got = run_serve("--listen", f"127.0.0.1:{free_port()}", "--data-dir", server.data_dir)
    assert got.returncode != 0
    assert "in use by another proscenium" in got.stderr, got.stderr
    assert "shared store" in got.stderr and "--store postgres://" in got.stderr
    assert str(server.proc.pid) in got.stderr, "the holder's process id is named"


def test_a_port_in_use_leaves_no_data_dir_behind():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        parent = tempfile.mkdtemp(prefix="proscenium-e2e-")
        data = os.path.join(parent, "never")
        got = run_serve("--listen", f"127.0.0.1:{port}", "--data-dir", data)
        assert got.returncode != 0
        assert "cannot listen" in got.stderr, got.stderr
        assert not os.path.exists(data)
        shutil.rmtree(parent, ignore_errors=True)


# ---------------------------------------------------------------------------------------
# 6. Metrics behind credentials, or on their own listener
# ---------------------------------------------------------------------------------------


def test_with_credentials_metrics_need_a_signature_or_the_metrics_listener(private_server):
    mport = free_port()
    srv = private_server("--metrics-listen", f"127.0.0.1:{mport}",
                         env={"PROSCENIUM_ACCESS_KEY_ID": "AKMET", "PROSCENIUM_SECRET_ACCESS_KEY": "sk"})
    c = make_client(srv.endpoint, access_key="AKMET", secret_key="sk")
    name = unique_name("secret-name")
    c.create_rest_api(name=name)
    host = f"127.0.0.1:{srv.port}"
    status, headers, body = get(srv.port, "/_proscenium/metrics", host)
    assert status == 403
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert b"proscenium_" not in body
    signed = raw_request(srv.endpoint, "GET", "/_proscenium/metrics", access_key="AKMET", secret_key="sk")
    assert signed.status == 200 and b"proscenium_up 1" in signed.body
    wrong = raw_request(srv.endpoint, "GET", "/_proscenium/metrics", access_key="AKMET", secret_key="nope")
    assert wrong.status == 403
    status, _, body = get(mport, "/_proscenium/metrics", f"127.0.0.1:{mport}")
    assert status == 200 and b"proscenium_up 1" in body, "scrapers read the metrics listener unsigned"
    assert get(mport, "/_proscenium/health", f"127.0.0.1:{mport}")[0] == 200
    status, headers, _ = get(mport, "/restapis", f"127.0.0.1:{mport}")
    assert (status, headers["x-amzn-errortype"]) == (404, "NotFoundException"), "nothing else there"
    assert get(srv.port, "/_proscenium/health", host)[0] == 200, "health stays public"


# ---------------------------------------------------------------------------------------
# 7. Management errors always in AWS's shape
# ---------------------------------------------------------------------------------------


def test_an_undecodable_path_is_an_aws_error(endpoint):
    r = raw_request(endpoint, "GET", "/restapis/%ff", sign=False)
    assert r.status == 400
    assert r.headers["x-amzn-errortype"] == "BadRequestException"
    assert r.headers["content-type"] == "application/json"
    assert r.message


def test_an_oversized_management_body_is_413_not_read(server):
    port = server.port
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall((f"POST /restapis HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {11 * 1024 * 1024}\r\n\r\n").encode() + b"{" + b" " * 4096)
    status, headers, body = read_answer(s)
    s.close()
    assert status == 413
    assert headers["x-amzn-errortype"] == "PayloadTooLargeException"
    assert headers.get("connection") == "close"
    assert "byte limit" in json.loads(body)["message"]


# ---------------------------------------------------------------------------------------
# 8. Chunked trailers and transfer codings
# ---------------------------------------------------------------------------------------


def test_trailers_beyond_a_heads_worth_get_431(server):
    port = server.port
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"POST /restapis HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\n\r\n"
              "2\r\n{}\r\n0\r\n".encode())
    line = b"X-Trailer: " + b"a" * 1000 + b"\r\n"
    try:
        for _ in range(100):  # 100 KB of trailers
            s.sendall(line)
        s.sendall(b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, headers, _ = read_answer(s)
    s.close()
    assert status == 431
    assert headers.get("connection") == "close"


def test_a_small_trailer_is_accepted(server):
    port = server.port
    body = json.dumps({"name": unique_name("trailer")})
    raw = (f"POST /restapis HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
           f"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{len(body):x}\r\n{body}\r\n0\r\nX-Sum: 1\r\n\r\n")
    assert exchange(port, raw.encode())[0] == 201


@pytest.mark.parametrize("te", ["gzip, chunked", "chunked, chunked", "identity"])
def test_transfer_codings_other_than_chunked_get_501(server, te):
    port = server.port
    raw = (f"POST /restapis HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: {te}\r\n\r\n"
           "2\r\n{}\r\n0\r\n\r\n")
    status, headers, _ = exchange(port, raw.encode())
    assert (status, headers.get("connection")) == (501, "close")


@pytest.mark.parametrize("raw, status, code", [
    (b"NOT HTTP AT ALL\r\n\r\n", 400, "BadRequestException"),
    (b"GET /restapis HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431, "BadRequestException"),
    (b"POST /restapis HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "NotImplementedException"),
])
def test_what_the_listener_refuses_is_in_aws_error_shape(server, raw, status, code):
    got, headers, body = exchange(server.port, raw)
    assert (got, headers.get("x-amzn-errortype")) == (status, code)
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["message"]


def test_two_transfer_encoding_fields_get_501(server):
    port = server.port
    raw = (f"POST /restapis HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: gzip\r\n"
           "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    assert exchange(port, raw.encode())[0] == 501


# ---------------------------------------------------------------------------------------
# 9. The account throttle from the configuration
# ---------------------------------------------------------------------------------------


def test_account_throttle_flags_set_the_account_at_start(private_server):
    srv = private_server("--account-rate-limit", "1", "--account-burst-limit", "1")
    c = srv.client()
    assert c.get_account()["throttleSettings"] == {"burstLimit": 1, "rateLimit": 1.0}
    api = create_api(c)
    add_mock_method(c, api["id"], api["rootResourceId"], "GET")
    c.create_deployment(restApiId=api["id"], stageName="dev")
    host = f"127.0.0.1:{srv.port}"
    statuses = [get(srv.port, f"/restapis/{api['id']}/dev/_user_request_/", host)[0] for _ in range(6)]
    assert statuses[0] == 200 and 429 in statuses, statuses
    # UpdateAccount changes it afterwards ...
    c.update_account(patchOperations=[{"op": "replace", "path": "/throttle/rateLimit", "value": "100"}])
    assert c.get_account()["throttleSettings"] == {"burstLimit": 1, "rateLimit": 100.0}
    # ... until the next start with the flags.
    srv.restart()
    assert srv.client().get_account()["throttleSettings"] == {"burstLimit": 1, "rateLimit": 1.0}


def test_without_the_flags_the_account_keeps_aws_defaults_and_its_updates(private_server):
    srv = private_server(env={"PROSCENIUM_ACCOUNT_BURST_LIMIT": "7"})
    c = srv.client()
    assert c.get_account()["throttleSettings"] == {"burstLimit": 7, "rateLimit": 10000.0}, \
        "the environment sets what it names; the rest is AWS's default"


# ---------------------------------------------------------------------------------------
# 10. Logs, listen addresses, --help and the README
# ---------------------------------------------------------------------------------------


def test_logs_have_no_colours_off_a_terminal_and_each_change_is_logged(private_server):
    srv = private_server()
    c = srv.client()
    api = c.create_rest_api(name=unique_name("logged"))
    c.get_rest_apis()
    c.delete_rest_api(restApiId=api["id"])
    log = srv.log_tail(200000)
    assert "\x1b[" not in log, "no ANSI colours in a file"
    calls = [line for line in log.splitlines() if "management call" in line]
    assert len(calls) == 2, calls
    assert re.search(r'operation="?CreateRestApi.*access_key="?test.*status=201', calls[0]), calls[0]
    assert re.search(rf'operation="?DeleteRestApi.*api_id="?{api["id"]}.*status=202', calls[1]), calls[1]


def test_listen_accepts_a_host_name():
    srv = ProsceniumServer(host="localhost")
    try:
        srv.start()
        assert get(srv.port, "/restapis", f"localhost:{srv.port}")[0] == 200
    finally:
        srv.cleanup()
    got = run_serve("--listen", "nonexistent.invalid:4566", "--data-dir", tempfile.mkdtemp())
    assert got.returncode != 0 and "nonexistent.invalid" in got.stderr


def test_help_and_readme_name_the_same_flags_and_variables():
    helptext = subprocess.run([proscenium_bin(), "serve", "--help"], capture_output=True, text=True,
                              check=True).stdout
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md")).read()
    flags = set(re.findall(r"--[a-z][a-z0-9-]+", helptext)) - {"--help"}
    missing = sorted(f for f in flags if f not in readme)
    assert not missing, f"flags --help shows and the README does not: {missing}"
    in_help = set(re.findall(r"PROSCENIUM_[A-Z_]*[A-Z]", helptext))
    in_readme = set(re.findall(r"PROSCENIUM_[A-Z_]*[A-Z]", readme))
    assert in_help == in_readme, (sorted(in_help - in_readme), sorted(in_readme - in_help))
