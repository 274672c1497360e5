"""A small client of `/ws`: subscribe to item events, change an item, print what arrives.

    make dev                                     # in another terminal
    uv run python examples/ws_client.py          # or: ... ws_client.py ws://host:port/ws

When the service requires a token, put it in the environment as TOKEN: the client sends it as
its first frame (never in the URL).

Replies carry the `id` of their request; anything without one is a pushed event (or an error
about a frame the server could not read). docs/websocket-protocol.md has the whole protocol.
"""

import asyncio
import itertools
import json
import os
import sys
import uuid
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

DEFAULT_URL = "ws://127.0.0.1:8000/ws"


class ProblemError(Exception):
    """An error frame: `problem` is the same object an HTTP error would carry."""

    def __init__(self, problem: dict[str, Any]) -> None:
        super().__init__(f"{problem['status']} {problem['code']}: {problem.get('detail')}")
        self.problem = problem


class Client:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    async def request(self, message_type: str, data: dict[str, Any] | None = None) -> Any:
        """Send one message and wait for its reply, keeping events that arrive meanwhile."""
        message_id = next(self._ids)
        await self.ws.send(json.dumps({"id": message_id, "type": message_type, "data": data or {}}))
        while True:
            frame = json.loads(await self.ws.recv())
            if frame.get("id") != message_id:
                self.events.append(frame)
                continue
            if "error" in frame:
                raise ProblemError(frame["error"])
            return frame["data"]

    async def authenticate(self, token: str) -> dict[str, Any]:
        """For a service that requires a token: the first frame carries it, never the URL."""
        await self.ws.send(json.dumps({"type": "auth", "token": token}))
        reply: dict[str, Any] = json.loads(await self.ws.recv())
        return dict(reply["data"])

    async def next_event(self) -> dict[str, Any]:
        if self.events:
            return self.events.pop(0)
        frame: dict[str, Any] = json.loads(await self.ws.recv())
        return frame


async def main(url: str) -> None:
    async with connect(url) as ws:
        client = Client(ws)
        if token := os.environ.get("TOKEN"):
            print("authenticated as", (await client.authenticate(token))["user_id"])
        print("subscribed to", (await client.request("subscribe", {"topic": "items"}))["topics"])
        item = await client.request("items.create", {"name": f"example-{uuid.uuid4().hex[:8]}"})
        print("created", item["id"])
        await client.request("items.update", {"id": item["id"], "changes": {"description": "hi"}})
        await client.request("items.delete", {"id": item["id"]})
        try:
            await client.request("items.get", {"id": item["id"]})
        except ProblemError as error:
            print("as expected:", error)
        for _ in range(3):
            event = await client.next_event()
            print("event", event["type"], event["data"]["id"])


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_URL))
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd else None
        sys.exit(f"the server closed the connection: {code} (see docs/websocket-protocol.md)")
