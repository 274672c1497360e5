"""Fault tier: PostgreSQL behind a TCP proxy that can refuse, cut mid-request and restore.

Faulty apps commit for real (no rolled-back transaction to join), so they get a database of
their own per worker.
"""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import DatabaseSettings, Settings
from tests.conftest import migrated_database
from tests.support import TcpProxy, through_proxy


def assert_unavailable_problem(response: httpx.Response) -> None:
    """A 503 problem that tells the client to retry, and nothing about the database."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["code"] in {"service_unavailable", "not_ready"}
    assert body["request_id"] == response.headers["x-request-id"]
    assert "SELECT" not in response.text
    assert "INSERT" not in response.text


@pytest.fixture(scope="session")
def fault_database_url(worker_id: str) -> Iterator[str]:
    with migrated_database(f"fault_{worker_id}") as url:
        yield url


@pytest.fixture
async def db_proxy(fault_database_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(fault_database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.stop()


def database_settings(url: str, **overrides: float) -> DatabaseSettings:
    """Short timeouts, so a dead database is noticed quickly."""
    values = {"url": url, "connect_retries": 0, "connect_timeout": 2, "pool_timeout": 2}
    return DatabaseSettings.model_validate({**values, **overrides})


@pytest.fixture
async def proxied_client(
    settings: Settings, fault_database_url: str, db_proxy: TcpProxy, credentials: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app (real lifespan) that reaches its database through `db_proxy`."""
    url = through_proxy(fault_database_url, db_proxy.port)
    app = create_app(settings.model_copy(update={"database": database_settings(url)}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=credentials
        ) as client:
            yield client
