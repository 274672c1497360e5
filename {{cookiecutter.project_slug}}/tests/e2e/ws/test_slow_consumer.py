"""A client that stops reading is dropped (4000); the others keep getting every event.

Between the server and a client that stopped reading sit the kernel's socket buffers (a few
MiB on loopback) and the transport's; only then does the connection's own send queue fill.
The stuck client fills them quickly by asking for large pages it never reads.
"""

import asyncio
import json
import secrets
import socket
import uuid

import httpx

from tests.e2e.ws.conftest import call, close_code, connect, receive, ws_url
from tests.scrape import Scrape
from tests.support import Server, client_headers

# The largest allowed, and incompressible: about 2 KiB an item, 220 KiB a page of 100.
DESCRIPTION = secrets.token_urlsafe(1500)[:2000]
UNREAD_PAGES = 60  # ~13 MiB of replies: well past every buffer on the way
MAX_WRITES = 2000  # the test fails if the stuck client is never dropped


def tiny_receive_buffer_socket(server: Server) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    sock.setblocking(False)
    return sock


async def seed_items(http: httpx.AsyncClient, count: int) -> list[str]:
    prefix = uuid.uuid4().hex[:8]
    ids = []
    for start in range(0, count, 10):
        responses = await asyncio.gather(
            *(
                http.post(
                    "/api/v1/items",
                    json={"name": f"slow-{prefix}-{n}", "description": DESCRIPTION},
                )
                for n in range(start, min(start + 10, count))
            )
        )
        ids += [response.json()["id"] for response in responses]
    return ids


async def test_client_that_never_reads_is_dropped_without_delaying_the_others(
    ws_server: Server,
) -> None:
    async with httpx.AsyncClient(
        base_url=ws_server.url, timeout=30, headers=client_headers()
    ) as http:
        item_ids = await seed_items(http, 100)
        before = Scrape.parse((await http.get("/metrics")).text)
        total = (await http.get("/api/v1/items", params={"limit": 1})).json()["total"]
        last_page = {"limit": 100, "offset": max(0, total - 100)}
        async with (
            # max_queue=1: the client library itself stops reading from the socket too;
            # no compression: the bytes in flight are the bytes of the frames.
            connect(
                ws_url(ws_server),
                sock=tiny_receive_buffer_socket(ws_server),
                max_queue=1,
                compression=None,
            ) as stuck,
            connect(ws_url(ws_server)) as healthy,
        ):
            await call(stuck, "subscribe", {"topic": "items"})
            await call(healthy, "subscribe", {"topic": "items"})
            # From here on `stuck` reads nothing.
            for n in range(UNREAD_PAGES):
                await stuck.send(json.dumps({"id": n, "type": "items.list", "data": last_page}))
            writes = 0
            while "ws_slow_consumer_dropped" not in ws_server.output():
                assert writes < MAX_WRITES, "the client that never reads was never dropped"
                description = f"change {writes}"
                item_id = item_ids[writes % len(item_ids)]
                writes += 1
                response = await http.patch(
                    f"/api/v1/items/{item_id}", json={"description": description}
                )
                assert response.status_code == 200
                # Every change reaches the healthy subscriber, stuck client or not.
                event = await receive(healthy)
                assert event["type"] == "items.updated"
                assert event["data"]["description"] == description
            assert (await call(healthy, "ping", id=-1))["id"] == -1
            # The dropped client, reading again, gets what was in flight, then the close.
            assert await close_code(stuck) == 4000
        after = Scrape.parse((await http.get("/metrics")).text)
        assert after.growth(before, "ws_slow_consumers_total") == 1
