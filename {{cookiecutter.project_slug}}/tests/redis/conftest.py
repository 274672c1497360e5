"""Redis fixtures: a TCP proxy between an app and Redis, to cut and restore the connection."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.settings import RateLimitSettings, Settings
from tests.conftest import REDIS_URL, running_app
from tests.support import TcpProxy


@pytest.fixture
async def redis_proxy() -> AsyncIterator[TcpProxy]:
    url = urlsplit(REDIS_URL)
    proxy = TcpProxy(url.hostname or "127.0.0.1", url.port or 6379)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


def through(proxy: TcpProxy) -> str:
    """REDIS_URL with the proxy's address: same database index and credentials."""
    url = urlsplit(REDIS_URL)
    credentials = url.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
    return urlunsplit(url._replace(netloc=netloc))


@contextlib.asynccontextmanager
async def app_through(
    proxy: TcpProxy,
    settings: Settings,
    *,
    rate_limit: RateLimitSettings | None = None,
    **redis: Any,
) -> AsyncIterator[FastAPI]:
    """A second app whose Redis traffic goes through `proxy`; `redis` overrides its settings."""
    redis_settings = settings.redis.model_copy(update={"url": through(proxy), **redis})
    update: dict[str, Any] = {"redis": redis_settings}
    if rate_limit is not None:
        update["rate_limit"] = rate_limit
    async with running_app(settings.model_copy(update=update)) as application:
        yield application
