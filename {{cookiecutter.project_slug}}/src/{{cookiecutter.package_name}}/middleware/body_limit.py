"""Refuse request bodies over MAX_REQUEST_BODY_BYTES with a 413 problem, counting what arrives.

`Content-Length` is only a claim, and a chunked body has none: the bytes are counted as the
app reads them, and the request is refused the moment they cross the limit.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.api.http.problems import send_problem
from {{ cookiecutter.package_name }}.errors import PayloadTooLargeError


class BodyTooLargeError(Exception):
    """Raised to the app by `receive` once the body has crossed the limit."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, framed = _framing(scope["headers"])
        if not framed:  # HTTP/1.1: neither a length nor chunks means no body (a GET): no cost
            await self.app(scope, receive, send)
            return
        if declared is not None and declared > self.max_bytes:  # refused without reading it
            await self._refuse(scope, receive, send)
            return
        request = _CountedRequest(receive, send, self.max_bytes)
        try:
            await self.app(scope, request.receive, request.send)
        except Exception:
            # Past the limit the app may fail any way; a response already under way can only
            # be cut short, so the server drops the connection.
            if not request.exceeded or request.started:
                raise
        if request.exceeded and not request.started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = PayloadTooLargeError(
            f"The request body exceeds {self.max_bytes} bytes.",
            # The unread rest of the body is still on the connection: it cannot be reused.
            headers={"Connection": "close"},
        )
        await send_problem(error, scope, receive, send)


class _CountedRequest:
    """Counts body bytes as the app receives them; after the limit, holds back its answer."""

    def __init__(self, receive: Receive, send: Send, max_bytes: int) -> None:
        self._receive = receive
        self._send = send
        self.max_bytes = max_bytes
        self.received = 0
        self.exceeded = False
        self.started = False

    async def receive(self) -> Message:
        if self.exceeded:
            raise BodyTooLargeError
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_bytes:
                self.exceeded = True
                raise BodyTooLargeError
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded:  # whatever the app makes of the failed read, the answer is a 413
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def _framing(headers: list[tuple[bytes, bytes]]) -> tuple[int | None, bool]:
    """The declared `Content-Length` (None if absent or unreadable), and whether the request
    says it has a body at all (a `Content-Length` or a `Transfer-Encoding`)."""
    declared, framed = None, False
    for name, value in headers:
        if name == b"content-length":
            declared, framed = (int(value) if value.isdigit() else None), True
        elif name == b"transfer-encoding":
            framed = True
    return declared, framed
