"""No stack trace, SQL or exception text ever reaches a client."""

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import Response

from {{ cookiecutter.package_name }}.settings import Settings


@pytest.fixture
async def failing_client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://testserver",
    )


@pytest.fixture(scope="module", autouse=True)
def failing_routes(app: FastAPI) -> None:
    # Plain routes, outside the API and its dependencies: only the error handling is under test.
    async def boom(request: Request) -> Response:
        raise RuntimeError("SELECT password FROM users -- secret detail")

    async def lost_connection(request: Request) -> Response:
        raise DBAPIError("SELECT 1", {}, ConnectionResetError("reset"), connection_invalidated=True)

    app.add_route("/_test/boom", boom)
    app.add_route("/_test/lost-connection", lost_connection)


async def test_unhandled_error_is_opaque_500_problem(failing_client: httpx.AsyncClient) -> None:
    response = await failing_client.get("/_test/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["request_id"] == response.headers["x-request-id"]
    assert "secret" not in response.text
    assert "Traceback" not in response.text


async def test_lost_database_connection_is_503_with_retry_after(
    failing_client: httpx.AsyncClient,
) -> None:
    response = await failing_client.get("/_test/lost-connection")
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert response.json()["code"] == "service_unavailable"
    assert "SELECT" not in response.text


def test_settings_fixture_is_development(settings: Settings) -> None:
    assert settings.is_development
