"""Dot segments (`..`, `.`, `%2e%2e`) in an invocation's path are removed before routing, as
AWS's front end removes them (RFC 3986 §5.2.4): a `{proxy+}` backend never receives `../`, and
no spelling of `..` leaves the API or reaches the management API."""
import http.client
import json

import pytest

from e2e_helpers import QuietHandler, served_address, unique_name


class Recorder(QuietHandler):
    """Answers `{"path": …}` with the path it received, kept in `paths`."""

    paths: list[str] = []

    def do_GET(self):
        Recorder.paths.append(self.path)
        self.send_json({"path": self.path})


@pytest.fixture(scope="module")
def backend():
    yield from served_address(Recorder)


@pytest.fixture(scope="module")
def files_api(_session_client, backend):
    """GET /files/{proxy+} → http://backend/files/{proxy}, deployed to `prod`."""
    c = _session_client
    api_id = c.create_rest_api(name=unique_name("dots"))["id"]
    root = c.get_resources(restApiId=api_id)["items"][0]["id"]
    files = c.create_resource(restApiId=api_id, parentId=root, pathPart="files")["id"]
    proxy = c.create_resource(restApiId=api_id, parentId=files, pathPart="{proxy+}")["id"]
    c.put_method(restApiId=api_id, resourceId=proxy, httpMethod="GET", authorizationType="NONE",
                 requestParameters={"method.request.path.proxy": True})
    c.put_integration(restApiId=api_id, resourceId=proxy, httpMethod="GET", type="HTTP_PROXY",
                      integrationHttpMethod="GET", uri=f"http://{backend}/files/{{proxy}}",
                      requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
    c.create_deployment(restApiId=api_id, stageName="prod")
    yield api_id
    c.delete_rest_api(restApiId=api_id)


def get(server, path: str, host: str | None = None) -> tuple[int, bytes]:
    """GET `path` exactly as written (http.client sends it verbatim; requests would resolve
    the dots itself)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host or f"127.0.0.1:{server.port}")
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path, backend_path", [
    ("/files/a/../b.txt", "/files/b.txt"),
    ("/files/a/./b/./c.txt", "/files/a/b/c.txt"),
    ("/files/a/%2e%2e/b.txt", "/files/b.txt"),
    ("/files/a/%2E%2e/%2e/b.txt", "/files/b.txt"),
    ("/files/a/b/../c", "/files/a/c"),
    # Not dot segments: kept as sent.
    ("/files/a..b/...", "/files/a..b/..."),
])
def test_the_backend_receives_the_resolved_path(server, files_api, path, backend_path):
    for url in (f"/restapis/{files_api}/prod/_user_request_{path}",
                f"/_aws/execute-api/{files_api}/prod{path}"):
        Recorder.paths.clear()
        status, body = get(server, url)
        assert status == 200, (url, body)
        assert json.loads(body)["path"] == backend_path, url
        assert Recorder.paths == [backend_path]
    Recorder.paths.clear()
    status, body = get(server, f"/prod{path}", host=f"{files_api}.execute-api.localhost:{server.port}")
    assert (status, json.loads(body)["path"]) == (200, backend_path)


@pytest.mark.parametrize("path", [
    "/prod/files/../../etc/passwd",
    "/prod/files/%2e%2e/%2e%2e/etc/passwd",
    "/prod/files/x/.%2e/.%2E/.%2e/etc/passwd",
])
def test_climbing_out_of_the_stage_reaches_no_backend(server, files_api, path):
    """Host style: `..` can step out of the stage (to `/etc`, a stage that does not exist) but
    never above the root, and the backend is not called."""
    Recorder.paths.clear()
    status, body = get(server, path, host=f"{files_api}.execute-api.localhost:{server.port}")
    assert status == 403, body
    assert json.loads(body) == {"message": "Forbidden"}
    assert Recorder.paths == []


def test_path_styles_never_leave_the_api(server, files_api):
    """`/_aws/execute-api/{id}/..` and `_user_request_/..` stay invocations of this API: they
    never become management calls such as GetRestApis."""
    for url in (f"/_aws/execute-api/{files_api}/prod/../../../../restapis",
                f"/restapis/{files_api}/prod/_user_request_/../../../restapis"):
        Recorder.paths.clear()
        status, body = get(server, url)
        assert status in (403, 404), (url, status, body)
        assert b'"item"' not in body and b"_embedded" not in body, body
        assert Recorder.paths == []
    # Dot segments that stay inside the stage still reach the method.
    status, body = get(server, f"/_aws/execute-api/{files_api}/dev/../prod/files/x.txt")
    assert (status, json.loads(body)["path"]) == (200, "/files/x.txt")
