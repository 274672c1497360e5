"""WebSocket metrics: connections, messages per type, slow consumers, published events."""

from prometheus_client import Counter, Gauge, Histogram

from {{ cookiecutter.package_name }}.api.ws.close_codes import CloseCode
from {{ cookiecutter.package_name }}.metrics import LATENCY_BUCKETS, RATE_LIMIT_REJECTIONS

CONNECTIONS = Gauge(
    "ws_connections", "WebSocket connections open now.", multiprocess_mode="livesum"
)
CONNECTIONS_OPENED = Counter(
    "ws_connections_opened_total", "WebSocket connections admitted (accepted and identified)."
)
CONNECTIONS_REJECTED = Counter(
    "ws_connections_rejected_total",
    "WebSocket connections refused at the handshake or right after it, by reason.",
    ["reason"],
)
CONNECTIONS_CLOSED = Counter(
    "ws_connections_closed_total",
    "Admitted WebSocket connections that ended, by close code (from either side).",
    ["code"],
)
MESSAGES = Counter(
    "ws_messages_total",
    "WebSocket messages handled, by type and outcome (`ok` or the problem code).",
    ["type", "outcome"],
)
MESSAGE_DURATION = Histogram(
    "ws_message_duration_seconds",
    "Time to handle one WebSocket message, by type.",
    ["type"],
    buckets=LATENCY_BUCKETS,
)
SLOW_CONSUMERS = Counter(
    "ws_slow_consumers_total", "Connections dropped because their send queue was full."
)
EVENTS_PUBLISHED = Counter(
    "ws_events_published_total", "Events this process published to subscribed connections."
)

UNKNOWN_TYPE = "unknown"
"""The `type` of a message whose type is not registered, or that has no valid envelope."""
OTHER_CODE = "other"
# Close codes a client may choose: the ones in RFC 6455's registry, and the server's own.
KNOWN_CLOSE_CODES = frozenset(range(1000, 1016)) | frozenset(CloseCode)
ABNORMAL_CLOSURE = 1006
"""Reported when a connection ended without a close frame (RFC 6455)."""


class Rejection:
    """`ws_connections_rejected_total` reasons."""

    ORIGIN = "origin"
    CAPACITY = "capacity"
    PER_CLIENT = "per_client"
    RATE_LIMITED = "rate_limited"
    SHUTDOWN = "shutdown"


for _reason in (
    Rejection.ORIGIN,
    Rejection.CAPACITY,
    Rejection.PER_CLIENT,
    Rejection.RATE_LIMITED,
    Rejection.SHUTDOWN,
):
    CONNECTIONS_REJECTED.labels(_reason)
for _code in CloseCode:
    CONNECTIONS_CLOSED.labels(str(_code.value))
MESSAGES_RATE_LIMITED = RATE_LIMIT_REJECTIONS.labels("ws_message")
CONNECTIONS_RATE_LIMITED = RATE_LIMIT_REJECTIONS.labels("ws_connection")

_messages: dict[tuple[str, str], Counter] = {}
_durations: dict[str, Histogram] = {}


def rejected(reason: str) -> None:
    CONNECTIONS_REJECTED.labels(reason).inc()


def closed(code: int | None) -> None:
    if code is None:
        code = ABNORMAL_CLOSURE
    CONNECTIONS_CLOSED.labels(str(code) if code in KNOWN_CLOSE_CODES else OTHER_CODE).inc()


def expect_message_types(names: list[str]) -> None:
    """Create the `ok` series of every registered type, so they exist before any message."""
    for name in names:
        _message_counter(name, "ok")
        _duration(name)


def message_handled(message_type: str, outcome: str, seconds: float) -> None:
    """Count one message; `message_type` is a registered type or `UNKNOWN_TYPE`."""
    _message_counter(message_type, outcome).inc()
    _duration(message_type).observe(seconds)


def _message_counter(message_type: str, outcome: str) -> Counter:
    # Label children cached by key: a dict lookup per message instead of `.labels()`.
    counter = _messages.get((message_type, outcome))
    if counter is None:
        counter = _messages[message_type, outcome] = MESSAGES.labels(message_type, outcome)
    return counter


def _duration(message_type: str) -> Histogram:
    histogram = _durations.get(message_type)
    if histogram is None:
        histogram = _durations[message_type] = MESSAGE_DURATION.labels(message_type)
    return histogram
