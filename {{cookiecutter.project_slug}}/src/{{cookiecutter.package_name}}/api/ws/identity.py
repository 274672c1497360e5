"""Who is on the other end of a connection, and the hook that decides it.

`Authenticate` runs once per connection, right after the handshake is accepted: it returns the
connection's `Identity`, or closes the socket itself (with its own close code) and returns None.
The default, `anonymous`, admits everyone and names them by client address.
"""

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from starlette.websockets import WebSocket


@dataclass(frozen=True, slots=True)
class Identity:
    subject: str
    """Stable name of the client; WS_MAX_CONNECTIONS_PER_CLIENT counts connections per subject."""
    roles: frozenset[str] = frozenset()
    expires_at: float | None = None
    """Unix time after which the connection is closed with 4401; None never expires."""

    def has_roles(self, required: Collection[str]) -> bool:
        return self.roles.issuperset(required)


Authenticate = Callable[[WebSocket], Awaitable[Identity | None]]


async def anonymous(websocket: WebSocket) -> Identity:
    host = websocket.client.host if websocket.client else "unknown"
    return Identity(subject=f"anonymous@{host}")
