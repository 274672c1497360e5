"""Shared fixtures: a database per xdist worker, the real lifespan, a rollback per test.

`DATABASE_URL` (default: postgres on 127.0.0.1:5432) names the server to use; each worker
creates its own databases there (prefixed with that URL's database name), migrates them
with Alembic and drops them at the end.
"""

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker

from {{ cookiecutter.package_name }}.container import Container
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import (
    AuditSettings,
    DatabaseSettings,
    RateLimitSettings,
{%- if cookiecutter.use_redis %}
    RedisSettings,
{%- endif %}
    Settings,
)
from tests.support import client_headers

{%- if cookiecutter.use_keycloak %}

# A local token issuer for the whole suite; `client` and `server` carry a valid token.
pytest_plugins = ["tests.auth.plugin"]
{%- endif %}

ROOT = Path(__file__).resolve().parents[1]

# The fuzz tier explores new inputs on every local run; CI replays one fixed set of examples.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

SERVER_URL = os.environ.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
{%- if cookiecutter.use_redis %}
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# Other runs share the Redis server: every key and channel of this run starts with this.
REDIS_PREFIX = f"test-{uuid.uuid4().hex[:12]}:"
{%- endif %}


def _run(coro: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine on a private loop, away from the test loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


def migrate(url: str, revision: str = "head") -> None:
    config = Config(ROOT / "alembic.ini")
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, config, revision).result()


async def _admin(statement: str) -> None:
    url = make_url(SERVER_URL).set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def migrated_database(label: str) -> Iterator[str]:
    """A fresh database on the test server, migrated to head, dropped afterwards."""
    # Named after the configured database, so whoever owns that name can clean up after us.
    base = make_url(SERVER_URL).database or "postgres"
    name = f"{base[:40]}_{label}_{uuid.uuid4().hex[:8]}"
    _run(_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        _run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(worker_id: str) -> Iterator[str]:
    """The worker's database; tests roll back, so it stays empty between tests."""
    with migrated_database(worker_id) as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        environment="development",
        log_level="WARNING",
        database=DatabaseSettings(url=database_url, connect_retries=0),
        # Every request of the suite comes from one address: tests of the limit enable it.
        rate_limit=RateLimitSettings(enabled=False),
{%- if cookiecutter.use_redis %}
        redis=RedisSettings(url=REDIS_URL, key_prefix=REDIS_PREFIX, connect_retries=0),
{%- endif %}
        audit=AuditSettings(flush_interval=0),  # tests wait for writes: no batching delay
        # The metrics tests read pool and dependency gauges: no background probe moves them.
        health_probe_interval=3600,
    )


@contextlib.asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """An app with its real lifespan: started on entry, shut down on exit."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings) as application:
        yield application


@pytest.fixture
def container(app: FastAPI) -> Container:
    container: Container = app.state.container
    return container


@contextlib.asynccontextmanager
async def rolled_back(container: Container) -> AsyncIterator[AsyncConnection]:
    """Every session of `container` joins one transaction that is rolled back at the end."""
    original = container.session_factory, container.read_session_factory
    async with container.engine.connect() as connection:
        transaction = await connection.begin()
        # Reads too: outside the test's transaction they would not see its rows.
        container.session_factory = container.read_session_factory = async_sessionmaker(
            bind=connection,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )
        try:
            yield connection
        finally:
            container.session_factory, container.read_session_factory = original
            await transaction.rollback()


@pytest.fixture
async def db(container: Container) -> AsyncIterator[AsyncConnection]:
    async with rolled_back(container) as connection:
        yield connection


def http_client(app: FastAPI, *, client_ip: str = "127.0.0.1") -> httpx.AsyncClient:
    """A client calling `app` in process, as if from `client_ip`."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(client_ip, 50_000))
    return httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=client_headers(client_ip)
    )


@pytest.fixture
def credentials() -> dict[str, str]:
    """Headers a test's own HTTP client sends so the API lets it in."""
    return client_headers()


@pytest.fixture
async def client(app: FastAPI, db: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as http:
        yield http
