"""The database refuses, drops a connection mid-request, or is too slow: the app answers 503
problems with `Retry-After`, readiness fails, and everything recovers without a restart."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy.engine import make_url
from structlog.testing import capture_logs

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings
from tests.fault.conftest import assert_unavailable_problem, database_settings
from tests.support import TcpProxy, locked_table, through_proxy, until

pytestmark = pytest.mark.fault


def new_item() -> dict[str, str]:
    return {"name": f"fault-{uuid.uuid4().hex[:12]}"}


async def test_refused_database_gives_503_problems_then_recovers(
    proxied_client: httpx.AsyncClient, db_proxy: TcpProxy
) -> None:
    assert (await proxied_client.get("/api/v1/items")).status_code == 200
    await db_proxy.cut()

    assert_unavailable_problem(await proxied_client.get("/api/v1/items"))
    assert_unavailable_problem(await proxied_client.post("/api/v1/items", json=new_item()))
    ready = await proxied_client.get("/health/ready")
    assert_unavailable_problem(ready)
    assert ready.json()["checks"]["database"] == "unavailable"
    assert (await proxied_client.get("/health/live")).status_code == 200

    await db_proxy.restore()
    assert (await proxied_client.get("/health/ready")).status_code == 200
    assert (await proxied_client.get("/api/v1/items")).status_code == 200
    assert (await proxied_client.post("/api/v1/items", json=new_item())).status_code == 201


async def test_connection_cut_mid_request_gives_503_problem(
    proxied_client: httpx.AsyncClient, db_proxy: TcpProxy, fault_database_url: str
) -> None:
    async with locked_table(fault_database_url, "items") as lock:
        request = asyncio.create_task(proxied_client.post("/api/v1/items", json=new_item()))
        await lock.wait_for_waiters()  # the insert is in flight, waiting for the lock
        await db_proxy.cut()
        response = await request
    assert_unavailable_problem(response)

    await db_proxy.restore()
    assert (await proxied_client.post("/api/v1/items", json=new_item())).status_code == 201


TERMINATE = (
    "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = $1 AND pid <> pg_backend_pid()"
)
# Only the terminated backends: the app may open new ones meanwhile (its dependency probe).
LEFT = "SELECT count(*) FROM pg_stat_activity WHERE pid = any($1::int[])"


async def _terminate_backends(database_url: str) -> None:
    """What a PostgreSQL restart does to the app's pooled connections; returns once gone."""
    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        terminated = [row["pid"] for row in await connection.fetch(TERMINATE, url.database)]

        async def gone() -> bool:
            left: int = await connection.fetchval(LEFT, terminated)
            return left == 0

        await until(gone)
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def serving(
    settings: Settings, credentials: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with `settings`, started, and a client calling it in-process (a 500 stays an
    answer: these tests look at what clients get)."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=credentials
        ) as client,
    ):
        yield client


async def test_connections_the_server_dropped_are_replaced_without_errors(
    settings: Settings, fault_database_url: str, credentials: dict[str, str]
) -> None:
    database = database_settings(fault_database_url)
    async with serving(settings.model_copy(update={"database": database}), credentials) as client:
        created = await client.post("/api/v1/items", json=new_item())
        assert created.status_code == 201
        item = created.headers["location"]
        assert (await client.get("/api/v1/items")).status_code == 200

        await _terminate_backends(fault_database_url)
        # A write first: it is not retried, the checkout must hand out a live connection.
        assert (await client.post("/api/v1/items", json=new_item())).status_code == 201
        assert (await client.get(item)).status_code == 200
        assert (await client.get("/api/v1/items")).status_code == 200
        assert (await client.get("/health/ready")).status_code == 200


async def test_statement_timeout_gives_503_problem(
    settings: Settings, fault_database_url: str, credentials: dict[str, str]
) -> None:
    database = database_settings(fault_database_url, statement_timeout_ms=300)
    async with serving(settings.model_copy(update={"database": database}), credentials) as client:
        async with locked_table(fault_database_url, "items"):
            response = await client.post("/api/v1/items", json=new_item())
        assert_unavailable_problem(response)
        assert (await client.post("/api/v1/items", json=new_item())).status_code == 201


async def test_startup_retries_until_the_database_answers(
    settings: Settings,
    fault_database_url: str,
    db_proxy: TcpProxy,
) -> None:
    url = through_proxy(fault_database_url, db_proxy.port)
    database = database_settings(url, connect_retries=10)
    app = create_app(settings.model_copy(update={"database": database}))
    await db_proxy.cut()
    started = asyncio.Event()

    async def serve() -> None:
        async with app.router.lifespan_context(app):
            started.set()

    with capture_logs() as events:
        startup = asyncio.create_task(serve())
        await until(lambda: any(e["event"] == "dependency_unavailable" for e in events))
    assert not started.is_set()
    await db_proxy.restore()
    await startup
    assert started.is_set()
