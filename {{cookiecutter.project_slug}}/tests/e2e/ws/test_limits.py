"""Per-client and per-connection limits on a real server close only the offender."""

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.ws.conftest import call, close_code, connect, ws_url
from tests.scrape import Scrape
from tests.support import Server, run_server


@pytest.fixture(scope="module")
def limited_server(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    env = {
        **server_env,
        "WS_MAX_CONNECTIONS_PER_CLIENT": "2",
        "WS_MESSAGE_RATE": "5",
        "WS_MESSAGE_RATE_WINDOW": "60",
        "WS_MAX_RATE_LIMITED": "2",
    }
    log_dir: Path = tmp_path_factory.mktemp("ws-limits")
    with run_server(env, log_dir) as running:
        yield running


async def no_connection_left(server: Server, wait: float = 10.0) -> None:
    """The server releases a socket's per-client slot a moment after the client closed it."""
    deadline = time.monotonic() + wait
    async with httpx.AsyncClient(base_url=server.url) as http:
        while Scrape.parse((await http.get("/metrics")).text).value("ws_connections") > 0:
            assert time.monotonic() < deadline, "the server still holds connections"
            await asyncio.sleep(0.05)


# First in the module: the server has no connection left over from another test.
async def test_third_connection_of_one_client_is_closed_with_1013(limited_server: Server) -> None:
    async with connect(ws_url(limited_server)) as first, connect(ws_url(limited_server)) as second:
        for ws in (first, second):
            assert (await call(ws, "ping"))["data"] == {}
        async with connect(ws_url(limited_server)) as third:
            assert await close_code(third) == 1013
        assert (await call(first, "ping", id=2))["id"] == 2


async def test_flood_gets_429_frames_then_close_4429(limited_server: Server) -> None:
    await no_connection_left(limited_server)  # an earlier test's sockets may still be closing
    async with connect(ws_url(limited_server)) as flooder:
        for n in range(5):
            assert (await call(flooder, "ping", id=n))["id"] == n
        for n in (5, 6):
            assert (await call(flooder, "ping", id=n))["error"]["status"] == 429
        await flooder.send('{"id": 7, "type": "ping"}')
        assert await close_code(flooder) == 4429
    async with connect(ws_url(limited_server)) as bystander:
        assert (await call(bystander, "ping"))["data"] == {}
