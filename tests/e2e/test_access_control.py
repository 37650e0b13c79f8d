"""Access control at invocation time, as a client sees it: Lambda TOKEN/REQUEST authorizers
(with their result cache and FlushStageAuthorizersCache), Cognito user pool authorizers
(JWTs minted here, keys published by a JWKS server on 127.0.0.1), AWS_IAM methods (botocore's
SigV4 signer for execute-api) and resource policies (before and after a redeploy). Every
refusal's status, x-amzn-ErrorType and body, and a customised gateway response."""

from __future__ import annotations

import base64
import collections
import http.client
import json
import os
import tempfile
import time
from http.server import BaseHTTPRequestHandler

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from e2e_helpers import ProsceniumServer, make_client, serve_http, unique_name

MGMT_KEY = "AKIAACCESSCONTROL001"
MGMT_SECRET = "access/control/secret+0123456789"
OTHER_KEY = "AKIAOTHERACCOUNT0001"
OTHER_SECRET = "other/account/secret+0123456789"
OTHER_ARN = "arn:aws:iam::111122223333:user/outsider"
POOL = "us-east-1_TestPool1"
LAMBDA_URI = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
              "arn:aws:lambda:us-east-1:000000000000:function:{name}/invocations")


# -- a Lambda Invoke endpoint: the authorizer decides by the token, echo returns the event --

class FakeLambda(BaseHTTPRequestHandler):
    calls: collections.Counter = collections.Counter()
    events: list = []

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        event = json.loads(self.rfile.read(length) or b"{}")
        name = self.path.split("/functions/")[1].split("/")[0].split(":")[-1]
        headers = {"content-type": "application/json"}
        if name == "echo":
            out = {"statusCode": 200, "body": json.dumps(event)}
        else:
            FakeLambda.events.append(event)
            token = event.get("authorizationToken")
            if event.get("type") == "REQUEST":
                token = (event.get("queryStringParameters") or {}).get("t", "")
            FakeLambda.calls[token] += 1
            arn = event["methodArn"]
            prefix = arn.split("/")[0]
            allow = {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": f"{prefix}/*/GET/*"}]}
            if token in ("allow", "Bearer allow"):
                out = {"principalId": "user-7", "policyDocument": allow,
                       "context": {"team": "blue", "level": 3, "admin": True}}
            elif token == "deny":
                allow["Statement"][0]["Effect"] = "Deny"
                out = {"principalId": "user-8", "policyDocument": allow}
            elif token == "elsewhere":
                out = {"principalId": "user-9", "policyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": f"{prefix}/*/POST/other"}]}}
            elif token == "unauthorized":
                headers["X-Amz-Function-Error"] = "Unhandled"
                out = {"errorMessage": "Unauthorized", "errorType": "Error"}
            elif token == "crash":
                headers["X-Amz-Function-Error"] = "Unhandled"
                out = {"errorMessage": "boom", "errorType": "Error"}
            else:
                out = {"nothing": "useful"}
        data = json.dumps(out).encode()
        self.send_response(200)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


# -- a Cognito stand-in: the pool's JWKS, and tokens signed with its key --

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


class Jwks(BaseHTTPRequestHandler):
    fetches = 0

    def do_GET(self):
        Jwks.fetches += 1
        if self.path != f"/{POOL}/.well-known/jwks.json":
            self.send_response(404)
            self.end_headers()
            return
        pub = KEY.public_key().public_numbers()
        body = json.dumps({"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
                                     "n": b64url(int_bytes(pub.n)), "e": b64url(int_bytes(pub.e))}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def jwt(claims: dict, key=KEY, kid="k1") -> str:
    header = b64url(json.dumps({"alg": "RS256", "kid": kid}).encode())
    payload = b64url(json.dumps(claims).encode())
    sig = key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{b64url(sig)}"


# -- fixtures --

@pytest.fixture(scope="module")
def lambda_endpoint():
    srv = serve_http(FakeLambda)
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


@pytest.fixture(scope="module")
def cognito_endpoint():
    srv = serve_http(Jwks)
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


@pytest.fixture(scope="module")
def gw(lambda_endpoint, cognito_endpoint):
    conf = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    conf.write(f'[[identities]]\naccess_key_id = "{OTHER_KEY}"\n'
               f'secret_access_key = "{OTHER_SECRET}"\narn = "{OTHER_ARN}"\n')
    conf.close()
    srv = ProsceniumServer(
        extra_args=["--lambda-endpoint", lambda_endpoint, "--cognito-endpoint", cognito_endpoint,
                    "--config", conf.name],
        env={"PROSCENIUM_ACCESS_KEY_ID": MGMT_KEY, "PROSCENIUM_SECRET_ACCESS_KEY": MGMT_SECRET})
    srv.start()
    yield srv
    srv.cleanup()
    os.unlink(conf.name)


@pytest.fixture(scope="module")
def c(gw):
    return make_client(gw.endpoint, access_key=MGMT_KEY, secret_key=MGMT_SECRET)


def call(gw, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=15)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def api_with(c, auth_type, authorizer_id=None, integration="mock", scopes=None, policy=None,
             path_part="pets", http_method="GET"):
    """An API with one method behind `auth_type`; the MOCK answers the authorizer's view."""
    kwargs = {"policy": json.dumps(policy)} if policy else {}
    api = c.create_rest_api(name=unique_name("acl"), **kwargs)
    api_id, root = api["id"], api["rootResourceId"]
    res = c.create_resource(restApiId=api_id, parentId=root, pathPart=path_part)["id"]
    return api_id, res


def add_method(c, api_id, res, auth_type, authorizer_id=None, integration="mock", scopes=None,
               http_method="GET"):
    extra = {}
    if authorizer_id:
        extra["authorizerId"] = authorizer_id
    if scopes:
        extra["authorizationScopes"] = scopes
    c.put_method(restApiId=api_id, resourceId=res, httpMethod=http_method,
                 authorizationType=auth_type, **extra)
    if integration == "mock":
        c.put_integration(restApiId=api_id, resourceId=res, httpMethod=http_method, type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
        c.put_method_response(restApiId=api_id, resourceId=res, httpMethod=http_method, statusCode="200")
        c.put_integration_response(
            restApiId=api_id, resourceId=res, httpMethod=http_method, statusCode="200",
            responseTemplates={"application/json":
                               '{"principal": "$context.authorizer.principalId", '
                               '"team": "$context.authorizer.team", "level": "$context.authorizer.level", '
                               '"sub": "$context.authorizer.claims.sub", '
                               '"userArn": "$context.identity.userArn", '
                               '"keys": $context.authorizer.keySet().size()}'})
    else:
        c.put_integration(restApiId=api_id, resourceId=res, httpMethod=http_method, type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=LAMBDA_URI.format(name="echo"))


def token_authorizer(c, api_id, ttl=300, **extra):
    return c.create_authorizer(restApiId=api_id, name=unique_name("tok"), type="TOKEN",
                               authorizerUri=LAMBDA_URI.format(name="authz"),
                               identitySource="method.request.header.Authorization",
                               authorizerResultTtlInSeconds=ttl, **extra)["id"]


def url(api_id, path="pets", stage="dev"):
    return f"/restapis/{api_id}/{stage}/_user_request_/{path}"


# -- Lambda TOKEN authorizers --

def test_token_authorizer_allows_denies_and_refuses_as_aws(gw, c):
    api_id, res = api_with(c, "CUSTOM")
    az = token_authorizer(c, api_id, ttl=0)
    add_method(c, api_id, res, "CUSTOM", az)
    c.create_deployment(restApiId=api_id, stageName="dev")

    status, headers, body = call(gw, "GET", url(api_id))
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    assert headers["x-amzn-errortype"] == "UnauthorizedException"

    status, _, body = call(gw, "GET", url(api_id), {"Authorization": "allow"})
    assert status == 200, body
    seen = json.loads(body)
    assert seen["principal"] == "user-7"
    assert seen["team"] == "blue" and seen["level"] == "3"
    assert seen["keys"] == 5, "principalId, integrationLatency and the three context keys"
    assert FakeLambda.events[-1]["type"] == "TOKEN"
    assert FakeLambda.events[-1]["authorizationToken"] == "allow"
    assert FakeLambda.events[-1]["methodArn"] == \
        f"arn:aws:execute-api:us-east-1:000000000000:{api_id}/dev/GET/pets"

    status, headers, body = call(gw, "GET", url(api_id), {"Authorization": "deny"})
    assert (status, json.loads(body)) == (
        403, {"Message": "User is not authorized to access this resource with an explicit deny"})
    assert headers["x-amzn-errortype"] == "AccessDeniedException"

    status, _, body = call(gw, "GET", url(api_id), {"Authorization": "elsewhere"})
    assert (status, json.loads(body)) == (403, {"Message": "User is not authorized to access this resource"})

    status, _, body = call(gw, "GET", url(api_id), {"Authorization": "unauthorized"})
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})

    for bad in ("crash", "garbage"):
        status, headers, body = call(gw, "GET", url(api_id), {"Authorization": bad})
        assert status == 500, bad
        assert json.loads(body) == {"message": None}
        assert headers["x-amzn-errortype"] == "AuthorizerConfigurationException"


def test_identity_validation_expression_refuses_without_calling(gw, c):
    api_id, res = api_with(c, "CUSTOM")
    az = token_authorizer(c, api_id, ttl=0, identityValidationExpression="Bearer [a-z]+")
    add_method(c, api_id, res, "CUSTOM", az)
    c.create_deployment(restApiId=api_id, stageName="dev")
    before = FakeLambda.calls["nope"]
    status, _, _ = call(gw, "GET", url(api_id), {"Authorization": "nope"})
    assert status == 401
    assert FakeLambda.calls["nope"] == before, "the authorizer was not called"
    status, _, _ = call(gw, "GET", url(api_id), {"Authorization": "Bearer allow"})
    assert status == 200


def test_results_are_cached_per_token_and_flushed(gw, c):
    api_id, res = api_with(c, "CUSTOM")
    az = token_authorizer(c, api_id, ttl=300)
    add_method(c, api_id, res, "CUSTOM", az)
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="POST", authorizationType="CUSTOM",
                 authorizerId=az)
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="POST", type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": 200}'})
    c.create_deployment(restApiId=api_id, stageName="dev")
    FakeLambda.calls.clear()
    for _ in range(5):
        assert call(gw, "GET", url(api_id), {"Authorization": "allow"})[0] == 200
    assert FakeLambda.calls["allow"] == 1, "one call, then the cached policy"
    # The cached policy is evaluated against each request's ARN: it allows GET only.
    status, _, body = call(gw, "POST", url(api_id), {"Authorization": "allow"})
    assert (status, json.loads(body)) == (403, {"Message": "User is not authorized to access this resource"})
    assert FakeLambda.calls["allow"] == 1
    c.flush_stage_authorizers_cache(restApiId=api_id, stageName="dev")
    assert call(gw, "GET", url(api_id), {"Authorization": "allow"})[0] == 200
    assert FakeLambda.calls["allow"] == 2, "the flush emptied the cache"


def test_request_authorizer_sources_and_context_reach_a_lambda_proxy(gw, c):
    api_id, res = api_with(c, "CUSTOM")
    az = c.create_authorizer(restApiId=api_id, name=unique_name("req"), type="REQUEST",
                             authorizerUri=LAMBDA_URI.format(name="authz"),
                             identitySource="method.request.querystring.t, method.request.header.X-Device",
                             authorizerResultTtlInSeconds=0)["id"]
    add_method(c, api_id, res, "CUSTOM", az, integration="lambda")
    c.create_deployment(restApiId=api_id, stageName="dev", variables={"v": "1"})
    before = sum(FakeLambda.calls.values())
    status, _, _ = call(gw, "GET", url(api_id, "pets?t=allow"))
    assert status == 401, "a missing identity source refuses without calling"
    assert sum(FakeLambda.calls.values()) == before
    status, _, body = call(gw, "GET", url(api_id, "pets?t=allow"), {"X-Device": "d1"})
    assert status == 200, body
    event = FakeLambda.events[-1]
    assert event["type"] == "REQUEST"
    assert event["methodArn"].endswith(f"{api_id}/dev/GET/pets")
    assert event["queryStringParameters"] == {"t": "allow"}
    assert event["headers"]["X-Device"] == "d1", "names as the client wrote them"
    assert event["stageVariables"] == {"v": "1"}
    proxied = json.loads(body)  # the echo function answers with the event it was given
    authz = proxied["requestContext"]["authorizer"]
    assert authz["principalId"] == "user-7"
    assert authz["team"] == "blue" and authz["level"] == "3" and authz["admin"] == "true"


def test_authorizer_context_reaches_an_http_backend_through_mappings(gw, c):
    seen = []

    class Backend(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(dict(self.headers))
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    backend = serve_http(Backend)
    try:
        api_id, res = api_with(c, "CUSTOM")
        az = token_authorizer(c, api_id, ttl=0)
        c.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType="CUSTOM",
                     authorizerId=az)
        c.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="HTTP",
                          integrationHttpMethod="GET", uri=f"http://127.0.0.1:{backend.server_address[1]}/x",
                          requestParameters={"integration.request.header.X-Principal": "context.authorizer.principalId",
                                             "integration.request.header.X-Team": "context.authorizer.team"})
        c.put_method_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200")
        c.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200")
        c.create_deployment(restApiId=api_id, stageName="dev")
        status, _, _ = call(gw, "GET", url(api_id), {"Authorization": "allow"})
        assert status == 200
        headers = {k.lower(): v for k, v in seen[-1].items()}
        assert headers["x-principal"] == "user-7" and headers["x-team"] == "blue"
    finally:
        backend.shutdown()


def test_gateway_responses_customise_refusals(gw, c):
    api_id, res = api_with(c, "CUSTOM")
    az = token_authorizer(c, api_id, ttl=0)
    add_method(c, api_id, res, "CUSTOM", az)
    c.put_gateway_response(restApiId=api_id, responseType="UNAUTHORIZED", statusCode="401",
                           responseParameters={"gatewayresponse.header.WWW-Authenticate": "'Bearer'"},
                           responseTemplates={"application/json": '{"error": "$context.error.responseType"}'})
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, headers, body = call(gw, "GET", url(api_id))
    assert status == 401
    assert headers["www-authenticate"] == "Bearer"
    assert json.loads(body) == {"error": "UNAUTHORIZED"}


def test_an_authorizer_change_needs_a_redeploy(gw, c):
    api_id, res = api_with(c, "NONE")
    add_method(c, api_id, res, "NONE")
    c.create_deployment(restApiId=api_id, stageName="dev")
    assert call(gw, "GET", url(api_id))[0] == 200
    az = token_authorizer(c, api_id, ttl=0)
    c.update_method(restApiId=api_id, resourceId=res, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
        {"op": "replace", "path": "/authorizerId", "value": az}])
    assert call(gw, "GET", url(api_id))[0] == 200, "not deployed yet"
    c.create_deployment(restApiId=api_id, stageName="dev")
    assert call(gw, "GET", url(api_id))[0] == 401


# -- Cognito user pools --

def cognito_api(c, scopes=None):
    api_id, res = api_with(c, "COGNITO_USER_POOLS")
    az = c.create_authorizer(restApiId=api_id, name=unique_name("cog"), type="COGNITO_USER_POOLS",
                             providerARNs=[f"arn:aws:cognito-idp:us-east-1:000000000000:userpool/{POOL}"],
                             identitySource="method.request.header.Authorization")["id"]
    add_method(c, api_id, res, "COGNITO_USER_POOLS", az, scopes=scopes)
    c.create_deployment(restApiId=api_id, stageName="dev")
    return api_id


def test_cognito_tokens(gw, c, cognito_endpoint):
    api_id = cognito_api(c)
    iss = f"{cognito_endpoint}/{POOL}"
    now = int(time.time())
    good = jwt({"sub": "abc-123", "iss": iss, "exp": now + 600, "token_use": "id", "email": "a@b.c"})
    status, _, body = call(gw, "GET", url(api_id), {"Authorization": good})
    assert status == 200, body
    assert json.loads(body)["sub"] == "abc-123"
    for bad in (
        jwt({"sub": "x", "iss": iss, "exp": now - 5, "token_use": "id"}),              # expired
        jwt({"sub": "x", "iss": "http://127.0.0.1:1/other", "exp": now + 600, "token_use": "id"}),
        jwt({"sub": "x", "iss": iss, "exp": now + 600, "token_use": "id"}, key=OTHER_RSA),  # wrong key
        jwt({"sub": "x", "iss": iss, "exp": now + 600, "token_use": "id"}, kid="unknown"),
        good[:-4] + "AAAA",
        "not-a-jwt",
    ):
        status, headers, body = call(gw, "GET", url(api_id), {"Authorization": bad})
        assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
        assert headers["x-amzn-errortype"] == "UnauthorizedException"
    assert call(gw, "GET", url(api_id))[0] == 401


def test_cognito_scopes_need_access_tokens(gw, c, cognito_endpoint):
    api_id = cognito_api(c, scopes=["pets/read"])
    iss = f"{cognito_endpoint}/{POOL}"
    exp = int(time.time()) + 600
    access = jwt({"sub": "s", "iss": iss, "exp": exp, "token_use": "access", "scope": "pets/read other"})
    assert call(gw, "GET", url(api_id), {"Authorization": access})[0] == 200
    wrong_scope = jwt({"sub": "s", "iss": iss, "exp": exp, "token_use": "access", "scope": "other"})
    assert call(gw, "GET", url(api_id), {"Authorization": wrong_scope})[0] == 401
    id_token = jwt({"sub": "s", "iss": iss, "exp": exp, "token_use": "id"})
    assert call(gw, "GET", url(api_id), {"Authorization": id_token})[0] == 401


# -- AWS_IAM --

def signed(gw, method, path, key, secret, region="us-east-1", query_auth=False, body=b""):
    u = f"http://127.0.0.1:{gw.port}{path}"
    req = AWSRequest(method=method, url=u, data=body)
    creds = Credentials(key, secret)
    if query_auth:
        SigV4QueryAuth(creds, "execute-api", region, expires=60).add_auth(req)
        return call(gw, method, req.url.split(f"{gw.port}", 1)[1], dict(req.headers), body or None)
    SigV4Auth(creds, "execute-api", region).add_auth(req)
    return call(gw, method, path, dict(req.headers), body or None)


def test_iam_methods_verify_sigv4(gw, c):
    api_id, res = api_with(c, "AWS_IAM")
    add_method(c, api_id, res, "AWS_IAM")
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, headers, body = call(gw, "GET", url(api_id))
    assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"

    status, _, body = signed(gw, "GET", url(api_id), MGMT_KEY, MGMT_SECRET)
    assert status == 200, body
    assert json.loads(body)["userArn"] == "arn:aws:iam::000000000000:root"
    status, _, _ = signed(gw, "GET", url(api_id), MGMT_KEY, MGMT_SECRET, query_auth=True)
    assert status == 200

    status, headers, body = signed(gw, "GET", url(api_id), MGMT_KEY, "wrong-secret")
    assert status == 403
    assert headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert json.loads(body)["message"].startswith("The request signature we calculated does not match")
    status, headers, body = signed(gw, "GET", url(api_id), "AKIANOBODYKNOWS00000", MGMT_SECRET)
    assert (status, headers["x-amzn-errortype"]) == (403, "UnrecognizedClientException")
    assert json.loads(body) == {"message": "The security token included in the request is invalid."}

    # A caller of another account needs the resource policy too.
    status, headers, body = signed(gw, "GET", url(api_id), OTHER_KEY, OTHER_SECRET)
    assert status == 403
    assert json.loads(body)["Message"].startswith(f"User: {OTHER_ARN} is not authorized to perform: "
                                                  "execute-api:Invoke on resource: arn:aws:execute-api:")


def test_stale_signatures_are_refused(gw, c):
    api_id, res = api_with(c, "AWS_IAM")
    add_method(c, api_id, res, "AWS_IAM")
    c.create_deployment(restApiId=api_id, stageName="dev")
    u = f"http://127.0.0.1:{gw.port}{url(api_id)}"
    req = AWSRequest(method="GET", url=u)
    auth = SigV4Auth(Credentials(MGMT_KEY, MGMT_SECRET), "execute-api", "us-east-1")
    import datetime
    import unittest.mock
    # Signed in 2020: far outside the five minutes of allowed skew.
    with unittest.mock.patch("botocore.auth.get_current_datetime",
                             return_value=datetime.datetime(2020, 1, 1)):
        auth.add_auth(req)
    status, headers, body = call(gw, "GET", url(api_id), dict(req.headers))
    assert status == 403
    assert headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert json.loads(body)["message"].startswith("Signature expired")


# -- resource policies --

def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_resource_policy_ip_rules_and_redeploys(gw, c):
    allow_loopback = policy({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                             "Resource": "execute-api:/*",
                             "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8"]}}})
    api_id, res = api_with(c, "NONE", policy=allow_loopback)
    stored = json.loads(c.get_rest_api(restApiId=api_id)["policy"])
    assert stored["Statement"][0]["Resource"] == f"arn:aws:execute-api:us-east-1:000000000000:{api_id}/*"
    add_method(c, api_id, res, "NONE")
    c.create_deployment(restApiId=api_id, stageName="dev")
    assert call(gw, "GET", url(api_id))[0] == 200

    deny_loopback = policy({"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
                            "Resource": "execute-api:/*/GET/pets",
                            "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}}},
                           {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                            "Resource": "execute-api:/*"})
    c.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/policy", "value": json.dumps(deny_loopback)}])
    assert call(gw, "GET", url(api_id))[0] == 200, "a policy change needs a redeploy"
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, headers, body = call(gw, "GET", url(api_id))
    assert status == 403
    assert headers["x-amzn-errortype"] == "AccessDeniedException"
    assert json.loads(body) == {"Message": (
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        f"arn:aws:execute-api:us-east-1:********0000:{api_id}/dev/GET/pets with an explicit deny")}

    elsewhere = policy({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                        "Resource": "execute-api:/*",
                        "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}})
    c.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/policy", "value": json.dumps(elsewhere)}])
    c.create_deployment(restApiId=api_id, stageName="dev")
    status, _, body = call(gw, "GET", url(api_id))
    assert status == 403
    assert json.loads(body)["Message"].endswith(f"{api_id}/dev/GET/pets"), "an implicit deny"


def test_resource_policy_with_principals_and_iam(gw, c):
    outsider_allowed = policy({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                               "Action": "execute-api:Invoke", "Resource": "execute-api:/*"})
    api_id, res = api_with(c, "AWS_IAM", policy=outsider_allowed)
    add_method(c, api_id, res, "AWS_IAM")
    c.create_deployment(restApiId=api_id, stageName="dev")
    assert signed(gw, "GET", url(api_id), OTHER_KEY, OTHER_SECRET)[0] == 200, "allowed by the policy"
    assert signed(gw, "GET", url(api_id), MGMT_KEY, MGMT_SECRET)[0] == 200, "same account: IAM allows"


def test_resource_policy_deny_wins_before_the_authorizer_is_called(gw, c):
    deny_all = policy({"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
                       "Resource": "execute-api:/*"})
    api_id, res = api_with(c, "CUSTOM", policy=deny_all)
    az = token_authorizer(c, api_id, ttl=0)
    add_method(c, api_id, res, "CUSTOM", az)
    c.create_deployment(restApiId=api_id, stageName="dev")
    FakeLambda.calls.clear()
    status, _, _ = call(gw, "GET", url(api_id), {"Authorization": "allow"})
    assert status == 403
    assert FakeLambda.calls["allow"] == 0


def test_invalid_policies_are_refused_by_the_management_api(c):
    api = c.create_rest_api(name=unique_name("badpolicy"))
    with pytest.raises(c.exceptions.BadRequestException):
        c.update_rest_api(restApiId=api["id"], patchOperations=[
            {"op": "replace", "path": "/policy", "value": "{\"Statement\": 5}"}])


# -- TestInvokeAuthorizer --

def test_test_invoke_authorizer_runs_the_current_definition(gw, c):
    api = c.create_rest_api(name=unique_name("testauth"))
    az = token_authorizer(c, api["id"], ttl=300)
    FakeLambda.calls.clear()
    out = c.test_invoke_authorizer(restApiId=api["id"], authorizerId=az,
                                   headers={"Authorization": "allow"}, pathWithQueryString="/pets")
    assert out["clientStatus"] == 200
    assert out["principalId"] == "user-7"
    assert json.loads(out["policy"])["Statement"][0]["Effect"] == "Allow"
    assert out["authorization"]["team"] == ["blue"]
    assert FakeLambda.events[-1]["methodArn"] == \
        f"arn:aws:execute-api:us-east-1:000000000000:{api['id']}/ESTestInvoke-stage/GET/"
    # Never cached: a second test calls the function again.
    c.test_invoke_authorizer(restApiId=api["id"], authorizerId=az, headers={"Authorization": "allow"})
    assert FakeLambda.calls["allow"] == 2
    assert c.test_invoke_authorizer(restApiId=api["id"], authorizerId=az,
                                    headers={"Authorization": "unauthorized"})["clientStatus"] == 401
    assert c.test_invoke_authorizer(restApiId=api["id"], authorizerId=az)["clientStatus"] == 401
    assert c.test_invoke_authorizer(restApiId=api["id"], authorizerId=az,
                                    headers={"Authorization": "crash"})["clientStatus"] == 500
    with pytest.raises(c.exceptions.NotFoundException):
        c.test_invoke_authorizer(restApiId=api["id"], authorizerId="nope00")


def test_test_invoke_authorizer_from_the_cli_with_cognito(gw, cognito_endpoint):
    from e2e_helpers import AwsCli
    cli = AwsCli(gw.endpoint, access_key=MGMT_KEY, secret_key=MGMT_SECRET)
    api_id = cli.ok("apigateway", "create-rest-api", "--name", unique_name("clicog"))["id"]
    az = cli.ok("apigateway", "create-authorizer", "--rest-api-id", api_id, "--name", "cog",
                "--type", "COGNITO_USER_POOLS", "--identity-source", "method.request.header.Authorization",
                "--provider-arns", f"arn:aws:cognito-idp:us-east-1:000000000000:userpool/{POOL}")["id"]
    token = jwt({"sub": "cli-user", "iss": f"{cognito_endpoint}/{POOL}", "exp": int(time.time()) + 600,
                 "token_use": "id"})
    out = cli.ok("apigateway", "test-invoke-authorizer", "--rest-api-id", api_id, "--authorizer-id", az,
                 "--headers", json.dumps({"Authorization": token}))
    assert out["clientStatus"] == 200
    assert out["claims"]["sub"] == "cli-user"
    out = cli.ok("apigateway", "test-invoke-authorizer", "--rest-api-id", api_id, "--authorizer-id", az,
                 "--headers", json.dumps({"Authorization": token[:-3] + "xyz"}))
    assert out["clientStatus"] == 401


def test_method_scopes_are_added_and_removed_one_at_a_time(gw, c, cognito_endpoint):
    api_id = cognito_api(c)
    res = [r for r in c.get_resources(restApiId=api_id)["items"] if r["path"] == "/pets"][0]["id"]
    for scope in ("pets/read", "pets/write"):
        c.update_method(restApiId=api_id, resourceId=res, httpMethod="GET",
                        patchOperations=[{"op": "add", "path": "/authorizationScopes", "value": scope}])
    assert c.get_method(restApiId=api_id, resourceId=res, httpMethod="GET")["authorizationScopes"] == \
        ["pets/read", "pets/write"]
    c.update_method(restApiId=api_id, resourceId=res, httpMethod="GET",
                    patchOperations=[{"op": "remove", "path": "/authorizationScopes", "value": "pets/read"}])
    assert c.get_method(restApiId=api_id, resourceId=res, httpMethod="GET")["authorizationScopes"] == ["pets/write"]
    c.create_deployment(restApiId=api_id, stageName="dev")
    iss = f"{cognito_endpoint}/{POOL}"
    exp = int(time.time()) + 600
    read = jwt({"sub": "s", "iss": iss, "exp": exp, "token_use": "access", "scope": "pets/read"})
    write = jwt({"sub": "s", "iss": iss, "exp": exp, "token_use": "access", "scope": "pets/write"})
    assert call(gw, "GET", url(api_id), {"Authorization": read})[0] == 401
    assert call(gw, "GET", url(api_id), {"Authorization": write})[0] == 200


def test_a_policy_deny_cannot_be_dodged_by_spelling_the_path_differently(gw, c):
    """The method ARN is built from the path as the router matched it: a percent-encoded
    letter or a trailing slash reaches the same method, so it meets the same Deny."""
    deny_admin = policy({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                         "Resource": "execute-api:/*"},
                        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
                         "Resource": "execute-api:/*/GET/admin"})
    api_id, res = api_with(c, "NONE", policy=deny_admin, path_part="admin")
    add_method(c, api_id, res, "NONE")
    c.create_deployment(restApiId=api_id, stageName="dev")
    for path in ("admin", "%61dmin", "admin/", "admin//"):
        status, _, body = call(gw, "GET", url(api_id, path))
        assert status == 403, (path, body)
        assert json.loads(body)["Message"].endswith(f"{api_id}/dev/GET/admin with an explicit deny"), body
