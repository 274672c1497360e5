"""Every message type runs the same command as its HTTP route, in its own unit of work."""

import uuid

import httpx

from tests.ws.conftest import Connect, request


async def test_ping_replies_with_the_same_id_and_type(ws_connect: Connect) -> None:
    async with ws_connect() as ws:
        reply = await request(ws, "ping", id="abc")
    assert reply == {"id": "abc", "type": "ping", "data": {}}


async def test_items_create_replies_with_the_created_item(ws_connect: Connect) -> None:
    async with ws_connect() as ws:
        reply = await request(ws, "items.create", {"name": "ws-create", "description": "d"}, id=7)
    assert reply["id"] == 7
    assert reply["type"] == "items.create"
    assert reply["data"]["name"] == "ws-create"
    assert reply["data"]["description"] == "d"
    uuid.UUID(reply["data"]["id"])


async def test_items_get_reads_what_http_created(
    ws_connect: Connect, client: httpx.AsyncClient
) -> None:
    created = (await client.post("/api/v1/items", json={"name": "ws-get"})).json()
    async with ws_connect() as ws:
        reply = await request(ws, "items.get", {"id": created["id"]})
    assert reply["data"] == created


async def test_items_list_pages_like_http(ws_connect: Connect, client: httpx.AsyncClient) -> None:
    for name in ("ws-list-a", "ws-list-b", "ws-list-c"):
        await client.post("/api/v1/items", json={"name": name})
    over_http = (await client.get("/api/v1/items", params={"limit": 2})).json()
    async with ws_connect() as ws:
        reply = await request(ws, "items.list", {"limit": 2})
    assert reply["data"] == over_http
    assert reply["data"]["total"] == 3


async def test_items_update_changes_only_the_sent_fields(ws_connect: Connect) -> None:
    async with ws_connect() as ws:
        created = await request(ws, "items.create", {"name": "ws-update", "description": "old"})
        item_id = created["data"]["id"]
        reply = await request(ws, "items.update", {"id": item_id, "changes": {"name": "ws-new"}})
    assert reply["data"]["name"] == "ws-new"
    assert reply["data"]["description"] == "old"


async def test_items_delete_replies_with_null_data_and_removes_the_item(
    ws_connect: Connect, client: httpx.AsyncClient
) -> None:
    created = (await client.post("/api/v1/items", json={"name": "ws-delete"})).json()
    async with ws_connect() as ws:
        reply = await request(ws, "items.delete", {"id": created["id"]})
    assert reply == {"id": 1, "type": "items.delete", "data": None}
    assert (await client.get(f"/api/v1/items/{created['id']}")).status_code == 404


async def test_missing_item_gets_the_same_404_problem_as_http(
    ws_connect: Connect, client: httpx.AsyncClient
) -> None:
    missing = str(uuid.uuid4())
    over_http = (await client.get(f"/api/v1/items/{missing}")).json()
    async with ws_connect() as ws:
        reply = await request(ws, "items.get", {"id": missing})
    assert reply["type"] == "items.get"
    problem = reply["error"]
    for key in ("type", "title", "status", "detail", "code"):
        assert problem[key] == over_http[key]
    assert problem["status"] == 404


async def test_duplicate_name_gets_a_409_problem_frame(ws_connect: Connect) -> None:
    async with ws_connect() as ws:
        await request(ws, "items.create", {"name": "ws-twice"})
        reply = await request(ws, "items.create", {"name": "ws-twice"}, id=2)
    assert reply["id"] == 2
    assert reply["error"]["status"] == 409
    assert reply["error"]["code"] == "conflict"


async def test_each_message_gets_its_own_request_id(ws_connect: Connect) -> None:
    missing = {"id": str(uuid.uuid4())}
    async with ws_connect() as ws:
        first = await request(ws, "items.get", missing)
        second = await request(ws, "items.get", missing)
    assert first["error"]["request_id"] != second["error"]["request_id"]
    assert len(first["error"]["request_id"]) == 32


async def test_message_without_id_gets_a_reply_with_null_id(ws_connect: Connect) -> None:
    async with ws_connect() as ws:
        await ws.send_json({"type": "ping"})
        reply = await ws.receive_json(timeout=10)
    assert reply == {"id": None, "type": "ping", "data": {}}
