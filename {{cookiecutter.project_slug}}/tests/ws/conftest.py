"""WebSocket tests at the ASGI level.

httpx-ws's `ASGIWebSocketTransport` runs the app in the test's own event loop, so sockets share
the session loop with asyncpg and the per-test transaction of the `db` fixture (Starlette's
TestClient would run the app in a thread with a loop of its own). What needs a real server
(uvicorn's frame limit, TCP backpressure, SIGTERM) is tested in `e2e/`.
"""

import contextlib
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from sqlalchemy.ext.asyncio import AsyncConnection

from {{ cookiecutter.package_name }}.api.ws.hub import WebSocketHub
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings
from tests.support import client_headers

Connect = Callable[..., AbstractAsyncContextManager[AsyncWebSocketSession]]
RECEIVE_TIMEOUT = 10.0  # a guard against a hang, never a measured expectation

# Each socket comes from its own address unless a test says otherwise, so the per-client
# caps and connection rate (keyed by address while connections are anonymous) stay out of
# the way of tests that are not about them.
_addresses = (f"127.0.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@contextlib.asynccontextmanager
async def open_ws(
    app: FastAPI, *, client: str | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[AsyncWebSocketSession]:
    address = client or next(_addresses)
    transport = ASGIWebSocketTransport(app=app, client=(address, 50000), initial_receive_timeout=30)
    ws: AsyncWebSocketSession
    try:
        # The client enters (and exits) the transport, which runs the app in a task group.
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
            # Credentials (when the service requires them) go with the handshake.
            aconnect_ws("/ws", http, headers={**client_headers(address), **(headers or {})}) as ws,
        ):
            yield ws
    except ExceptionGroup as group:
        # A handshake the app refused surfaces from that task group: raise it plainly.
        match, rest = group.split(WebSocketDisconnect)
        if match is None or rest is not None:
            raise
        raise match.exceptions[0] from None


@contextlib.asynccontextmanager
async def running_app(settings: Settings, **ws: Any) -> AsyncIterator[FastAPI]:
    """An app of its own with some `ws` settings changed, its lifespan running."""
    app = create_app(settings.model_copy(update={"ws": settings.ws.model_copy(update=ws)}))
    async with app.router.lifespan_context(app):
        yield app


def install(app: FastAPI, **hub_options: Any) -> None:
    """Swap the app's hub for one built with other hooks, as a composition root would."""
    container = app.state.container
    current: WebSocketHub = container.websockets
    container.websockets = WebSocketHub(container.settings, current.broadcaster, **hub_options)


@pytest.fixture
def ws_connect(app: FastAPI, db: AsyncConnection) -> Connect:
    """Open a socket to the session app; what it writes is rolled back after the test."""
    return lambda **kwargs: open_ws(app, **kwargs)


async def request(
    ws: AsyncWebSocketSession, message_type: str, data: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """Send one message (id 1 unless given) and return the next frame."""
    await ws.send_json({"id": extra.pop("id", 1), "type": message_type, "data": data or {}})
    return await receive(ws)


async def receive(ws: AsyncWebSocketSession) -> dict[str, Any]:
    frame: dict[str, Any] = await ws.receive_json(timeout=RECEIVE_TIMEOUT)
    return frame
