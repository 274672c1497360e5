"""CORS_ORIGINS: listed browser origins may call the API (with credentials); others may not."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.middleware.cors import vary_origin
from {{ cookiecutter.package_name }}.settings import Settings
from tests.conftest import http_client, running_app

PAGE = "https://app.example"


@pytest.fixture(scope="module")
async def cors_app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings.model_copy(update={"cors_origins": [PAGE]})) as app:
        yield app


@pytest.fixture(scope="module")
async def any_origin_app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings.model_copy(update={"cors_origins": ["*"]})) as app:
        yield app


async def get(app: FastAPI, origin: str, path: str = "/api/v1/items") -> httpx.Response:
    async with http_client(app) as client:
        return await client.get(path, headers={"Origin": origin})


async def test_listed_origin_may_read_answers_with_credentials(cors_app: FastAPI) -> None:
    response = await get(cors_app, PAGE)
    assert response.headers["access-control-allow-origin"] == PAGE
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_listed_origin_may_read_the_request_id(cors_app: FastAPI) -> None:
    exposed = (await get(cors_app, PAGE)).headers["access-control-expose-headers"]
    assert "x-request-id" in exposed.lower().replace(" ", "").split(",")


async def test_error_problems_are_readable_by_listed_origins(cors_app: FastAPI) -> None:
    response = await get(cors_app, PAGE, "/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == PAGE


async def test_preflight_from_listed_origin_allows_writes_with_a_token(cors_app: FastAPI) -> None:
    async with http_client(cors_app) as client:
        response = await client.options(
            "/api/v1/items",
            headers={
                "Origin": PAGE,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
    assert response.status_code == 200
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_answers_without_an_origin_say_they_vary_by_it(cors_app: FastAPI) -> None:
    # A request without `Origin` skips the CORS machinery; a cache must still not serve its
    # answer (without CORS headers) to a browser.
    async with http_client(cors_app) as client:
        response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.headers.get_list("vary") == ["Origin"]
    assert not [name for name in response.headers if name.startswith("access-control-")]


def testvary_origin_joins_an_existing_vary_header() -> None:
    headers = vary_origin([(b"content-type", b"text/plain"), (b"Vary", b"Accept-Encoding")])
    assert headers == [(b"content-type", b"text/plain"), (b"Vary", b"Accept-Encoding, Origin")]
    assert vary_origin(()) == [(b"vary", b"Origin")]


async def test_other_origins_get_no_cors_headers(cors_app: FastAPI) -> None:
    response = await get(cors_app, "https://evil.example")
    assert "access-control-allow-origin" not in response.headers


async def test_any_origin_comes_without_credentials(any_origin_app: FastAPI) -> None:
    response = await get(any_origin_app, "https://anyone.example")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


async def test_no_origins_means_no_cors_at_all(app: FastAPI) -> None:
    # The suite's settings list no CORS_ORIGINS.
    response = await get(app, PAGE)
    assert not [name for name in response.headers if name.startswith("access-control-")]
