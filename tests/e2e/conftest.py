"""pytest fixtures for the Proscenium management-plane end-to-end suite.

The session starts one real `proscenium serve` process on a free loopback port
with a fresh data directory; individual tests create their own REST APIs on it.
Tests that need a private server (persistence, auth) use `server_factory`.
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
pytest.register_assert_rewrite("e2e_helpers")  # readable diffs from the shared assertions

from e2e_helpers import (  # noqa: E402
    REGION,
    AwsCli,
    ProsceniumServer,
    add_mock_method,
    create_api,
    make_client,
    unique_name,
)

# make sure neither boto3 nor the CLI ever reads a developer's config
os.environ["AWS_CONFIG_FILE"] = "/dev/null"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")


@pytest.fixture(scope="session")
def server():
    srv = ProsceniumServer()
    srv.start()
    yield srv
    srv.cleanup()


@pytest.fixture(scope="session")
def endpoint(server) -> str:
    return server.endpoint


@pytest.fixture(scope="session")
def _session_client(server):
    return make_client(server.endpoint)


@pytest.fixture
def client(_session_client):
    """boto3 apigateway client for us-east-1 (retries disabled)."""
    return _session_client


@pytest.fixture
def client_factory(endpoint):
    """Build more clients against the session server (other regions, relaxed validation)."""

    def _make(region: str = REGION, **config):
        return make_client(endpoint, region=region, **config)

    return _make


@pytest.fixture
def loose_client(endpoint):
    """Client with client-side parameter validation off, to send what AWS would reject."""
    return make_client(endpoint, parameter_validation=False)


@pytest.fixture(scope="session")
def aws(server) -> AwsCli:
    """Runs the AWS CLI against the server: returns parsed JSON or CliError(text)."""
    return AwsCli(server.endpoint)


@pytest.fixture
def server_factory():
    """Start additional, private servers; all are stopped and removed at teardown."""
    started: list[ProsceniumServer] = []

    def _start(**kwargs) -> ProsceniumServer:
        srv = ProsceniumServer(**kwargs)
        started.append(srv)
        srv.start()
        return srv

    yield _start
    for srv in started:
        srv.cleanup()


@pytest.fixture
def restart_server():
    """restart_server(srv): kill -9 the process and start it again on the same data dir."""

    def _restart(srv: ProsceniumServer) -> ProsceniumServer:
        return srv.restart()

    return _restart


@pytest.fixture
def name():
    """Factory for unique resource names."""
    return unique_name


@pytest.fixture
def api(client):
    """A fresh REST API (the CreateRestApi response), deleted afterwards."""
    resp = create_api(client, description="e2e test api")
    yield resp
    try:
        client.delete_rest_api(restApiId=resp["id"])
    except Exception:
        pass


@pytest.fixture
def api_id(api) -> str:
    return api["id"]


@pytest.fixture
def root_id(api) -> str:
    return api["rootResourceId"]


@pytest.fixture
def deployable_api(client, api):
    """An API with GET / backed by a MOCK integration, ready to deploy."""
    add_mock_method(client, api["id"], api["rootResourceId"], "GET")
    return api
