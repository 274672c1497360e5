"""Readiness checks: each dependency answers within a timeout, or it is down.

`/health/ready` runs them on demand, and a background probe every `HEALTH_PROBE_INTERVAL`
seconds, so `dependency_up` stays current even when nothing asks for readiness.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

from {{ cookiecutter.package_name }}.metrics import DEPENDENCY_UP

ReadinessCheck = Callable[[], Awaitable[None]]
CHECK_TIMEOUT_SECONDS = 2.0
OK, UNAVAILABLE = "ok", "unavailable"


async def check_all(checks: Mapping[str, ReadinessCheck]) -> dict[str, str]:
    """`{"database": "ok", ...}`, every check run at once; `dependency_up` follows."""
    names = list(checks)
    results = await asyncio.gather(*(_check(checks[name]) for name in names))
    for name, result in zip(names, results, strict=True):
        DEPENDENCY_UP.labels(name).set(1 if result == OK else 0)
    return dict(zip(names, results, strict=True))


@asynccontextmanager
async def probing(checks: Mapping[str, ReadinessCheck], *, interval: float) -> AsyncIterator[None]:
    """Check every dependency now, then every `interval` seconds until the block ends."""
    await check_all(checks)
    task = asyncio.create_task(_probe_forever(checks, interval), name="dependency-probe")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _probe_forever(checks: Mapping[str, ReadinessCheck], interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        await check_all(checks)


async def _check(check: ReadinessCheck) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except Exception:
        return UNAVAILABLE
    return OK
