"""The protocol over a real socket: every message type, events, bad frames, the handshake."""

import json
import uuid

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from tests.e2e.ws.conftest import (
    ALLOWED_ORIGIN,
    MAX_MESSAGE_BYTES,
    call,
    close_code,
    connect,
    receive,
    ws_url,
)
from tests.support import Server, client_headers


async def test_every_message_type_round_trips_and_subscribers_get_the_events(
    ws_server: Server,
) -> None:
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    async with connect(ws_url(ws_server)) as ws, connect(ws_url(ws_server)) as watcher:
        assert (await call(watcher, "subscribe", {"topic": "items"}))["data"] == {
            "topics": ["items"]
        }
        assert await call(ws, "ping", id=1) == {"id": 1, "type": "ping", "data": {}}
        created = (await call(ws, "items.create", {"name": name}, id=2))["data"]
        assert (await call(ws, "items.get", {"id": created["id"]}, id=3))["data"] == created
        page = (await call(ws, "items.list", {"limit": 100}, id=4))["data"]
        assert created["id"] in [item["id"] for item in page["items"]]
        changes = {"id": created["id"], "changes": {"description": "changed"}}
        updated = (await call(ws, "items.update", changes, id=5))["data"]
        assert updated["description"] == "changed"
        assert (await call(ws, "items.delete", {"id": created["id"]}, id=6))["data"] is None
        events = [await receive(watcher) for _ in range(3)]
        assert (await call(watcher, "unsubscribe", {"topic": "items"}))["data"] == {"topics": []}
    assert [(event["type"], event["data"].get("id")) for event in events] == [
        ("items.created", created["id"]),
        ("items.updated", created["id"]),
        ("items.deleted", created["id"]),
    ]


async def test_http_write_reaches_websocket_subscribers(ws_server: Server) -> None:
    async with connect(ws_url(ws_server)) as first, connect(ws_url(ws_server)) as second:
        for ws in (first, second):
            await call(ws, "subscribe", {"topic": "items"})
        async with httpx.AsyncClient(base_url=ws_server.url, headers=client_headers()) as http:
            response = await http.post("/api/v1/items", json={"name": f"e2e-{uuid.uuid4()}"})
        assert response.status_code == 201
        for ws in (first, second):
            assert await receive(ws) == {"type": "items.created", "data": response.json()}


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "invalid_message"),
        ("[]", "invalid_message"),
        ('{"id": 1}', "invalid_message"),
        ('{"id": 1, "type": "items.nope"}', "unknown_type"),
        ('{"id": 1, "type": "items.get", "data": {"id": 5}}', "validation_error"),
        (b"\x00binary", "unsupported_frame"),
    ],
    ids=["invalid-json", "not-an-object", "missing-type", "unknown-type", "invalid-data", "binary"],
)
async def test_bad_frame_gets_an_error_frame_and_the_connection_stays(
    ws_server: Server, frame: str | bytes, code: str
) -> None:
    async with connect(ws_url(ws_server)) as ws:
        await ws.send(frame)
        error = (await receive(ws))["error"]
        assert error["code"] == code
        assert (await call(ws, "ping", id=9))["id"] == 9
    # The message's own request id is on its log line, with the connection's id.
    lines = ws_server.lines_with(error["request_id"])
    records = [json.loads(line) for line in lines]
    assert [record["event"] for record in records] == ["ws_message"], lines
    assert records[0]["outcome"] == code
    assert records[0]["connection_id"]


async def test_frame_over_the_limit_is_refused_by_the_server_with_1009(
    ws_server: Server,
) -> None:
    async with connect(ws_url(ws_server)) as ws, connect(ws_url(ws_server)) as bystander:
        await ws.send(json.dumps({"type": "ping", "pad": "x" * MAX_MESSAGE_BYTES}))
        assert await close_code(ws) == 1009
        assert (await call(bystander, "ping"))["data"] == {}


async def test_listed_origin_connects(ws_server: Server) -> None:
    async with connect(ws_url(ws_server), origin=ALLOWED_ORIGIN) as ws:
        assert (await call(ws, "ping"))["data"] == {}


async def test_foreign_origin_gets_a_403_problem_at_the_handshake(ws_server: Server) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(ws_url(ws_server), origin="https://evil.example"):
            pass
    response = refused.value.response
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert json.loads(response.body)["code"] == "forbidden"
