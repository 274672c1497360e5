"""End-to-end tier: the app under uvicorn on 127.0.0.1, talking to the worker's database."""

from collections.abc import Iterator

import pytest
{% if cookiecutter.use_redis %}
from tests.conftest import REDIS_PREFIX, REDIS_URL, migrated_database
{%- else %}
from tests.conftest import migrated_database
{%- endif %}
from tests.support import Server, run_server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def e2e_database_url(worker_id: str) -> Iterator[str]:
    """Servers commit for real, so they get a database of their own."""
    with migrated_database(f"e2e_{worker_id}") as url:
        yield url


@pytest.fixture(scope="session")
def server_env(e2e_database_url: str) -> dict[str, str]:
    """What every server process needs; tests add their own overrides."""
    return {
        "DATABASE_URL": e2e_database_url,
        # Every request comes from 127.0.0.1: tests of the limit enable it.
        "RATE_LIMIT_ENABLED": "false",
{%- if cookiecutter.use_redis %}
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": REDIS_PREFIX,
{%- endif %}
    }


@pytest.fixture(scope="session")
def server(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    with run_server(server_env, tmp_path_factory.mktemp("server")) as running:
        yield running
