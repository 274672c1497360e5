"""The same faults against uvicorn over a real socket, the database behind a proxy."""

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.fault.conftest import assert_unavailable_problem
from tests.support import BackgroundProxy, Server, locked_table, run_server, through_proxy

pytestmark = [pytest.mark.fault, pytest.mark.e2e]


@pytest.fixture
def proxy(fault_database_url: str) -> Iterator[BackgroundProxy]:
    url = make_url(fault_database_url)
    with BackgroundProxy(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


@pytest.fixture
def served(fault_database_url: str, proxy: BackgroundProxy, tmp_path: Path) -> Iterator[Server]:
    env = {
        "DATABASE_URL": through_proxy(fault_database_url, proxy.port),
        "DATABASE_CONNECT_TIMEOUT": "2",
        "DATABASE_POOL_TIMEOUT": "2",
    }
    with run_server(env, tmp_path) as server:
        yield server


def test_served_app_answers_503_while_the_database_is_cut_and_recovers(
    served: Server, proxy: BackgroundProxy, credentials: dict[str, str]
) -> None:
    with httpx.Client(base_url=served.url, headers=credentials, timeout=10) as http:
        assert http.get("/api/v1/items").status_code == 200
        proxy.cut()
        assert_unavailable_problem(http.get("/api/v1/items"))
        assert_unavailable_problem(http.get("/health/ready"))
        proxy.restore()
        assert http.get("/health/ready").status_code == 200
        assert http.get("/api/v1/items").status_code == 200


async def test_served_request_cut_mid_flight_gets_503_problem(
    served: Server, proxy: BackgroundProxy, fault_database_url: str, credentials: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=served.url, headers=credentials, timeout=10) as http:
        async with locked_table(fault_database_url, "items") as lock:
            item = {"name": f"served-cut-{uuid.uuid4().hex[:8]}"}
            request = asyncio.create_task(http.post("/api/v1/items", json=item))
            await lock.wait_for_waiters()
            await asyncio.to_thread(proxy.cut)
            response = await request
        assert_unavailable_problem(response)
        await asyncio.to_thread(proxy.restore)
        item = {"name": f"served-after-{uuid.uuid4().hex[:8]}"}
        assert (await http.post("/api/v1/items", json=item)).status_code == 201
