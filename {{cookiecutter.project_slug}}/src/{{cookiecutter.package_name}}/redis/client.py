"""One Redis client per process, the circuit breaker every Redis call goes through, and the
readiness check."""

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from {{ cookiecutter.package_name }}.circuit_breaker import CircuitBreaker
from {{ cookiecutter.package_name }}.readiness import ReadinessCheck
from {{ cookiecutter.package_name }}.redis.metrics import READINESS_ERRORS
from {{ cookiecutter.package_name }}.settings import RedisSettings

# Errors that mean "Redis is unavailable", as opposed to a bug such as a wrong command.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
    TimeoutError,
)


def create_client(settings: RedisSettings) -> Redis:
    # A blocking pool queues callers for a connection instead of failing when it is exhausted.
    pool = BlockingConnectionPool.from_url(
        settings.url,
        max_connections=settings.max_connections,
        timeout=settings.pool_timeout,
        socket_timeout=settings.socket_timeout,
        socket_connect_timeout=settings.connect_timeout,
        # One immediate retry replaces a connection Redis closed while idle; the breaker, not
        # retries, handles a Redis that is down.
        retry=Retry(NoBackoff(), retries=1),
        health_check_interval=30,
    )
    return Redis.from_pool(pool)


def readiness_check(client: Redis) -> ReadinessCheck:
    async def redis_ready() -> None:
        try:
            await client.ping()
        except UNAVAILABLE:
            READINESS_ERRORS.inc()
            raise

    return redis_ready


def create_breaker(settings: RedisSettings) -> CircuitBreaker:
    return CircuitBreaker(
        "redis",  # its `circuit_breaker_state{breaker}` label
        failure_threshold=settings.breaker_failures,
        reset_timeout=settings.breaker_reset_seconds,
        failures=UNAVAILABLE,
    )
