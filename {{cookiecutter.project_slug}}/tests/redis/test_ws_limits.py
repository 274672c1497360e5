"""WebSocket limits with Redis: the connection rate is shared; a dead Redis closes new sockets
in fail-closed mode and lets them in in fail-open mode."""

from {{ cookiecutter.package_name }}.settings import FailMode, RateLimitSettings, Settings
from tests.redis.conftest import app_through
from tests.support import TcpProxy
from tests.ws.conftest import open_ws, request
from tests.ws.test_limits import closed_with


async def test_fail_closed_limiter_refuses_new_sockets_with_1013(
    redis_proxy: TcpProxy, settings: Settings
) -> None:
    closed = RateLimitSettings(enabled=False, fail_mode=FailMode.CLOSED)
    async with app_through(redis_proxy, settings, rate_limit=closed) as app:
        await redis_proxy.cut()
        async with open_ws(app) as ws:
            assert await closed_with(ws) == 1013


async def test_fail_open_limiter_admits_sockets_and_messages(
    redis_proxy: TcpProxy, settings: Settings
) -> None:
    opened = RateLimitSettings(enabled=False, fail_mode=FailMode.OPEN)
    async with app_through(redis_proxy, settings, rate_limit=opened) as app:
        await redis_proxy.cut()
        async with open_ws(app) as ws:
            assert (await request(ws, "ping"))["data"] == {}
