"""GetSdkTypes, GetSdkType and GetSdk through the real binary, and the generated JavaScript
client executed by Node.js and headless Chromium against the running gateway (the TypeScript
client type-checked with tsc, compiled and run too): a plain MOCK call, an HTTP
integration with path, query and header parameters and a body, an API key method (refused
without the key, served with it), and an AWS_IAM method signed by the client's own SigV4
(refused with a wrong secret)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import zipfile
from http.server import BaseHTTPRequestHandler

import pytest

from e2e_helpers import ProsceniumServer, expect_error, make_client, serve_http, unique_name

NODE = shutil.which("node")
KEY, SECRET = "AKIASDKTEST000000001", "sdk/test/secret+0123456789"


class Echo(BaseHTTPRequestHandler):
    def _answer(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
        payload = json.dumps({"method": self.command, "path": self.path, "body": body,
                              "trace": self.headers.get("x-trace")}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def gw():
    srv = ProsceniumServer(env={"PROSCENIUM_ACCESS_KEY_ID": KEY, "PROSCENIUM_SECRET_ACCESS_KEY": SECRET})
    srv.start()
    yield srv
    srv.cleanup()


@pytest.fixture(scope="module")
def c(gw):
    return make_client(gw.endpoint, access_key=KEY, secret_key=SECRET)


def test_sdk_types(c):
    types = c.get_sdk_types()["items"]
    assert [t["id"] for t in types] == ["javascript", "typescript"]
    assert c.get_sdk_type(id="javascript")["friendlyName"] == "JavaScript"
    expect_error(c.get_sdk_type, 404, "NotFoundException", id="cobol")


def build_api(c, backend):
    doc = {
        "openapi": "3.0.1", "info": {"title": unique_name("sdk"), "version": "1"},
        "components": {"securitySchemes": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header",
                      "x-amazon-apigateway-authtype": "awsSigv4"}}},
        "paths": {
            "/": {"get": {"responses": {"200": {"description": "ok"}}, "x-amazon-apigateway-integration": {
                "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                "responses": {"default": {"statusCode": "200",
                                          "responseTemplates": {"application/json": "{\"hello\": \"sdk\"}"}}}}}},
            "/pets/{petId}": {"put": {
                "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}},
                               {"name": "page", "in": "query", "schema": {"type": "string"}},
                               {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "http_proxy", "httpMethod": "PUT", "uri": f"http://{backend}/backend/pets/{{id}}",
                    "requestParameters": {"integration.request.path.id": "method.request.path.petId"}}}},
            "/keyed": {"get": {"security": [{"api_key": []}], "responses": {"200": {"description": "ok"}},
                               "x-amazon-apigateway-integration": {
                                   "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                                   "responses": {"default": {"statusCode": "200",
                                                             "responseTemplates": {"application/json": "{\"keyed\": true}"}}}}}},
            "/signed": {"post": {"security": [{"sigv4": []}], "responses": {"200": {"description": "ok"}},
                                 "x-amazon-apigateway-integration": {
                                     "type": "http_proxy", "httpMethod": "POST", "uri": f"http://{backend}/signed"}}},
        },
    }
    api_id = c.import_rest_api(body=json.dumps(doc).encode())["id"]
    c.create_deployment(restApiId=api_id, stageName="dev")
    key = c.create_api_key(name=unique_name("k"), enabled=True)
    plan = c.create_usage_plan(name=unique_name("p"), apiStages=[{"apiId": api_id, "stage": "dev"}])
    c.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    return api_id, key["value"]


SCRIPT = r"""
const factory = require(process.argv[2] + '/apigClient.js');
const base = { invokeUrl: process.argv[3], region: 'us-east-1' };
const out = {};
const settle = (p) => p.then((r) => ({ status: r.status, data: r.data }),
                             (e) => ({ status: e.response ? e.response.status : -1, data: e.response ? e.response.data : String(e) }));
(async () => {
  const plain = factory.newClient(base);
  out.methods = Object.keys(plain).sort();
  out.root = await settle(plain.rootGet({}, null, {}));
  out.put = await settle(plain.petsPetIdPut({ petId: 'p 1', page: '2', 'X-Trace': 't9' }, { name: 'rex' }, {}));
  out.keyMissing = await settle(plain.keyedGet({}, null, {}));
  out.keyed = await settle(factory.newClient({ ...base, apiKey: process.argv[4] }).keyedGet({}, null, {}));
  out.unsigned = await settle(plain.signedPost({}, { a: 1 }, {}));
  out.signed = await settle(factory.newClient({ ...base, accessKey: process.argv[5], secretKey: process.argv[6] })
    .signedPost({}, { a: 1 }, { queryParams: { x: 'y z' } }));
  out.badSecret = await settle(factory.newClient({ ...base, accessKey: process.argv[5], secretKey: 'wrong' })
    .signedPost({}, { a: 1 }, {}));
  console.log(JSON.stringify(out));
})();
"""


@pytest.mark.skipif(NODE is None, reason="needs Node.js")
def test_generated_javascript_client_runs_in_node(c, gw, tmp_path):
    srv = serve_http(Echo)
    try:
        api_id, api_key = build_api(c, f"127.0.0.1:{srv.server_address[1]}")
        resp = c.get_sdk(restApiId=api_id, stageName="dev", sdkType="javascript")
        assert resp["contentType"] == "application/octet-stream"
        assert resp["contentDisposition"].endswith('javascript.zip"')
        z = zipfile.ZipFile(io.BytesIO(resp["body"].read()))
        names = set(z.namelist())
        assert {"apigClient-js/apigClient.js", "apigClient-js/README.md",
                "apigClient-js/lib/apiGatewayCore/apiGatewayClient.js",
                "apigClient-js/lib/apiGatewayCore/sigV4Client.js",
                "apigClient-js/lib/apiGatewayCore/sha256.js"} == names
        z.extractall(tmp_path)
        script = tmp_path / "run.js"
        script.write_text(SCRIPT)
        invoke = f"http://127.0.0.1:{gw.port}/restapis/{api_id}/dev/_user_request_"
        proc = subprocess.run([NODE, str(script), str(tmp_path / "apigClient-js"), invoke, api_key, KEY, SECRET],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert out["methods"] == ["keyedGet", "petsPetIdPut", "rootGet", "signedPost"]
        assert out["root"] == {"status": 200, "data": {"hello": "sdk"}}
        put = out["put"]
        assert put["status"] == 200
        assert put["data"]["method"] == "PUT"
        assert put["data"]["path"] == "/backend/pets/p%201?page=2"
        assert (json.loads(put["data"]["body"]), put["data"]["trace"]) == ({"name": "rex"}, "t9")
        assert out["keyMissing"] == {"status": 403, "data": {"message": "Forbidden"}}
        assert out["keyed"] == {"status": 200, "data": {"keyed": True}}
        assert out["unsigned"]["status"] == 403
        assert out["signed"]["status"] == 200, out["signed"]
        assert out["signed"]["data"]["path"] == "/signed?x=y%20z"
        assert out["badSecret"]["status"] == 403
        assert out["badSecret"]["data"]["message"].startswith("The request signature we calculated does not match")
    finally:
        srv.shutdown()


def test_unsupported_sdk_types_answer_bad_request(c):
    api_id = c.create_rest_api(name=unique_name("sdk"))["id"]
    root = c.get_resources(restApiId=api_id)["items"][0]["id"]
    c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    c.create_deployment(restApiId=api_id, stageName="dev")
    for kind in ["java", "android", "objectivec", "swift", "ruby"]:
        expect_error(c.get_sdk, 400, "BadRequestException", restApiId=api_id, stageName="dev", sdkType=kind)
    expect_error(c.get_sdk, 404, "NotFoundException", "Invalid stage identifier specified",
                 restApiId=api_id, stageName="nope", sdkType="javascript")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

PAGE = """<!doctype html><html><body>
<script src="lib/apiGatewayCore/sha256.js"></script>
<script src="lib/apiGatewayCore/sigV4Client.js"></script>
<script src="lib/apiGatewayCore/apiGatewayClient.js"></script>
<script src="apigClient.js"></script>
<script>
var base = { invokeUrl: @@INVOKE@@, region: 'us-east-1' };
var settle = function (p) {
  return p.then(function (r) { return { status: r.status, data: r.data }; },
                function (e) { return { status: e.response ? e.response.status : -1,
                                        data: e.response ? e.response.data : String(e) }; });
};
var out = {};
settle(apigClientFactory.newClient(base).rootGet({}, null, {})).then(function (r) {
  out.root = r;
  return settle(apigClientFactory.newClient(Object.assign({ apiKey: @@APIKEY@@ }, base)).keyedGet({}, null, {}));
}).then(function (r) {
  out.keyed = r;
  return settle(apigClientFactory.newClient(Object.assign({ accessKey: @@AK@@, secretKey: @@SK@@ }, base))
    .signedPost({}, { a: 1 }, {}));
}).then(function (r) {
  out.signed = r;
  document.body.setAttribute('data-result', JSON.stringify(out));
});
</script></body></html>
"""


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium")
def test_generated_javascript_client_runs_in_headless_chromium(c, gw, tmp_path):
    import html
    import re
    srv = serve_http(Echo)
    try:
        api_id, api_key = build_api(c, f"127.0.0.1:{srv.server_address[1]}")
        body = c.get_sdk(restApiId=api_id, stageName="dev", sdkType="javascript")["body"].read()
        zipfile.ZipFile(io.BytesIO(body)).extractall(tmp_path)
        root = tmp_path / "apigClient-js"
        invoke = f"http://127.0.0.1:{gw.port}/restapis/{api_id}/dev/_user_request_"
        # One pass over @@NAME@@ placeholders: a value (a random API key may contain "SK")
        # is never rescanned for another placeholder.
        values = {"INVOKE": invoke, "APIKEY": api_key, "AK": KEY, "SK": SECRET}
        page = re.sub(r"@@(\w+)@@", lambda m: json.dumps(values[m.group(1)]), PAGE)
        (root / "index.html").write_text(page)
        # The page is a file:// document calling the gateway on another origin: web security
        # (CORS) is off so that the client itself is what is tested.
        proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-web-security",
                               f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000",
                               "--dump-dom", (root / "index.html").as_uri()],
                              capture_output=True, text=True, timeout=90)
        m = re.search(r'data-result="([^"]*)"', proc.stdout)
        assert m, proc.stdout[:2000] + proc.stderr[-2000:]
        out = json.loads(html.unescape(m.group(1)))
        assert out["root"] == {"status": 200, "data": {"hello": "sdk"}}
        assert out["keyed"] == {"status": 200, "data": {"keyed": True}}
        assert out["signed"]["status"] == 200, out["signed"]
        assert out["signed"]["data"]["path"] == "/signed"
    finally:
        srv.shutdown()


# tsc: $TSC, on PATH, or the console tests' own (console/tests/run.sh installs it with npm ci).
_CONSOLE_TSC = os.path.join(os.path.dirname(__file__), "..", "..", "console", "tests", "node_modules", ".bin", "tsc")
TSC = (os.environ.get("TSC") or shutil.which("tsc")
       or (os.path.abspath(_CONSOLE_TSC) if os.access(_CONSOLE_TSC, os.X_OK) else None))
if os.environ.get("CI") and (TSC is None or NODE is None):
    raise RuntimeError("CI must type-check the TypeScript SDK: run console/tests/run.sh first (npm ci installs tsc)")

TS_RUN = """
import { newClient } from './dist/apigClient.js';
const base = { invokeUrl: process.argv[2], region: 'us-east-1' };
const settle = (p) => p.then((r) => ({ status: r.status, data: r.data }),
                             (e) => ({ status: e.response ? e.response.status : -1, data: String(e) }));
const out = {};
out.root = await settle(newClient(base).rootGet({}));
out.keyed = await settle(newClient({ ...base, apiKey: process.argv[3] }).keyedGet({}));
out.signed = await settle(newClient({ ...base, accessKey: process.argv[4], secretKey: process.argv[5] })
  .signedPost({}, null, { queryParams: { q: '1' } }));
console.log(JSON.stringify(out));
"""

TS_MISUSE = """
import { newClient } from './apigClient.js';
const client = newClient({});
// petId is required and typed: leaving it out must not type-check.
client.petsPetIdPut({ page: '2' }, null);
"""


@pytest.mark.skipif(TSC is None or NODE is None, reason="needs tsc (TypeScript) and Node.js; set TSC")
def test_typescript_client_type_checks_compiles_and_runs(c, gw, tmp_path):
    srv = serve_http(Echo)
    try:
        api_id, api_key = build_api(c, f"127.0.0.1:{srv.server_address[1]}")
        resp = c.get_sdk(restApiId=api_id, stageName="dev", sdkType="typescript")
        z = zipfile.ZipFile(io.BytesIO(resp["body"].read()))
        assert "apigClient-ts/apigClient.ts" in z.namelist()
        z.extractall(tmp_path)
        root = tmp_path / "apigClient-ts"
        source = (root / "apigClient.ts").read_text()
        assert "export interface PetsPetIdPutParams" in source
        proc = subprocess.run([TSC, "-p", str(root)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        (root / "run.mjs").write_text(TS_RUN)
        invoke = f"http://127.0.0.1:{gw.port}/restapis/{api_id}/dev/_user_request_"
        proc = subprocess.run([NODE, str(root / "run.mjs"), invoke, api_key, KEY, SECRET],
                              capture_output=True, text=True, timeout=60, cwd=root)
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert out["root"] == {"status": 200, "data": {"hello": "sdk"}}
        assert out["keyed"] == {"status": 200, "data": {"keyed": True}}
        assert out["signed"]["status"] == 200 and out["signed"]["data"]["path"] == "/signed?q=1"
        # The types are real: a call missing a required parameter fails to compile.
        (root / "misuse.ts").write_text(TS_MISUSE)
        proc = subprocess.run([TSC, "--noEmit", "--strict", "--target", "ES2020", "--module", "ES2020",
                               "--moduleResolution", "bundler", "--lib", "ES2020,DOM", str(root / "misuse.ts")],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode != 0 and "petId" in proc.stdout
    finally:
        srv.shutdown()
