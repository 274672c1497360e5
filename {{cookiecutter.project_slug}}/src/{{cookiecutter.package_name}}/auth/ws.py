"""WebSocket auth: the first frame carries the token; message types and topics need roles.

The token never travels in the URL, where proxies and access logs would keep it. A client
sends `{"type": "auth", "token": "<access token>"}` as its first frame within
`WS_AUTH_TIMEOUT` seconds and gets `{"type": "auth", "data": {...}}` back; a client that can set
headers may send `Authorization: Bearer <token>` with the handshake instead. The connection is
closed with 4401 when the token expires. docs/websocket-protocol.md documents the close codes.
"""

import asyncio
import json
from collections.abc import Mapping
from enum import IntEnum

import structlog
from starlette.websockets import WebSocket

from {{ cookiecutter.package_name }}.api.ws import metrics as ws_metrics
from {{ cookiecutter.package_name }}.api.ws.handlers import build_registry
from {{ cookiecutter.package_name }}.api.ws.identity import Authenticate, Identity
from {{ cookiecutter.package_name }}.api.ws.registry import Registry
from {{ cookiecutter.package_name }}.auth import metrics
from {{ cookiecutter.package_name }}.auth.metrics import Outcome
from {{ cookiecutter.package_name }}.auth.roles import Role
from {{ cookiecutter.package_name }}.auth.tokens import InvalidTokenError, Principal, TokenValidator

logger = structlog.get_logger(__name__)

AUTH_TYPE = "auth"
WS = "ws"  # the `transport` label of `auth_outcomes_total`
AUTH_REJECTION = "auth"  # the `reason` label of `ws_connections_rejected_total`
metrics.expect_outcomes(WS, *metrics.TOKEN_OUTCOMES)
ws_metrics.CONNECTIONS_REJECTED.labels(AUTH_REJECTION)

# Every message type a client may send and the roles it needs (none: any authenticated
# connection); `tests/auth/test_ws.py` fails while the catalog has a type missing here.
MESSAGES: Mapping[str, frozenset[Role]] = {
    "ping": frozenset(),
    "subscribe": frozenset(),  # the topic's roles, below, apply
    "unsubscribe": frozenset(),
    "items.list": frozenset({Role.READER}),
    "items.get": frozenset({Role.READER}),
    "items.create": frozenset({Role.WRITER}),
    "items.update": frozenset({Role.WRITER}),
    "items.delete": frozenset({Role.WRITER}),
}
TOPICS: Mapping[str, frozenset[Role]] = {
    "items": frozenset({Role.READER}),
}


class AuthCloseCode(IntEnum):
    UNAUTHORIZED = 4401
    """No valid token: a first frame other than `{"type": "auth", "token": ...}`, or a token
    that was refused (the close reason says why). Also sent when the token expires."""
    AUTH_TIMEOUT = 4408
    """No auth frame within WS_AUTH_TIMEOUT seconds."""


def protected_registry() -> Registry:
    """The message registry with the roles above; a name it does not know fails startup."""
    return build_registry().require_roles(messages=MESSAGES, topics=TOPICS)


def first_frame_authenticator(validator: TokenValidator, *, timeout: float) -> Authenticate:
    """The `Authenticate` step of the WebSocket hub: a validated token, or a closed socket."""

    async def authenticate(websocket: WebSocket) -> Identity | None:
        token = _handshake_token(websocket)
        acknowledge = token is None
        if token is None:
            try:
                async with asyncio.timeout(timeout):
                    message = await websocket.receive()
            except TimeoutError:
                await _refuse(
                    websocket,
                    AuthCloseCode.AUTH_TIMEOUT,
                    "timeout",
                    "No auth frame.",
                    Outcome.MISSING,
                )
                return None
            if message["type"] == "websocket.disconnect":
                return None
            token = _frame_token(message.get("text"))
        if token is None:
            text = 'The first frame must be {"type": "auth", "token": "..."}.'
            await _refuse(websocket, AuthCloseCode.UNAUTHORIZED, "malformed", text, Outcome.MISSING)
            return None
        try:
            principal = await validator.validate(token)
        except InvalidTokenError as exc:
            outcome = metrics.token_outcome(exc.reason)
            await _refuse(websocket, AuthCloseCode.UNAUTHORIZED, exc.reason, exc.message, outcome)
            return None
        metrics.authenticated(WS, Outcome.OK)
        structlog.contextvars.bind_contextvars(user_id=principal.subject)
        if acknowledge:
            await websocket.send_json({"type": AUTH_TYPE, "data": _summary(principal)})
        return Identity(
            subject=principal.subject,
            roles=frozenset(principal.roles),
            expires_at=float(principal.expires_at),
        )

    return authenticate


def _handshake_token(websocket: WebSocket) -> str | None:
    scheme, _, token = websocket.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _frame_token(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's stack
        return None
    if not isinstance(frame, dict) or frame.get("type") != AUTH_TYPE:
        return None
    token = frame.get("token")
    return token if isinstance(token, str) and token else None


def _summary(principal: Principal) -> dict[str, object]:
    return {
        "user_id": principal.subject,
        "roles": sorted(principal.roles),
        "expires_at": principal.expires_at,
    }


async def _refuse(websocket: WebSocket, code: int, reason: str, message: str, outcome: str) -> None:
    structlog.contextvars.bind_contextvars(auth_error=reason)
    logger.info("ws_auth_refused", reason=reason)
    metrics.authenticated(WS, outcome)
    ws_metrics.rejected(AUTH_REJECTION)
    await websocket.close(code, message[:120])  # a close reason has at most 123 bytes
