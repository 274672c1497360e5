"""A bad frame gets an error frame and the connection stays; an oversized one closes it."""

import json
from typing import Any

import pytest
from httpx_ws import WebSocketDisconnect

from tests.ws.conftest import Connect, receive, request

# Nested past every JSON parser's stack, Python's own included, and under the size limit.
DEEP = "[" * 30_000 + "]" * 30_000


@pytest.mark.parametrize(
    ("frame", "status", "code", "echo"),
    [
        pytest.param("{not json", 400, "invalid_message", (None, "error"), id="invalid-json"),
        pytest.param("[1, 2]", 400, "invalid_message", (None, "error"), id="not-an-object"),
        pytest.param('"ping"', 400, "invalid_message", (None, "error"), id="a-string"),
        pytest.param('{"id": 3}', 400, "invalid_message", (3, "error"), id="missing-type"),
        pytest.param('{"id": 3, "type": 5}', 400, "invalid_message", (3, "error"), id="bad-type"),
        pytest.param(
            '{"id": 3, "type": "ping", "extra": 1}',
            400,
            "invalid_message",
            (3, "error"),
            id="unknown-envelope-key",
        ),
        pytest.param(
            '{"id": true, "type": "ping"}', 400, "invalid_message", (None, "error"), id="bad-id"
        ),
        pytest.param(
            '{"id": 4, "type": "items.explode"}', 400, "unknown_type", (4, "error"), id="unknown"
        ),
        pytest.param(
            '{"id": 5, "type": "items.get", "data": {"id": "nope"}}',
            422,
            "validation_error",
            (5, "items.get"),
            id="invalid-data",
        ),
        pytest.param(
            '{"id": 6, "type": "items.get", "data": []}',
            400,
            "invalid_message",
            (6, "error"),
            id="data-not-an-object",
        ),
        # An error frame, not a RecursionError that closes the socket with 1011; no parser
        # can read the id of such a frame either.
        pytest.param(DEEP, 400, "invalid_message", (None, "error"), id="nested-too-deep"),
        pytest.param(
            '{"id": 7, "type": "ping", "data": ' + DEEP + "}",
            400,
            "invalid_message",
            (None, "error"),
            id="data-nested-too-deep",
        ),
    ],
)
async def test_bad_frame_gets_an_error_frame_and_the_connection_stays(
    ws_connect: Connect, frame: str, status: int, code: str, echo: tuple[Any, str]
) -> None:
    async with ws_connect() as ws:
        await ws.send_text(frame)
        reply = await receive(ws)
        assert (reply["id"], reply["type"]) == echo
        assert reply["error"]["status"] == status
        assert reply["error"]["code"] == code
        assert reply["error"]["request_id"]
        assert (await request(ws, "ping"))["data"] == {}


async def test_invalid_data_points_at_the_field_without_echoing_it(ws_connect: Connect) -> None:
    secret = "s3cr3t-value-that-must-not-come-back"
    async with ws_connect() as ws:
        reply = await request(ws, "items.create", {"name": "x", "description": 5, "pw": secret})
    errors = reply["error"]["errors"]
    assert {tuple(error["loc"]) for error in errors} == {
        ("data", "description"),
        ("data", "pw"),
    }
    assert secret not in json.dumps(reply)


async def test_binary_frame_gets_a_415_error_frame(ws_connect: Connect) -> None:
    async with ws_connect() as ws:
        await ws.send_bytes(b'{"id": 1, "type": "ping"}')
        reply = await receive(ws)
        assert reply["error"]["status"] == 415
        assert reply["error"]["code"] == "unsupported_frame"
        assert (await request(ws, "ping"))["data"] == {}


async def test_oversized_frame_closes_with_1009(ws_connect: Connect) -> None:
    async with ws_connect() as ws:
        await ws.send_text(json.dumps({"type": "ping", "data": {"pad": "x" * 70_000}}))
        with pytest.raises(WebSocketDisconnect) as closed:
            await receive(ws)
    assert closed.value.code == 1009


async def test_multibyte_text_counts_in_bytes_not_characters(ws_connect: Connect) -> None:
    # 30,000 characters of 3 bytes each: under the limit in characters, over it in bytes.
    async with ws_connect() as ws:
        await ws.send_text(json.dumps({"type": "ping", "pad": "€" * 30_000}, ensure_ascii=False))
        with pytest.raises(WebSocketDisconnect) as closed:
            await receive(ws)
    assert closed.value.code == 1009
