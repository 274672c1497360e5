"""`X-Request-ID`: accepted when safe, generated (full length) when absent or unsafe."""

import httpx


async def test_request_id_is_generated_when_absent(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert len(response.headers["x-request-id"]) == 32


async def test_request_id_from_client_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_unsafe_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "bad\x7fid" + "x" * 200})
    assert response.headers["x-request-id"] != "bad"
    assert len(response.headers["x-request-id"]) == 32
