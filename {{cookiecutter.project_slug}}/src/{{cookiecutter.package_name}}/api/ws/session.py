"""One connection's life: origin check, accept, identify, admit, read until it ends.

Messages on one connection are handled in order, one at a time; each reply goes out before the
next message is read. Each received frame counts against the per-connection rate limit.
"""

import math
import time
from typing import TYPE_CHECKING

import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect

from {{ cookiecutter.package_name }}.api.http.problems import problem_response
from {{ cookiecutter.package_name }}.api.ws import metrics
from {{ cookiecutter.package_name }}.api.ws.close_codes import CloseCode
from {{ cookiecutter.package_name }}.api.ws.connection import Connection
from {{ cookiecutter.package_name }}.api.ws.manager import Refusal
from {{ cookiecutter.package_name }}.api.ws.metrics import Rejection
from {{ cookiecutter.package_name }}.api.ws.origins import origin_allowed
from {{ cookiecutter.package_name }}.api.ws.problems import UnsupportedFrameError
from {{ cookiecutter.package_name }}.errors import (
    AppError,
    ForbiddenError,
    RateLimitedError,
    to_problem,
)
from {{ cookiecutter.package_name }}.request_context import current_request_id

if TYPE_CHECKING:
    from {{ cookiecutter.package_name }}.api.ws.hub import WebSocketHub
    from {{ cookiecutter.package_name }}.container import Container

logger = structlog.get_logger(__name__)

CONNECT_WINDOW_SECONDS = 60.0
TOO_MANY_ATTEMPTS = Refusal(
    CloseCode.TRY_AGAIN_LATER, "too many connection attempts", Rejection.RATE_LIMITED
)
LIMITER_UNAVAILABLE = Refusal(
    CloseCode.TRY_AGAIN_LATER, "rate limiter unavailable", Rejection.RATE_LIMITED
)


async def serve(  # noqa: PLR0911 - every refusal ends the connection where it happens
    websocket: WebSocket, hub: "WebSocketHub", container: "Container"
) -> None:
    if not origin_allowed(websocket.headers, hub.allowed_origins):
        logger.warning("ws_origin_refused", origin=websocket.headers.get("origin", "")[:200])
        metrics.rejected(Rejection.ORIGIN)
        await _deny(websocket)
        return
    await websocket.accept()
    if refusal := hub.connections.check_capacity():
        await _refuse(websocket, refusal)
        return
    try:
        identity = await hub.authenticate(websocket)
    except WebSocketDisconnect:
        return
    if identity is None:  # the authenticator has closed the socket
        return
    settings = hub.settings
    connection = Connection(
        websocket,
        identity,
        send_queue_size=settings.send_queue_size,
        close_timeout=settings.close_timeout,
        idle_timeout=settings.idle_timeout,
        on_slow_consumer=hub.slow_consumer,
    )
    try:
        connects = await container.rate_limiter.hit(
            f"ws-connect:{identity.subject}",
            limit=settings.connects_per_minute,
            window=CONNECT_WINDOW_SECONDS,
        )
    except AppError:  # the limiter cannot decide and fails closed
        hub.connections.stats.refused += 1
        await _refuse(websocket, LIMITER_UNAVAILABLE)
        return
    if not connects.allowed:
        hub.connections.stats.refused += 1
        metrics.CONNECTIONS_RATE_LIMITED.inc()
        await _refuse(websocket, TOO_MANY_ATTEMPTS)
        return
    if refusal := hub.connections.admit(connection):
        await _refuse(websocket, refusal)
        return
    started = time.monotonic()
    client = websocket.client.host if websocket.client else None
    with structlog.contextvars.bound_contextvars(connection_id=connection.id):
        logger.info("ws_connected", client=client, connections=len(hub.connections))
        try:
            await connection.run(_read_or_close(connection, hub, container))
        finally:
            hub.connections.remove(connection)
            metrics.closed(connection.close_code)
            await hub.broadcaster.unsubscribe_all(connection)
            logger.info(
                "ws_disconnected",
                close_code=connection.close_code,
                duration_s=round(time.monotonic() - started, 3),
            )


async def _read_or_close(
    connection: Connection, hub: "WebSocketHub", container: "Container"
) -> None:
    """Read until the connection ends; a bug (or a failing limiter) closes only this one."""
    try:
        await _read(connection, hub, container)
    except Exception:
        logger.exception("ws_connection_failed")
        await connection.close(CloseCode.INTERNAL_ERROR, "internal error")


async def _read(connection: Connection, hub: "WebSocketHub", container: "Container") -> None:
    settings = hub.settings
    rate_limited_in_a_row = 0
    while True:
        # The connection's own timers close it when idle (4408) or expired (4401).
        message = await connection.receive()
        if message is None:
            return
        if message["type"] == "websocket.disconnect":
            connection.disconnected(message.get("code", CloseCode.NORMAL))
            return
        text: str | None = message.get("text")
        if _too_big(text, message.get("bytes"), settings.max_message_bytes):
            await connection.close(CloseCode.MESSAGE_TOO_BIG, "message too big")
            return
        decision = await hub.message_limiter.hit(
            connection.id, limit=settings.message_rate, window=settings.message_rate_window
        )
        if not decision.allowed:
            metrics.MESSAGES_RATE_LIMITED.inc()
            rate_limited_in_a_row += 1
            if rate_limited_in_a_row > settings.max_rate_limited:
                await connection.close(CloseCode.TOO_MANY_MESSAGES, "too many messages")
                return
            retry = max(1, math.ceil(decision.retry_after))
            error: AppError = RateLimitedError(f"Too many messages; retry in {retry} s.")
            await connection.reply(hub.dispatcher.refuse(text, error))
            continue
        rate_limited_in_a_row = 0
        if text is None:
            error = UnsupportedFrameError("Binary frames are not supported; send JSON text.")
            await connection.reply(hub.dispatcher.refuse(None, error))
            continue
        await connection.reply(await hub.dispatcher.dispatch(text, connection, container))


def _too_big(text: str | None, data: bytes | None, limit: int) -> bool:
    if text is None:
        return len(data or b"") > limit
    # UTF-8 takes 1 to 4 bytes a character: encode only when the length leaves a doubt.
    return len(text) > limit or (len(text) * 4 > limit and len(text.encode()) > limit)


async def _refuse(websocket: WebSocket, refusal: Refusal) -> None:
    metrics.rejected(refusal.rejection)
    await websocket.close(refusal.code, refusal.reason)


async def _deny(websocket: WebSocket) -> None:
    """Refuse the handshake with a 403 problem, or a bare close where the server can't."""
    error = ForbiddenError("This origin may not open a WebSocket here.")
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        problem = to_problem(error, request_id=current_request_id(), instance="/ws")
        await websocket.send_denial_response(problem_response(problem))
    else:
        await websocket.close(CloseCode.POLICY_VIOLATION)
