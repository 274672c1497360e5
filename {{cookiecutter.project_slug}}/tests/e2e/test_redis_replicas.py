"""Two uvicorn processes sharing one Redis behave as one service."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REDIS_PREFIX
from tests.support import Server, client_headers, run_server


@pytest.fixture(scope="module")
def replicas(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    log_dir = tmp_path_factory.mktemp("replicas")
    with run_server(server_env, log_dir) as first, run_server(server_env, log_dir) as second:
        yield first, second


def test_rate_limit_is_shared_by_replicas(server_env: dict[str, str], tmp_path: Path) -> None:
    env = {
        **server_env,
        "RATE_LIMIT_ENABLED": "true",
        "RATE_LIMIT_REQUESTS": "4",
        "RATE_LIMIT_WINDOW_SECONDS": "3600",
        # A budget of its own: every test request comes from 127.0.0.1.
        "REDIS_KEY_PREFIX": f"{REDIS_PREFIX}{uuid.uuid4().hex[:8]}:",
    }
    with run_server(env, tmp_path) as first, run_server(env, tmp_path) as second:
        servers = [first, second] * 3
        statuses = [
            httpx.get(f"{server.url}/api/v1/items", headers=client_headers()).status_code
            for server in servers
        ]
    # Alone, each replica would admit four: together they admit four in all.
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_a_write_on_one_replica_invalidates_the_cache_of_the_other(
    replicas: tuple[Server, Server],
) -> None:
    first, second = replicas
    with httpx.Client(headers=client_headers()) as http:
        created = http.post(f"{first.url}/api/v1/items", json={"name": f"shared-{uuid.uuid4()}"})
        path = created.headers["location"]
        assert http.get(f"{second.url}{path}").json()["description"] is None  # cached by second
        patched = http.patch(f"{first.url}{path}", json={"description": "changed on first"})
        assert patched.status_code == 200
        assert http.get(f"{second.url}{path}").json()["description"] == "changed on first"
