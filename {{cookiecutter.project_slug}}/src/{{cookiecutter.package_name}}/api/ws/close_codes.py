"""Close codes the server sends. Clients find them in docs/websocket-protocol.md.

Application codes (4000-4999) mirror an HTTP status where one fits (4408, 4429), as graphql-ws
does; 4000 has no HTTP equivalent.
"""

from enum import IntEnum


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001
    """The application is shutting down (the lifespan closes every socket it still holds)."""
    POLICY_VIOLATION = 1008
    """The Origin is not allowed, where the server cannot refuse the handshake with a 403."""
    MESSAGE_TOO_BIG = 1009
    """A frame was larger than WS_MAX_MESSAGE_BYTES."""
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    """Sent by uvicorn itself to every socket when the process is asked to stop."""
    TRY_AGAIN_LATER = 1013
    """A connection cap or the connection rate was reached; retry with backoff."""
    SLOW_CONSUMER = 4000
    """The client read too slowly: its send queue overflowed, so it was dropped."""
    EXPIRED = 4401
    """The identity the connection was admitted with has expired."""
    IDLE_TIMEOUT = 4408
    """Nothing was received for WS_IDLE_TIMEOUT seconds."""
    TOO_MANY_MESSAGES = 4429
    """The client kept sending after WS_MAX_RATE_LIMITED rate-limited messages in a row."""
