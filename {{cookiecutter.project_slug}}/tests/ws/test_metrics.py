"""WebSocket metrics: connections from admission to close, refusals by reason, messages by type
and outcome, published events. Read from `/metrics`, before and after."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from httpx_ws import WebSocketDisconnect

from {{ cookiecutter.package_name }}.api.ws.hub import WebSocketHub
from {{ cookiecutter.package_name }}.settings import Settings
from tests.conftest import http_client
from tests.scrape import Scrape, scrape
from tests.support import until
from tests.ws.conftest import Connect, open_ws, receive, request, running_app


@pytest.fixture
async def metrics(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Scrapes the process's metrics (every app of this process counts into them)."""
    async with http_client(app) as http:
        yield http


def new_client() -> str:
    """An address no other test uses: per-client caps and connection rates start afresh."""
    return "10." + ".".join(str(byte) for byte in uuid.uuid4().bytes[:3])


async def refused_with(app: FastAPI, client: str | None = None) -> int:
    """The close code of a socket the server accepted, then closed before any message."""
    async with open_ws(app, client=client) as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            await receive(ws)
    return closed.value.code


async def test_a_connection_is_counted_from_admission_to_close(
    ws_connect: Connect, metrics: httpx.AsyncClient
) -> None:
    before = await scrape(metrics)
    async with ws_connect() as ws:
        assert (await request(ws, "ping"))["data"] == {}
        during = await scrape(metrics)
    assert during.value("ws_connections") == before.value("ws_connections") + 1
    assert during.growth(before, "ws_connections_opened_total") == 1

    async def closed_normally() -> bool:
        after = await scrape(metrics)
        return after.growth(before, "ws_connections_closed_total", code="1000") == 1

    await until(closed_normally)  # the server side finishes just after the client's close
    assert (await scrape(metrics)).value("ws_connections") == before.value("ws_connections")


async def test_messages_are_counted_by_type_and_outcome(
    ws_connect: Connect, metrics: httpx.AsyncClient
) -> None:
    before = await scrape(metrics)
    async with ws_connect() as ws:
        await request(ws, "ping")
        await request(ws, "no.such.type")
        await ws.send_text("not json")
        await ws.receive_json()
    after = await scrape(metrics)

    assert after.growth(before, "ws_messages_total", type="ping", outcome="ok") == 1
    assert after.growth(before, "ws_message_duration_seconds_count", type="ping") == 1
    # Client input never becomes a label: both land under `unknown`.
    assert after.growth(before, "ws_messages_total", type="unknown", outcome="unknown_type") == 1
    assert after.growth(before, "ws_messages_total", type="unknown", outcome="invalid_message") == 1
    assert "no.such.type" not in after.label_values("ws_messages_total", "type")


async def test_every_registered_type_has_its_series_before_any_message(
    app: FastAPI, metrics: httpx.AsyncClient
) -> None:
    hub: WebSocketHub = app.state.container.websockets
    scraped = await scrape(metrics)
    for route in hub.registry.routes:
        assert scraped.find("ws_messages_total", type=route.spec.name, outcome="ok") is not None


async def test_refused_connections_are_counted_by_reason(
    settings: Settings, metrics: httpx.AsyncClient
) -> None:
    before = await scrape(metrics)
    allowed = settings.ws.model_copy(update={"allowed_origins": ["https://socket.example"]})
    async with running_app(settings.model_copy(update={"ws": allowed})) as app:
        with pytest.raises(WebSocketDisconnect) as denied:
            async with open_ws(app, headers={"origin": "https://other.example"}):
                pass
        assert denied.value.code == 1008
    async with running_app(settings, max_connections=1) as app, open_ws(app) as first:
        await request(first, "ping")
        assert await refused_with(app) == 1013
    client = new_client()
    async with (
        running_app(settings, max_connections_per_client=1) as app,
        open_ws(app, client=client) as first,
    ):
        await request(first, "ping")
        assert await refused_with(app, client=client) == 1013
    async with running_app(settings) as app:
        await app.state.container.websockets.close()  # as on shutdown
        assert await refused_with(app) == 1001
    after = await scrape(metrics)

    for reason in ("origin", "capacity", "per_client", "shutdown"):
        assert after.growth(before, "ws_connections_rejected_total", reason=reason) == 1, reason


def rate_limited(after: Scrape, before: Scrape, scope: str) -> float:
    return after.growth(before, "rate_limit_rejections_total", scope=scope)


async def test_connection_and_message_rate_limits_are_counted(
    settings: Settings, metrics: httpx.AsyncClient
) -> None:
    before = await scrape(metrics)
    client = new_client()
    async with running_app(settings, connects_per_minute=1, message_rate=1) as app:
        async with open_ws(app, client=client) as ws:
            await request(ws, "ping", id=1)
            assert (await request(ws, "ping", id=2))["error"]["code"] == "rate_limited"
        assert await refused_with(app, client=client) == 1013
    after = await scrape(metrics)

    assert rate_limited(after, before, "ws_message") == 1
    assert after.growth(before, "ws_messages_total", type="ping", outcome="rate_limited") == 1
    assert rate_limited(after, before, "ws_connection") == 1
    assert after.growth(before, "ws_connections_rejected_total", reason="rate_limited") == 1


async def test_published_events_are_counted(
    ws_connect: Connect, metrics: httpx.AsyncClient
) -> None:
    before = await scrape(metrics)
    async with ws_connect() as ws:
        created = await request(ws, "items.create", {"name": "ws-metrics-event"})
        await request(ws, "items.delete", {"id": created["data"]["id"]})
    after = await scrape(metrics)
    assert after.growth(before, "ws_events_published_total") == 2
