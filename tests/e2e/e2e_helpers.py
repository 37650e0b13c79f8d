"""Shared helpers for the Proscenium end-to-end suite.

Everything here talks to a real `proscenium serve` process over HTTP, using
boto3, the AWS CLI or hand-built (optionally SigV4-signed) requests.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_ID = "000000000000"
REGION = "us-east-1"
HEALTH_PATH = "/_proscenium/health"
START_TIMEOUT = 10.0


def proscenium_bin() -> str:
    return os.environ.get("PROSCENIUM_BIN") or str(REPO_ROOT / "target" / "debug" / "proscenium")


def aws_cli_command() -> list[str]:
    explicit = os.environ.get("AWS_CLI")
    if explicit:
        return [explicit]
    if os.path.exists("/tmp/venv/bin/aws"):
        return ["/tmp/venv/bin/aws"]
    found = shutil.which("aws")
    if found:
        return [found]
    return [sys.executable, "-m", "awscli"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique_name(prefix: str = "e2e") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# --------------------------------------------------------------------------------------
# Server process management
# --------------------------------------------------------------------------------------


class ProsceniumServer:
    """A `proscenium serve` child process bound to a data directory."""

    def __init__(
        self,
        data_dir: str | None = None,
        port: int | None = None,
        host: str = "127.0.0.1",
        env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
        account_id: str = ACCOUNT_ID,
        tls_ca: str | None = None,
    ):
        """`tls_ca`: the server serves HTTPS (its --tls-cert/--tls-key are in `extra_args`);
        this CA file verifies it."""
        self.tls_ca = tls_ca
        self._owns_dir = data_dir is None
        self.work_dir = tempfile.mkdtemp(prefix="proscenium-e2e-")
        self.data_dir = data_dir or os.path.join(self.work_dir, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.port = port or free_port()
        self.host = host
        self.extra_env = dict(env or {})
        self.extra_args = list(extra_args or [])
        self.account_id = account_id
        self.proc: subprocess.Popen | None = None
        self.log_path = os.path.join(self.work_dir, "server.log")
        self._log = None

    # -- lifecycle -------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        scheme = "https" if self.tls_ca else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            proscenium_bin(),
            "serve",
            "--listen",
            f"{self.host}:{self.port}",
            "--data-dir",
            self.data_dir,
            "--account-id",
            self.account_id,
            *self.extra_args,
        ]

    def _env(self) -> dict[str, str]:
        # never let PROSCENIUM_* settings (credentials, listeners, ...) of the developer's shell
        # leak into the server under test: it is configured by flags and extra_env only
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROSCENIUM_")}
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = START_TIMEOUT) -> "ProsceniumServer":
        binary = proscenium_bin()
        if not os.path.exists(binary):
            raise RuntimeError(
                f"proscenium binary not found at {binary} (set PROSCENIUM_BIN or build it first)"
            )
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.command(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self._env(),
        )
        deadline = time.monotonic() + timeout
        last_err = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"proscenium exited early with code {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                ctx = ssl.create_default_context(cafile=self.tls_ca) if self.tls_ca else None
                with urllib.request.urlopen(self.endpoint + HEALTH_PATH, timeout=1, context=ctx) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError) as e:  # not ready yet
                last_err = e
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(
            f"proscenium did not become healthy within {timeout}s ({last_err}):\n{self.log_tail()}"
        )

    def log_tail(self, n: int = 4000) -> str:
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
            return data[-n:].decode("utf-8", "replace")
        except OSError:
            return "<no log>"

    def kill(self) -> None:
        """SIGKILL: no chance to flush anything that is not already durable."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None
        if self._log:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        if self._log:
            self._log.close()
            self._log = None

    def restart(self, timeout: float = START_TIMEOUT) -> "ProsceniumServer":
        """kill -9 then start again on the same data dir and port."""
        self.kill()
        return self.start(timeout=timeout)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.work_dir, ignore_errors=True)

    # -- clients ---------------------------------------------------------------------
    def client(self, region: str = REGION, access_key: str = "test", secret_key: str = "test",
               **config_kwargs):
        return make_client(self.endpoint, region=region, access_key=access_key,
                           secret_key=secret_key, **config_kwargs)


def make_client(endpoint: str, region: str = REGION, access_key: str = "test",
                secret_key: str = "test", verify: str | bool | None = None, **config_kwargs):
    """A boto3 API Gateway client; `verify` is a CA bundle for an HTTPS endpoint."""
    cfg = {
        # retries disabled: exactly one attempt per call ({"max_attempts": 1} would still retry once)
        "retries": {"total_max_attempts": 1},
        "connect_timeout": 5,
        "read_timeout": 15,
    }
    cfg.update(config_kwargs)
    return boto3.session.Session().client(
        "apigateway",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(**cfg),
        verify=verify,
    )


# --------------------------------------------------------------------------------------
# Assertions on errors
# --------------------------------------------------------------------------------------


def client_error(fn: Callable, *args, **kwargs) -> dict:
    """Call fn expecting a botocore ClientError and return its parsed response."""
    with pytest.raises(ClientError) as excinfo:
        fn(*args, **kwargs)
    return excinfo.value.response


def assert_error(resp: dict, status: int, code: str, message: str | None = None) -> None:
    got_status = resp["ResponseMetadata"]["HTTPStatusCode"]
    got_code = resp["Error"]["Code"]
    got_msg = resp["Error"].get("Message")
    assert (got_status, got_code) == (status, code), f"unexpected error: {resp.get('Error')} ({got_status})"
    if message is not None:
        assert got_msg == message, f"{got_code} message differs"


def expect_error(fn: Callable, status: int, code: str, message: str | None = None, **kwargs) -> dict:
    resp = client_error(fn, **kwargs)
    assert_error(resp, status, code, message)
    return resp


def status_of(resp: dict) -> int:
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def strip_meta(resp: dict) -> dict:
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


def api_not_found(api_id: str, account: str = ACCOUNT_ID) -> str:
    return f"Invalid API identifier specified {account}:{api_id}"


# --------------------------------------------------------------------------------------
# Raw HTTP (for things boto3 will not send: malformed bodies, unsigned requests, ...)
# --------------------------------------------------------------------------------------


class RawResponse:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def error_code(self) -> str | None:
        """The error code as botocore's rest-json parser derives it."""
        code = self.headers.get("x-amzn-errortype")
        if not code:
            try:
                body = self.json()
            except Exception:
                return None
            if isinstance(body, dict):
                code = body.get("code") or body.get("Code") or body.get("__type")
        if code:
            code = code.split(":")[0].split("#")[-1]
        return code

    @property
    def message(self) -> str | None:
        try:
            body = self.json()
        except Exception:
            return None
        if isinstance(body, dict):
            return body.get("message") or body.get("Message")
        return None


def raw_request(
    endpoint: str,
    method: str,
    path: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    sign: bool = True,
    access_key: str = "test",
    secret_key: str = "test",
    region: str = REGION,
) -> RawResponse:
    if isinstance(body, str):
        body = body.encode("utf-8")
    body = body or b""
    hdrs = {"Accept": "application/json"}
    if body:
        hdrs["Content-Type"] = "application/json"
    hdrs.update(headers or {})
    url = endpoint + path
    if sign:
        req = AWSRequest(method=method, url=url, data=body, headers=hdrs)
        SigV4Auth(Credentials(access_key, secret_key), "apigateway", region).add_auth(req)
        hdrs = dict(req.headers.items())
    host_port = endpoint.split("://", 1)[1]
    conn = http.client.HTTPConnection(host_port, timeout=15)
    try:
        conn.request(method, path, body=body if body else None, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, dict(resp.getheaders()), data)
    finally:
        conn.close()


# --------------------------------------------------------------------------------------
# AWS CLI
# --------------------------------------------------------------------------------------


class CliError(str):
    """Error text (stderr) of a failed AWS CLI invocation."""


class AwsCli:
    def __init__(self, endpoint: str, region: str = REGION, access_key: str = "test",
                 secret_key: str = "test"):
        self.endpoint = endpoint
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            {
                "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                "AWS_PAGER": "",
                "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_MAX_ATTEMPTS": "1",
                "AWS_RETRY_MODE": "standard",
            }
        )
        return env

    def __call__(self, *args: str):
        """Run `aws <args>`; return parsed JSON on success or CliError(stderr) on failure."""
        cmd = [*aws_cli_command(), *args, "--endpoint-url", self.endpoint, "--output", "json"]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=self.env(), timeout=120)
        if proc.returncode != 0:
            return CliError(proc.stderr.strip() or proc.stdout.strip())
        out = proc.stdout.strip()
        return json.loads(out) if out else {}

    def ok(self, *args: str):
        result = self(*args)
        assert not isinstance(result, CliError), f"aws {' '.join(args)} failed: {result}"
        return result

    def err(self, *args: str) -> CliError:
        result = self(*args)
        assert isinstance(result, CliError), f"aws {' '.join(args)} unexpectedly succeeded: {result}"
        return result


# --------------------------------------------------------------------------------------
# Building blocks for APIs
# --------------------------------------------------------------------------------------


def create_api(client, **kwargs) -> dict:
    kwargs.setdefault("name", unique_name("api"))
    return client.create_rest_api(**kwargs)


def add_mock_method(client, api_id: str, resource_id: str, http_method: str = "GET",
                    template: str = '{"statusCode": 200}') -> None:
    """Method + MOCK integration + 200 method response + 200 integration response."""
    client.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=http_method,
                      authorizationType="NONE")
    client.put_method_response(restApiId=api_id, resourceId=resource_id, httpMethod=http_method,
                               statusCode="200")
    client.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=http_method,
                           type="MOCK", requestTemplates={"application/json": template})
    client.put_integration_response(restApiId=api_id, resourceId=resource_id,
                                    httpMethod=http_method, statusCode="200", selectionPattern="",
                                    responseTemplates={"application/json": '{"ok": true}'})


def is_timestamp(value: Any) -> bool:
    return isinstance(value, datetime.datetime)


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.1):
    """Poll until predicate() is truthy; returns its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


def serve_http(handler, tls: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
    """A backend on 127.0.0.1 (any free port) answering with `handler` on a daemon thread;
    HTTPS with `tls`. Stop it with `.shutdown()`."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        srv.socket = tls.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


class QuietHandler(BaseHTTPRequestHandler):
    """A test backend's request handler: reads bodies, answers with a body, logs nothing."""

    def read_body(self) -> bytes:
        """The request's body (empty without a Content-Length)."""
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def read_json(self) -> Any:
        """The request's body as JSON (`{}` when empty)."""
        return json.loads(self.read_body() or b"{}")

    def send_body(self, data: bytes, content_type: str, status: int = 200,
                  headers: dict[str, str] | None = None) -> None:
        """Answers `status` with `data`: Content-Type, then `headers`, then Content-Length."""
        self.send_response(status)
        self.send_header("content-type", content_type)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_json(self, value: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        """Answers `status` with `value` as application/json."""
        self.send_body(json.dumps(value).encode(), "application/json", status, headers)

    def log_message(self, *args):
        pass


class EchoBackend(QuietHandler):
    """Echoes the request as JSON (method, path, body, lower-cased headers and the header
    names as sent) with `x-backend: yes`; `/status/NNN` answers NNN, `/slow` sleeps 2 s.
    Each request is kept in `received` as (method, path, body, lower-cased headers)."""

    received: list = []

    def _answer(self):
        body = self.read_body().decode()
        headers = {k.lower(): v for k, v in self.headers.items()}
        EchoBackend.received.append((self.command, self.path, body, headers))
        if "/slow" in self.path:
            time.sleep(2)
        status = 200
        if "/status/" in self.path:
            status = int(self.path.split("/status/")[1][:3])
        self.send_json({"method": self.command, "path": self.path, "body": body,
                        "headers": headers, "names": list(self.headers.keys())},
                       status, {"x-backend": "yes"})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer


def function_name(invoke_path: str) -> str:
    """The function name in a Lambda Invoke path (`.../functions/<arn or name>/invocations`)."""
    return invoke_path.split("/functions/")[1].split("/")[0].split(":")[-1]


def lambda_handler(answer: Callable[[str, dict], Any], events: list | None = None) -> type:
    """A Lambda Invoke endpoint's handler class: each event is appended to the class's
    `events` (`events`, or a new list) and answered with `answer(function name, event)`
    as JSON with status 200."""

    class Function(QuietHandler):
        def do_POST(self):
            event = self.read_json()
            Function.events.append(event)
            self.send_json(answer(function_name(self.path), event))

    Function.events = [] if events is None else events
    return Function


def served_address(handler, prefix: str = "") -> Iterator[str]:
    """For a module fixture (`yield from`): serves `handler` over HTTP on 127.0.0.1 and
    yields its address, `prefix` + "127.0.0.1:port", shutting it down afterwards."""
    srv = serve_http(handler)
    try:
        yield f"{prefix}127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()


def running_server(*extra_args: str) -> Iterator[ProsceniumServer]:
    """For a module fixture (`yield from`): a started private server with `extra_args`,
    cleaned up afterwards."""
    srv = ProsceniumServer(extra_args=list(extra_args))
    srv.start()
    try:
        yield srv
    finally:
        srv.cleanup()


def server_with_lambda(handler) -> Iterator[ProsceniumServer]:
    """For a module fixture (`yield from`): a started private server whose Lambda Invoke
    endpoint is `handler` served on 127.0.0.1; both are stopped afterwards."""
    lam = serve_http(handler)
    try:
        yield from running_server("--lambda-endpoint", f"http://127.0.0.1:{lam.server_address[1]}")
    finally:
        lam.shutdown()


def backend_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed server certificate for 127.0.0.1 and its key (cert.pem, key.pem in
    `directory`), made with openssl; the gateway trusts it through --backend-ca."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-addext", "basicConstraints=critical,CA:FALSE",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def serve_mutual_tls(handler, directory: Path, client_ca_pem: str) -> ThreadingHTTPServer:
    """An HTTPS backend with the certificate of `backend_certificate(directory)` that only
    accepts callers presenting a certificate `client_ca_pem` signed (mutual TLS)."""
    (directory / "client-ca.pem").write_text(client_ca_pem)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(str(directory / "cert.pem"), str(directory / "key.pem"))
    tls.verify_mode = ssl.CERT_REQUIRED
    tls.load_verify_locations(cafile=str(directory / "client-ca.pem"))
    return serve_http(handler, tls)
