"""ALLOWED_HOSTS at the handshake: a socket for another host is refused before it is accepted."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx_ws import WebSocketDisconnect

from {{ cookiecutter.package_name }}.settings import Settings
from tests.conftest import running_app
from tests.ws.conftest import open_ws, request


@pytest.fixture(scope="module")
async def hosted_app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(
        settings.model_copy(update={"allowed_hosts": ["api.example.com"]})
    ) as app:
        yield app


async def test_handshake_for_an_allowed_host_connects(hosted_app: FastAPI) -> None:
    async with open_ws(hosted_app, headers={"host": "api.example.com"}) as ws:
        assert (await request(ws, "ping"))["data"] == {}


async def test_handshake_for_another_host_is_refused_before_accept(hosted_app: FastAPI) -> None:
    with pytest.raises(WebSocketDisconnect) as refused:
        async with open_ws(hosted_app, headers={"host": "evil.example"}):
            pass
    assert refused.value.code == 1008
    assert len(hosted_app.state.container.websockets.connections) == 0
