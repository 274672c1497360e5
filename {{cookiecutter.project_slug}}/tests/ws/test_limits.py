"""Limits close only the connection that crossed them, with a documented close code."""

import asyncio
import time
from dataclasses import replace
from typing import cast

import pytest
from fastapi import FastAPI
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect
from starlette.websockets import WebSocket

from {{ cookiecutter.package_name }}.api.ws.connection import Connection
from {{ cookiecutter.package_name }}.api.ws.context import MessageContext
from {{ cookiecutter.package_name }}.api.ws.handlers import build_registry
from {{ cookiecutter.package_name }}.api.ws.hub import WebSocketHub
from {{ cookiecutter.package_name }}.api.ws.identity import Identity
from {{ cookiecutter.package_name }}.api.ws.registry import Registry
from {{ cookiecutter.package_name }}.api.ws.schemas import Empty
from {{ cookiecutter.package_name }}.settings import Settings
from tests.ws.conftest import install, open_ws, receive, request, running_app


async def closed_with(ws: AsyncWebSocketSession) -> int:
    with pytest.raises(WebSocketDisconnect) as closed:
        await receive(ws)
    return closed.value.code


def hub(app: FastAPI) -> WebSocketHub:
    websockets: WebSocketHub = app.state.container.websockets
    return websockets


async def test_burst_beyond_the_rate_limit_gets_429_frames_then_close_4429(
    settings: Settings,
) -> None:
    async with (
        running_app(settings, message_rate=3, message_rate_window=60, max_rate_limited=2) as app,
        open_ws(app) as ws,
    ):
        for n in range(3):
            assert (await request(ws, "ping", id=n))["id"] == n
        for n in (3, 4):
            reply = await request(ws, "ping", id=n)
            assert reply["id"] == n
            assert reply["error"]["status"] == 429
            assert reply["error"]["code"] == "rate_limited"
        await ws.send_json({"id": 5, "type": "ping"})
        assert await closed_with(ws) == 4429


async def test_connections_beyond_the_per_client_cap_are_closed_with_1013(
    settings: Settings,
) -> None:
    async with (
        running_app(settings, max_connections_per_client=2) as app,
        open_ws(app, client="10.0.0.1") as first,
        open_ws(app, client="10.0.0.1") as second,
        open_ws(app, client="10.0.0.2") as other_client,
    ):
        for ws in (first, second, other_client):
            assert (await request(ws, "ping"))["data"] == {}
        async with open_ws(app, client="10.0.0.1") as third:
            assert await closed_with(third) == 1013
        assert (await request(first, "ping"))["data"] == {}
        assert hub(app).connections.stats.refused == 1


async def test_connections_beyond_the_process_cap_are_closed_with_1013(
    settings: Settings,
) -> None:
    async with running_app(settings, max_connections=1) as app, open_ws(app) as first:
        assert (await request(first, "ping"))["data"] == {}
        async with open_ws(app) as second:
            assert await closed_with(second) == 1013


async def test_reconnecting_too_fast_is_refused_with_1013(settings: Settings) -> None:
    async with running_app(settings, connects_per_minute=2) as app:
        for _ in range(2):
            async with open_ws(app, client="10.0.0.3") as ws:
                assert (await request(ws, "ping"))["data"] == {}
        async with open_ws(app, client="10.0.0.3") as ws:
            assert await closed_with(ws) == 1013


async def test_idle_connection_is_closed_with_4408(settings: Settings) -> None:
    async with running_app(settings, idle_timeout=0.2) as app, open_ws(app) as ws:
        assert await closed_with(ws) == 4408


async def test_expired_identity_is_closed_with_4401(settings: Settings) -> None:
    async def short_lived(websocket: WebSocket) -> Identity:
        return Identity(subject="visitor", expires_at=time.time() + 0.2)

    async with running_app(settings) as app:
        hub(app).authenticate = short_lived
        async with open_ws(app) as ws:
            assert (await request(ws, "ping"))["data"] == {}
            assert await closed_with(ws) == 4401


def ping_held_until(release: asyncio.Event) -> Registry:
    """A registry whose only type, `ping`, is answered once the test sets `release`."""

    async def held_ping(data: Empty, context: MessageContext) -> Empty:
        await release.wait()
        return Empty()

    ping = build_registry().route("ping")
    assert ping is not None
    return Registry({"ping": replace(ping, handler=held_ping)}, {})


async def test_a_message_being_handled_is_not_idle_time(settings: Settings) -> None:
    release = asyncio.Event()
    async with running_app(settings, idle_timeout=0.2) as app:
        install(app, registry=ping_held_until(release))
        async with open_ws(app) as ws:
            await ws.send_json({"id": 1, "type": "ping", "data": {}})
            await asyncio.sleep(0.5)  # the idle timer comes due while the ping is handled
            release.set()
            assert (await receive(ws))["id"] == 1
            assert await closed_with(ws) == 4408


async def test_identity_expiring_during_a_message_closes_after_its_reply(
    settings: Settings,
) -> None:
    async def short_lived(websocket: WebSocket) -> Identity:
        return Identity(subject="visitor", expires_at=time.time() + 0.2)

    release = asyncio.Event()
    async with running_app(settings) as app:
        install(app, registry=ping_held_until(release), authenticate=short_lived)
        async with open_ws(app) as ws:
            await ws.send_json({"id": 1, "type": "ping", "data": {}})
            await asyncio.sleep(0.5)  # the identity expires while the ping is handled
            release.set()
            assert (await receive(ws))["data"] == {}
            assert await closed_with(ws) == 4401


class SocketNobodyReads:
    """A client that takes no frame: every send waits for ever, as on a full socket."""

    async def send_text(self, frame: str) -> None:
        await asyncio.Event().wait()

    async def close(self, code: int, reason: str = "") -> None:
        await asyncio.Event().wait()


async def test_a_reply_the_client_never_takes_drops_it_with_4000() -> None:
    # Its reader waits on the reply, so no message of its own can overflow the send queue.
    dropped: list[Connection] = []
    connection = Connection(
        cast(WebSocket, SocketNobodyReads()),
        Identity(subject="visitor"),
        send_queue_size=8,
        close_timeout=0.1,
        idle_timeout=0.2,
        on_slow_consumer=dropped.append,
    )

    async def reader() -> None:
        await connection.reply('{"id": 1, "type": "ping", "data": {}}')

    await asyncio.wait_for(connection.run(reader()), timeout=10)
    assert connection.close_code == 4000
    assert dropped == [connection]


async def test_shutdown_closes_open_sockets_with_1001(settings: Settings) -> None:
    lifespan = running_app(settings)
    app = await lifespan.__aenter__()
    stopped = False
    try:
        async with open_ws(app) as ws:
            assert (await request(ws, "ping"))["data"] == {}
            await lifespan.__aexit__(None, None, None)
            stopped = True
            assert await closed_with(ws) == 1001
    finally:
        if not stopped:
            await lifespan.__aexit__(None, None, None)


async def test_connections_opened_during_shutdown_get_1001(settings: Settings) -> None:
    async with running_app(settings) as app:
        await hub(app).close()
        async with open_ws(app) as ws:
            assert await closed_with(ws) == 1001
