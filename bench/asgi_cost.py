"""CPU per request through the ASGI app in-process: what each part of the stack costs.

Run by `python -m bench.profile middleware|db` with the generated project's interpreter (it
imports `<package>.main`); no network, no server: what is left is the app's own cost.
`/health/live`: the app without one middleware at a time. `/api/v1/items/<id>`: the item read
layer by layer, from the whole app down to asyncpg (`Layers`), and the statements it runs.
Rounds alternate over the variants; the median is printed. `BENCH_TOKEN`, when set, goes in
every request's `Authorization` header (the default project authenticates its API).

usage: python asgi_cost.py <package> <path> [requests] [rounds]
"""

import asyncio
import contextlib
import importlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "baselines"))

_TOKEN = os.environ.get("BENCH_TOKEN")
AUTHORIZATION = [(b"authorization", b"Bearer " + _TOKEN.encode())] if _TOKEN else []


def scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"user-agent", b"bench"), *AUTHORIZATION],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def cost(app: Any, path: str, requests: int) -> float:
    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.process_time()
    for _ in range(requests):
        await app(scope(path), receive, send)
    elapsed = time.process_time() - started
    if any(status >= 400 for status in statuses):
        raise RuntimeError(f"{path} answered {sorted(set(statuses))}")
    return elapsed / requests * 1e6


class Lifespan:
    """Runs the app's lifespan around the measurements (the container must exist)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def __aenter__(self) -> None:
        self.task = asyncio.create_task(
            self.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                     self.inbox.get, self.outbox.put)
        )  # fmt: skip
        await self.inbox.put({"type": "lifespan.startup"})
        message = await self.outbox.get()
        if message["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"startup failed: {message}")

    async def __aexit__(self, *exc: object) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        await self.outbox.get()
        await self.task


def variants(package: str) -> dict[str, Any]:
    main = importlib.import_module(f"{package}.main")
    full = main.create_app()
    found = {"bare FastAPI (baseline)": importlib.import_module("bare_http").app, "full": full}
    for middleware in full.user_middleware:
        app = main.create_app()
        app.user_middleware = [m for m in app.user_middleware if m.cls is not middleware.cls]
        found[f"without {middleware.cls.__name__}"] = app
    app = main.create_app()
    app.user_middleware = []
    found["without any middleware"] = app
    return found


class Layers:
    """The item read through fewer and fewer layers, from the whole app down to asyncpg: the
    difference between two rows is what the layer between them costs."""

    def __init__(self, package: str, item_id: str) -> None:
        main = importlib.import_module(f"{package}.main")
        self.repository = importlib.import_module(f"{package}.repositories.items").ItemRepository
        self.baseline = importlib.import_module("asyncpg_items")
        self.path = f"/api/v1/items/{item_id}"
        self.key = uuid.UUID(item_id)
        self.full = main.create_app()
        self.bare = main.create_app()
        self.bare.user_middleware = []
        self.apps = [self.baseline.app, self.full, self.bare]

    def calls(self) -> dict[str, Callable[[], Awaitable[None]]]:
        return {
            "FastAPI + asyncpg (baseline)": lambda: self.request(self.baseline.app),
            "full": lambda: self.request(self.full),
            "without any middleware": lambda: self.request(self.bare),
            "unit of work read (the route's database part)": self.unit_of_work_read,
            "repository get on a session (SQLAlchemy)": self.repository_get,
            "asyncpg fetchrow (the baseline's database part)": self.fetchrow,
        }

    async def request(self, app: Any) -> None:
        await app(scope(self.path), receive, expect_ok)

    async def unit_of_work_read(self) -> None:
        async with self.full.state.container.unit_of_work() as uow:
            await uow.read(lambda session: self.repository(session).get(self.key))

    async def repository_get(self) -> None:
        async with self.full.state.container.read_session_factory() as session:
            await self.repository(session).get(self.key)

    async def fetchrow(self) -> None:
        await self.baseline.pool.fetchrow(self.baseline.QUERY, self.key)


async def expect_ok(message: dict[str, Any]) -> None:
    if message["type"] == "http.response.start" and message["status"] >= 400:
        raise RuntimeError(f"answered {message['status']}")


async def measure_db(package: str, path: str, requests: int, rounds: int) -> None:
    layers = Layers(package, path.rsplit("/", 1)[-1])
    calls = layers.calls()
    results: dict[str, list[float]] = {name: [] for name in calls}
    async with contextlib.AsyncExitStack() as stack:
        for app in layers.apps:
            await stack.enter_async_context(Lifespan(app))
        for call in calls.values():
            for _ in range(200):  # warm: pools, statement caches, the middleware stack
                await call()
        for _ in range(rounds):
            for name, call in calls.items():
                started = time.process_time()
                for _ in range(requests):
                    await call()
                results[name].append((time.process_time() - started) / requests * 1e6)
        await _print_statements(layers)
    full = statistics.median(results["full"])
    print(
        f"CPU per item read in-process, {path}, median of {rounds} x {requests} (with the "
        "client side of the database round trip):",
        file=sys.stderr,
    )
    for name, samples in results.items():
        value = statistics.median(samples)
        print(f"  {value:8.1f} us  {value - full:+8.1f}  {name}", file=sys.stderr)


async def measure(package: str, path: str, requests: int, rounds: int) -> None:
    apps = variants(package)
    results: dict[str, list[float]] = {name: [] for name in apps}
    async with contextlib.AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(Lifespan(app))
        for app in apps.values():
            await cost(app, path, 200)  # warm (builds the middleware stack too)
        for _ in range(rounds):
            for name, app in apps.items():
                results[name].append(await cost(app, path, requests))
    full = statistics.median(results["full"])
    print(f"CPU per request in-process, {path}, median of {rounds} x {requests}:", file=sys.stderr)
    for name, samples in results.items():
        value = statistics.median(samples)
        print(f"  {value:8.1f} us  {value - full:+8.1f}  {name}", file=sys.stderr)


async def _print_statements(layers: Layers) -> None:
    """Statements asyncpg runs per item read of the generated app, as configured. Its query
    logger sees the simple-protocol ones (BEGIN, ROLLBACK, a pre-ping); the SELECT, a prepared
    statement, is one more and not listed."""
    from sqlalchemy import event  # noqa: PLC0415

    seen: list[str] = []
    engine = layers.full.state.container.engine

    def log_queries(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(lambda r: seen.append(r.query))

    event.listen(engine.sync_engine, "connect", log_queries)
    await engine.dispose()  # new connections, with the logger
    for _ in range(10):
        await layers.request(layers.full)
    seen.clear()
    for _ in range(100):
        await layers.request(layers.full)
    event.remove(engine.sync_engine, "connect", log_queries)
    counts: dict[str, int] = {}
    for query in seen:
        statement = " ".join(query.split())
        counts[statement] = counts.get(statement, 0) + 1
    listed = ", ".join(f"{n / 100:g} x {q!r}" for q, n in counts.items())
    print(
        f"simple-protocol statements per item read besides the SELECT: {listed or 'none'}",
        file=sys.stderr,
    )


def main() -> None:
    package, path = sys.argv[1], sys.argv[2]
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    # The app writes its log lines to stdout: the caller sends stdout to /dev/null.
    os.environ.setdefault("ENVIRONMENT", "production")
    try:
        import uvloop  # noqa: PLC0415

        run = uvloop.run
    except ImportError:
        run = asyncio.run
    run((measure_db if "/items/" in path else measure)(package, path, requests, rounds))


if __name__ == "__main__":
    main()
