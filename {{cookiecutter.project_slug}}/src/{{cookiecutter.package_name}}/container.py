"""Composition root: the long-lived clients, built once in the lifespan, closed in reverse order.

Every transport reaches them through the providers in `dependencies.py`;
tests swap a field here (e.g. `session_factory`) rather than patching modules.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

import structlog
{%- if cookiecutter.use_redis %}
from redis.asyncio import Redis
{%- endif %}
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

{% if cookiecutter.use_websockets and not cookiecutter.use_redis -%}
from {{ cookiecutter.package_name }}.api.ws.broadcaster import InProcessBroadcaster
{% endif -%}
{% if cookiecutter.use_websockets -%}
from {{ cookiecutter.package_name }}.api.ws.hub import WebSocketHub
{% endif -%}
from {{ cookiecutter.package_name }}.audit import AuditLog
{% if cookiecutter.use_keycloak -%}
from {{ cookiecutter.package_name }}.auth.lifespan import open_token_validator
from {{ cookiecutter.package_name }}.auth.tokens import TokenValidator
{%- if cookiecutter.use_websockets %}
from {{ cookiecutter.package_name }}.auth.ws import first_frame_authenticator, protected_registry
{%- endif %}
{% endif -%}
from {{ cookiecutter.package_name }}.cache import Cache, NullCache
{%- if cookiecutter.use_redis %}
from {{ cookiecutter.package_name }}.circuit_breaker import CircuitBreaker
{%- endif %}
from {{ cookiecutter.package_name }}.db import (
    create_engine,
    create_read_session_factory,
    create_session_factory,
)
from {{ cookiecutter.package_name }}.events import DiscardingPublisher, EventPublisher
{%- if cookiecutter.use_redis %}
from {{ cookiecutter.package_name }}.rate_limit import RateLimiter
from {{ cookiecutter.package_name }}.readiness import ReadinessCheck, probing
{%- if cookiecutter.use_websockets %}
from {{ cookiecutter.package_name }}.redis.broadcaster import RedisBroadcaster
{%- endif %}
from {{ cookiecutter.package_name }}.redis.cache import RedisCache
from {{ cookiecutter.package_name }}.redis.client import (
    create_breaker,
    create_client,
    readiness_check,
)
from {{ cookiecutter.package_name }}.redis.rate_limit import RedisRateLimiter
{%- else %}
from {{ cookiecutter.package_name }}.rate_limit import InProcessRateLimiter, RateLimiter
from {{ cookiecutter.package_name }}.readiness import ReadinessCheck, probing
{%- endif %}
from {{ cookiecutter.package_name }}.settings import Settings
from {{ cookiecutter.package_name }}.unit_of_work import UnitOfWork

logger = structlog.get_logger(__name__)

APPLICATION_NAME = "{{ cookiecutter.project_slug }}"


@dataclass
class Container:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    read_session_factory: async_sessionmaker[AsyncSession]
    events: EventPublisher
    rate_limiter: RateLimiter
    cache: Cache
{%- if cookiecutter.use_redis %}
    redis: Redis
    redis_breaker: CircuitBreaker
{%- endif %}
    audit: AuditLog
{%- if cookiecutter.use_websockets %}
    websockets: WebSocketHub
{%- endif %}
{%- if cookiecutter.use_keycloak %}
    token_validator: TokenValidator
{%- endif %}
    readiness: dict[str, ReadinessCheck] = field(default_factory=dict)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work for one request or message; anything not committed is rolled back."""
        uow = UnitOfWork(self.session_factory, self.read_session_factory, self.events)
        try:
            yield uow
        finally:
            await uow.close()


async def wait_for(name: str, check: ReadinessCheck, *, attempts: int) -> None:
    """Retry `check` with exponential backoff (0.5 s doubling, capped at 5 s)."""
    delay = 0.5
    for attempt in range(1, attempts + 2):
        try:
            await check()
        except Exception as exc:
            if attempt > attempts:
                raise RuntimeError(f"{name} is unreachable after {attempt} attempts") from exc
            logger.warning(
                "dependency_unavailable", dependency=name, attempt=attempt, error=str(exc)
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
        else:
            return


@asynccontextmanager
async def build_container(settings: Settings) -> AsyncIterator[Container]:
    async with AsyncExitStack() as stack:
        engine = create_engine(settings.database, application_name=APPLICATION_NAME)
        stack.push_async_callback(engine.dispose)

        async def database_ready() -> None:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        await wait_for("database", database_ready, attempts=settings.database.connect_retries)
        readiness: dict[str, ReadinessCheck] = {"database": database_ready}
{%- if cookiecutter.use_redis %}

        redis = create_client(settings.redis)
        stack.push_async_callback(redis.aclose)
        redis_breaker = create_breaker(settings.redis)

        redis_ready = readiness_check(redis)
        await wait_for("redis", redis_ready, attempts=settings.redis.connect_retries)
        readiness["redis"] = redis_ready
        prefix = settings.redis.key_prefix
        rate_limiter: RateLimiter = RedisRateLimiter(
            redis, redis_breaker, prefix=prefix, fail_mode=settings.rate_limit.fail_mode
        )
        cache: Cache = NullCache()
        if settings.redis.cache_ttl_seconds > 0:
            cache = RedisCache(
                redis, redis_breaker, prefix=prefix, ttl=settings.redis.cache_ttl_seconds
            )
{%- else %}
        # Per process: with several replicas, each one allows the full limit.
        rate_limiter: RateLimiter = InProcessRateLimiter()
        cache: Cache = NullCache()
{%- endif %}
        # `dependency_up` between readiness requests; stopped before the clients it checks close.
        await stack.enter_async_context(probing(readiness, interval=settings.health_probe_interval))
{%- if cookiecutter.use_keycloak %}

        # Not a readiness check: cached keys keep validating while Keycloak is down.
        token_validator = await open_token_validator(settings, stack)
{%- endif %}

        audit = AuditLog(engine, settings.audit)
        await audit.start()
        stack.push_async_callback(audit.stop)  # before the engine is disposed: drains the queue

        events: EventPublisher = DiscardingPublisher()
{%- if cookiecutter.use_websockets %}

{%- if cookiecutter.use_redis %}
        # Fan-out through Redis pub/sub: events reach the sockets of every replica.
        broadcaster = RedisBroadcaster(redis, redis_breaker, prefix=prefix)
        await broadcaster.start()
{%- else %}
        # In-process fan-out: events reach the sockets of this process only (one replica).
        broadcaster = InProcessBroadcaster()
{%- endif %}
        stack.push_async_callback(broadcaster.close)
        events = broadcaster
{%- if cookiecutter.use_keycloak %}
        # A first frame with a token admits a socket; auth/ws.py gives each message its roles.
        websockets = WebSocketHub(
            settings,
            broadcaster,
            registry=protected_registry(),
            authenticate=first_frame_authenticator(
                token_validator, timeout=settings.ws.auth_timeout
            ),
        )
{%- else %}
        websockets = WebSocketHub(settings, broadcaster)
{%- endif %}
        # Closed first on shutdown: every socket gets 1001 while the database is still up.
        stack.push_async_callback(websockets.close)
{%- endif %}

        yield Container(
            settings=settings,
            engine=engine,
            session_factory=create_session_factory(engine),
            read_session_factory=create_read_session_factory(engine),
            events=events,
            rate_limiter=rate_limiter,
            cache=cache,
{%- if cookiecutter.use_redis %}
            redis=redis,
            redis_breaker=redis_breaker,
{%- endif %}
            audit=audit,
{%- if cookiecutter.use_websockets %}
            websockets=websockets,
{%- endif %}
{%- if cookiecutter.use_keycloak %}
            token_validator=token_validator,
{%- endif %}
            readiness=readiness,
        )
