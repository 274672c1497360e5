"""Domain events: commands record them, the unit of work publishes them after commit."""

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    topic: str
    data: dict[str, Any] = field(default_factory=dict)


class EventPublisher(Protocol):
    async def publish(self, event: Event) -> None: ...


class DiscardingPublisher:
    """Used when no transport delivers events to clients."""

    async def publish(self, event: Event) -> None:
        return None
