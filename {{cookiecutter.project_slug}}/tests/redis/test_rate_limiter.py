"""The shared limiter: one Lua script, exact under concurrency, one budget for every replica."""

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from {{ cookiecutter.package_name }}.circuit_breaker import CircuitBreaker
from {{ cookiecutter.package_name }}.container import Container
from {{ cookiecutter.package_name }}.redis.client import create_client
from {{ cookiecutter.package_name }}.redis.rate_limit import GCRA, RedisRateLimiter
from {{ cookiecutter.package_name }}.settings import FailMode, Settings
from tests.conftest import REDIS_PREFIX


@pytest.fixture
def prefix() -> str:
    return f"{REDIS_PREFIX}{uuid.uuid4().hex[:8]}:"


def patient_client(settings: Settings) -> Redis:
    """A client of its own whose timeouts a loaded test machine cannot hit: these tests count
    admissions under concurrency, not latency."""
    patient = {"pool_timeout": 60.0, "socket_timeout": 60.0, "connect_timeout": 60.0}
    return create_client(settings.redis.model_copy(update=patient))


def limiter_on(client: Redis, prefix: str) -> RedisRateLimiter:
    return RedisRateLimiter(
        client, CircuitBreaker("test"), prefix=prefix, fail_mode=FailMode.CLOSED
    )


async def test_concurrent_hits_admit_exactly_the_limit(settings: Settings, prefix: str) -> None:
    client = patient_client(settings)  # 50 connections in the race
    try:
        limiter = limiter_on(client, prefix)
        decisions = await asyncio.gather(
            *(limiter.hit("burst", limit=50, window=3600) for _ in range(200))
        )
    finally:
        await client.aclose()
    admitted = [decision for decision in decisions if decision.allowed]
    assert len(admitted) == 50
    assert sorted(decision.remaining for decision in admitted) == list(range(50))


async def test_a_huge_budget_admits(container: Container, prefix: str) -> None:
    # A billion a minute: the interval (60 ns) is below what a millisecond clock of today
    # can add; the key still gets an expiry Redis accepts.
    limiter = limiter_on(container.redis, prefix)
    for _ in range(3):
        assert (await limiter.hit("huge", limit=10**9, window=60)).allowed


async def test_a_budget_of_one_admits_the_first_hit_and_refuses_the_second(
    container: Container, prefix: str
) -> None:
    limiter = limiter_on(container.redis, prefix)
    for index in range(50):  # float rounding at the window's edge must not refuse a first hit
        first = await limiter.hit(f"k{index}", limit=1, window=3600)
        second = await limiter.hit(f"k{index}", limit=1, window=3600)
        assert (first.allowed, first.remaining, second.allowed) == (True, 0, False)


async def test_refusal_says_when_to_retry(container: Container, prefix: str) -> None:
    limiter = limiter_on(container.redis, prefix)
    for _ in range(2):
        assert (await limiter.hit("k", limit=2, window=60)).allowed
    refused = await limiter.hit("k", limit=2, window=60)
    assert not refused.allowed
    assert refused.remaining == 0
    assert 0 < refused.retry_after <= 30
    assert 30 < refused.reset_after <= 60


async def test_capacity_returns_after_retry_after(container: Container, prefix: str) -> None:
    limiter = limiter_on(container.redis, prefix)
    await limiter.hit("k", limit=2, window=2)
    await limiter.hit("k", limit=2, window=2)
    refused = await limiter.hit("k", limit=2, window=2)
    assert not refused.allowed
    await asyncio.sleep(refused.retry_after + 0.01)
    assert (await limiter.hit("k", limit=2, window=2)).allowed


async def test_replicas_share_one_budget(settings: Settings, prefix: str) -> None:
    replicas = [patient_client(settings), patient_client(settings)]  # a client per process
    try:
        limiters = [limiter_on(client, prefix) for client in replicas]
        decisions = await asyncio.gather(
            *(limiters[n % 2].hit("shared", limit=10, window=3600) for n in range(40))
        )
    finally:
        for client in replicas:
            await client.aclose()
    assert sum(decision.allowed for decision in decisions) == 10


async def test_keys_carry_the_prefix_and_expire(container: Container, prefix: str) -> None:
    await limiter_on(container.redis, prefix).hit("k", limit=5, window=10)
    ttl_ms = await container.redis.pttl(f"{prefix}rl:k")
    assert 0 < ttl_ms <= 2_000  # one hit of five: full again after a fifth of the window


async def test_script_runs_from_the_server_cache(container: Container, prefix: str) -> None:
    limiter = limiter_on(container.redis, prefix)
    await limiter.hit("k", limit=1, window=1)
    sha = container.redis.register_script(GCRA).sha
    assert await container.redis.script_exists(sha) == [True]
