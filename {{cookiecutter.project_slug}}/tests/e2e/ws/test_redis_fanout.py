"""Two uvicorn replicas sharing one Redis: a write on one reaches sockets on the other."""

import uuid
from pathlib import Path

import httpx

from tests.e2e.ws.conftest import call, connect, receive, ws_url
from tests.support import client_headers, run_server


async def test_item_created_through_one_replica_is_pushed_to_a_socket_on_the_other(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    with run_server(server_env, tmp_path) as first, run_server(server_env, tmp_path) as second:
        async with connect(ws_url(second)) as ws:
            await call(ws, "subscribe", {"topic": "items"})
            async with httpx.AsyncClient(base_url=first.url, headers=client_headers()) as http:
                response = await http.post("/api/v1/items", json={"name": f"e2e-{uuid.uuid4()}"})
            assert response.status_code == 201
            assert await receive(ws) == {"type": "items.created", "data": response.json()}
