"""Message type -> handler, input model and required roles; built and checked at startup.

`Registry.build` refuses a declared message type without a handler (and a handler for a type
nobody declared), so the service does not start with a hole in its protocol.
"""

from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from {{ cookiecutter.package_name }}.api.ws.specs import MessageSpec, TopicSpec

if TYPE_CHECKING:
    from {{ cookiecutter.package_name }}.api.ws.context import MessageContext

Handler = Callable[[Any, "MessageContext"], Awaitable[BaseModel | None]]


class RegistryError(RuntimeError):
    pass


class HandlerSet:
    """The handlers of one module, registered with `@handlers.on("items.create")`."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}

    def on[H: Handler](self, message_type: str) -> Callable[[H], H]:
        def register(handler: H) -> H:
            if message_type in self.handlers:
                raise RegistryError(f"two handlers for message type {message_type!r}")
            self.handlers[message_type] = handler
            return handler

        return register


@dataclass(frozen=True, slots=True)
class Route:
    spec: MessageSpec
    handler: Handler
    roles: frozenset[str] = frozenset()
    """A connection's identity needs every one of these; empty means open to all."""


@dataclass(frozen=True, slots=True)
class Topic:
    spec: TopicSpec
    roles: frozenset[str] = frozenset()


class Registry:
    def __init__(self, routes: Mapping[str, Route], topics: Mapping[str, Topic]) -> None:
        self._routes = dict(routes)
        self._topics = dict(topics)

    @classmethod
    def build(
        cls,
        messages: Iterable[MessageSpec],
        topics: Iterable[TopicSpec],
        handler_sets: Iterable[HandlerSet],
    ) -> "Registry":
        handlers: dict[str, Handler] = {}
        for handler_set in handler_sets:
            for message_type, handler in handler_set.handlers.items():
                if message_type in handlers:
                    raise RegistryError(f"two handlers for message type {message_type!r}")
                handlers[message_type] = handler
        declared = {spec.name: spec for spec in messages}
        if missing := sorted(declared.keys() - handlers.keys()):
            raise RegistryError(f"message types declared without a handler: {missing}")
        if undeclared := sorted(handlers.keys() - declared.keys()):
            raise RegistryError(f"handlers for undeclared message types: {undeclared}")
        return cls(
            {name: Route(spec, handlers[name]) for name, spec in declared.items()},
            {spec.name: Topic(spec) for spec in topics},
        )

    def route(self, message_type: str) -> Route | None:
        return self._routes.get(message_type)

    def topic(self, name: str) -> Topic | None:
        return self._topics.get(name)

    @property
    def routes(self) -> list[Route]:
        return list(self._routes.values())

    @property
    def topics(self) -> list[Topic]:
        return list(self._topics.values())

    def require_roles(
        self,
        messages: Mapping[str, Collection[str]] | None = None,
        topics: Mapping[str, Collection[str]] | None = None,
    ) -> "Registry":
        """A copy where those message types and topics need those roles (set at composition)."""
        routes, known_topics = dict(self._routes), dict(self._topics)
        for name, roles in (messages or {}).items():
            if name not in routes:
                raise RegistryError(f"roles for unknown message type {name!r}")
            routes[name] = replace(routes[name], roles=frozenset(roles))
        for name, roles in (topics or {}).items():
            if name not in known_topics:
                raise RegistryError(f"roles for unknown topic {name!r}")
            known_topics[name] = replace(known_topics[name], roles=frozenset(roles))
        return Registry(routes, known_topics)
