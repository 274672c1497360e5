"""WebSocket auth: a first frame (or handshake header) with a token admits a socket, then
each message type and topic needs its roles. The token is never read from the URL."""

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from sqlalchemy.ext.asyncio import AsyncConnection

from {{ cookiecutter.package_name }}.api.ws import catalog
from {{ cookiecutter.package_name }}.api.ws.hub import WebSocketHub
from {{ cookiecutter.package_name }}.auth import ws as ws_auth
from {{ cookiecutter.package_name }}.auth.roles import Role
from {{ cookiecutter.package_name }}.settings import Settings
from tests.auth.issuer import Issuer
from tests.conftest import http_client
from tests.scrape import scrape
from tests.ws.conftest import receive, request, running_app


@contextlib.asynccontextmanager
async def bare_socket(
    app: FastAPI, path: str = "/ws", headers: dict[str, str] | None = None
) -> AsyncIterator[AsyncWebSocketSession]:
    """A socket that presents no credentials unless told to."""
    transport = ASGIWebSocketTransport(app=app, client=("10.9.0.1", 50000))
    ws: AsyncWebSocketSession
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        aconnect_ws(path, http, headers=headers or {}) as ws,
    ):
        yield ws


async def authenticate(ws: AsyncWebSocketSession, token: str) -> dict[str, Any]:
    await ws.send_json({"type": "auth", "token": token})
    return await receive(ws)


async def closed_with(ws: AsyncWebSocketSession) -> WebSocketDisconnect:
    with pytest.raises(WebSocketDisconnect) as closed:
        await receive(ws)
    return closed.value


@pytest.fixture
def session_app(app: FastAPI, db: AsyncConnection) -> FastAPI:
    """The session app; what its sockets write is rolled back after the test."""
    return app


async def test_auth_frame_admits_the_socket_and_is_answered(
    session_app: FastAPI, issuer: Issuer
) -> None:
    token = issuer.token(roles=[Role.READER])
    async with bare_socket(session_app) as ws:
        reply = await authenticate(ws, token)
        assert reply["type"] == "auth"
        assert reply["data"] == {
            "user_id": issuer.claims()["sub"],
            "roles": ["reader"],
            "expires_at": jwt.decode(token, options={"verify_signature": False})["exp"],
        }
        assert "items" in (await request(ws, "items.list"))["data"]


async def test_bearer_header_on_the_handshake_admits_without_a_frame(
    session_app: FastAPI, issuer: Issuer
) -> None:
    headers = {"Authorization": f"Bearer {issuer.token()}"}
    async with bare_socket(session_app, headers=headers) as ws:
        assert (await request(ws, "ping")) == {"id": 1, "type": "ping", "data": {}}


async def test_refused_token_closes_with_4401_and_says_why(
    session_app: FastAPI, issuer: Issuer
) -> None:
    async with bare_socket(session_app) as ws:
        await ws.send_json({"type": "auth", "token": issuer.token(exp=int(time.time()) - 600)})
        closed = await closed_with(ws)
    assert closed.code == 4401
    assert closed.reason == "The access token has expired."


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param('{"id": 1, "type": "ping", "data": {}}', id="a-message"),
        pytest.param("{not json", id="not-json"),
        # Nested past the JSON parser's stack: still a 4401, not a RecursionError (1011).
        pytest.param("[" * 30_000 + "]" * 30_000, id="nested-too-deep"),
    ],
)
async def test_first_frame_that_is_not_an_auth_frame_closes_with_4401(
    session_app: FastAPI, frame: str
) -> None:
    async with bare_socket(session_app) as ws:
        await ws.send_text(frame)
        assert (await closed_with(ws)).code == 4401


async def test_invalid_handshake_header_closes_with_4401(session_app: FastAPI) -> None:
    async with bare_socket(session_app, headers={"Authorization": "Bearer nonsense"}) as ws:
        assert (await closed_with(ws)).code == 4401


async def test_no_auth_frame_in_time_closes_with_4408(settings: Settings) -> None:
    async with running_app(settings, auth_timeout=0.2) as app, bare_socket(app) as ws:
        assert (await closed_with(ws)).code == 4408


async def test_token_in_the_url_is_ignored(settings: Settings, issuer: Issuer) -> None:
    token = issuer.token()
    async with (
        running_app(settings, auth_timeout=0.2) as app,
        bare_socket(app, path=f"/ws?token={token}&access_token={token}") as ws,
    ):
        assert (await closed_with(ws)).code == 4408


async def test_message_needing_a_missing_role_gets_a_403_frame_and_the_socket_stays(
    session_app: FastAPI, issuer: Issuer
) -> None:
    async with bare_socket(session_app) as ws:
        await authenticate(ws, issuer.token(roles=[Role.READER]))
        reply = await request(ws, "items.create", {"name": "not-allowed"})
        assert reply["error"]["status"] == 403
        assert (await request(ws, "ping", id=2))["id"] == 2


async def test_topic_needs_its_role(session_app: FastAPI, issuer: Issuer) -> None:
    async with bare_socket(session_app) as ws:
        await authenticate(ws, issuer.token(roles=[]))
        reply = await request(ws, "subscribe", {"topic": "items"})
    assert reply["error"]["status"] == 403


async def test_socket_is_closed_with_4401_when_its_token_expires(
    session_app: FastAPI, issuer: Issuer
) -> None:
    async with bare_socket(session_app) as ws:
        await authenticate(ws, issuer.token(exp=int(time.time()) + 1))
        assert (await closed_with(ws)).code == 4401


def test_every_message_type_and_topic_has_an_access_rule() -> None:
    assert {spec.name for spec in catalog.MESSAGES} == set(ws_auth.MESSAGES)
    assert {spec.name for spec in catalog.TOPICS} == set(ws_auth.TOPICS)


def test_the_running_hub_applies_the_rules(app: FastAPI) -> None:
    hub: WebSocketHub = app.state.container.websockets
    for name, roles in ws_auth.MESSAGES.items():
        route = hub.registry.route(name)
        assert route is not None
        assert route.roles == roles, name
    for name, roles in ws_auth.TOPICS.items():
        topic = hub.registry.topic(name)
        assert topic is not None
        assert topic.roles == roles, name


async def test_socket_auth_outcomes_and_refusals_are_counted(
    session_app: FastAPI, issuer: Issuer
) -> None:
    async with http_client(session_app) as http:
        before = await scrape(http)
        async with bare_socket(session_app) as ws:
            assert (await authenticate(ws, issuer.token()))["type"] == "auth"
        async with bare_socket(session_app) as ws:
            await ws.send_json({"id": 1, "type": "ping", "data": {}})
            assert (await closed_with(ws)).code == 4401
        async with bare_socket(session_app) as ws:
            await ws.send_json({"type": "auth", "token": "not.a.token"})
            assert (await closed_with(ws)).code == 4401
        after = await scrape(http)

    for outcome in ("ok", "missing", "invalid"):
        growth = after.growth(before, "auth_outcomes_total", transport="ws", outcome=outcome)
        assert growth == 1, outcome
    assert after.growth(before, "ws_connections_rejected_total", reason="auth") == 2
