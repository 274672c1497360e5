"""HTTP load: wrk when installed (its output parsed), else a small httpx/asyncio client."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from bench.stats import percentile

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
_REQUESTS = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m),", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_PERCENTILE = re.compile(r"^\s+(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rate: float  # requests per second
    p50: float | None  # seconds
    p99: float | None
    errors: int  # non-2xx answers plus socket errors
    tool: str


class LoadError(RuntimeError):
    """The load run failed or the server answered with errors: the sample is not valid."""


def parse_wrk(output: str) -> LoadResult:
    """Parse `wrk --latency` output."""
    requests = _REQUESTS.search(output)
    rate = _RATE.search(output)
    if requests is None or rate is None:
        raise LoadError(f"unexpected wrk output:\n{output}")
    percentiles = {int(m[1]): float(m[2]) * _UNITS[m[3]] for m in _PERCENTILE.finditer(output)}
    errors = 0
    if non_2xx := _NON_2XX.search(output):
        errors += int(non_2xx[1])
    if socket_errors := _SOCKET_ERRORS.search(output):
        errors += sum(int(n) for n in socket_errors.groups())
    return LoadResult(
        requests=int(requests[1]),
        seconds=float(requests[2]) * _UNITS[requests[3]],
        rate=float(rate[1]),
        p50=percentiles.get(50),
        p99=percentiles.get(99),
        errors=errors,
        tool="wrk",
    )


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    url: str, *, seconds: float, connections: int, wrk: str, headers: Mapping[str, str]
) -> LoadResult:
    duration = max(1, round(seconds))
    command = [wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(
        [*command, url],
        capture_output=True,
        text=True,
        timeout=duration + 30,
        check=False,
    )
    if result.returncode != 0:
        raise LoadError(f"wrk exited {result.returncode}: {result.stderr.strip()}")
    return parse_wrk(result.stdout)


async def _httpx_load(
    url: str, seconds: float, connections: int, headers: Mapping[str, str]
) -> LoadResult:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(limits=limits, timeout=5.0, headers=dict(headers)) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while (start := time.perf_counter()) < deadline:
                try:
                    response = await client.get(url)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - start)
                if response.status_code >= 400:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        rate=len(latencies) / elapsed,
        p50=percentile(latencies, 0.5) if latencies else None,
        p99=percentile(latencies, 0.99) if latencies else None,
        errors=errors,
        tool="httpx",
    )


def run_load(
    url: str,
    *,
    seconds: float,
    connections: int,
    headers: Mapping[str, str] | None = None,
    use_wrk: bool = True,
) -> LoadResult:
    """Load `url` with GETs for `seconds`; raise LoadError when any answer was an error."""
    wrk = wrk_path() if use_wrk else None
    if wrk is not None:
        result = run_wrk(url, seconds=seconds, connections=connections, wrk=wrk,
                         headers=headers or {})  # fmt: skip
    else:
        result = asyncio.run(_httpx_load(url, seconds, connections, headers or {}))
    if result.errors:
        raise LoadError(f"{result.errors} error answers from {url} (of {result.requests})")
    return result
