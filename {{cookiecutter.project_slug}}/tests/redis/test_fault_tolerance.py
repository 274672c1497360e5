"""Redis cut off and back: the rate limit's fail modes, readiness, and the circuit breaker."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from {{ cookiecutter.package_name }}.circuit_breaker import CircuitState
from {{ cookiecutter.package_name }}.container import Container
from {{ cookiecutter.package_name }}.settings import FailMode, RateLimitSettings, Settings
from tests.conftest import http_client
from tests.redis.conftest import app_through
from tests.support import TcpProxy

RECOVERY_TIMEOUT = 10.0


async def eventually(probe: Callable[[], Awaitable[bool]]) -> None:
    """Poll until `probe` holds; recovery waits for the breaker's reset timeout."""
    async with asyncio.timeout(RECOVERY_TIMEOUT):
        while True:
            if await probe():
                return
            await asyncio.sleep(0.05)


def limit_of_one(fail_mode: FailMode) -> RateLimitSettings:
    return RateLimitSettings(requests=1, window_seconds=3600, fail_mode=fail_mode)


def new_client_ip() -> str:
    return "10." + ".".join(str(byte) for byte in uuid.uuid4().bytes[:3])


async def test_fail_open_admits_requests_while_redis_is_down(
    redis_proxy: TcpProxy, settings: Settings
) -> None:
    rate_limit = limit_of_one(FailMode.OPEN)
    async with (
        app_through(redis_proxy, settings, rate_limit=rate_limit, breaker_reset_seconds=0.1) as app,
        http_client(app, client_ip=new_client_ip()) as client,
    ):
        assert (await client.get("/api/v1/items")).status_code == 200
        assert (await client.get("/api/v1/items")).status_code == 429

        await redis_proxy.cut()
        during = [(await client.get("/api/v1/items")).status_code for _ in range(10)]
        assert during == [200] * 10

        await redis_proxy.restore()

        async def limited_again() -> bool:
            return (await client.get("/api/v1/items")).status_code == 429

        await eventually(limited_again)


async def test_fail_closed_answers_503_problem_while_redis_is_down(
    redis_proxy: TcpProxy, settings: Settings
) -> None:
    rate_limit = limit_of_one(FailMode.CLOSED)
    async with (
        app_through(redis_proxy, settings, rate_limit=rate_limit, breaker_reset_seconds=0.1) as app,
        http_client(app, client_ip=new_client_ip()) as client,
    ):
        await redis_proxy.cut()
        responses = [await client.get("/api/v1/items") for _ in range(10)]
        assert {response.status_code for response in responses} == {503}
        problem = responses[-1]
        assert problem.headers["content-type"] == "application/problem+json"
        assert problem.headers["retry-after"]
        assert problem.json()["code"] == "rate_limiter_unavailable"
        assert (await client.get("/health/live")).status_code == 200

        await redis_proxy.restore()

        async def admitted() -> bool:
            return (await client.get("/api/v1/items")).status_code == 200

        await eventually(admitted)


async def test_readiness_is_503_while_redis_is_down_then_recovers(
    redis_proxy: TcpProxy, settings: Settings
) -> None:
    async with app_through(redis_proxy, settings) as app, http_client(app) as client:
        assert (await client.get("/health/ready")).json()["checks"]["redis"] == "ok"

        await redis_proxy.cut()
        response = await client.get("/health/ready")
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "ok", "redis": "unavailable"}

        await redis_proxy.restore()

        async def ready() -> bool:
            return (await client.get("/health/ready")).status_code == 200

        await eventually(ready)


async def test_open_breaker_fails_fast_without_touching_redis(
    redis_proxy: TcpProxy, settings: Settings
) -> None:
    async with app_through(
        redis_proxy, settings, breaker_failures=3, breaker_reset_seconds=3600
    ) as app:
        container: Container = app.state.container
        await redis_proxy.cut()
        for _ in range(3):  # the threshold: each of these really tried Redis
            await container.rate_limiter.hit("k", limit=5, window=60)
        assert container.redis_breaker.state is CircuitState.OPEN

        await redis_proxy.restore()
        attempts = redis_proxy.accepted
        decisions = [await container.rate_limiter.hit("k", limit=5, window=60) for _ in range(100)]
        assert all(decision.allowed for decision in decisions)  # the suite's mode: fail open
        assert redis_proxy.accepted == attempts
        assert container.redis_breaker.state is CircuitState.OPEN
