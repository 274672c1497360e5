"""Bounded load run against a local server: concurrent clients for a fixed time, zero errors.

    uv run python scripts/load.py                       # http://127.0.0.1:8000, 10 clients, 10 s
    uv run python scripts/load.py --serve               # start the service here first
    uv run python scripts/load.py --clients 50 --duration 30 --header "Authorization: Bearer ..."

Each client repeats the item lifecycle (create, read, list, update, delete) plus a liveness
probe; every `load_*.py` beside this script adds as many clients of another kind (one module per
transport). Prints throughput and latency percentiles per operation; exits 1 on any error (an
unexpected status or a failed request). Only loopback addresses are accepted as targets.
"""

import argparse
import asyncio
import contextlib
import importlib.util
import ipaddress
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import httpx

MAX_CLIENTS = 500
MAX_DURATION = 600.0


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def timed(self, name: str, started: float, ok: bool, problem: str) -> None:
        self.latencies[name].append(time.perf_counter() - started)
        if not ok:
            self.errors[name].append(problem)


async def call(
    http: httpx.AsyncClient,
    results: Results,
    name: str,
    expected: int,
    request: httpx.Request,
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await http.send(request)
    except httpx.HTTPError as exc:
        results.timed(name, started, ok=False, problem=f"{type(exc).__name__}: {exc}")
        return None
    ok = response.status_code == expected
    results.timed(name, started, ok, f"{response.status_code}: {response.text[:200]}")
    return response if ok else None


async def client_loop(http: httpx.AsyncClient, results: Results, deadline: float) -> None:
    while time.monotonic() < deadline:
        live = http.build_request("GET", "/health/live")
        await call(http, results, "GET /health/live", 200, live)
        body = {"name": f"load-{uuid.uuid4().hex}"}
        create = http.build_request("POST", "/api/v1/items", json=body)
        created = await call(http, results, "POST /items", 201, create)
        listing = http.build_request("GET", "/api/v1/items", params={"limit": 20})
        await call(http, results, "GET /items", 200, listing)
        if created is None:
            continue
        path = f"/api/v1/items/{created.json()['id']}"
        await call(http, results, "GET /items/{id}", 200, http.build_request("GET", path))
        update = http.build_request("PATCH", path, json={"description": "load"})
        await call(http, results, "PATCH /items/{id}", 200, update)
        await call(http, results, "DELETE /items/{id}", 204, http.build_request("DELETE", path))


async def run(
    url: str, clients: int, duration: float, headers: dict[str, str], extra: list[ModuleType]
) -> Results:
    results = Results()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as http:
        deadline = time.monotonic() + duration
        loops = [client_loop(http, results, deadline) for _ in range(clients)]
        for scenario in extra:
            loops += [
                scenario.client_loop(url, headers, results.timed, deadline) for _ in range(clients)
            ]
        await asyncio.gather(*loops)
    return results


def scenarios() -> list[ModuleType]:
    """The `load_*.py` modules beside this script: more kinds of clients."""
    modules = []
    for path in sorted(Path(__file__).parent.glob("load_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise SystemExit(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    return modules


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(results: Results, elapsed: float) -> str:
    lines = [
        f"{'operation':<22}{'count':>8}{'errors':>8}{'req/s':>9}"
        f"{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    ]
    total = 0
    for name, values in sorted(results.latencies.items()):
        total += len(values)
        ms = [percentile(values, q) * 1000 for q in (0.5, 0.9, 0.99, 1.0)]
        lines.append(
            f"{name:<22}{len(values):>8}{len(results.errors[name]):>8}{len(values) / elapsed:>9.1f}"
            + "".join(f"{value:>9.1f}" for value in ms)
        )
    errors = sum(len(found) for found in results.errors.values())
    lines.append(f"{'all':<22}{total:>8}{errors:>8}{total / elapsed:>9.1f}")
    for name, found in results.errors.items():
        for problem in found[:3]:
            lines.append(f"  {name}: {problem}")
    return "\n".join(lines)


def loopback_only(url: str) -> str:
    host = urlsplit(url).hostname or ""
    with contextlib.suppress(ValueError):
        if host == "localhost" or ipaddress.ip_address(host).is_loopback:
            return url.rstrip("/")
    raise SystemExit(f"refusing to load {url}: only loopback addresses (127.0.0.0/8, ::1)")


@contextlib.contextmanager
def served(extra_env: dict[str, str]) -> Iterator[str]:
    """`python -m <package>` on a free loopback port, with this environment (`.env` applies)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = Path(tempfile.mkstemp(prefix="load-server-", suffix=".log")[1])
    env = {**os.environ, **extra_env, "HOST": "127.0.0.1", "PORT": str(port)}
    env["LOG_LEVEL"] = "WARNING"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "{{ cookiecutter.package_name }}"],
            env=env,
            stdout=sink,
            stderr=sink,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health/live", timeout=1).status_code == 200:
                    break
            if server.poll() is not None:
                raise SystemExit(f"the server exited; its output is in {log}")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(30)
        print(f"server output: {log}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--serve", action="store_true", help="start the service on a free port")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds")
    parser.add_argument("--header", action="append", default=[], help='"Name: value"')
    args = parser.parse_args()
    if not (1 <= args.clients <= MAX_CLIENTS and 0 < args.duration <= MAX_DURATION):
        parser.error(f"--clients 1..{MAX_CLIENTS}, --duration up to {MAX_DURATION:.0f} s")
    headers = dict(header.split(":", 1) for header in args.header)
    headers = {name.strip(): value.strip() for name, value in headers.items()}
    extra = scenarios()
    server_env: dict[str, str] = {}
    for scenario in extra:
        server_env |= getattr(scenario, "SERVER_ENV", {})
    target = served(server_env) if args.serve else contextlib.nullcontext(loopback_only(args.url))
    with target as url:
        started = time.perf_counter()
        results = asyncio.run(run(url, args.clients, args.duration, headers, extra))
        elapsed = time.perf_counter() - started
    print(f"{args.clients} clients for {elapsed:.1f} s against {url}")
    print(report(results, elapsed))
    return 1 if any(results.errors.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
