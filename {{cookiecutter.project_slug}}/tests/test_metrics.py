"""The core metrics, read from `/metrics` the way Prometheus reads them.

One registry per process: every app a test starts counts into it, so tests compare a scrape
before and after what they do.
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.types import Message, Receive, Scope, Send

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.circuit_breaker import CircuitBreaker
from {{ cookiecutter.package_name }}.container import Container
from {{ cookiecutter.package_name }}.db import create_engine
from {{ cookiecutter.package_name }}.dependencies import get_item_commands
from {{ cookiecutter.package_name }}.middleware.edge import EdgeMiddleware
from {{ cookiecutter.package_name }}.settings import (
    AuditSettings,
    DatabaseSettings,
    RateLimitSettings,
    Settings,
)
from tests.conftest import http_client, running_app
from tests.scrape import Scrape, scrape
from tests.support import TcpProxy, locked_table, through_proxy, until

ITEM_ROUTE = "/api/v1/items/{item_id}"


def requests(after: Scrape, before: Scrape, method: str, route: str, status: str) -> float:
    """Requests counted between the two scrapes."""
    return after.growth(before, "http_requests_total", method=method, route=route, status=status)


@pytest.fixture
async def metrics_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Scrapes the session app: what any app of this process counted."""
    async with http_client(app) as http:
        yield http


async def test_a_request_is_counted_under_its_route_template(client: httpx.AsyncClient) -> None:
    item_id = str(uuid.uuid4())
    before = await scrape(client)
    assert (await client.get(f"/api/v1/items/{item_id}")).status_code == 404
    after = await scrape(client)

    assert requests(after, before, "GET", ITEM_ROUTE, "404") == 1
    timed = "http_request_duration_seconds_count"
    assert after.growth(before, timed, method="GET", route=ITEM_ROUTE) == 1
    assert not [s for s in after.samples if any(item_id in v for v in s.labels.values())]


async def test_a_path_no_route_matches_is_counted_as_unmatched(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    assert (await client.get("/no/such/page")).status_code == 404
    after = await scrape(client)

    assert requests(after, before, "GET", "unmatched", "404") == 1
    assert "/no/such/page" not in after.label_values("http_requests_total", "route")


async def test_in_flight_requests_are_counted_until_they_end(
    client: httpx.AsyncClient, database_url: str
) -> None:
    async with locked_table(database_url, "items") as lock:
        request = asyncio.create_task(client.get("/api/v1/items"))
        await lock.wait_for_waiters()  # the request is in flight, waiting for the lock
        assert (await scrape(client)).value("http_requests_in_flight") == 1
    assert (await request).status_code == 200
    assert (await scrape(client)).value("http_requests_in_flight") == 0


async def test_an_unhandled_error_is_counted_as_500(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    before = await scrape(client)
    app.dependency_overrides[get_item_commands] = broken
    try:
        assert (await client.get("/api/v1/items")).status_code == 500
    finally:
        del app.dependency_overrides[get_item_commands]
    after = await scrape(client)

    assert requests(after, before, "GET", "/api/v1/items", "500") == 1


async def test_an_app_that_raises_is_counted_as_500(metrics_client: httpx.AsyncClient) -> None:
    async def raising(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("a bug past every error handler")

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        return None

    # A method no route knows, on a path no route matches: neither becomes a label.
    scope: dict[str, Any] = {"type": "http", "method": "BREW", "path": "/pot", "headers": []}
    before = await scrape(metrics_client)
    with pytest.raises(RuntimeError):
        await EdgeMiddleware(raising)(scope, receive, send)
    after = await scrape(metrics_client)

    assert requests(after, before, "other", "unmatched", "500") == 1
    assert after.value("http_requests_in_flight") == 0


async def test_metrics_are_prometheus_text_outside_the_api_schema(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "/metrics" not in (await client.get("/openapi.json")).json()["paths"]
    # Scrapes measure Prometheus, not the service: they are not counted.
    again = await scrape(client)
    assert "/metrics" not in again.label_values("http_requests_total", "route")


async def test_app_info_names_the_version_and_environment(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    info = (await scrape(client)).value(
        "app_info", version=__version__, environment=settings.environment.value
    )
    assert info == 1


async def test_audit_outcomes_and_queue_depth_are_exported(
    client: httpx.AsyncClient, container: Container
) -> None:
    before = await scrape(client)
    assert {"written", "dropped", "lost"} <= before.label_values("audit_entries_total", "outcome")

    created = await client.post("/api/v1/items", json={"name": f"metrics-{uuid.uuid4().hex[:8]}"})
    assert created.status_code == 201
    await container.audit.flush()
    after = await scrape(client)

    assert after.growth(before, "audit_entries_total", outcome="written") == 1
    assert after.value("audit_queue_depth") == 0


async def test_pool_gauges_follow_checked_out_connections(settings: Settings) -> None:
    database = settings.database.model_copy(update={"pool_size": 3, "max_overflow": 2})
    # No retention cleanup: no background task takes a connection while the test counts them.
    audit = AuditSettings(flush_interval=0, retention_days=0)
    own = settings.model_copy(update={"database": database, "audit": audit})
    async with running_app(own) as app, http_client(app) as http:
        container: Container = app.state.container
        assert (await scrape(http)).value("db_pool_max_connections") == 5
        async with container.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            held = await scrape(http)
        released = await scrape(http)

    assert held.value("db_pool_connections", state="in_use") == 1
    assert held.value("db_pool_connections", state="idle") == 0
    assert released.value("db_pool_connections", state="in_use") == 0
    assert released.value("db_pool_connections", state="idle") == 1


async def test_statements_slower_than_the_threshold_are_counted(
    database_url: str, metrics_client: httpx.AsyncClient
) -> None:
    database = DatabaseSettings(url=database_url, slow_query_ms=100)
    engine = create_engine(database, application_name="metrics-test")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))  # connecting runs statements of its own
            before = await scrape(metrics_client)
            await connection.execute(text("SELECT pg_sleep(0.2)"))
            after = await scrape(metrics_client)
    finally:
        await engine.dispose()
    assert after.growth(before, "db_slow_queries_total") == 1


@contextlib.asynccontextmanager
async def app_behind_proxy(
    settings: Settings, database_url: str, **overrides: Any
) -> AsyncIterator[tuple[FastAPI, TcpProxy]]:
    """An app whose database connections go through a proxy the test can cut."""
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    database = DatabaseSettings(
        url=through_proxy(database_url, proxy.port),
        connect_retries=0,
        connect_timeout=2,
        pool_timeout=2,
    )
    own = settings.model_copy(update={**overrides, "database": database})
    try:
        async with running_app(own) as app:
            yield app, proxy
    finally:
        await proxy.stop()


async def database_up(http: httpx.AsyncClient) -> float:
    return (await scrape(http)).value("dependency_up", dependency="database")


async def test_readiness_sets_dependency_up(settings: Settings, database_url: str) -> None:
    async with (
        app_behind_proxy(settings, database_url) as (app, proxy),
        http_client(app) as http,
    ):
        assert await database_up(http) == 1
        await proxy.cut()
        assert (await http.get("/health/ready")).status_code == 503
        assert await database_up(http) == 0
        await proxy.restore()
        assert (await http.get("/health/ready")).status_code == 200
        assert await database_up(http) == 1


async def test_background_probe_notices_an_unreachable_database(
    settings: Settings, database_url: str
) -> None:
    async with (
        app_behind_proxy(settings, database_url, health_probe_interval=0.05) as (app, proxy),
        http_client(app) as http,
    ):
        await proxy.cut()
        await until(lambda: _equals(database_up(http), 0))
        await proxy.restore()
        await until(lambda: _equals(database_up(http), 1))


async def _equals(value: Any, expected: float) -> bool:
    return bool(await value == expected)


async def test_requests_answered_503_for_the_database_are_counted(
    settings: Settings, database_url: str
) -> None:
    async with (
        app_behind_proxy(settings, database_url) as (app, proxy),
        http_client(app) as http,
    ):
        before = await scrape(http)
        await proxy.cut()
        assert (await http.get("/api/v1/items")).status_code == 503
        after = await scrape(http)
    assert after.growth(before, "db_unavailable_total") == 1


async def test_rate_limited_requests_are_counted_with_their_429(settings: Settings) -> None:
    limited = RateLimitSettings(requests=1, window_seconds=3600)
    client_ip = "10." + ".".join(str(byte) for byte in uuid.uuid4().bytes[:3])
    async with (
        running_app(settings.model_copy(update={"rate_limit": limited})) as app,
        http_client(app, client_ip=client_ip) as http,
    ):
        before = await scrape(http)  # scrapes are never limited
        assert (await http.get("/no/such/page")).status_code == 404
        assert (await http.get("/no/such/page")).status_code == 429
        after = await scrape(http)

    assert after.growth(before, "rate_limit_rejections_total", scope="http") == 1
    # Refused before routing: the route is not known yet.
    assert requests(after, before, "GET", "unmatched", "429") == 1


async def test_breaker_state_and_opens_are_exported_by_name(
    metrics_client: httpx.AsyncClient,
) -> None:
    now = [0.0]
    name = f"test-{uuid.uuid4().hex[:8]}"
    breaker = CircuitBreaker(name, failure_threshold=1, reset_timeout=10, clock=lambda: now[0])

    async def state() -> tuple[float, float]:
        scraped = await scrape(metrics_client)
        return (
            scraped.value("circuit_breaker_state", breaker=name),
            scraped.value("circuit_breaker_opens_total", breaker=name),
        )

    assert await state() == (0, 0)
    with pytest.raises(OSError, match="down"):
        async with breaker.guard():
            raise OSError("down")
    assert await state() == (2, 1)
    now[0] = 10.0
    async with breaker.guard():
        assert await state() == (1, 1)  # the trial call
    assert await state() == (0, 1)
