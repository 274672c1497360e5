"""Item reads through the cache: filled on a miss, served on a hit, invalidated by every write."""

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from {{ cookiecutter.package_name }}.container import Container
from {{ cookiecutter.package_name }}.settings import Settings
from tests.conftest import http_client, rolled_back
from tests.redis.conftest import app_through
from tests.support import TcpProxy


async def create_item(client: httpx.AsyncClient, name: str) -> str:
    response = await client.post("/api/v1/items", json={"name": name, "description": "v1"})
    assert response.status_code == 201, response.text
    item_id: str = response.json()["id"]
    return item_id


async def change_behind_the_cache(db: AsyncConnection, item_id: str) -> None:
    await db.execute(
        text("UPDATE items SET description = 'changed in the database' WHERE id = :id"),
        {"id": item_id},
    )


async def test_second_read_is_served_from_the_cache(
    client: httpx.AsyncClient, db: AsyncConnection
) -> None:
    item_id = await create_item(client, "cached")
    assert (await client.get(f"/api/v1/items/{item_id}")).json()["description"] == "v1"
    await change_behind_the_cache(db, item_id)
    assert (await client.get(f"/api/v1/items/{item_id}")).json()["description"] == "v1"


async def test_a_cache_hit_opens_no_database_session(
    client: httpx.AsyncClient, container: Container
) -> None:
    item_id = await create_item(client, "hit-without-session")
    assert (await client.get(f"/api/v1/items/{item_id}")).status_code == 200

    def no_session() -> None:
        raise AssertionError("a cache hit opened a database session")

    factories = container.session_factory, container.read_session_factory
    container.session_factory = container.read_session_factory = no_session  # type: ignore[assignment]
    try:
        response = await client.get(f"/api/v1/items/{item_id}")
    finally:
        container.session_factory, container.read_session_factory = factories
    assert response.status_code == 200
    assert response.json()["id"] == item_id


async def test_update_invalidates_the_cached_item(
    client: httpx.AsyncClient, db: AsyncConnection
) -> None:
    item_id = await create_item(client, "to-update")
    await client.get(f"/api/v1/items/{item_id}")
    patched = await client.patch(f"/api/v1/items/{item_id}", json={"description": "v2"})
    assert patched.status_code == 200
    assert (await client.get(f"/api/v1/items/{item_id}")).json()["description"] == "v2"


async def test_delete_invalidates_the_cached_item(client: httpx.AsyncClient) -> None:
    item_id = await create_item(client, "to-delete")
    await client.get(f"/api/v1/items/{item_id}")
    assert (await client.delete(f"/api/v1/items/{item_id}")).status_code == 204
    assert (await client.get(f"/api/v1/items/{item_id}")).status_code == 404


async def test_a_late_fill_cannot_undo_an_invalidation(container: Container) -> None:
    # A reader that loaded the row before the write committed fills after the invalidation.
    key = "items:late-fill"
    await container.cache.invalidate(key)
    await container.cache.fill(key, b"stale")
    assert await container.cache.get(key) is None


async def test_reads_and_writes_succeed_while_redis_is_down(
    redis_proxy: TcpProxy, settings: Settings
) -> None:
    async with app_through(redis_proxy, settings) as app:
        container: Container = app.state.container
        async with rolled_back(container), http_client(app) as client:
            item_id = await create_item(client, "redis-down")
            await client.get(f"/api/v1/items/{item_id}")

            await redis_proxy.cut()
            read = await client.get(f"/api/v1/items/{item_id}")
            patched = await client.patch(f"/api/v1/items/{item_id}", json={"description": "v2"})
            read_again = await client.get(f"/api/v1/items/{item_id}")
            await redis_proxy.restore()
    assert read.status_code == 200
    assert patched.status_code == 200
    assert read_again.json()["description"] == "v2"
