"""With Keycloak, the HTTP rate limit counts per user (the token's subject), not per address."""

import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.settings import RateLimitSettings, Settings
from tests.auth.issuer import Issuer
from tests.conftest import http_client, running_app


@pytest.fixture(scope="module")
async def limited_app(settings: Settings) -> AsyncIterator[FastAPI]:
    limited = settings.model_copy(
        update={"rate_limit": RateLimitSettings(requests=2, window_seconds=3600)}
    )
    async with running_app(limited) as application:
        yield application


def address() -> str:
    return "10." + ".".join(str(byte) for byte in uuid.uuid4().bytes[:3])


async def get_items(app: FastAPI, client_ip: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http_client(app, client_ip=client_ip) as client:
        client.headers.pop("Authorization", None)
        return (await client.get("/api/v1/items", headers=headers)).status_code


async def test_a_user_has_one_budget_across_addresses(limited_app: FastAPI, issuer: Issuer) -> None:
    token = issuer.token(sub=str(uuid.uuid4()))
    statuses = [await get_items(limited_app, address(), token) for _ in range(3)]
    assert statuses == [200, 200, 429]


async def test_users_behind_one_address_have_separate_budgets(
    limited_app: FastAPI, issuer: Issuer
) -> None:
    shared = address()
    alice, bob = issuer.token(sub=str(uuid.uuid4())), issuer.token(sub=str(uuid.uuid4()))
    assert [await get_items(limited_app, shared, alice) for _ in range(3)] == [200, 200, 429]
    assert await get_items(limited_app, shared, bob) == 200


async def test_requests_without_a_valid_token_count_against_the_address(
    limited_app: FastAPI,
) -> None:
    client_ip = address()
    statuses = [await get_items(limited_app, client_ip, "not-a-token") for _ in range(3)]
    assert statuses == [401, 401, 429]
