"""Fuzz tier: hypothesis-generated frames (garbage, arbitrary JSON, envelopes with every known
type and data of the right and wrong shapes) never get an internal error, and never close the
connection: each text frame gets exactly one reply or error frame."""

import json
from typing import Any

import pytest
from httpx_ws import AsyncWebSocketSession
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }}.api.ws.catalog import MESSAGES
from tests.ws.conftest import Connect, receive

pytestmark = pytest.mark.fuzz

MAX_EXAMPLES = 150

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
# Field names the real inputs use, so generated data reaches the handlers, not only validation.
fields = st.sampled_from(
    ["id", "name", "description", "changes", "topic", "limit", "offset", "cursor"]
)
field_values = st.one_of(
    json_values,
    st.uuids().map(str),
    st.text(max_size=300),
    st.dictionaries(st.sampled_from(["name", "description"]), st.text(max_size=30), max_size=2),
)
message_types = st.sampled_from([spec.name for spec in MESSAGES] + ["auth", "error", ""])
envelopes = st.fixed_dictionaries(
    {
        "id": st.none() | st.integers() | st.text(max_size=70),
        "type": message_types | st.text(max_size=70),
        "data": st.dictionaries(fields, field_values, max_size=4) | json_values,
    },
    optional={"extra": json_values},
)
frames = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    envelopes.map(json.dumps),
)


async def next_answer(ws: AsyncWebSocketSession) -> dict[str, Any]:
    """The next reply or error frame; pushed events (no `id` key) are skipped."""
    while True:
        frame = await receive(ws)
        if "id" in frame:
            return frame


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=st.lists(frames, min_size=1, max_size=5))
async def test_any_frame_gets_one_answer_without_internal_errors(
    ws_connect: Connect, sent: list[str]
) -> None:
    async with ws_connect() as ws:
        for text in sent:
            await ws.send_text(text)
            answer = await next_answer(ws)
            assert isinstance(answer.get("type"), str), answer
            if "error" in answer:
                assert answer["error"]["status"] < 500, answer
                assert answer["error"]["request_id"], answer
            else:
                assert "data" in answer, answer
        assert (await next_answer_after_ping(ws))["type"] == "ping"  # still open


async def next_answer_after_ping(ws: AsyncWebSocketSession) -> dict[str, Any]:
    await ws.send_json({"id": "still-open", "type": "ping", "data": {}})
    while True:
        answer = await next_answer(ws)
        if answer["id"] == "still-open":
            return answer


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=st.binary(max_size=200))
async def test_binary_frames_get_an_error_and_the_connection_stays_open(
    ws_connect: Connect, payload: bytes
) -> None:
    async with ws_connect() as ws:
        await ws.send_bytes(payload)
        answer = await next_answer(ws)
        assert answer["error"]["status"] < 500
        assert (await next_answer_after_ping(ws))["type"] == "ping"
