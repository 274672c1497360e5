"""WebSocket fan-out across replicas: events go through one Redis pub/sub channel.

Each process delivers its own events to its own sockets at once (so a Redis outage costs only
the other replicas' copies), publishes them with its origin id, and a listener task delivers what
the other replicas published. Pub/sub is at most once, like the protocol promises: an event
published while a replica is disconnected never reaches that replica.
"""

import asyncio
import json
import secrets
import uuid
from dataclasses import dataclass

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis

from {{ cookiecutter.package_name }}.api.ws.broadcaster import Fanout, Subscriber
from {{ cookiecutter.package_name }}.api.ws.metrics import EVENTS_PUBLISHED
from {{ cookiecutter.package_name }}.circuit_breaker import CircuitBreaker, CircuitOpenError
from {{ cookiecutter.package_name }}.events import Event
from {{ cookiecutter.package_name }}.redis.client import UNAVAILABLE
from {{ cookiecutter.package_name }}.redis.metrics import REDIS_ERRORS

logger = structlog.get_logger(__name__)

NOT_PUBLISHED: tuple[type[BaseException], ...] = (CircuitOpenError, *UNAVAILABLE)
# How long a silent subscription waits before asking the connection for a health check.
POLL_SECONDS = 5.0
START_TIMEOUT_SECONDS = 5.0
# Spreads the replicas' reconnects after a Redis restart (SystemRandom: no seeded state).
_JITTER = secrets.SystemRandom()

# Here rather than in a metrics module: it exists only where both features do, like this file.
BROADCAST_RECONNECTS = Counter(
    "ws_broadcast_reconnects_total", "Times the pub/sub subscription was lost and retried."
)
BROADCAST_ERRORS = REDIS_ERRORS.labels("broadcast")


@dataclass
class BroadcastStats:
    published: int = 0
    publish_failures: int = 0
    received: int = 0
    reconnects: int = 0


class RedisBroadcaster:
    def __init__(
        self,
        client: Redis,
        breaker: CircuitBreaker,
        *,
        prefix: str,
        reconnect_initial: float = 0.1,
        reconnect_max: float = 5.0,
    ) -> None:
        self.fanout = Fanout()
        self.stats = BroadcastStats()
        self.subscribed = asyncio.Event()
        """Set while the listener is subscribed: events from other replicas arrive."""
        self._client = client
        self._breaker = breaker
        self._channel = f"{prefix}events"
        self._origin = uuid.uuid4().hex
        self._reconnect_initial = reconnect_initial
        self._reconnect_max = reconnect_max
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start listening; wait (bounded) for the subscription, which keeps retrying after."""
        self._listener = asyncio.create_task(self._listen(), name="redis-broadcast-listener")
        try:
            await asyncio.wait_for(self.subscribed.wait(), START_TIMEOUT_SECONDS)
        except TimeoutError:
            logger.warning("broadcast_not_subscribed_yet", channel=self._channel)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None

    async def publish(self, event: Event) -> None:
        EVENTS_PUBLISHED.inc()
        self.fanout.deliver(event)
        message = {"origin": self._origin, "type": event.type, "topic": event.topic}
        payload = json.dumps({**message, "data": event.data}, separators=(",", ":"))
        try:
            async with self._breaker.guard():
                await self._client.publish(self._channel, payload)
        except NOT_PUBLISHED as exc:
            # The committed change stands; only the other replicas' sockets miss this event.
            self.stats.publish_failures += 1
            if not isinstance(exc, CircuitOpenError):
                BROADCAST_ERRORS.inc()
            logger.warning("broadcast_publish_failed", event_type=event.type, error=repr(exc))
            return
        self.stats.published += 1

    async def subscribe(self, topic: str, subscriber: Subscriber) -> None:
        self.fanout.add(topic, subscriber)

    async def unsubscribe(self, topic: str, subscriber: Subscriber) -> None:
        self.fanout.discard(topic, subscriber)

    async def unsubscribe_all(self, subscriber: Subscriber) -> None:
        self.fanout.discard_all(subscriber)

    async def _listen(self) -> None:
        delay = self._reconnect_initial
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    while True:
                        message = await pubsub.get_message(timeout=POLL_SECONDS)
                        if message is None:
                            continue
                        if message["type"] == "message":
                            self._receive(message["data"])
                        elif message["type"] == "subscribe":
                            # Confirmed by Redis: from now on, nothing published is missed.
                            self.subscribed.set()
                            delay = self._reconnect_initial
                            logger.info("broadcast_subscribed", channel=self._channel)
            except Exception as exc:
                self.subscribed.clear()
                self.stats.reconnects += 1
                BROADCAST_RECONNECTS.inc()
                if isinstance(exc, UNAVAILABLE):
                    BROADCAST_ERRORS.inc()
                logger.warning("broadcast_subscription_lost", error=repr(exc), retry_in=delay)
            # Jitter spreads the replicas' reconnects after a Redis restart.
            await asyncio.sleep(delay * _JITTER.uniform(0.5, 1.0))
            delay = min(delay * 2, self._reconnect_max)

    def _receive(self, payload: bytes) -> None:
        try:
            message = json.loads(payload)
            if message["origin"] == self._origin:
                return  # delivered locally when published
            event = Event(message["type"], message["topic"], message["data"])
        except (ValueError, KeyError, TypeError, RecursionError):
            logger.warning("broadcast_message_invalid", size=len(payload))
            return
        self.stats.received += 1
        self.fanout.deliver(event)
