"""The outer work of every request in one pure ASGI layer: one `send` wrapper, one timer.

Request id, security headers, audit, metrics and the access line each live in their own module
(`request_id`, `security_headers`, `audit`, `metrics`, `access_log`); this calls them in that
order. As five middleware they cost five coroutine frames and five `send` closures per request,
about as much as a bare FastAPI route does (docs/benchmarks.md in the template's repository).
"""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.middleware.access_log import log_access
from {{ cookiecutter.package_name }}.middleware.audit import WRITE_METHODS, location_of, record_write
from {{ cookiecutter.package_name }}.middleware.metrics import RequestMetrics
from {{ cookiecutter.package_name }}.middleware.request_id import (
    HEADER,
    bind_request_id,
    request_id_of,
)
from {{ cookiecutter.package_name }}.middleware.routes import route_template
from {{ cookiecutter.package_name }}.middleware.security_headers import SecurityHeaders
from {{ cookiecutter.package_name }}.request_context import actor_scope, request_id_var


class EdgeMiddleware:
    """Every connection gets a request id and an actor scope; HTTP requests also get the
    security headers and `X-Request-ID` on their answer (errors included), the RED metrics, one
    access line and, for writes, an audit entry once the response has been sent.
    """

    def __init__(self, app: ASGIApp, *, security_headers: SecurityHeaders | None = None) -> None:
        self.app = app
        self.security_headers = security_headers or SecurityHeaders()
        self.metrics = RequestMetrics()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = bind_request_id(request_id)
        try:
            with actor_scope():
                if scope["type"] == "http":
                    await self._http(scope, receive, send, request_id)
                else:
                    await self.app(scope, receive, send)
        finally:
            request_id_var.reset(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        status = 500  # until a response starts: what the client gets if none does
        location: str | None = None
        audited = scope["method"] in WRITE_METHODS
        added_to = self.security_headers.added_to

        async def send_with_headers(message: Message) -> None:
            nonlocal status, location
            if message["type"] == "http.response.start":
                status = message["status"]
                if audited:
                    location = location_of(message)
                headers = added_to(scope["path"], message.get("headers", ()))
                headers.append((HEADER, request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        counted = self.metrics.counts(scope)
        if counted:
            self.metrics.started()
        raised = False
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_headers)
        except BaseException:
            raised = True
            raise
        finally:
            seconds = time.perf_counter() - start
            route = route_template(scope)
            if counted:  # a raise counts as 500 even after a started response: a broken one
                self.metrics.finished(scope, route, 500 if raised else status, seconds)
            if audited:
                record_write(scope, route, status, location)
            log_access(scope, route, status, seconds)
