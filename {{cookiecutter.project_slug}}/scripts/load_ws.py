"""WebSocket clients for `scripts/load.py`, which loads every `load_*.py` beside it.

Each client holds one connection to `/ws` for the whole run and sends the item lifecycle as
messages (ping, create, get, update, delete), one at a time, timing each round trip.
"""

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

Record = Callable[[str, float, bool, str], None]
"""`record(operation, started, ok, problem)`: one timed operation."""

# A served instance's per-client limits would turn the run into rate-limit errors.
SERVER_ENV = {
    "WS_MESSAGE_RATE": "1000000",
    "WS_MAX_CONNECTIONS_PER_CLIENT": "100000",
    "WS_CONNECTS_PER_MINUTE": "100000",
}


async def client_loop(
    base_url: str, headers: dict[str, str], record: Record, deadline: float
) -> None:
    url = "ws" + base_url.removeprefix("http") + "/ws"
    started = time.perf_counter()
    try:
        ws = await connect(url, additional_headers=headers, open_timeout=30)
    except Exception as exc:  # any failure to connect is one error of the run
        record("WS connect", started, False, repr(exc))
        return
    record("WS connect", started, True, "")
    async with ws:
        while time.monotonic() < deadline:
            await call(ws, record, "ping", {})
            item = await call(ws, record, "items.create", {"name": f"load-ws-{uuid.uuid4().hex}"})
            if item is None:
                continue
            ref = {"id": item["id"]}
            await call(ws, record, "items.get", ref)
            await call(ws, record, "items.update", {**ref, "changes": {"description": "load"}})
            await call(ws, record, "items.delete", ref)


async def call(
    ws: ClientConnection, record: Record, message_type: str, data: dict[str, Any]
) -> Any:
    """Send one message and wait for its answer (pushed events are skipped): its `data`, or
    None when it failed (recorded as an error)."""
    message_id = uuid.uuid4().hex
    started = time.perf_counter()
    try:
        await ws.send(json.dumps({"id": message_id, "type": message_type, "data": data}))
        while (answer := json.loads(await ws.recv())).get("id") != message_id:
            pass
    except Exception as exc:  # a closed connection or a broken frame: an error of the run
        record(f"WS {message_type}", started, False, repr(exc))
        return None
    ok = "error" not in answer
    record(f"WS {message_type}", started, ok, json.dumps(answer.get("error"))[:200])
    return answer.get("data") if ok else None
