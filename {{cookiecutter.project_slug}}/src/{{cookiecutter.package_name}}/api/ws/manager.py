"""Every live connection of this process: the caps, and the close on shutdown."""

import asyncio
from dataclasses import dataclass

from {{ cookiecutter.package_name }}.api.ws.close_codes import CloseCode
from {{ cookiecutter.package_name }}.api.ws.connection import Connection
from {{ cookiecutter.package_name }}.api.ws.metrics import (
    CONNECTIONS,
    CONNECTIONS_OPENED,
    SLOW_CONSUMERS,
    Rejection,
)


@dataclass(frozen=True, slots=True)
class Refusal:
    code: int
    reason: str
    rejection: str
    """The `reason` label of `ws_connections_rejected_total`."""


@dataclass
class ConnectionStats:
    refused: int = 0
    """Connections closed right after the handshake: caps, connection rate, shutdown."""
    slow_consumers: int = 0
    """Connections dropped because their send queue overflowed."""


class ConnectionManager:
    def __init__(self, *, max_connections: int, max_per_client: int) -> None:
        self._max_connections = max_connections
        self._max_per_client = max_per_client
        self._connections: set[Connection] = set()
        self._per_client: dict[str, int] = {}
        self.closing = False
        self.stats = ConnectionStats()

    def __len__(self) -> int:
        return len(self._connections)

    def check_capacity(self) -> Refusal | None:
        if self.closing:
            return Refusal(CloseCode.GOING_AWAY, "server shutting down", Rejection.SHUTDOWN)
        if len(self._connections) >= self._max_connections:
            return Refusal(
                CloseCode.TRY_AGAIN_LATER, "server at connection capacity", Rejection.CAPACITY
            )
        return None

    def admit(self, connection: Connection) -> Refusal | None:
        """Add the connection unless a cap forbids it; no await, so no race between checks."""
        refusal = self.check_capacity()
        subject = connection.identity.subject
        if refusal is None and self._per_client.get(subject, 0) >= self._max_per_client:
            refusal = Refusal(
                CloseCode.TRY_AGAIN_LATER,
                "too many connections for this client",
                Rejection.PER_CLIENT,
            )
        if refusal is not None:
            self.stats.refused += 1
            return refusal
        self._connections.add(connection)
        self._per_client[subject] = self._per_client.get(subject, 0) + 1
        CONNECTIONS_OPENED.inc()
        CONNECTIONS.inc()
        return None

    def remove(self, connection: Connection) -> None:
        if connection not in self._connections:
            return
        self._connections.discard(connection)
        CONNECTIONS.dec()
        subject = connection.identity.subject
        remaining = self._per_client.get(subject, 1) - 1
        if remaining > 0:
            self._per_client[subject] = remaining
        else:
            self._per_client.pop(subject, None)

    def slow_consumer(self, connection: Connection) -> None:
        self.stats.slow_consumers += 1
        SLOW_CONSUMERS.inc()

    async def close_all(self, code: int, reason: str) -> None:
        """Refuse new connections and close every open one; each close is time-bounded."""
        self.closing = True
        connections = list(self._connections)
        await asyncio.gather(*(c.close(code, reason) for c in connections), return_exceptions=True)
