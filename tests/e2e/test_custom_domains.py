"""Custom domain names and base path mappings through the real binary: the ten management
operations with AWS's shapes and every error they answer, tags on domain ARNs, and requests
routed by `Host` (several APIs under one domain, `(none)`, remapping at once,
disableExecuteApiEndpoint, `$context` and the Lambda proxy event). Certificates are made here
with `cryptography`: a CA, a domain certificate, a wildcard, an expired one."""

from __future__ import annotations

import datetime
import http.client
import json
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from e2e_helpers import (
    ProsceniumServer,
    add_mock_method,
    expect_error,
    make_client,
    running_server,
    status_of,
    strip_meta,
    unique_name,
)

NOW = datetime.datetime.now(datetime.timezone.utc)


# -- certificates -----------------------------------------------------------------------------


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _pem_cert(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def make_ca(name: str = "Proscenium Test CA"):
    key = _key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(days=1))
            .not_valid_after(NOW + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def issue(ca, names: list[str], days_from: int = -1, days_to: int = 30, client: bool = False):
    """A certificate for `names` signed by `ca` = (cert, key); returns (cert PEM, key PEM)."""
    ca_cert, ca_key = ca
    key = _key()
    usage = x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH if client else x509.oid.ExtendedKeyUsageOID.SERVER_AUTH
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
               .issuer_name(ca_cert.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(NOW + datetime.timedelta(days=days_from))
               .not_valid_after(NOW + datetime.timedelta(days=days_to))
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
    if not client:
        import ipaddress

        def san(n):
            try:
                return x509.IPAddress(ipaddress.ip_address(n))
            except ValueError:
                return x509.DNSName(n)
        builder = builder.add_extension(
            x509.SubjectAlternativeName([san(n) for n in names]), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return _pem_cert(cert), _pem_key(key)


@pytest.fixture(scope="module")
def ca():
    return make_ca()


@pytest.fixture(scope="module")
def ca_pem(ca, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    path.write_text(_pem_cert(ca[0]))
    return str(path)


@pytest.fixture(scope="module")
def cert_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("certificates"))


@pytest.fixture(scope="module")
def gw(cert_dir):
    yield from running_server("--certificate-dir", cert_dir)


@pytest.fixture(scope="module")
def c(gw):
    return make_client(gw.endpoint)


def domain(prefix: str = "api") -> str:
    return f"{unique_name(prefix)}.example.com".lower()


def inline(ca, name: str) -> dict:
    cert, key = issue(ca, [name])
    return {"certificateBody": cert, "certificatePrivateKey": key,
            "certificateChain": _pem_cert(ca[0])}


def regional(c, ca, name: str | None = None, **kwargs) -> dict:
    name = name or domain()
    return c.create_domain_name(domainName=name, endpointConfiguration={"types": ["REGIONAL"]},
                                **inline(ca, name), **kwargs)


def mock_api(c, text: str, stages=("dev",), path: str | None = None) -> str:
    """An API answering GET (at / and, with `path`, at /{path}) with {"from": text, ...context}."""
    api = c.create_rest_api(name=unique_name("dom"))
    template = ('{"from": "%s", "stage": "$context.stage", "path": "$context.path", '
                '"resourcePath": "$context.resourcePath", "domainName": "$context.domainName", '
                '"domainPrefix": "$context.domainPrefix"}' % text)
    targets = [api["rootResourceId"]]
    if path:
        targets.append(c.create_resource(restApiId=api["id"], parentId=api["rootResourceId"],
                                         pathPart=path)["id"])
    for res in targets:
        add_mock_method(c, api["id"], res, "GET")
        c.put_integration_response(restApiId=api["id"], resourceId=res, httpMethod="GET",
                                   statusCode="200", selectionPattern="",
                                   responseTemplates={"application/json": template})
    for s in stages:
        c.create_deployment(restApiId=api["id"], stageName=s)
    return api["id"]


def call(gw, path: str, host: str, method: str = "GET"):
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    try:
        conn.request(method, path, headers={"Host": host})
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def body_of(gw, path, host) -> dict:
    status, _, data = call(gw, path, host)
    assert status == 200, (status, data)
    return json.loads(data)


# -- management -------------------------------------------------------------------------------


def test_create_get_list_and_delete_a_regional_domain(c, ca):
    name = domain()
    created = regional(c, ca, name, tags={"team": "edge"}, securityPolicy="TLS_1_2")
    assert status_of(created) == 201
    assert created["domainName"] == name
    assert created["regionalDomainName"].startswith("d-")
    assert created["regionalDomainName"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert len(created["regionalDomainName"].split(".")[0]) == 12
    assert created["regionalHostedZoneId"] == "Z1UJRXOUMOOFQ8"
    assert created["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert created["domainNameStatus"] == "AVAILABLE"
    assert created["securityPolicy"] == "TLS_1_2"
    assert created["domainNameArn"] == f"arn:aws:apigateway:us-east-1::/domainnames/{name}"
    assert created["tags"] == {"team": "edge"}
    assert "distributionDomainName" not in created
    for secret in ("certificatePrivateKey", "certificateBody", "serving", "truststorePem"):
        assert secret not in created
    got = c.get_domain_name(domainName=name)
    assert "PRIVATE KEY" not in json.dumps(got, default=str)
    assert got["regionalDomainName"] == created["regionalDomainName"]
    names = [d["domainName"] for d in c.get_domain_names(limit=500)["items"]]
    assert name in names
    assert status_of(c.delete_domain_name(domainName=name)) == 202
    expect_error(c.get_domain_name, 404, "NotFoundException",
                 "Invalid domain name identifier specified", domainName=name)
    expect_error(c.delete_domain_name, 404, "NotFoundException",
                 "Invalid domain name identifier specified", domainName=name)


def test_an_edge_domain_by_default_with_a_distribution(c, ca):
    name = domain("edge")
    d = c.create_domain_name(domainName=name, certificateName="mine", **inline(ca, name))
    assert d["endpointConfiguration"]["types"] == ["EDGE"]
    assert d["distributionDomainName"].endswith(".cloudfront.net")
    assert d["distributionHostedZoneId"] == "Z2FDTNDATAQYW2"
    assert d["certificateName"] == "mine"
    assert "regionalDomainName" not in d
    c.delete_domain_name(domainName=name)


def test_creation_errors(c, ca, gw):
    name = domain()
    regional(c, ca, name)
    expect_error(lambda: regional(c, ca, name), 400, "BadRequestException",
                 "The domain name you provided already exists.")
    # Unique across regions too.
    other_region = make_client(gw.endpoint, region="eu-west-1")
    expect_error(lambda: regional(other_region, ca, name), 400, "BadRequestException",
                 "The domain name you provided already exists.")
    expect_error(c.create_domain_name, 400, "BadRequestException",
                 "Invalid domain name specified: not_a_name",
                 domainName="not_a_name", certificateArn="arn:aws:acm:us-east-1:000000000000:certificate/x")
    expect_error(c.create_domain_name, 400, "BadRequestException", domainName=domain(),
                 endpointConfiguration={"types": ["REGIONAL"]})
    c.delete_domain_name(domainName=name)


def test_certificates_are_checked_at_creation(c, ca):
    name = domain()
    cert, key = issue(ca, [name])
    _, other_key = issue(ca, [name])
    base = {"domainName": name, "endpointConfiguration": {"types": ["REGIONAL"]}}
    expect_error(c.create_domain_name, 400, "BadRequestException",
                 "The certificate private key does not match the certificate",
                 certificateBody=cert, certificatePrivateKey=other_key, **base)
    expect_error(c.create_domain_name, 400, "BadRequestException",
                 "The certificate body holds no PEM-encoded X.509 certificate",
                 certificateBody="not a certificate", certificatePrivateKey=key, **base)
    resp = expect_error(c.create_domain_name, 400, "BadRequestException",
                        certificateBody=cert, certificatePrivateKey="-----BEGIN PRIVATE KEY-----\nxx\n", **base)
    assert "private key" in resp["Error"]["Message"]
    old_cert, old_key = issue(ca, [name], days_from=-30, days_to=-2)
    resp = expect_error(c.create_domain_name, 400, "BadRequestException",
                        certificateBody=old_cert, certificatePrivateKey=old_key, **base)
    assert resp["Error"]["Message"].startswith("The certificate expired on ")
    # Nothing was created.
    expect_error(c.get_domain_name, 404, "NotFoundException", domainName=name)


def test_acm_arns_resolve_from_the_certificate_directory(c, ca, cert_dir):
    name = domain("acm")
    cert, key = issue(ca, [name])
    cid = unique_name("cert")
    with open(os.path.join(cert_dir, f"{cid}.crt"), "w") as f:
        f.write(cert + _pem_cert(ca[0]))
    with open(os.path.join(cert_dir, f"{cid}.key"), "w") as f:
        f.write(key)
    arn = f"arn:aws:acm:us-east-1:000000000000:certificate/{cid}"
    d = c.create_domain_name(domainName=name, regionalCertificateArn=arn,
                             endpointConfiguration={"types": ["REGIONAL"]})
    assert d["regionalCertificateArn"] == arn
    # An expired certificate in the directory is refused.
    old_cert, old_key = issue(ca, [name], days_from=-30, days_to=-2)
    oid = unique_name("old")
    with open(os.path.join(cert_dir, f"{oid}.crt"), "w") as f:
        f.write(old_cert)
    with open(os.path.join(cert_dir, f"{oid}.key"), "w") as f:
        f.write(old_key)
    resp = expect_error(c.create_domain_name, 400, "BadRequestException", domainName=domain(),
                        regionalCertificateArn=f"arn:aws:acm:us-east-1:000000000000:certificate/{oid}",
                        endpointConfiguration={"types": ["REGIONAL"]})
    assert "expired" in resp["Error"]["Message"]
    c.delete_domain_name(domainName=name)


def test_wildcard_domain_names(c, ca):
    name = f"*.{unique_name('wild')}.example.com".lower()
    d = regional(c, ca, name)
    assert d["domainName"] == name
    assert c.get_domain_name(domainName=name)["domainName"] == name
    c.delete_domain_name(domainName=name)


def test_update_domain_name_patch_paths(c, ca):
    name = domain()
    regional(c, ca, name)
    up = c.update_domain_name(domainName=name, patchOperations=[
        {"op": "replace", "path": "/securityPolicy", "value": "TLS_1_0"},
        {"op": "replace", "path": "/regionalCertificateName", "value": "renamed"},
    ])
    assert (up["securityPolicy"], up["regionalCertificateName"]) == ("TLS_1_0", "renamed")
    resp = expect_error(c.update_domain_name, 400, "BadRequestException", domainName=name,
                        patchOperations=[{"op": "replace", "path": "/domainName", "value": "x"}])
    assert resp["Error"]["Message"].startswith("Invalid patch path  '/domainName' specified for op 'replace'. Must be one of: [")
    edge = c.update_domain_name(domainName=name, patchOperations=[
        {"op": "replace", "path": "/endpointConfiguration/types/REGIONAL", "value": "EDGE"}])
    assert edge["endpointConfiguration"]["types"] == ["EDGE"]
    assert edge["distributionDomainName"].endswith(".cloudfront.net")
    assert "regionalDomainName" not in edge
    expect_error(c.update_domain_name, 404, "NotFoundException",
                 "Invalid domain name identifier specified", domainName=domain(),
                 patchOperations=[{"op": "replace", "path": "/securityPolicy", "value": "TLS_1_2"}])
    c.delete_domain_name(domainName=name)


def test_tags_on_domain_arns(c, ca):
    name = domain()
    arn = regional(c, ca, name)["domainNameArn"]
    c.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    assert c.get_tags(resourceArn=arn)["tags"] == {"a": "1", "b": "2"}
    c.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert c.get_tags(resourceArn=arn)["tags"] == {"b": "2"}
    assert c.get_domain_name(domainName=name)["tags"] == {"b": "2"}
    c.delete_domain_name(domainName=name)


def test_base_path_mappings_and_their_errors(c, ca):
    name = domain()
    regional(c, ca, name)
    a1 = mock_api(c, "one", stages=("dev", "prod"))
    m = c.create_base_path_mapping(domainName=name, basePath="v1", restApiId=a1, stage="dev")
    assert status_of(m) == 201
    assert (m["basePath"], m["restApiId"], m["stage"]) == ("v1", a1, "dev")
    expect_error(c.create_base_path_mapping, 409, "ConflictException",
                 "Base path already exists for this domain name",
                 domainName=name, basePath="v1", restApiId=a1, stage="dev")
    expect_error(c.create_base_path_mapping, 409, "ConflictException",
                 "Only one base path mapping is allowed if the base path is empty.",
                 domainName=name, restApiId=a1, stage="dev")
    expect_error(c.create_base_path_mapping, 400, "BadRequestException",
                 "Invalid REST API identifier specified",
                 domainName=name, basePath="v2", restApiId="nope123456", stage="dev")
    expect_error(c.create_base_path_mapping, 400, "BadRequestException",
                 "Invalid stage identifier specified",
                 domainName=name, basePath="v2", restApiId=a1, stage="nostage")
    expect_error(c.create_base_path_mapping, 404, "NotFoundException",
                 "Invalid domain name identifier specified",
                 domainName=domain(), basePath="v2", restApiId=a1, stage="dev")
    resp = expect_error(c.create_base_path_mapping, 400, "BadRequestException",
                        domainName=name, basePath="v 2", restApiId=a1, stage="dev")
    assert resp["Error"]["Message"].startswith("Invalid base path specified: v 2")
    c.create_base_path_mapping(domainName=name, basePath="v2", restApiId=a1)
    assert strip_meta(c.get_base_path_mapping(domainName=name, basePath="v2")) == {
        "basePath": "v2", "restApiId": a1}
    listed = c.get_base_path_mappings(domainName=name)["items"]
    assert [(x["basePath"], x.get("stage")) for x in listed] == [("v1", "dev"), ("v2", None)]
    expect_error(c.get_base_path_mapping, 404, "NotFoundException",
                 "Invalid base path mapping identifier specified", domainName=name, basePath="v9")
    expect_error(c.get_base_path_mappings, 404, "NotFoundException",
                 "Invalid domain name identifier specified", domainName=domain())
    # UpdateBasePathMapping: stage, base path, API.
    up = c.update_base_path_mapping(domainName=name, basePath="v1", patchOperations=[
        {"op": "replace", "path": "/stage", "value": "prod"},
        {"op": "replace", "path": "/basePath", "value": "v3"}])
    assert (up["basePath"], up["stage"]) == ("v3", "prod")
    expect_error(c.get_base_path_mapping, 404, "NotFoundException", domainName=name, basePath="v1")
    expect_error(c.update_base_path_mapping, 409, "ConflictException",
                 "Base path already exists for this domain name", domainName=name, basePath="v3",
                 patchOperations=[{"op": "replace", "path": "/basePath", "value": "v2"}])
    expect_error(c.update_base_path_mapping, 400, "BadRequestException",
                 "Invalid stage identifier specified", domainName=name, basePath="v3",
                 patchOperations=[{"op": "replace", "path": "/stage", "value": "nostage"}])
    expect_error(c.update_base_path_mapping, 400, "BadRequestException",
                 "Invalid REST API identifier specified", domainName=name, basePath="v3",
                 patchOperations=[{"op": "replace", "path": "/restapiId", "value": "nope123456"}])
    resp = expect_error(c.update_base_path_mapping, 400, "BadRequestException", domainName=name,
                        basePath="v3", patchOperations=[{"op": "replace", "path": "/x", "value": "1"}])
    assert resp["Error"]["Message"] == ("Invalid patch path  '/x' specified for op 'replace'. "
                                        "Must be one of: [/basePath, /restapiId, /stage]")
    expect_error(c.update_base_path_mapping, 404, "NotFoundException",
                 "Invalid base path mapping identifier specified", domainName=name, basePath="v9",
                 patchOperations=[{"op": "replace", "path": "/stage", "value": "dev"}])
    # The API and its mapped stage cannot be deleted while mapped.
    expect_error(c.delete_stage, 400, "BadRequestException",
                 "Deleting stage prod failed. Please remove all base path mappings related to the stage in your domains.",
                 restApiId=a1, stageName="prod")
    expect_error(c.delete_rest_api, 400, "BadRequestException",
                 f"Deleting RestApi {a1} failed. Please remove all base path mappings related to the RestApi in your domains.",
                 restApiId=a1)
    assert status_of(c.delete_base_path_mapping(domainName=name, basePath="v3")) == 202
    expect_error(c.delete_base_path_mapping, 404, "NotFoundException",
                 "Invalid base path mapping identifier specified", domainName=name, basePath="v3")
    # Deleting the domain takes its mappings; the API can go then.
    c.delete_domain_name(domainName=name)
    c.delete_rest_api(restApiId=a1)


def test_the_none_base_path(c, ca):
    name = domain()
    regional(c, ca, name)
    a = mock_api(c, "root")
    m = c.create_base_path_mapping(domainName=name, restApiId=a, stage="dev")
    assert m["basePath"] == "(none)"
    assert c.get_base_path_mapping(domainName=name, basePath="(none)")["restApiId"] == a
    expect_error(c.create_base_path_mapping, 409, "ConflictException",
                 "Only one base path mapping is allowed if the base path is empty.",
                 domainName=name, basePath="v1", restApiId=a, stage="dev")
    c.delete_base_path_mapping(domainName=name, basePath="(none)")
    c.delete_domain_name(domainName=name)


def test_access_associations_stay_not_implemented(c):
    expect_error(c.get_domain_name_access_associations, 501, "NotImplementedException")


# -- serving by Host ----------------------------------------------------------------------------


def test_several_apis_under_one_domain(gw, c, ca):
    name = domain("multi")
    regional(c, ca, name)
    a1 = mock_api(c, "one", path="pets")
    a2 = mock_api(c, "two", stages=("live",), path="pets")
    c.create_base_path_mapping(domainName=name, basePath="v1", restApiId=a1, stage="dev")
    c.create_base_path_mapping(domainName=name, basePath="v2", restApiId=a2, stage="live")
    # The port is not part of the name; the stage is not in the URL.
    b = body_of(gw, "/v1/pets", f"{name}:{gw.port}")
    assert b == {"from": "one", "stage": "dev", "path": "/v1/pets", "resourcePath": "/pets",
                 "domainName": name, "domainPrefix": name.split(".")[0]}
    assert body_of(gw, "/v2/pets", name)["from"] == "two"
    assert body_of(gw, "/v1", name)["resourcePath"] == "/"
    assert body_of(gw, "/v2/", name)["from"] == "two"
    # No mapping for the path: AWS's 403.
    status, headers, data = call(gw, "/v3/pets", name)
    assert (status, json.loads(data)) == (403, {"message": "Forbidden"})
    assert headers["x-amzn-errortype"] == "ForbiddenException"
    assert headers["x-amzn-requestid"]
    status, _, _ = call(gw, "/", name)
    assert status == 403
    # A host that is no custom domain is not routed by mappings.
    status, _, _ = call(gw, "/v1/pets", "elsewhere.example.com")
    assert status != 200
    # Beside the domain, the invoke URLs route as before, their port not in the domain name.
    b = body_of(gw, "/dev/pets", f"{a1}.execute-api.localhost:{gw.port}")
    assert (b["from"], b["path"], b["domainName"]) == ("one", "/dev/pets", f"{a1}.execute-api.localhost")
    b = body_of(gw, f"/restapis/{a2}/live/_user_request_/pets", f"127.0.0.1:{gw.port}")
    assert (b["from"], b["stage"], b["domainName"]) == ("two", "live", "127.0.0.1")
    c.delete_domain_name(domainName=name)
    # Deleting the domain stops serving it at once.
    status, _, _ = call(gw, "/v1/pets", name)
    assert status != 200


def test_none_maps_the_root_and_remapping_takes_effect_at_once(gw, c, ca):
    name = domain("root")
    regional(c, ca, name)
    a = mock_api(c, "first", stages=("dev", "prod"), path="pets")
    b = mock_api(c, "second", stages=("blue",), path="pets")
    c.create_base_path_mapping(domainName=name, basePath="(none)", restApiId=a, stage="dev")
    assert body_of(gw, "/pets", name) | {"domainName": None} == {
        "from": "first", "stage": "dev", "path": "/pets", "resourcePath": "/pets",
        "domainName": None, "domainPrefix": name.split(".")[0]}
    assert body_of(gw, "/", name)["resourcePath"] == "/"
    c.update_base_path_mapping(domainName=name, basePath="(none)", patchOperations=[
        {"op": "replace", "path": "/stage", "value": "prod"}])
    assert body_of(gw, "/pets", name)["stage"] == "prod"
    c.update_base_path_mapping(domainName=name, basePath="(none)", patchOperations=[
        {"op": "replace", "path": "/restapiId", "value": b},
        {"op": "replace", "path": "/stage", "value": "blue"}])
    assert body_of(gw, "/pets", name)["from"] == "second"
    c.delete_domain_name(domainName=name)


def test_a_mapping_without_a_stage_takes_it_from_the_path(gw, c, ca):
    name = domain("nostage")
    regional(c, ca, name)
    a = mock_api(c, "staged", stages=("dev", "prod"), path="pets")
    c.create_base_path_mapping(domainName=name, basePath="api", restApiId=a)
    assert body_of(gw, "/api/prod/pets", name)["stage"] == "prod"
    assert body_of(gw, "/api/dev/pets", name)["stage"] == "dev"
    c.delete_domain_name(domainName=name)


def test_wildcard_domains_serve_every_name_under_them(gw, c, ca):
    parent = f"{unique_name('wild')}.example.com".lower()
    regional(c, ca, f"*.{parent}")
    a = mock_api(c, "wild")
    c.create_base_path_mapping(domainName=f"*.{parent}", restApiId=a, stage="dev")
    b = body_of(gw, "/", f"tenant1.{parent}")
    assert (b["from"], b["domainName"], b["domainPrefix"]) == ("wild", f"tenant1.{parent}", "tenant1")
    c.delete_domain_name(domainName=f"*.{parent}")


def test_disable_execute_api_endpoint_keeps_the_custom_domain(gw, c, ca):
    name = domain("closed")
    regional(c, ca, name)
    a = mock_api(c, "closed")
    c.create_base_path_mapping(domainName=name, restApiId=a, stage="dev")
    default = f"{a}.execute-api.localhost"
    assert call(gw, "/dev/", default)[0] == 200
    c.update_rest_api(restApiId=a, patchOperations=[
        {"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "true"}])
    # As on AWS, it applies with the next deployment.
    assert call(gw, "/dev/", default)[0] == 200
    c.create_deployment(restApiId=a, stageName="dev")
    status, _, data = call(gw, "/dev/", default)
    assert (status, json.loads(data)) == (403, {"message": "Forbidden"})
    status, _, _ = call(gw, f"/restapis/{a}/dev/_user_request_/", "localhost")
    assert status == 403
    assert body_of(gw, "/", name)["from"] == "closed"
    c.delete_domain_name(domainName=name)


def test_the_lambda_proxy_event_through_a_custom_domain(ca, tmp_path):
    from e2e_helpers import lambda_handler, serve_http

    events = []
    fn = serve_http(lambda_handler(lambda _name, _event: {"statusCode": 200, "body": "ok"}, events))
    srv = ProsceniumServer(extra_args=["--lambda-endpoint", f"http://127.0.0.1:{fn.server_address[1]}"])
    srv.start()
    try:
        c = make_client(srv.endpoint)
        api = c.create_rest_api(name=unique_name("lambda"))
        res = c.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="{proxy+}")
        c.put_method(restApiId=api["id"], resourceId=res["id"], httpMethod="ANY", authorizationType="NONE")
        c.put_integration(restApiId=api["id"], resourceId=res["id"], httpMethod="ANY", type="AWS_PROXY",
                          integrationHttpMethod="POST",
                          uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                              "arn:aws:lambda:us-east-1:000000000000:function:fn/invocations")
        c.create_deployment(restApiId=api["id"], stageName="prod")
        name = domain("fn")
        regional(c, ca, name)
        c.create_base_path_mapping(domainName=name, basePath="shop", restApiId=api["id"], stage="prod")
        status, _, _ = call(srv, "/shop/items/7", name)
        assert status == 200
        e = events[-1]
        assert (e["path"], e["resource"]) == ("/shop/items/7", "/{proxy+}")
        assert e["pathParameters"] == {"proxy": "items/7"}
        rc = e["requestContext"]
        assert (rc["path"], rc["stage"], rc["domainName"], rc["domainPrefix"]) == (
            "/shop/items/7", "prod", name, name.split(".")[0])
        # The default URL, for comparison: the stage is stripped from `path`.
        status, _, _ = call(srv, f"/restapis/{api['id']}/prod/_user_request_/items/7", "localhost")
        assert status == 200
        assert (events[-1]["path"], events[-1]["requestContext"]["path"]) == ("/items/7", "/prod/items/7")
    finally:
        srv.cleanup()
        fn.shutdown()


# -- HTTPS: SNI picks the domain's certificate; security policy; mutual TLS ---------------------


@pytest.fixture(scope="module")
def tls_gw(ca, tmp_path_factory):
    """A server speaking TLS with its own certificate for `localhost` (issued by the test CA)."""
    d = tmp_path_factory.mktemp("listener")
    cert, key = issue(ca, ["localhost", "127.0.0.1"])
    (d / "cert.pem").write_text(cert)
    (d / "key.pem").write_text(key)
    (d / "ca.pem").write_text(_pem_cert(ca[0]))
    srv = ProsceniumServer(extra_args=["--tls-cert", str(d / "cert.pem"), "--tls-key", str(d / "key.pem")],
                           tls_ca=str(d / "ca.pem"))
    srv.start()
    yield srv
    srv.cleanup()


def https_get(srv, name: str, path: str = "/", ca_file: str | None = None, client: tuple | None = None,
              max_version=None):
    """GET over TLS with SNI `name` to the server's port; returns (peer cert, status, body)."""
    import socket
    import ssl

    ctx = ssl.create_default_context(cafile=ca_file or srv.tls_ca)
    if max_version is not None:
        ctx.maximum_version = max_version
    if client:
        ctx.load_cert_chain(*client)
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=name) as s:
            peer = s.getpeercert()
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    return peer, status, body


def subject_cn(peer) -> str:
    return dict(x[0] for x in peer["subject"])["commonName"]


def test_sni_selects_the_domain_certificate_exact_then_wildcard_then_the_listener(tls_gw, ca):
    c = make_client(tls_gw.endpoint, verify=tls_gw.tls_ca)
    exact = domain("sni")
    parent = f"{unique_name('sniwild')}.example.com".lower()
    regional(c, ca, exact)
    regional(c, ca, f"*.{parent}")
    a = mock_api(c, "tls")
    c.create_base_path_mapping(domainName=exact, restApiId=a, stage="dev")
    c.create_base_path_mapping(domainName=f"*.{parent}", restApiId=a, stage="dev")
    peer, status, body = https_get(tls_gw, exact)
    assert subject_cn(peer) == exact
    assert status == 200 and json.loads(body)["domainName"] == exact
    peer, status, _ = https_get(tls_gw, f"shop.{parent}")
    assert subject_cn(peer) == f"*.{parent}"
    assert status == 200
    # Another name: the listener's own certificate.
    peer, _, _ = https_get(tls_gw, "localhost", path="/_proscenium/health")
    assert subject_cn(peer) == "localhost"
    # curl with --resolve checks the served certificate against the name too.
    import shutil
    import subprocess
    if shutil.which("curl"):
        out = subprocess.run(["curl", "-sS", "--cacert", tls_gw.tls_ca, "--resolve",
                              f"{exact}:{tls_gw.port}:127.0.0.1", f"https://{exact}:{tls_gw.port}/"],
                             capture_output=True, text=True, timeout=20)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["from"] == "tls"
    c.delete_domain_name(domainName=exact)
    c.delete_domain_name(domainName=f"*.{parent}")


def test_a_tls13_security_policy_refuses_tls12_clients(tls_gw, ca):
    import ssl

    c = make_client(tls_gw.endpoint, verify=tls_gw.tls_ca)
    name = domain("tls13")
    regional(c, ca, name, securityPolicy="SecurityPolicy_TLS13_1_3_2025_09")
    c.create_base_path_mapping(domainName=name, restApiId=mock_api(c, "13"), stage="dev")
    assert https_get(tls_gw, name)[1] == 200
    with pytest.raises(ssl.SSLError):
        https_get(tls_gw, name, max_version=ssl.TLSVersion.TLSv1_2)
    # The default policy (TLS_1_2) lets TLS 1.2 in.
    c.update_domain_name(domainName=name, patchOperations=[
        {"op": "replace", "path": "/securityPolicy", "value": "TLS_1_2"}])
    assert https_get(tls_gw, name, max_version=ssl.TLSVersion.TLSv1_2)[1] == 200
    c.delete_domain_name(domainName=name)


def test_mutual_tls_refuses_clients_without_a_chaining_certificate(tls_gw, ca, tmp_path):
    import ssl

    c = make_client(tls_gw.endpoint, verify=tls_gw.tls_ca)
    client_ca = make_ca("Client CA")
    truststore = tmp_path / "truststore.pem"
    truststore.write_text(_pem_cert(client_ca[0]))
    name = domain("mtls")
    d = regional(c, ca, name, mutualTlsAuthentication={"truststoreUri": f"file://{truststore}"})
    assert d["mutualTlsAuthentication"]["truststoreUri"] == f"file://{truststore}"
    api = c.create_rest_api(name=unique_name("mtls"))
    add_mock_method(c, api["id"], api["rootResourceId"], "GET")
    c.put_integration_response(
        restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", statusCode="200",
        selectionPattern="", responseTemplates={"application/json": json.dumps({
            "subject": "$context.identity.clientCert.subjectDN",
            "issuer": "$context.identity.clientCert.issuerDN",
            "serial": "$context.identity.clientCert.serialNumber",
            "notAfter": "$context.identity.clientCert.validity.notAfter",
            "pem": "$util.escapeJavaScript($context.identity.clientCert.clientCertPem)"})})
    c.create_deployment(restApiId=api["id"], stageName="dev")
    c.create_base_path_mapping(domainName=name, restApiId=api["id"], stage="dev")

    good_cert, good_key = issue(client_ca, ["partner-client"], client=True)
    (tmp_path / "good.pem").write_text(good_cert)
    (tmp_path / "good.key").write_text(good_key)
    _, status, body = https_get(tls_gw, name, client=(str(tmp_path / "good.pem"), str(tmp_path / "good.key")))
    assert status == 200, body
    b = json.loads(body)
    assert b["subject"] == "CN=partner-client"
    assert b["issuer"] == "CN=Client CA"
    assert ":" in b["serial"] and b["notAfter"].endswith(" GMT")
    assert b["pem"].startswith("-----BEGIN CERTIFICATE-----")
    # No certificate, or one from another CA: refused at the handshake.
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        https_get(tls_gw, name)
    stranger_cert, stranger_key = issue(make_ca("Stranger CA"), ["stranger"], client=True)
    (tmp_path / "stranger.pem").write_text(stranger_cert)
    (tmp_path / "stranger.key").write_text(stranger_key)
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        https_get(tls_gw, name, client=(str(tmp_path / "stranger.pem"), str(tmp_path / "stranger.key")))
    # s3:// truststores are refused clearly.
    resp = expect_error(c.create_domain_name, 400, "BadRequestException", domainName=domain(),
                        endpointConfiguration={"types": ["REGIONAL"]},
                        mutualTlsAuthentication={"truststoreUri": "s3://bucket/truststore.pem"},
                        **inline(ca, "x.example.com"))
    assert "S3" in resp["Error"]["Message"]
    c.delete_domain_name(domainName=name)
