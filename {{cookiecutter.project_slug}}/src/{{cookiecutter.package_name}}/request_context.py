"""Who is acting and in which request (or message): for logs, problems and the audit log."""

import os
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class _ActorSlot:
    """Mutable on purpose: an actor set deep in a request (a dependency, a worker thread, a
    child task) lands in the slot that the middleware opened and reads after the response."""

    __slots__ = ("actor",)

    def __init__(self) -> None:
        self.actor: str | None = None


_actor_slot: ContextVar[_ActorSlot | None] = ContextVar("actor_slot", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


def new_request_id() -> str:
    """A new id for a request or a message: 128 random bits as 32 hex digits, as many as a
    UUID4 has, without building a `UUID` object (a fifth of the cost, paid on every one)."""
    return os.urandom(16).hex()


class _ActorScope:
    # A class rather than `@contextmanager`: it is entered on every request, and a
    # generator-based context manager costs four times as much.
    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _actor_slot.set(_ActorSlot())

    def __exit__(self, *exc_info: object) -> None:
        _actor_slot.reset(self._token)


def actor_scope() -> _ActorScope:
    """A fresh, anonymous actor for one request or connection: `with actor_scope(): ...`."""
    return _ActorScope()


def set_actor(actor: str | None) -> None:
    """Name who is acting (e.g. a user id) for the rest of the request or connection."""
    slot = _actor_slot.get()
    if slot is None:
        slot = _ActorSlot()
        _actor_slot.set(slot)
    slot.actor = actor


def current_actor() -> str | None:
    slot = _actor_slot.get()
    return slot.actor if slot is not None else None
