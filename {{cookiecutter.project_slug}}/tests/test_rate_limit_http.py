"""The HTTP rate limit: headers on every limited response, a 429 problem past the limit."""

import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from starlette.types import Scope

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.middleware.rate_limit import RateLimitMiddleware
from {{ cookiecutter.package_name }}.settings import RateLimitSettings, Settings
from tests.conftest import http_client, running_app

LIMIT = 3


@pytest.fixture(scope="module")
async def limited_app(settings: Settings) -> AsyncIterator[FastAPI]:
    limited = settings.model_copy(
        update={"rate_limit": RateLimitSettings(requests=LIMIT, window_seconds=3600)}
    )
    async with running_app(limited) as application:
        yield application


def new_client_ip() -> str:
    """A fresh address per test, so no test spends another's budget."""
    return "10." + ".".join(str(byte) for byte in uuid.uuid4().bytes[:3])


async def test_responses_carry_ratelimit_headers(limited_app: FastAPI) -> None:
    async with http_client(limited_app, client_ip=new_client_ip()) as client:
        response = await client.get(f"/api/v1/items/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["ratelimit-limit"] == str(LIMIT)
    assert response.headers["ratelimit-remaining"] == str(LIMIT - 1)
    assert int(response.headers["ratelimit-reset"]) > 0
    assert response.headers["ratelimit-policy"] == f"{LIMIT};w=3600"


async def test_request_past_the_limit_gets_429_problem_with_retry_after(
    limited_app: FastAPI,
) -> None:
    async with http_client(limited_app, client_ip=new_client_ip()) as client:
        statuses = [(await client.get("/api/v1/items")).status_code for _ in range(LIMIT)]
        refused = await client.get("/api/v1/items")
    assert statuses == [200] * LIMIT
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["ratelimit-remaining"] == "0"
    body = refused.json()
    assert body["code"] == "rate_limited"
    assert body["request_id"] == refused.headers["x-request-id"]
    assert body["instance"] == "/api/v1/items"


async def test_clients_have_separate_budgets(limited_app: FastAPI) -> None:
    async with http_client(limited_app, client_ip=new_client_ip()) as first:
        for _ in range(LIMIT):
            await first.get("/api/v1/items")
        assert (await first.get("/api/v1/items")).status_code == 429
    async with http_client(limited_app, client_ip=new_client_ip()) as second:
        assert (await second.get("/api/v1/items")).status_code == 200


async def test_health_and_metrics_are_never_limited(limited_app: FastAPI) -> None:
    async with http_client(limited_app, client_ip=new_client_ip()) as client:
        for _ in range(LIMIT):
            await client.get("/api/v1/items")
        live = [(await client.get("/health/live")).status_code for _ in range(LIMIT + 2)]
    assert live == [200] * (LIMIT + 2)


async def identity_from_header(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-test-identity":
            return bytes(value).decode()
    return None


async def test_identified_callers_are_limited_per_identity_not_per_address(
    settings: Settings,
) -> None:
    application = create_app(settings)  # the suite's settings: no limit of its own
    application.add_middleware(
        RateLimitMiddleware, limit=1, window=3600, identify=identity_from_header
    )
    alice, bob = f"alice-{uuid.uuid4()}", f"bob-{uuid.uuid4()}"
    async with (
        application.router.lifespan_context(application),
        http_client(application, client_ip=new_client_ip()) as client,
    ):
        as_alice = await client.get("/api/v1/items", headers={"x-test-identity": alice})
        again = await client.get("/api/v1/items", headers={"x-test-identity": alice})
        as_bob = await client.get("/api/v1/items", headers={"x-test-identity": bob})
    assert (as_alice.status_code, again.status_code, as_bob.status_code) == (200, 429, 200)


def test_middleware_is_off_when_disabled(app: FastAPI) -> None:
    names = {getattr(middleware.cls, "__name__", "") for middleware in app.user_middleware}
    assert RateLimitMiddleware.__name__ not in names
