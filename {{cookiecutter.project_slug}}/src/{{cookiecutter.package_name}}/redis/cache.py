"""The read cache in Redis, shared by all replicas; a failing Redis is a cache miss."""

import structlog
from redis.asyncio import Redis

from {{ cookiecutter.package_name }}.circuit_breaker import CircuitBreaker, CircuitOpenError
from {{ cookiecutter.package_name }}.redis.client import UNAVAILABLE
from {{ cookiecutter.package_name }}.redis.metrics import (
    CACHE_ERRORS,
    CACHE_FAILURES,
    CACHE_HITS,
    CACHE_MISSES,
)

logger = structlog.get_logger(__name__)

# An invalidated key holds this marker for INVALIDATED_MS instead of disappearing: fills use
# SET NX, so a reader that loaded the row before the write committed cannot put it back.
INVALIDATED = b"\x00invalidated"
INVALIDATED_MS = 10_000

NOT_DONE: tuple[type[BaseException], ...] = (CircuitOpenError, *UNAVAILABLE)


class RedisCache:
    def __init__(self, client: Redis, breaker: CircuitBreaker, *, prefix: str, ttl: float) -> None:
        self._client = client
        self._breaker = breaker
        self._prefix = f"{prefix}cache:"
        self._ttl_ms = max(1, round(ttl * 1000))

    async def get(self, key: str) -> bytes | None:
        try:
            async with self._breaker.guard():
                value = await self._client.get(self._prefix + key)
        except CircuitOpenError:
            CACHE_FAILURES.inc()
            return None
        except UNAVAILABLE as exc:
            CACHE_FAILURES.inc()
            CACHE_ERRORS.inc()
            logger.warning("cache_unavailable", operation="get", error=repr(exc))
            return None
        if not isinstance(value, bytes) or value == INVALIDATED:
            CACHE_MISSES.inc()
            return None
        CACHE_HITS.inc()
        return value

    async def fill(self, key: str, value: bytes) -> None:
        try:
            async with self._breaker.guard():
                await self._client.set(self._prefix + key, value, px=self._ttl_ms, nx=True)
        except CircuitOpenError:
            return
        except UNAVAILABLE as exc:
            CACHE_ERRORS.inc()
            logger.warning("cache_unavailable", operation="fill", error=repr(exc))

    async def invalidate(self, key: str) -> None:
        # A lost invalidation leaves a stale value for at most the TTL: say so loudly.
        try:
            async with self._breaker.guard():
                await self._client.set(self._prefix + key, INVALIDATED, px=INVALIDATED_MS)
        except NOT_DONE as exc:
            if not isinstance(exc, CircuitOpenError):
                CACHE_ERRORS.inc()
            logger.error("cache_invalidation_lost", key=key, error=repr(exc))
