"""MAX_REQUEST_BODY_BYTES: counted on the bytes that arrive, not on what `Content-Length` claims.

Through a real server (chunked uploads over a socket): tests/e2e/test_body_limit.py.
"""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.middleware.body_limit import (
    BodyLimitMiddleware,
    BodyTooLargeError,
)
from {{ cookiecutter.package_name }}.settings import Settings
from tests.conftest import http_client, running_app

LIMIT = 1024


async def echo_size(request: Request) -> Response:
    return JSONResponse({"received": len(await request.body())})


@pytest.fixture(scope="module")
async def limited_app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings.model_copy(update={"max_request_body_bytes": LIMIT})) as app:
        # A plain route, outside the API and its dependencies: only the limit is under test.
        app.add_route("/_test/echo-size", echo_size, methods=["POST"])
        yield app


class Upload:
    """A streamed body of `chunks` bytes each; counts the chunks the server pulled."""

    def __init__(self, *chunks: int) -> None:
        self.chunks = chunks
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for size in self.chunks:
            self.pulled += 1
            yield b"x" * size


async def post(
    app: FastAPI, path: str, content: bytes | Upload, headers: dict[str, str] | None = None
) -> httpx.Response:
    async with http_client(app) as client:
        return await client.post(path, content=content, headers=headers)


async def test_body_of_exactly_the_limit_is_read(limited_app: FastAPI) -> None:
    response = await post(limited_app, "/_test/echo-size", b"x" * LIMIT)
    assert response.json() == {"received": LIMIT}


async def test_declared_body_over_the_limit_gets_413_problem_without_being_read(
    limited_app: FastAPI,
) -> None:
    upload = Upload(LIMIT + 1)
    response = await post(
        limited_app, "/api/v1/items", upload, headers={"Content-Length": str(LIMIT + 1)}
    )
    assert response.status_code == 413
    assert upload.pulled == 0
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "payload_too_large"
    assert body["request_id"] == response.headers["x-request-id"]
    assert response.headers["connection"] == "close"  # the unread body is still on the wire


async def test_chunked_body_over_the_limit_gets_413_problem(limited_app: FastAPI) -> None:
    response = await post(limited_app, "/api/v1/items", Upload(600, 600))
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_chunked_body_is_refused_as_soon_as_it_crosses_the_limit(
    limited_app: FastAPI,
) -> None:
    upload = Upload(600, 600, 600, 600)
    response = await post(limited_app, "/_test/echo-size", upload)
    assert response.status_code == 413
    assert upload.pulled == 2


async def test_bodiless_request_reaches_the_app_with_the_servers_own_receive() -> None:
    received: list[Receive] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        received.append(receive)

    async def server_receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    await BodyLimitMiddleware(app, max_bytes=0)(scope, server_receive, _discard)
    assert received == [server_receive]


async def test_body_crossing_the_limit_after_the_response_started_cuts_it_short() -> None:
    sent: list[Message] = []

    async def streaming_echo(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        while (await receive()).get("more_body"):
            await send({"type": "http.response.body", "body": b".", "more_body": True})

    async def record(message: Message) -> None:
        sent.append(message)

    async def chunks() -> Message:
        return {"type": "http.request", "body": b"x" * 600, "more_body": True}

    scope = {"type": "http", "path": "/", "headers": [(b"transfer-encoding", b"chunked")]}
    with pytest.raises(BodyTooLargeError):
        await BodyLimitMiddleware(streaming_echo, max_bytes=LIMIT)(scope, chunks, record)
    # The server sees a response that never completes, and drops the connection.
    assert [message.get("more_body") for message in sent] == [None, True]


async def _discard(message: Message) -> None:
    pass
