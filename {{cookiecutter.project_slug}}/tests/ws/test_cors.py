"""CORS is for HTTP: it neither admits nor refuses a socket; the handshake's own Origin
allow-list decides."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx_ws import WebSocketDisconnect

from {{ cookiecutter.package_name }}.settings import Settings
from tests.conftest import running_app
from tests.ws.conftest import open_ws, request


@pytest.fixture(scope="module")
async def cors_app(settings: Settings) -> AsyncIterator[FastAPI]:
    configured = settings.model_copy(
        update={
            "cors_origins": ["https://page.example"],
            "ws": settings.ws.model_copy(update={"allowed_origins": ["https://socket.example"]}),
        }
    )
    async with running_app(configured) as app:
        yield app


async def test_origin_allowed_for_sockets_connects_without_being_a_cors_origin(
    cors_app: FastAPI,
) -> None:
    async with open_ws(cors_app, headers={"origin": "https://socket.example"}) as ws:
        assert (await request(ws, "ping"))["data"] == {}


async def test_cors_origin_does_not_open_sockets(cors_app: FastAPI) -> None:
    with pytest.raises(WebSocketDisconnect) as refused:
        async with open_ws(cors_app, headers={"origin": "https://page.example"}):
            pass
    assert refused.value.code == 1008
