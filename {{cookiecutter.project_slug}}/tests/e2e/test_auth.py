"""The real process validates tokens against the local issuer and logs who called, not how."""

import json

import httpx

from tests.auth.issuer import REALM, Issuer
from tests.support import Server


def test_served_app_refuses_a_request_without_a_token(server: Server) -> None:
    response = httpx.get(f"{server.url}/api/v1/items")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == f'Bearer realm="{REALM}"'
    assert response.headers["content-type"] == "application/problem+json"


def test_access_line_names_the_user_and_never_the_token(server: Server, issuer: Issuer) -> None:
    token = issuer.token()
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "e2e-auth-probe"}
    assert httpx.get(f"{server.url}/api/v1/items", headers=headers).status_code == 200
    lines = server.lines_with("e2e-auth-probe")
    assert len(lines) == 1, server.output()
    assert json.loads(lines[0])["user_id"] == issuer.claims()["sub"]
    assert token not in server.output()
