"""Subscribers get `items.*` events after a commit, whether HTTP or WebSocket wrote."""

import httpx

from tests.ws.conftest import Connect, receive, request


async def test_subscribe_replies_with_the_current_subscriptions(ws_connect: Connect) -> None:
    async with ws_connect() as ws:
        reply = await request(ws, "subscribe", {"topic": "items"})
    assert reply == {"id": 1, "type": "subscribe", "data": {"topics": ["items"]}}


async def test_subscriber_receives_items_created_after_an_http_write(
    ws_connect: Connect, client: httpx.AsyncClient
) -> None:
    async with ws_connect() as ws:
        await request(ws, "subscribe", {"topic": "items"})
        created = (await client.post("/api/v1/items", json={"name": "ws-event-http"})).json()
        event = await receive(ws)
    assert event == {"type": "items.created", "data": created}


async def test_subscriber_receives_the_events_of_another_connections_writes(
    ws_connect: Connect,
) -> None:
    async with ws_connect() as subscriber, ws_connect() as writer:
        await request(subscriber, "subscribe", {"topic": "items"})
        created = await request(writer, "items.create", {"name": "ws-event-ws"})
        item_id = created["data"]["id"]
        await request(writer, "items.update", {"id": item_id, "changes": {"description": "x"}})
        await request(writer, "items.delete", {"id": item_id})
        events = [await receive(subscriber) for _ in range(3)]
    assert [event["type"] for event in events] == [
        "items.created",
        "items.updated",
        "items.deleted",
    ]
    assert events[0]["data"] == created["data"]
    assert events[1]["data"]["description"] == "x"
    assert events[2]["data"] == {"id": item_id}


async def test_unsubscribed_connection_gets_no_more_events(
    ws_connect: Connect, client: httpx.AsyncClient
) -> None:
    async with ws_connect() as ws:
        await request(ws, "subscribe", {"topic": "items"})
        reply = await request(ws, "unsubscribe", {"topic": "items"})
        assert reply["data"] == {"topics": []}
        await client.post("/api/v1/items", json={"name": "ws-after-unsubscribe"})
        # Events are queued at commit, before the HTTP response: one would come first.
        assert (await request(ws, "ping", id=2))["id"] == 2


async def test_failed_write_publishes_nothing(ws_connect: Connect) -> None:
    async with ws_connect() as subscriber, ws_connect() as writer:
        await request(subscriber, "subscribe", {"topic": "items"})
        await request(writer, "items.create", {"name": "ws-dupe"})
        assert (await receive(subscriber))["type"] == "items.created"
        failed = await request(writer, "items.create", {"name": "ws-dupe"})
        assert failed["error"]["status"] == 409
        assert (await request(subscriber, "ping", id=2))["id"] == 2


async def test_subscribing_to_an_unknown_topic_gets_404(ws_connect: Connect) -> None:
    async with ws_connect() as ws:
        reply = await request(ws, "subscribe", {"topic": "nothing-here"})
        assert reply["error"]["status"] == 404
        assert (await request(ws, "ping"))["data"] == {}
