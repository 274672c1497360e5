"""One implementation of the forwarding headers: uvicorn's own is off, so without
TRUSTED_PROXIES a local peer cannot choose its address either (uvicorn trusts 127.0.0.1 by
default)."""

import json
import uuid

import httpx

from tests.support import Server


def test_served_app_ignores_forwarding_headers_without_trusted_proxies(server: Server) -> None:
    request_id = f"e2e-proxy-{uuid.uuid4().hex}"
    response = httpx.get(
        f"{server.url}/health/live",
        headers={"X-Request-ID": request_id, "X-Forwarded-For": "203.0.113.7"},
    )
    assert response.status_code == 200
    lines = server.lines_with(request_id)
    assert len(lines) == 1, server.output()
    assert json.loads(lines[0])["client"] == "127.0.0.1"
