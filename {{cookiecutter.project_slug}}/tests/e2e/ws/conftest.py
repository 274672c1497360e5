"""WebSocket end-to-end tier: the `websockets` client against uvicorn on 127.0.0.1.

What only a real server shows lives here: uvicorn's frame limit, TCP backpressure from a
client that stops reading, the 403 handshake refusal, and the close codes of a SIGTERM.
"""

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as websockets_connect
from websockets.exceptions import ConnectionClosed

from tests.support import Server, client_headers, run_server

RECEIVE_TIMEOUT = 15.0  # a guard against a hang, never a measured expectation
ALLOWED_ORIGIN = "https://app.example"
MAX_MESSAGE_BYTES = 4096


@pytest.fixture(scope="session")
def ws_server(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    env = {
        **server_env,
        "WS_ALLOWED_ORIGINS": ALLOWED_ORIGIN,
        "WS_MAX_MESSAGE_BYTES": str(MAX_MESSAGE_BYTES),
        "WS_SEND_QUEUE_SIZE": "8",
        # A dropped client's close frame waits for it to read again; let it wait long.
        "WS_CLOSE_TIMEOUT": "60",
    }
    with run_server(env, tmp_path_factory.mktemp("ws-server")) as running:
        yield running


def ws_url(server: Server) -> str:
    return f"ws://127.0.0.1:{server.port}/ws"


def connect(uri: str, **options: Any) -> websockets_connect:
    """`websockets`' connect, with the test client's credentials when the service needs them."""
    return websockets_connect(uri, additional_headers=client_headers(), **options)


async def call(
    ws: ClientConnection, message_type: str, data: dict[str, Any] | None = None, id: int = 1
) -> dict[str, Any]:
    await ws.send(json.dumps({"id": id, "type": message_type, "data": data or {}}))
    return await receive(ws)


async def receive(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT))
    return frame


async def close_code(ws: ClientConnection) -> int | None:
    """Read until the server closes; its close code (None if it sent no close frame)."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None
