"""SigV4 enforcement when credentials are configured, and the non-loopback listen guard."""

import os
import subprocess
import urllib.request

import pytest

from e2e_helpers import (
    AwsCli,
    ProsceniumServer,
    assert_error,
    client_error,
    free_port,
    make_client,
    proscenium_bin,
    raw_request,
    status_of,
)

ACCESS_KEY = "AKIAPROSCENIUME2E01"
SECRET_KEY = "e2e/secret/Key+With/Odd+Chars0123456789"


@pytest.fixture(scope="module")
def auth_server():
    srv = ProsceniumServer(env={"PROSCENIUM_ACCESS_KEY_ID": ACCESS_KEY,
                                "PROSCENIUM_SECRET_ACCESS_KEY": SECRET_KEY})
    srv.start()
    yield srv
    srv.cleanup()


def test_correctly_signed_request_works(auth_server):
    client = make_client(auth_server.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    created = client.create_rest_api(name="signed")
    assert status_of(created) == 201
    assert created["id"] in {a["id"] for a in client.get_rest_apis()["items"]}


def test_signed_request_in_other_region_works(auth_server):
    client = make_client(auth_server.endpoint, region="eu-central-1", access_key=ACCESS_KEY,
                         secret_key=SECRET_KEY)
    assert status_of(client.get_rest_apis()) == 200


def test_wrong_secret_is_rejected(auth_server):
    client = make_client(auth_server.endpoint, access_key=ACCESS_KEY, secret_key="not-the-secret")
    err = client_error(client.get_rest_apis)
    assert_error(err, 403, "InvalidSignatureException")


def test_unknown_access_key_is_rejected(auth_server):
    client = make_client(auth_server.endpoint, access_key="AKIAUNKNOWNKEY000000", secret_key=SECRET_KEY)
    err = client_error(client.get_rest_apis)
    assert_error(err, 403, "UnrecognizedClientException", "The security token included in the request is invalid.")


def test_missing_authorization_is_rejected(auth_server):
    resp = raw_request(auth_server.endpoint, "GET", "/restapis", sign=False)
    assert resp.status == 403
    assert resp.error_code == "MissingAuthenticationTokenException"


def test_unsigned_write_does_not_create_anything(auth_server):
    resp = raw_request(auth_server.endpoint, "POST", "/restapis", body='{"name": "sneaky"}', sign=False)
    assert resp.status == 403
    client = make_client(auth_server.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    assert "sneaky" not in {a["name"] for a in client.get_rest_apis()["items"]}


def test_tampered_body_is_rejected(auth_server):
    # sign one body, send another
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    import http.client

    url = auth_server.endpoint + "/restapis"
    req = AWSRequest(method="POST", url=url, data=b'{"name": "original"}',
                     headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "apigateway", "us-east-1").add_auth(req)
    headers = dict(req.headers.items())
    body = b'{"name": "tampered"}'
    headers["Content-Length"] = str(len(body))
    conn = http.client.HTTPConnection(url.split("://")[1].split("/")[0], timeout=10)
    conn.request("POST", "/restapis", body=body, headers=headers)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.status == 403


def test_cli_with_configured_credentials(auth_server):
    good = AwsCli(auth_server.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    assert "items" in good.ok("apigateway", "get-rest-apis")
    bad = AwsCli(auth_server.endpoint, access_key="AKIAUNKNOWNKEY000000", secret_key="x")
    err = bad.err("apigateway", "get-rest-apis")
    assert "UnrecognizedClientException" in err


def test_server_without_credentials_accepts_any_signature(endpoint):
    client = make_client(endpoint, access_key="AKIAANYTHING", secret_key="whatever")
    assert status_of(client.get_rest_apis()) == 200


def test_health_endpoint_needs_no_signature(auth_server):
    with urllib.request.urlopen(auth_server.endpoint + "/_proscenium/health", timeout=5) as resp:
        assert resp.status == 200


# ---------------------------------------------------------------- listen guard


def _run_serve(args, env_extra=None, timeout=10):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROSCENIUM_")}
    env.update(env_extra or {})
    return subprocess.run([proscenium_bin(), "serve", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_non_loopback_listen_without_credentials_is_refused(tmp_path):
    port = free_port()
    proc = _run_serve(["--listen", f"0.0.0.0:{port}", "--data-dir", str(tmp_path / "data")])
    assert proc.returncode != 0
    output = (proc.stderr + proc.stdout).strip()
    assert output, "serve must explain why it refused to start"
    assert "0.0.0.0" in output or "allow-unauthenticated" in output or "credential" in output.lower()


def test_non_loopback_listen_with_allow_unauthenticated_starts(server_factory, tmp_path):
    srv = server_factory(host="0.0.0.0", extra_args=["--allow-unauthenticated"])
    assert status_of(srv.client().get_rest_apis()) == 200


def test_non_loopback_listen_with_credentials_starts(server_factory):
    srv = server_factory(host="0.0.0.0", env={"PROSCENIUM_ACCESS_KEY_ID": ACCESS_KEY,
                                              "PROSCENIUM_SECRET_ACCESS_KEY": SECRET_KEY})
    client = srv.client(access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    assert status_of(client.get_rest_apis()) == 200
    err = client_error(srv.client().get_rest_apis)  # default test/test credentials
    assert_error(err, 403, "UnrecognizedClientException")
