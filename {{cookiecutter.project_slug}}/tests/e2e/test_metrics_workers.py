"""Several worker processes on one port: `/metrics` on any of them reports what all counted."""

import os
import signal
from pathlib import Path

import httpx

from {{ cookiecutter.package_name }}.settings import DatabaseSettings
from tests.scrape import Scrape
from tests.support import Server, run_server, until

WORKERS = 2
REQUESTS = 20
# Each worker has a pool of its own: the total shows whose gauges a scrape added up.
POOL = DatabaseSettings().pool_size + DatabaseSettings().max_overflow


async def scraped(server: Server) -> Scrape:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.url}/metrics")
    assert response.status_code == 200, response.text
    return Scrape.parse(response.text)


async def pool_total_is(server: Server, workers: int) -> bool:
    return (await scraped(server)).value("db_pool_max_connections") == workers * POOL


def worker_pids(directory: Path) -> set[int]:
    """The processes that wrote live gauges there: the workers (the parent never does)."""
    return {int(path.stem.rsplit("_", 1)[1]) for path in directory.glob("gauge_livesum_*.db")}


def served_env(server_env: dict[str, str], directory: Path) -> dict[str, str]:
    return {
        **server_env,
        "WEB_CONCURRENCY": str(WORKERS),
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
    }


async def test_metrics_add_up_the_requests_of_every_worker(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    with run_server(served_env(server_env, tmp_path / "prometheus"), tmp_path) as server:
        await until(lambda: pool_total_is(server, WORKERS))  # both workers have started
        labels = {"method": "GET", "route": "/health/live", "status": "200"}
        before = await scraped(server)
        for _ in range(REQUESTS):
            # A connection each: the kernel hands them to either worker.
            async with httpx.AsyncClient() as http:
                assert (await http.get(f"{server.url}/health/live")).status_code == 200

        async def all_counted() -> bool:
            after = await scraped(server)
            return after.growth(before, "http_requests_total", **labels) == REQUESTS

        await until(all_counted)  # the last access lines land just after their responses


async def test_a_dead_worker_keeps_its_counts_but_not_its_gauges(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    directory = tmp_path / "prometheus"
    with run_server(served_env(server_env, directory), tmp_path) as server:
        await until(lambda: pool_total_is(server, WORKERS))
        victim = min(worker_pids(directory))
        os.kill(victim, signal.SIGKILL)

        async def forgotten() -> bool:
            await scraped(server)  # every scrape drops the live gauges of workers that are gone
            return not (directory / f"gauge_livesum_{victim}.db").exists()

        await until(forgotten, seconds=30)
        assert (directory / f"counter_{victim}.db").exists()
        # uvicorn replaces the worker: its pool counts, the dead one's no longer does.
        await until(lambda: pool_total_is(server, WORKERS), seconds=30)
