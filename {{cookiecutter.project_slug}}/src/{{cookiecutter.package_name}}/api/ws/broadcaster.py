"""Fan-out of events to subscribed connections, behind one small interface.

`InProcessBroadcaster` reaches the subscribers of this process only: run one process (one
replica, WEB_CONCURRENCY=1) with it. A cross-process broadcaster publishes through a shared bus
and delivers what it receives with a `Fanout`, like this one does.
"""

from typing import Protocol

from {{ cookiecutter.package_name }}.api.ws.envelope import push_frame
from {{ cookiecutter.package_name }}.api.ws.metrics import EVENTS_PUBLISHED
from {{ cookiecutter.package_name }}.events import Event


class Subscriber(Protocol):
    def push(self, frame: str) -> None:
        """Queue a frame without waiting; never raises."""
        ...


class Broadcaster(Protocol):
    """Also an `EventPublisher`: the unit of work publishes committed events through it."""

    async def publish(self, event: Event) -> None: ...

    async def subscribe(self, topic: str, subscriber: Subscriber) -> None: ...

    async def unsubscribe(self, topic: str, subscriber: Subscriber) -> None: ...

    async def unsubscribe_all(self, subscriber: Subscriber) -> None: ...

    async def close(self) -> None: ...


class Fanout:
    """This process's subscribers per topic. `deliver` serializes an event once for all."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscriber]] = {}
        self._topics: dict[Subscriber, set[str]] = {}

    def add(self, topic: str, subscriber: Subscriber) -> bool:
        """Subscribe; True when the topic had no local subscriber before."""
        subscribers = self._subscribers.setdefault(topic, set())
        first = not subscribers
        subscribers.add(subscriber)
        self._topics.setdefault(subscriber, set()).add(topic)
        return first

    def discard(self, topic: str, subscriber: Subscriber) -> bool:
        """Unsubscribe; True when the topic has no local subscriber left."""
        subscribers = self._subscribers.get(topic)
        if subscribers is None:
            return False
        subscribers.discard(subscriber)
        topics = self._topics.get(subscriber)
        if topics is not None:
            topics.discard(topic)
            if not topics:
                del self._topics[subscriber]
        if subscribers:
            return False
        del self._subscribers[topic]
        return True

    def discard_all(self, subscriber: Subscriber) -> list[str]:
        """Unsubscribe from everything; returns the topics left without a local subscriber."""
        topics = list(self._topics.get(subscriber, ()))
        return [topic for topic in topics if self.discard(topic, subscriber)]

    def deliver(self, event: Event) -> int:
        subscribers = self._subscribers.get(event.topic)
        if not subscribers:
            return 0
        frame = push_frame(event)
        for subscriber in list(subscribers):
            subscriber.push(frame)
        return len(subscribers)

    def __len__(self) -> int:
        return len(self._topics)


class InProcessBroadcaster:
    """Delivers within this process; documented as single-replica."""

    def __init__(self) -> None:
        self.fanout = Fanout()

    async def publish(self, event: Event) -> None:
        EVENTS_PUBLISHED.inc()
        self.fanout.deliver(event)

    async def subscribe(self, topic: str, subscriber: Subscriber) -> None:
        self.fanout.add(topic, subscriber)

    async def unsubscribe(self, topic: str, subscriber: Subscriber) -> None:
        self.fanout.discard(topic, subscriber)

    async def unsubscribe_all(self, subscriber: Subscriber) -> None:
        self.fanout.discard_all(subscriber)

    async def close(self) -> None:
        return None
