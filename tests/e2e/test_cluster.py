"""Several nodes, one configuration: `--store postgres://…` on a throwaway PostgreSQL.

Every node is a real `proscenium serve` with its own data directory; they share the
configuration through the PostgreSQL server that this module starts (scripts/throwaway-postgres).
Skipped with the reason when this machine has no PostgreSQL server binaries, never under
CI=true (.ci/run installs them). Bounds such as "within 1 s" are upper bounds of a poll,
generous ones: a slow machine must not fail them, a node that never follows must.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from e2e_helpers import ProsceniumServer, add_mock_method, client_error, free_port, unique_name, wait_for

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "throwaway-postgres")
# "Within 1 s", polled with room for a loaded CI machine.
FOLLOW = 5.0


class Postgres:
    """The throwaway server: its superuser URL, fresh databases, pause and resume."""

    def __init__(self):
        out = subprocess.run([SCRIPT], capture_output=True, text=True)
        if out.returncode == 2:
            reason = "no PostgreSQL server here: apt-get install -y postgresql"
            if os.environ.get("CI"):
                pytest.fail(f"CI must run the cluster tests: {reason}")
            pytest.skip(f"NOT RUN: the cluster tests ({reason})")
        assert out.returncode == 0, out.stderr
        self.url, self.dir = out.stdout.split()
        self.count = 0

    def database(self) -> str:
        """A fresh database; returns its URL."""
        self.count += 1
        name = f"cluster{self.count}"
        self.psql(f"CREATE DATABASE {name}")
        return self.url.replace("/postgres?", f"/{name}?")

    def psql(self, sql: str):
        psql = (glob.glob("/usr/lib/postgresql/*/bin/psql") or ["psql"])[0]
        subprocess.run([psql, self.url, "-qc", sql], check=True, capture_output=True)

    def pause(self):
        subprocess.run([SCRIPT, "--pause", self.dir], check=True)

    def resume(self):
        subprocess.run([SCRIPT, "--resume", self.dir], check=True)

    def stop(self):
        subprocess.run([SCRIPT, "--stop", self.dir], check=False)


@pytest.fixture(scope="module")
def pg():
    server = Postgres()
    yield server
    server.stop()


@pytest.fixture
def cluster(pg):
    """Starts nodes on one fresh database: `cluster(n, *args)` returns n more nodes."""
    url = pg.database()
    nodes: list[ProsceniumServer] = []

    def start(n: int = 1, *args: str) -> list[ProsceniumServer]:
        out = []
        for _ in range(n):
            node = ProsceniumServer(extra_args=["--store", url, *args])
            nodes.append(node)
            node.start()
            out.append(node)
        return out

    start.url = url
    start.nodes = nodes
    yield start
    for node in nodes:
        node.cleanup()


def invoke(node: ProsceniumServer, api_id: str, stage: str = "dev") -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"{node.endpoint}/restapis/{api_id}/{stage}/_user_request_/",
                                    timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, OSError) as e:
        return 0, str(e)


def serves(node, api_id, expected: dict, stage: str = "dev") -> bool:
    status, body = invoke(node, api_id, stage)
    return status == 200 and json.loads(body) == expected


def color_api(client) -> tuple[str, str]:
    """An API whose root answers the stage variable `color`; returns (api id, root id)."""
    api = client.create_rest_api(name=unique_name("cluster"))
    api_id, root = api["id"], api["rootResourceId"]
    add_mock_method(client, api_id, root)
    client.put_integration_response(
        restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200", selectionPattern="",
        responseTemplates={"application/json": '{"color": "$stageVariables.color"}'})
    return api_id, root


def test_a_change_through_any_node_is_served_by_every_node(cluster):
    one, two = cluster(2)
    (three,) = cluster(1, "--no-management")
    c1, c2 = one.client(), two.client()
    api_id, root = color_api(c1)
    d1 = c1.create_deployment(restApiId=api_id, stageName="dev", variables={"color": "red"})
    # The node that took the call serves the change when it answers.
    assert serves(one, api_id, {"color": "red"})
    for node in (two, three):
        assert wait_for(lambda n=node: serves(n, api_id, {"color": "red"}), timeout=FOLLOW), node.log_tail()

    c2.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/variables/color", "value": "blue"}])
    assert serves(two, api_id, {"color": "blue"})
    assert wait_for(lambda: serves(one, api_id, {"color": "blue"}), timeout=FOLLOW)
    assert c1.get_stage(restApiId=api_id, stageName="dev")["variables"] == {"color": "blue"}

    # A second deployment, then a rollback to the first through another node.
    c1.put_integration_response(
        restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200", selectionPattern="",
        responseTemplates={"application/json": '{"v": 2}'})
    c1.create_deployment(restApiId=api_id, stageName="dev")
    assert wait_for(lambda: serves(three, api_id, {"v": 2}), timeout=FOLLOW)
    c2.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/deploymentId", "value": d1["id"]}])
    for node in (one, two, three):
        assert wait_for(lambda n=node: serves(n, api_id, {"color": "blue"}), timeout=FOLLOW)

    # A canary through node 2: every node routes part of the traffic to the new deployment.
    c2.create_deployment(restApiId=api_id, stageName="dev",
                         canarySettings={"percentTraffic": 100.0})
    assert wait_for(lambda: serves(three, api_id, {"v": 2}), timeout=FOLLOW)

    # The gateway-only node has no management API.
    resp = client_error(three.client().get_rest_apis)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_two_nodes_writing_at_once_lose_no_acknowledged_update(cluster):
    one, two = cluster(2)
    c1, c2 = one.client(), two.client()
    api_id, _ = color_api(c1)
    c1.create_deployment(restApiId=api_id, stageName="dev", variables={"color": "red"})
    acknowledged: list[str] = []
    refused: list[dict] = []
    lock = threading.Lock()

    def writer(client, prefix):
        for i in range(15):
            key = f"{prefix}{i}"
            try:
                client.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
                    {"op": "replace", "path": f"/variables/{key}", "value": "x"}])
                with lock:
                    acknowledged.append(key)
            except client.exceptions.ConflictException as e:
                with lock:
                    refused.append(e.response)

    threads = [threading.Thread(target=writer, args=(c, p)) for c, p in ((c1, "a"), (c2, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    variables = c2.get_stage(restApiId=api_id, stageName="dev")["variables"]
    assert set(acknowledged) | {"color"} == set(variables), (acknowledged, variables)
    for r in refused:
        assert r["Error"]["Message"] == (
            "Unable to complete operation due to concurrent modification. Please try again later.")
    assert len(acknowledged) + len(refused) == 30

    # The API definition itself: resources created through both nodes at once.
    api = c1.create_rest_api(name=unique_name("race"))
    created: list[str] = []

    def creator(client, prefix):
        for i in range(10):
            try:
                r = client.create_resource(restApiId=api["id"], parentId=api["rootResourceId"],
                                           pathPart=f"{prefix}{i}")
                with lock:
                    created.append(r["path"])
            except client.exceptions.ConflictException:
                pass

    threads = [threading.Thread(target=creator, args=(c, p)) for c, p in ((c1, "a"), (c2, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    paths = {r["path"] for r in c1.get_resources(restApiId=api["id"], limit=500)["items"]}
    assert paths == set(created) | {"/"}, (created, paths)


def test_kill_9_loses_nothing_acknowledged_and_a_late_node_catches_up(cluster):
    one, two = cluster(2)
    c2 = two.client()
    api_id, _ = color_api(c2)
    c2.create_deployment(restApiId=api_id, stageName="dev", variables={"color": "green"})
    key = c2.create_api_key(name="k", enabled=True)
    two.kill()  # right after the acknowledgements
    assert wait_for(lambda: serves(one, api_id, {"color": "green"}), timeout=FOLLOW)
    assert one.client().get_api_key(apiKey=key["id"])["name"] == "k"
    (late,) = cluster(1)
    assert serves(late, api_id, {"color": "green"})
    assert late.client().get_stage(restApiId=api_id, stageName="dev")["variables"] == {"color": "green"}


def test_postgres_restarted_serving_goes_on_management_answers_503_then_recovers(pg, cluster):
    one, two = cluster(2)
    c1 = one.client()
    api_id, _ = color_api(c1)
    c1.create_deployment(restApiId=api_id, stageName="dev", variables={"color": "red"})
    assert wait_for(lambda: serves(two, api_id, {"color": "red"}), timeout=FOLLOW)
    # Invocations go on without a pause while PostgreSQL stops and starts again.
    stop_load = threading.Event()
    served: list[tuple[int, str]] = []

    def load():
        while not stop_load.is_set():
            for node in (one, two):
                served.append(invoke(node, api_id))

    loader = threading.Thread(target=load)
    loader.start()
    pg.pause()
    try:
        for _ in range(20):
            for node in (one, two):
                assert serves(node, api_id, {"color": "red"})
        resp = client_error(c1.get_rest_apis)
        assert resp["ResponseMetadata"]["HTTPStatusCode"] == 503, resp
        assert resp["Error"]["Code"] == "ServiceUnavailableException"
    finally:
        pg.resume()
        stop_load.set()
        loader.join()
    assert served and all(r == (200, '{"color": "red"}') for r in served), set(served)

    def updated():
        try:
            c1.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
                {"op": "replace", "path": "/variables/color", "value": "back"}])
            return True
        except c1.exceptions.ClientError:
            return False

    assert wait_for(updated, timeout=30), one.log_tail()
    assert wait_for(lambda: serves(two, api_id, {"color": "back"}), timeout=FOLLOW), two.log_tail()


def openssl(*args: str):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def ca_and_server_cert(d: str) -> tuple[str, str, str]:
    """A test CA and a certificate it signed for 127.0.0.1: (CA file, certificate, key)."""
    ca_key, ca, key, csr, crt = (os.path.join(d, n) for n in ("ca.key", "ca.pem", "srv.key", "srv.csr", "srv.pem"))
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
            "-subj", "/CN=test ca")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    ext = os.path.join(d, "ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
            "-days", "2", "-extfile", ext)
    return ca, crt, key


def test_sslmode_require_verifies_the_server_against_sslrootcert(pg, cluster, tmp_path):
    """TLS to PostgreSQL: the server's certificate is checked against `sslrootcert`."""
    d = str(tmp_path)
    ca, crt, key = ca_and_server_cert(d)
    # The server reads its key as its own user, private.
    for name, path in (("server.key", key), ("server.crt", crt)):
        target = os.path.join(pg.dir, name)
        subprocess.run(["cp", path, target], check=True)
        os.chmod(target, 0o600)
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres", target], check=True)
    pg.psql(f"ALTER SYSTEM SET ssl_cert_file = '{pg.dir}/server.crt'")
    pg.psql(f"ALTER SYSTEM SET ssl_key_file = '{pg.dir}/server.key'")
    pg.psql("ALTER SYSTEM SET ssl = on")
    pg.psql("SELECT pg_reload_conf()")
    url = pg.database().replace("sslmode=disable", f"sslmode=require&sslrootcert={ca}")
    node = ProsceniumServer(extra_args=["--store", url])
    try:
        node.start()
        api = node.client().create_rest_api(name=unique_name("tls"))
        assert node.client().get_rest_api(restApiId=api["id"])["name"] == api["name"]
    finally:
        node.cleanup()
    # A server the given roots do not vouch for is refused: the node does not start.
    other = os.path.join(d, "other.pem")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", os.path.join(d, "o.key"), "-out",
            other, "-days", "2", "-subj", "/CN=other")
    refused = ProsceniumServer(extra_args=["--store", url.replace(ca, other)])
    try:
        with pytest.raises(RuntimeError) as e:
            refused.start()
        assert "cannot open the store" in str(e.value)
    finally:
        refused.cleanup()


class Redis:
    """A throwaway redis-server on a free port, without persistence."""

    def __init__(self, tmp, tls: tuple[str, str, str] | None = None):
        binary = shutil.which("redis-server")
        if not binary:
            reason = "no redis-server here: apt-get install -y redis-server"
            if os.environ.get("CI"):
                pytest.fail(f"CI must run the shared-throttling tests: {reason}")
            pytest.skip(f"NOT RUN: the shared-throttling tests ({reason})")
        self.port = free_port()
        listen = ["--port", str(self.port)]
        self.url = f"redis://127.0.0.1:{self.port}"
        if tls:
            ca, crt, key = tls
            listen = ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", crt,
                      "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no"]
            self.url = f"rediss://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [binary, *listen, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(tmp)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def redis(tmp_path):
    server = Redis(tmp_path)
    yield server
    server.stop()


def test_a_stage_throttle_holds_for_the_cluster_with_redis_and_redis_down_fails_nothing(
        cluster, redis):
    nodes = cluster(3, "--redis", redis.url)
    for node in nodes:
        assert wait_for(lambda n=node: "throttling is shared through Redis" in n.log_tail(100_000),
                        timeout=10), node.log_tail()
    c = nodes[0].client()
    api_id, _ = color_api(c)
    c.create_deployment(restApiId=api_id, stageName="dev", variables={"color": "red"})
    c.create_deployment(restApiId=api_id, stageName="open", variables={"color": "open"})
    # A burst of 40 and a slow refill (one every 10 s): what the cluster admits is a count.
    burst = 40
    c.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(burst)},
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0.1"}])
    for node in nodes:
        assert wait_for(lambda n=node: invoke(n, api_id, "dev")[0] in (200, 429), timeout=FOLLOW)
    statuses = [invoke(nodes[i % 3], api_id, "dev") for i in range(3 * burst)]
    admitted = sum(1 for s, _ in statuses if s == 200)
    refused = [(s, b) for s, b in statuses if s != 200]
    # Each node alone would admit up to 3 × 40 here; the cluster admits 40 (± 15 %), the few
    # probe requests above included.
    assert burst * 0.85 <= admitted + 3 <= burst * 1.15 + 3, admitted
    assert all(s == 429 and json.loads(b) == {"message": "Too Many Requests"} for s, b in refused)

    redis.stop()
    # Every request is served; a node notices once its lease of the account's bucket (200
    # tokens at AWS's default 10 000 rps) is spent and it asks Redis again.
    for node in nodes:
        for _ in range(400):
            assert serves(node, api_id, {"color": "open"}, "open")
            if "throttling falls back to this node's buckets" in node.log_tail(100_000):
                break
        assert wait_for(lambda n=node: "throttling falls back to this node's buckets" in n.log_tail(100_000),
                        timeout=10), node.log_tail()


def test_rediss_shares_throttling_over_tls(cluster, tmp_path):
    """`rediss://`: the node verifies Redis's certificate (here through SSL_CERT_FILE)."""
    tls = ca_and_server_cert(str(tmp_path))
    server = Redis(tmp_path, tls=tls)
    try:
        nodes = [ProsceniumServer(extra_args=["--store", cluster.url, "--redis", server.url],
                                  env={"SSL_CERT_FILE": tls[0]}) for _ in range(2)]
        for node in nodes:
            cluster.nodes.append(node)
            node.start()
        for node in nodes:
            assert wait_for(lambda n=node: "throttling is shared through Redis" in n.log_tail(100_000),
                            timeout=10), node.log_tail()
        c = nodes[0].client()
        api_id, _ = color_api(c)
        c.create_deployment(restApiId=api_id, stageName="dev", variables={"color": "red"})
        c.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "10"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0.1"}])
        assert wait_for(lambda: invoke(nodes[1], api_id)[0] in (200, 429), timeout=FOLLOW)
        admitted = sum(1 for i in range(40) if invoke(nodes[i % 2], api_id)[0] == 200)
        assert 10 * 0.85 <= admitted + 1 <= 10 * 1.15 + 1, admitted
    finally:
        server.stop()


def test_usage_counted_on_one_node_is_reported_by_another(cluster):
    one, two = cluster(2)
    c1, c2 = one.client(), two.client()
    api = c1.create_rest_api(name=unique_name("keyed"))
    api_id, root = api["id"], api["rootResourceId"]
    c1.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE",
                  apiKeyRequired=True)
    c1.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK",
                       requestTemplates={"application/json": '{"statusCode": 200}'})
    c1.put_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    c1.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                                responseTemplates={"application/json": "{}"})
    c1.create_deployment(restApiId=api_id, stageName="dev")
    key = c1.create_api_key(name=unique_name("k"), enabled=True)
    plan = c1.create_usage_plan(name=unique_name("plan"), apiStages=[{"apiId": api_id, "stage": "dev"}],
                                quota={"limit": 100, "period": "DAY"})
    c1.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")

    def call(node):
        req = urllib.request.Request(f"{node.endpoint}/restapis/{api_id}/dev/_user_request_/",
                                     headers={"x-api-key": key["value"]})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    assert wait_for(lambda: call(one) == 200, timeout=FOLLOW)
    for _ in range(2):
        assert call(one) == 200
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert wait_for(lambda: c2.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)
                    .get("items", {}).get(key["id"]) == [[3, 97]], timeout=FOLLOW), \
        c2.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)


def test_a_custom_domain_made_through_one_node_is_served_by_every_node(cluster):
    """Custom domain names and base path mappings live in the shared store: a mapping made
    through node 1 routes `Host: {domain}` on nodes 2 and 3, and its removal stops them."""
    import http.client

    from test_custom_domains import inline, make_ca

    one, two = cluster(2)
    (three,) = cluster(1, "--no-management")
    c1, c2 = one.client(), two.client()
    api_id, _ = color_api(c1)
    c1.create_deployment(restApiId=api_id, stageName="dev", variables={"color": "green"})
    name = f"{unique_name('shared')}.example.com".lower()
    c1.create_domain_name(domainName=name, endpointConfiguration={"types": ["REGIONAL"]},
                          **inline(make_ca(), name))
    c2.create_base_path_mapping(domainName=name, basePath="shop", restApiId=api_id, stage="dev")
    assert c1.get_base_path_mapping(domainName=name, basePath="shop")["restApiId"] == api_id

    def through_domain(node) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=5)
        try:
            conn.request("GET", "/shop", headers={"Host": name})
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    for node in (one, two, three):
        assert wait_for(lambda n=node: through_domain(n) == (200, b'{"color": "green"}'),
                        timeout=FOLLOW), (node.log_tail(), through_domain(node))
    c1.delete_base_path_mapping(domainName=name, basePath="shop")
    for node in (one, two, three):
        assert wait_for(lambda n=node: through_domain(n)[0] == 403, timeout=FOLLOW), through_domain(node)
    c2.delete_domain_name(domainName=name)
    assert client_error(c1.get_domain_name, domainName=name)["Error"]["Code"] == "NotFoundException"
