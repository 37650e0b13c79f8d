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
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

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
