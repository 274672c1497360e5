"""The hooks a composition root fills: the authentication step, roles, the origin allow-list."""

import pytest
from httpx_ws import WebSocketDisconnect
from starlette.websockets import WebSocket

from {{ cookiecutter.package_name }}.api.ws.handlers import build_registry
from {{ cookiecutter.package_name }}.api.ws.identity import Identity
from {{ cookiecutter.package_name }}.settings import Settings
from tests.ws.conftest import install, open_ws, receive, request, running_app


def with_roles(*roles: str) -> object:
    async def authenticate(websocket: WebSocket) -> Identity:
        return Identity(subject="someone", roles=frozenset(roles))

    return authenticate


async def test_message_type_with_roles_refuses_a_connection_without_them(
    settings: Settings,
) -> None:
    registry = build_registry().require_roles(messages={"items.list": ["reader"]})
    async with running_app(settings) as app:
        install(app, registry=registry, authenticate=with_roles("other"))
        async with open_ws(app) as ws:
            reply = await request(ws, "items.list")
            assert reply["type"] == "items.list"
            assert reply["error"]["status"] == 403
            assert (await request(ws, "ping"))["data"] == {}


async def test_message_type_with_roles_serves_a_connection_with_them(settings: Settings) -> None:
    registry = build_registry().require_roles(messages={"items.list": ["reader"]})
    async with running_app(settings) as app:
        install(app, registry=registry, authenticate=with_roles("reader", "other"))
        async with open_ws(app) as ws:
            assert "items" in (await request(ws, "items.list"))["data"]


async def test_topic_with_roles_refuses_a_subscriber_without_them(settings: Settings) -> None:
    registry = build_registry().require_roles(topics={"items": ["reader"]})
    async with running_app(settings) as app:
        install(app, registry=registry)
        async with open_ws(app) as ws:
            reply = await request(ws, "subscribe", {"topic": "items"})
    assert reply["error"]["status"] == 403


async def test_authentication_step_may_close_the_socket_with_its_own_code(
    settings: Settings,
) -> None:
    async def refuse(websocket: WebSocket) -> None:
        await websocket.close(4499, "not you")

    async with running_app(settings) as app:
        install(app, authenticate=refuse)
        async with open_ws(app) as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                await receive(ws)
    assert closed.value.code == 4499
    assert len(app.state.container.websockets.connections) == 0


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-origin"),
        pytest.param({"origin": "https://app.example"}, id="listed"),
        pytest.param({"origin": "HTTPS://APP.EXAMPLE/"}, id="listed-other-case"),
        pytest.param({"origin": "http://testserver"}, id="same-origin"),
    ],
)
async def test_allowed_origins_connect(settings: Settings, headers: dict[str, str]) -> None:
    async with (
        running_app(settings, allowed_origins=["https://app.example"]) as app,
        open_ws(app, headers=headers) as ws,
    ):
        assert (await request(ws, "ping"))["data"] == {}


async def test_other_origins_are_refused_at_the_handshake(settings: Settings) -> None:
    async with running_app(settings, allowed_origins=["https://app.example"]) as app:
        with pytest.raises(WebSocketDisconnect) as refused:
            async with open_ws(app, headers={"origin": "https://evil.example"}):
                pass
    assert refused.value.code == 1008


async def test_cors_origins_apply_when_no_websocket_origins_are_set(settings: Settings) -> None:
    cors = settings.model_copy(update={"cors_origins": ["https://cors.example"]})
    async with running_app(cors) as app:
        async with open_ws(app, headers={"origin": "https://cors.example"}) as ws:
            assert (await request(ws, "ping"))["data"] == {}
        with pytest.raises(WebSocketDisconnect):
            async with open_ws(app, headers={"origin": "https://evil.example"}):
                pass
