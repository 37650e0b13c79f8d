"""Client certificates for real: a stage's generated certificate is presented to an HTTPS
backend that requires one (mutual TLS); the backend's own certificate is trusted through
--backend-ca."""

import json
import ssl
import subprocess

import pytest

from e2e_helpers import ProsceniumServer, make_client, serve_http
from test_invoke import Backend, call, new_api


def test_stage_client_certificate_is_presented_to_the_backend(tmp_path):
    # The backend's own certificate (trusted by the gateway through --backend-ca).
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-addext", "basicConstraints=critical,CA:FALSE",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    srv = ProsceniumServer(extra_args=["--backend-ca", str(tmp_path / "cert.pem")])
    srv.start()
    backend = None
    try:
        c = make_client(srv.endpoint)
        client_cert = c.generate_client_certificate(description="mtls")
        (tmp_path / "client-ca.pem").write_text(client_cert["pemEncodedCertificate"])
        # An HTTPS backend that only accepts callers presenting that certificate.
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"))
        tls.verify_mode = ssl.CERT_REQUIRED
        tls.load_verify_locations(cafile=str(tmp_path / "client-ca.pem"))
        backend = serve_http(Backend, tls)
        url = f"https://127.0.0.1:{backend.server_address[1]}/mtls"

        api_id, root = new_api(c)
        c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
        c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                          integrationHttpMethod="GET", uri=url)
        c.create_deployment(restApiId=api_id, stageName="plain")
        c.create_deployment(restApiId=api_id, stageName="mutual")
        c.update_stage(restApiId=api_id, stageName="mutual", patchOperations=[
            {"op": "replace", "path": "/clientCertificateId", "value": client_cert["clientCertificateId"]}])

        status, _, body = call(srv, "GET", f"/restapis/{api_id}/mutual/_user_request_/")
        assert status == 200, body
        assert json.loads(body)["path"] == "/mtls"
        status, _, body = call(srv, "GET", f"/restapis/{api_id}/plain/_user_request_/")
        assert status == 500, "without the stage's certificate the backend refuses the handshake"
    finally:
        if backend:
            backend.shutdown()
        srv.cleanup()
