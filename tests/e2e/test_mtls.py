"""Client certificates for real: a stage's generated certificate is presented to an HTTPS
backend that requires one (mutual TLS); the backend's own certificate is trusted through
--backend-ca."""

import json

from e2e_helpers import (EchoBackend, ProsceniumServer, backend_certificate, make_client,
                         serve_mutual_tls)
from test_invoke import call, new_api


def test_stage_client_certificate_is_presented_to_the_backend(tmp_path):
    # The backend's own certificate (trusted by the gateway through --backend-ca).
    cert_pem, _ = backend_certificate(tmp_path)
    srv = ProsceniumServer(extra_args=["--backend-ca", str(cert_pem)])
    srv.start()
    backend = None
    try:
        c = make_client(srv.endpoint)
        client_cert = c.generate_client_certificate(description="mtls")
        # An HTTPS backend that only accepts callers presenting that certificate.
        backend = serve_mutual_tls(EchoBackend, tmp_path, client_cert["pemEncodedCertificate"])
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
