"""Redis metrics: cache results, errors by component, limiter fallbacks, the breaker's state."""

import uuid

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.container import Container
from {{ cookiecutter.package_name }}.settings import FailMode, RateLimitSettings, Settings
from tests.conftest import http_client
from tests.redis.conftest import app_through
from tests.scrape import scrape
from tests.support import TcpProxy


def container_of(app: FastAPI) -> Container:
    container: Container = app.state.container
    return container


def new_client_ip() -> str:
    return "10." + ".".join(str(byte) for byte in uuid.uuid4().bytes[:3])


async def test_cache_hits_and_misses_are_counted(app: FastAPI) -> None:
    cache = container_of(app).cache
    key = f"metrics-{uuid.uuid4().hex}"
    async with http_client(app) as http:
        before = await scrape(http)
        assert await cache.get(key) is None
        await cache.fill(key, b"value")
        assert await cache.get(key) == b"value"
        after = await scrape(http)
    assert after.growth(before, "cache_requests_total", result="miss") == 1
    assert after.growth(before, "cache_requests_total", result="hit") == 1
    assert after.growth(before, "cache_requests_total", result="error") == 0


async def test_a_failing_redis_counts_cache_errors(
    redis_proxy: TcpProxy, settings: Settings
) -> None:
    # A breaker that stays closed: every call reaches (the cut) Redis and fails there.
    async with (
        app_through(redis_proxy, settings, breaker_failures=1000) as app,
        http_client(app) as http,
    ):
        before = await scrape(http)
        await redis_proxy.cut()
        assert await container_of(app).cache.get("anything") is None
        after = await scrape(http)
    assert after.growth(before, "cache_requests_total", result="error") == 1
    assert after.growth(before, "redis_errors_total", component="cache") == 1


async def test_decisions_without_redis_are_counted_by_fail_mode(
    redis_proxy: TcpProxy, settings: Settings
) -> None:
    for mode, status in ((FailMode.OPEN, 200), (FailMode.CLOSED, 503)):
        limit = RateLimitSettings(requests=100, window_seconds=60, fail_mode=mode)
        async with (
            app_through(redis_proxy, settings, rate_limit=limit, breaker_failures=1000) as app,
            http_client(app, client_ip=new_client_ip()) as http,
        ):
            before = await scrape(http)  # never limited
            await redis_proxy.cut()
            assert (await http.get("/health/live")).status_code == 200  # exempt: no decision
            assert (await http.get("/api/v1/items")).status_code == status
            after = await scrape(http)
            await redis_proxy.restore()
        assert after.growth(before, "rate_limit_backend_failures_total", mode=mode.value) == 1
        assert after.growth(before, "redis_errors_total", component="rate_limit") == 1


async def test_readiness_counts_redis_errors_and_reports_it_down(
    redis_proxy: TcpProxy, settings: Settings
) -> None:
    async with app_through(redis_proxy, settings) as app, http_client(app) as http:
        assert (await scrape(http)).value("dependency_up", dependency="redis") == 1
        before = await scrape(http)
        await redis_proxy.cut()
        assert (await http.get("/health/ready")).status_code == 503
        after = await scrape(http)
    assert after.value("dependency_up", dependency="redis") == 0
    assert after.growth(before, "redis_errors_total", component="readiness") == 1


async def test_the_redis_breaker_reports_its_state_and_opens(
    redis_proxy: TcpProxy, settings: Settings
) -> None:
    async with (
        app_through(redis_proxy, settings, breaker_failures=1, breaker_reset_seconds=3600) as app,
        http_client(app) as http,
    ):
        before = await scrape(http)
        assert before.value("circuit_breaker_state", breaker="redis") == 0
        await redis_proxy.cut()
        await container_of(app).cache.get("anything")  # fails, and opens the breaker
        after = await scrape(http)
    assert after.value("circuit_breaker_state", breaker="redis") == 2
    assert after.growth(before, "circuit_breaker_opens_total", breaker="redis") == 1
