"""Tiny client for Proscenium's management API (stdlib only, one keep-alive connection) and the
benchmark APIs the harness deploys. Loopback only."""
import http.client
import json
import socket
import ssl
import time
import urllib.parse

STAGE = "bench"
LAMBDA_URI = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
              "arn:aws:lambda:us-east-1:000000000000:function:bench/invocations")
BODY = '{"ok":true}'  # what nginx's fixed location answers too


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mgmt:
    def __init__(self, port: int, host: str = "127.0.0.1", tls_ca: str | None = None):
        """`tls_ca`: the server listens with TLS; this CA file verifies it."""
        if not host.startswith("127."):
            raise SystemExit(f"refusing non-loopback host {host}")
        self.host, self.port = host, port
        self.conn = None
        self.tls = ssl.create_default_context(cafile=tls_ca) if tls_ca else None

    def call(self, method: str, path: str, body=None, ok=(200, 201, 202, 204)):
        data = None if body is None else json.dumps(body)
        for attempt in range(3):
            if self.conn is None:
                self.conn = (http.client.HTTPSConnection(self.host, self.port, timeout=60, context=self.tls)
                             if self.tls else http.client.HTTPConnection(self.host, self.port, timeout=60))
            try:
                self.conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.2)
        if r.status not in ok:
            raise RuntimeError(f"{method} {path} -> {r.status}: {raw[:300]!r}")
        return json.loads(raw) if raw else {}

    def wait_healthy(self, proc, timeout: float, what: str, interval: float = 0.05):
        """Waits until `/_proscenium/health` answers 200; gives up when `proc` (if given) exits
        or after `timeout` seconds."""
        scheme = "https" if self.tls else "http"
        end = time.time() + timeout
        while True:
            try:
                if self.get(f"{scheme}://{self.host}:{self.port}/_proscenium/health")[0] == 200:
                    return
            except OSError:
                pass
            if time.time() > end or (proc is not None and proc.poll() is not None):
                raise SystemExit(f"{what}: server did not become healthy")
            time.sleep(interval)

    # --- building blocks ---------------------------------------------------------------
    def create_api(self, name: str) -> tuple[str, str]:
        api = self.call("POST", "/restapis", {"name": name})
        root = api.get("rootResourceId")
        if not root:
            root = self.call("GET", f"/restapis/{api['id']}/resources")["item"][0]["id"]
        return api["id"], root

    def resource(self, api: str, parent: str, part: str) -> str:
        return self.call("POST", f"/restapis/{api}/resources/{parent}", {"pathPart": part})["id"]

    def method(self, api: str, rid: str, integration: dict, response_templates=None, verb="GET"):
        base = f"/restapis/{api}/resources/{rid}/methods/{verb}"
        self.call("PUT", base, {"authorizationType": "NONE"})
        self.call("PUT", base + "/integration", integration)
        self.call("PUT", base + "/responses/200", {})
        if integration["type"] not in ("HTTP_PROXY", "AWS_PROXY"):
            self.call("PUT", base + "/integration/responses/200",
                      {"responseTemplates": {"application/json": response_templates or ""}})

    def deploy(self, api: str, stage: str = STAGE) -> str:
        return self.call("POST", f"/restapis/{api}/deployments", {"stageName": stage})["id"]

    def patch_stage(self, api: str, ops: list, stage: str = STAGE):
        return self.call("PATCH", f"/restapis/{api}/stages/{stage}", {"patchOperations": ops})

    def invoke_url(self, api: str, path: str, stage: str = STAGE) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}/restapis/{api}/{stage}/_user_request_/{path}"

    def get(self, url: str) -> tuple[int, bytes]:
        u = urllib.parse.urlsplit(url)
        c = (http.client.HTTPSConnection(u.hostname, u.port, timeout=10, context=self.tls)
             if u.scheme == "https" else http.client.HTTPConnection(u.hostname, u.port, timeout=10))
        try:
            c.request("GET", u.path + (("?" + u.query) if u.query else ""))
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()


MOCK = {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}


def http_proxy(port: int) -> dict:
    return {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": f"http://127.0.0.1:{port}/"}


def lambda_proxy() -> dict:
    return {"type": "AWS_PROXY", "httpMethod": "POST", "uri": LAMBDA_URI}


def http_with_templates(port: int) -> dict:
    return {"type": "HTTP", "httpMethod": "POST", "uri": f"http://127.0.0.1:{port}/",
            "requestTemplates": {"application/json":
                                 '{"stage": "$context.stage", "requestId": "$context.requestId", '
                                 '"q": "$input.params(\'q\')"}'}}


HTTP_RESPONSE_TEMPLATE = '{"backend": $input.json(\'$\'), "requestId": "$context.requestId"}'


def simple_api(m: Mgmt, name: str, part: str, integration: dict, response_template=None) -> dict:
    api, root = m.create_api(name)
    rid = m.resource(api, root, part)
    m.method(api, rid, integration, response_template)
    m.deploy(api)
    return {"api": api, "url": m.invoke_url(api, part)}


def tree_api(m: Mgmt, name: str, total: int, methods_on_all: bool = False) -> dict:
    """An API with `total` resources below the root, nested two levels deep so that no
    sibling list is long: /r{i} with children /r{i}/s{j}. The measured route is the last leaf."""
    api, root = m.create_api(name)
    fan = max(1, int(round(total ** 0.5)))
    made, last = 0, None
    i = 0
    while made < total:
        top = m.resource(api, root, f"r{i}")
        made += 1
        if methods_on_all:
            m.method(api, top, MOCK, BODY)
        j = 0
        while made < total and j < fan - 1:
            last = (m.resource(api, top, f"s{j}"), f"r{i}/s{j}")
            made += 1
            if methods_on_all:
                m.method(api, last[0], MOCK, BODY)
            j += 1
        i += 1
    if not methods_on_all:
        m.method(api, last[0], MOCK, BODY)
    return {"api": api, "path": last[1], "resources": made}
