"""WebSocket traffic that gives every WebSocket metric a sample, for tests that scrape them."""

import asyncio

from tests.e2e.ws.conftest import call, connect, ws_url
from tests.support import Server


def drive_websocket_traffic(server: Server) -> None:
    """Open a socket, send a known and an unknown message type, close it normally."""
    asyncio.run(_exchange_messages(server))


async def _exchange_messages(server: Server) -> None:
    async with connect(ws_url(server)) as ws:
        assert (await call(ws, "ping"))["type"] == "ping"
        assert "error" in await call(ws, "no.such.type", id=2)
