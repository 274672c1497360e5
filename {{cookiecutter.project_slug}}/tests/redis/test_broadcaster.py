"""WebSocket fan-out over Redis pub/sub: across replicas, through outages, counted failures."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis

from {{ cookiecutter.package_name }}.circuit_breaker import CircuitBreaker
from {{ cookiecutter.package_name }}.events import Event
from {{ cookiecutter.package_name }}.redis.broadcaster import RedisBroadcaster
from {{ cookiecutter.package_name }}.redis.client import UNAVAILABLE, create_client
from {{ cookiecutter.package_name }}.settings import RedisSettings, Settings
from tests.conftest import REDIS_PREFIX
from tests.redis.conftest import through
from tests.scrape import this_process
from tests.support import TcpProxy

TIMEOUT = 10.0  # a guard against a hang, never a measured expectation

Replica = Callable[..., Awaitable[RedisBroadcaster]]


class Socket:
    """Stands in for a WebSocket connection: collects the frames pushed to it."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[str] = asyncio.Queue()

    def push(self, frame: str) -> None:
        self.frames.put_nowait(frame)

    async def next_event(self) -> dict[str, object]:
        frame: dict[str, object] = json.loads(await asyncio.wait_for(self.frames.get(), TIMEOUT))
        return frame


@pytest.fixture
async def replica(settings: Settings) -> AsyncIterator[Replica]:
    """Starts broadcasters as separate replicas would: own client, own breaker, one prefix."""
    prefix = f"{REDIS_PREFIX}{uuid.uuid4().hex[:8]}:"
    started: list[tuple[RedisBroadcaster, Redis]] = []

    async def start(url: str | None = None) -> RedisBroadcaster:
        redis_settings: RedisSettings = settings.redis.model_copy(
            update={"url": url or settings.redis.url}
        )
        client = create_client(redis_settings)
        breaker = CircuitBreaker("test", failure_threshold=1000, failures=UNAVAILABLE)
        broadcaster = RedisBroadcaster(
            client, breaker, prefix=prefix, reconnect_initial=0.05, reconnect_max=0.2
        )
        await broadcaster.start()
        started.append((broadcaster, client))
        return broadcaster

    yield start
    for broadcaster, client in started:
        await broadcaster.close()
        await client.aclose()


def created(name: str) -> Event:
    return Event("items.created", "items", {"name": name})


async def test_event_published_on_one_replica_reaches_sockets_on_another(
    replica: Replica,
) -> None:
    first, second = await replica(), await replica()
    local, remote = Socket(), Socket()
    await first.subscribe("items", local)
    await second.subscribe("items", remote)

    await first.publish(created("fan-out"))

    expected = {"type": "items.created", "data": {"name": "fan-out"}}
    assert await remote.next_event() == expected
    assert await local.next_event() == expected
    await first.publish(created("second"))
    assert (await local.next_event())["data"] == {"name": "second"}  # the first came once


async def test_sockets_get_only_their_topics(replica: Replica) -> None:
    first, second = await replica(), await replica()
    socket = Socket()
    await second.subscribe("items", socket)
    await first.publish(Event("orders.created", "orders", {}))
    await first.publish(created("wanted"))
    assert (await socket.next_event())["data"] == {"name": "wanted"}


async def test_publish_failure_is_counted_and_local_sockets_still_get_the_event(
    replica: Replica, redis_proxy: TcpProxy
) -> None:
    broadcaster = await replica(through(redis_proxy))
    socket = Socket()
    await broadcaster.subscribe("items", socket)
    await redis_proxy.cut()
    before = this_process()

    await broadcaster.publish(created("during the outage"))

    assert broadcaster.stats.publish_failures == 1
    after = this_process()
    # At least the publish; the listener, cut off as well, may have counted its own by now.
    assert after.growth(before, "redis_errors_total", component="broadcast") >= 1
    assert after.growth(before, "ws_events_published_total") == 1
    assert (await socket.next_event())["data"] == {"name": "during the outage"}


async def test_listener_reconnects_after_redis_drops(
    replica: Replica, redis_proxy: TcpProxy
) -> None:
    listener = await replica(through(redis_proxy))
    publisher = await replica()
    socket = Socket()
    await listener.subscribe("items", socket)
    before = this_process()

    await redis_proxy.cut()
    async with asyncio.timeout(TIMEOUT):
        while True:
            if not listener.subscribed.is_set():
                break
            await asyncio.sleep(0.01)
    await publisher.publish(created("lost while cut"))  # at most once: never delivered
    await redis_proxy.restore()
    await asyncio.wait_for(listener.subscribed.wait(), TIMEOUT)
    await publisher.publish(created("after the restore"))

    assert (await socket.next_event())["data"] == {"name": "after the restore"}
    assert listener.stats.reconnects >= 1
    assert this_process().growth(before, "ws_broadcast_reconnects_total") >= 1
