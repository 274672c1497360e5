"""What the protocol declares: message types, topics and the events pushed on them."""

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """A message type a client may send, with the models of its `data` and of the reply."""

    name: str
    input: type[BaseModel]
    output: type[BaseModel] | None
    summary: str
    audited: bool = False
    """Writes are audited (like HTTP POST/PUT/PATCH/DELETE): who sent it, and the outcome."""


@dataclass(frozen=True, slots=True)
class EventSpec:
    name: str
    data: type[BaseModel]
    summary: str


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic clients may subscribe to, and the events published on it."""

    name: str
    summary: str
    events: tuple[EventSpec, ...]
