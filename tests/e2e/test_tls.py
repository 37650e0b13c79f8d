"""HTTPS on the listener (--tls-cert/--tls-key): boto3 and the AWS CLI manage APIs over TLS,
stages answer over TLS with HTTP/1.1 and (by ALPN) HTTP/2, plain HTTP is not spoken, and bad
key material is refused at start-up."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import urllib.request

import pytest

from e2e_helpers import ProsceniumServer, add_mock_method, make_client, unique_name

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="openssl not installed")


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    key, crt = str(d / "key.pem"), str(d / "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", crt, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return crt, key


@pytest.fixture
def tls_server(server_factory, cert):
    crt, key = cert
    return server_factory(extra_args=["--tls-cert", crt, "--tls-key", key], tls_ca=crt)


def test_management_and_invocations_over_https(tls_server, cert):
    crt, _ = cert
    client = make_client(tls_server.endpoint, verify=crt)
    api = client.create_rest_api(name=unique_name("tls"))
    add_mock_method(client, api["id"], api["rootResourceId"], "GET")
    client.create_deployment(restApiId=api["id"], stageName="secure")
    ctx = ssl.create_default_context(cafile=crt)
    url = f"{tls_server.endpoint}/restapis/{api['id']}/secure/_user_request_/"
    with urllib.request.urlopen(url, context=ctx, timeout=10) as r:
        assert r.status == 200
        assert json.loads(r.read()) == {"ok": True}
        assert r.headers["x-amzn-RequestId"]
    # HTTP/2 negotiated by ALPN.
    out = subprocess.run(["curl", "-sS", "--cacert", crt, "--http2", "-o", "-", "-w", "\n%{http_version} %{http_code}",
                          url], capture_output=True, text=True, timeout=20, check=True).stdout
    body, _, status = out.rpartition("\n")
    assert status == "2 200", out
    assert json.loads(body) == {"ok": True}
    # HTTP/1.1 when the client offers only that.
    out = subprocess.run(["curl", "-sS", "--cacert", crt, "--http1.1", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                          url], capture_output=True, text=True, timeout=20, check=True).stdout
    assert out == "1.1 200"


def test_the_aws_cli_works_over_https(tls_server, cert):
    crt, _ = cert
    cli = os.environ.get("AWS_CLI") or shutil.which("aws")
    if not cli:
        pytest.skip("no AWS CLI")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CA_BUNDLE": crt}
    out = subprocess.run([cli, "--endpoint-url", tls_server.endpoint, "apigateway", "create-rest-api",
                          "--name", unique_name("tls-cli")], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["id"]


def test_plain_http_to_a_tls_listener_gets_no_answer(tls_server):
    plain = tls_server.endpoint.replace("https://", "http://")
    with pytest.raises(Exception):
        urllib.request.urlopen(plain + "/_proscenium/health", timeout=5)


def test_mismatched_or_missing_key_material_is_refused(tmp_path, cert):
    crt, _ = cert
    wrong_key = str(tmp_path / "other.pem")
    subprocess.run(["openssl", "genrsa", "-out", wrong_key, "2048"], check=True, capture_output=True, timeout=60)
    srv = ProsceniumServer(extra_args=["--tls-cert", crt, "--tls-key", wrong_key], tls_ca=crt)
    try:
        with pytest.raises(RuntimeError, match="do not fit together"):
            srv.start(timeout=10)
    finally:
        srv.cleanup()
    srv = ProsceniumServer(extra_args=["--tls-cert", crt], tls_ca=crt)
    try:
        with pytest.raises(RuntimeError, match="tls"):
            srv.start(timeout=10)
    finally:
        srv.cleanup()


def test_an_idle_tls_h2_connection_is_closed_with_goaway(server_factory, cert):
    """Issue 20: HTTP/2 negotiated by ALPN gets the idle deadline HTTP/1.1 has."""
    import socket
    import time

    crt, key = cert
    srv = server_factory(extra_args=["--tls-cert", crt, "--tls-key", key, "--idle-timeout", "2"], tls_ca=crt)
    ctx = ssl.create_default_context(cafile=crt)
    ctx.set_alpn_protocols(["h2"])
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.port), timeout=10),
                        server_hostname="localhost")
    assert s.selected_alpn_protocol() == "h2"
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
    start = time.monotonic()
    got = b""
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            pytest.fail(f"an idle TLS HTTP/2 connection still open after {time.monotonic() - start:.1f}s")
        except (ssl.SSLError, ConnectionResetError):
            break
        if not chunk:
            break
        got += chunk
    waited = time.monotonic() - start
    s.close()
    assert waited <= 6, waited
    kinds = []
    while len(got) >= 9:
        kinds.append(got[3])
        got = got[9 + int.from_bytes(got[:3], "big"):]
    assert 0x7 in kinds, f"GOAWAY before closing: {kinds}"


def test_lambda_proxy_events_say_https_over_tls(server_factory, cert):
    """Issue 20: a request that arrived over TLS reaches a Lambda proxy function with
    `X-Forwarded-Proto: https` (and port 443 when the Host names none), as on AWS."""
    from e2e_helpers import lambda_handler, serve_http

    events = []
    fn = serve_http(lambda_handler(lambda _name, _event: {"statusCode": 200, "body": "ok"}, events))
    try:
        crt, key = cert
        srv = server_factory(extra_args=["--tls-cert", crt, "--tls-key", key, "--lambda-endpoint",
                                         f"http://127.0.0.1:{fn.server_address[1]}"], tls_ca=crt)
        client = make_client(srv.endpoint, verify=crt)
        api = client.create_rest_api(name=unique_name("tls-lambda"))
        root = api["rootResourceId"]
        client.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
        client.put_integration(
            restApiId=api["id"], resourceId=root, httpMethod="GET", type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                "arn:aws:lambda:us-east-1:000000000000:function:fn/invocations")
        client.create_deployment(restApiId=api["id"], stageName="secure")
        ctx = ssl.create_default_context(cafile=crt)
        for http_version in ("--http1.1", "--http2"):
            events.clear()
            url = f"{srv.endpoint}/restapis/{api['id']}/secure/_user_request_/"
            out = subprocess.run(["curl", "-sS", "--cacert", crt, http_version, url],
                                 capture_output=True, text=True, timeout=20, check=True).stdout
            assert out == "ok"
            headers = {k.lower(): v for k, v in events[-1]["headers"].items()}
            assert headers["x-forwarded-proto"] == "https", http_version
            assert headers["x-forwarded-port"] == str(srv.port), http_version
        with urllib.request.urlopen(url, context=ctx, timeout=10) as r:
            assert r.read() == b"ok"
    finally:
        fn.shutdown()
