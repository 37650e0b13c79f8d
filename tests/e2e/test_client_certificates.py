"""Client certificates: GenerateClientCertificate makes a real X.509 certificate; the rest of
the lifecycle, and a stage that names one."""

import subprocess
import tempfile

from e2e_helpers import assert_error, client_error


def status_of(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def test_generate_makes_a_real_certificate_valid_for_a_year(client):
    resp = client.generate_client_certificate(description="backend mTLS")
    assert status_of(resp) == 201
    pem = resp["pemEncodedCertificate"]
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    assert resp["description"] == "backend mTLS"
    lifetime = resp["expirationDate"] - resp["createdDate"]
    assert abs(lifetime.total_seconds() - 365 * 24 * 3600) < 5
    assert "privateKey" not in str(resp)
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
        f.write(pem)
        f.flush()
        out = subprocess.run(["openssl", "x509", "-in", f.name, "-noout", "-subject", "-ext", "extendedKeyUsage"],
                             capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert resp["clientCertificateId"] in out.stdout
    assert "TLS Web Client Authentication" in out.stdout


def test_lifecycle_and_unknown_ids(client):
    cid = client.generate_client_certificate()["clientCertificateId"]
    got = client.get_client_certificate(clientCertificateId=cid)
    assert got["clientCertificateId"] == cid
    assert cid in [c["clientCertificateId"] for c in client.get_client_certificates()["items"]]
    upd = client.update_client_certificate(clientCertificateId=cid, patchOperations=[
        {"op": "replace", "path": "/description", "value": "renamed"}])
    assert upd["description"] == "renamed"
    assert status_of(client.delete_client_certificate(clientCertificateId=cid)) == 202
    for fn in (client.get_client_certificate, client.delete_client_certificate):
        err = client_error(fn, clientCertificateId=cid)
        assert_error(err, 404, "NotFoundException", "Invalid Client Certificate identifier specified")


def test_stage_names_a_certificate(client, deployable_api):
    api_id = deployable_api["id"]
    client.create_deployment(restApiId=api_id, stageName="dev")
    cid = client.generate_client_certificate()["clientCertificateId"]
    stage = client.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/clientCertificateId", "value": cid}])
    assert stage["clientCertificateId"] == cid
    err = client_error(client.update_stage, restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/clientCertificateId", "value": "nosuch"}])
    assert_error(err, 400, "BadRequestException")
