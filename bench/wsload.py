"""WebSocket load with the `websockets` client: request/reply round trips, held connections."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect

from bench.stats import percentile

# Makes the n-th request frame of a connection; `check` validates its reply (raise to fail).
FrameMaker = Callable[[int], str]
ReplyCheck = Callable[[str | bytes], None]
Handshake = Callable[[ClientConnection, int], "asyncio.Future[None] | object"]


@dataclass
class RoundTrips:
    count: int
    seconds: float
    p50: float
    p99: float

    @property
    def rate(self) -> float:
        return self.count / self.seconds


async def _open(
    url: str, index: int, handshake: Callable[[ClientConnection, int], object] | None
) -> ClientConnection:
    # No compression and no client pings: the frames themselves are what is measured.
    connection = await connect(
        url,
        compression=None,
        ping_interval=None,
        max_size=2**20,
        open_timeout=10,
        close_timeout=2,
        origin=None,
    )
    if handshake is not None:
        result = handshake(connection, index)
        if asyncio.iscoroutine(result):
            await result
    return connection


async def round_trips(
    url: str,
    *,
    seconds: float,
    connections: int,
    make_frame: FrameMaker,
    check: ReplyCheck,
    handshake: Callable[[ClientConnection, int], object] | None = None,
    sample_every: int = 1,
) -> RoundTrips:
    """`connections` clients, each sending one frame and awaiting its reply, for `seconds`."""
    opened = await asyncio.gather(*(_open(url, i, handshake) for i in range(connections)))
    latencies: list[float] = []
    counts = [0] * connections
    try:
        started = time.perf_counter()
        deadline = started + seconds

        async def client(index: int, connection: ClientConnection) -> None:
            n = 0
            while (sent := time.perf_counter()) < deadline:
                await connection.send(make_frame(n))
                reply = await asyncio.wait_for(connection.recv(), 10)
                if n % sample_every == 0:
                    latencies.append(time.perf_counter() - sent)
                    check(reply)
                n += 1
            counts[index] = n

        await asyncio.gather(*(client(i, c) for i, c in enumerate(opened)))
        elapsed = time.perf_counter() - started
    finally:
        await asyncio.gather(*(c.close() for c in opened), return_exceptions=True)
    return RoundTrips(
        count=sum(counts),
        seconds=elapsed,
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
    )


@contextlib.asynccontextmanager
async def held_connections(
    url: str,
    count: int,
    *,
    handshake: Callable[[ClientConnection, int], object] | None = None,
    parallel: int = 50,
) -> AsyncIterator[list[ClientConnection]]:
    """Open `count` connections (`parallel` handshakes at a time) and keep them open."""
    gate = asyncio.Semaphore(parallel)
    opened: list[ClientConnection] = []

    async def one(index: int) -> None:
        async with gate:
            opened.append(await _open(url, index, handshake))

    try:
        results = await asyncio.gather(*(one(i) for i in range(count)), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise RuntimeError(f"{len(failures)} of {count} connections failed: {failures[0]!r}")
        yield opened
    finally:
        await asyncio.gather(*(c.close() for c in opened), return_exceptions=True)
