"""Liveness and readiness, with the database up and down."""

import httpx
from sqlalchemy.ext.asyncio import create_async_engine

from {{ cookiecutter.package_name }}.container import Container


async def test_live_answers_without_dependencies(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_reports_each_dependency(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


async def test_ready_is_503_problem_when_database_is_down(
    client: httpx.AsyncClient, container: Container
) -> None:
    # Port 9 (discard) refuses connections on loopback: a database that is down.
    dead = create_async_engine(
        "postgresql+asyncpg://postgres@127.0.0.1:9/none", connect_args={"timeout": 1}
    )

    async def dead_database() -> None:
        async with dead.connect():
            pass

    original = container.readiness["database"]
    container.readiness["database"] = dead_database
    try:
        response = await client.get("/health/ready")
    finally:
        container.readiness["database"] = original
        await dead.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["checks"]["database"] == "unavailable"
    # Recovery needs no restart: the real check answers again.
    assert (await client.get("/health/ready")).status_code == 200
