"""Swagger UI logs in through Keycloak: its page policy lets it fetch the token there."""

from urllib.parse import urlsplit

import httpx


async def test_swagger_ui_may_fetch_tokens_from_keycloak(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    flow = schema["components"]["securitySchemes"]["keycloak"]["flows"]["authorizationCode"]
    token_url = urlsplit(flow["tokenUrl"])
    policy = (await client.get("/docs")).headers["content-security-policy"]
    connect = next(d.split()[1:] for d in policy.split(";") if d.split()[0] == "connect-src")
    assert f"{token_url.scheme}://{token_url.netloc}" in connect
