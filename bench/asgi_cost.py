"""CPU per request through the ASGI app in-process: what each part of the stack costs.

Run by `python -m bench.profile middleware|db` with the generated project's interpreter (it
imports `<package>.main`); no network, no server: what is left is the app's own cost.
`/health/live`: the app without one middleware at a time. `/api/v1/items/<id>`: the item read
with the database providers made `async def` (no threadpool hop) and/or without the pool's
pre-ping. Rounds alternate over the variants; the median is printed.

usage: python asgi_cost.py <package> <path> [requests] [rounds]
"""

import asyncio
import contextlib
import importlib
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "baselines"))


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
        "headers": [(b"host", b"127.0.0.1"), (b"user-agent", b"bench")],
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


def db_variants(package: str) -> dict[str, Any]:
    """The item read as generated, and with the two changes measured (applied in-process)."""
    main = importlib.import_module(f"{package}.main")
    dependencies = importlib.import_module(f"{package}.dependencies")
    full = main.create_app()
    asyncpg_app = importlib.import_module("asyncpg_items").app
    providers = main.create_app()
    # Same bodies as the generated providers, but `async def`: FastAPI awaits them in the event
    # loop instead of sending each to a worker thread.
    for name in ("get_container", "get_settings_dep", "get_item_commands"):
        function = getattr(dependencies, name, None)
        if function is None or asyncio.iscoroutinefunction(function):
            continue

        async def awaited(*args: Any, __function: Any = function, **kwargs: Any) -> Any:
            return __function(*args, **kwargs)

        awaited.__signature__ = __import__("inspect").signature(function)  # type: ignore[attr-defined]
        providers.dependency_overrides[function] = awaited
    return {
        "FastAPI + asyncpg (baseline)": asyncpg_app,
        "full": full,
        "async providers": providers,
        "no pool pre-ping": full,
        "async providers, no pre-ping": providers,
    }


async def measure(package: str, path: str, requests: int, rounds: int) -> None:
    items = "/items/" in path
    apps = db_variants(package) if items else variants(package)
    results: dict[str, list[float]] = {name: [] for name in apps}
    async with contextlib.AsyncExitStack() as stack:
        for app in {id(a): a for a in apps.values()}.values():
            await stack.enter_async_context(Lifespan(app))
        for app in apps.values():
            await cost(app, path, 200)  # warm (builds the middleware stack too)
        for _ in range(rounds):
            for name, app in apps.items():
                pools = [_pool(app)] if items else []
                for pool in pools:
                    if pool is not None:
                        pool._pre_ping = "pre-ping" not in name
                results[name].append(await cost(app, path, requests))
        if items:
            await _print_statements(apps["full"], path)
    full = statistics.median(results["full"])
    print(f"CPU per request in-process, {path}, median of {rounds} x {requests}:", file=sys.stderr)
    for name, samples in results.items():
        value = statistics.median(samples)
        print(f"  {value:8.1f} us  {value - full:+8.1f}  {name}", file=sys.stderr)


async def _print_statements(app: Any, path: str) -> None:
    """Statements asyncpg runs per item read of the generated app (its query logger sees the
    simple-protocol ones: BEGIN, ROLLBACK, the pre-ping; the SELECT itself is one more)."""
    from sqlalchemy import event  # noqa: PLC0415

    seen: list[str] = []
    engine = app.state.container.engine

    def log_queries(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(lambda r: seen.append(r.query))

    event.listen(engine.sync_engine, "connect", log_queries)
    await engine.dispose()  # new connections, with the logger
    pool = _pool(app)
    pool._pre_ping = True
    await cost(app, path, 10)
    seen.clear()
    await cost(app, path, 100)
    event.remove(engine.sync_engine, "connect", log_queries)
    counts: dict[str, int] = {}
    for query in seen:
        counts[query.strip()] = counts.get(query.strip(), 0) + 1
    listed = ", ".join(f"{n / 100:g} x {q!r}" for q, n in counts.items())
    print(f"simple-protocol statements per item read, as generated: {listed}", file=sys.stderr)


def _pool(app: Any) -> Any:
    container = getattr(app.state, "container", None)
    return container.engine.pool if container is not None else None


def main() -> None:
    package, path = sys.argv[1], sys.argv[2]
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    # The app writes its log lines to stdout: the caller sends stdout to /dev/null.
    os.environ.setdefault("ENVIRONMENT", "production")
    try:
        import uvloop  # noqa: PLC0415

        uvloop.run(measure(package, path, requests, rounds))
    except ImportError:
        asyncio.run(measure(package, path, requests, rounds))


if __name__ == "__main__":
    main()
