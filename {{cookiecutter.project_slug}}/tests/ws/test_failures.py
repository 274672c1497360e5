"""A bug on the server side costs a client an error frame, at worst its own connection."""

import pytest
from httpx_ws import WebSocketDisconnect

from {{ cookiecutter.package_name }}.api.ws.catalog import MESSAGES, TOPICS
from {{ cookiecutter.package_name }}.api.ws.context import MessageContext
from {{ cookiecutter.package_name }}.api.ws.handlers import HANDLER_SETS
from {{ cookiecutter.package_name }}.api.ws.registry import HandlerSet, Registry
from {{ cookiecutter.package_name }}.api.ws.schemas import Empty
from {{ cookiecutter.package_name }}.api.ws.specs import MessageSpec
from {{ cookiecutter.package_name }}.rate_limit import Decision
from {{ cookiecutter.package_name }}.settings import Settings
from tests.ws.conftest import install, open_ws, receive, request, running_app


async def test_handler_bug_gets_an_opaque_500_frame_and_the_connection_stays(
    settings: Settings,
) -> None:
    broken = HandlerSet()

    @broken.on("items.explode")
    async def explode(data: Empty, context: MessageContext) -> None:
        raise RuntimeError("secret internals")

    spec = MessageSpec("items.explode", Empty, None, "Fails.")
    registry = Registry.build((*MESSAGES, spec), TOPICS, (*HANDLER_SETS, broken))
    async with running_app(settings) as app:
        install(app, registry=registry)
        async with open_ws(app) as ws:
            reply = await request(ws, "items.explode")
            assert reply["error"]["status"] == 500
            assert reply["error"]["code"] == "internal_error"
            assert "secret" not in str(reply)
            assert (await request(ws, "ping"))["data"] == {}


class FailingMessageLimiter:
    """Fails on every message: a dependency gone wrong."""

    async def hit(self, key: str, *, limit: int, window: float) -> Decision:
        raise RuntimeError("limiter down")


async def test_failing_dependency_closes_only_that_connection_with_1011(
    settings: Settings,
) -> None:
    async with running_app(settings) as app, open_ws(app) as bystander:
        assert (await request(bystander, "ping"))["data"] == {}
        hub = app.state.container.websockets
        working, hub.message_limiter = hub.message_limiter, FailingMessageLimiter()
        async with open_ws(app) as ws:
            await ws.send_json({"type": "ping"})
            with pytest.raises(WebSocketDisconnect) as closed:
                await receive(ws)
        assert closed.value.code == 1011
        hub.message_limiter = working
        assert (await request(bystander, "ping", id=2))["id"] == 2
