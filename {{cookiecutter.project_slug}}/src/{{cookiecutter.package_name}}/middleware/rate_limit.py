"""Per-client HTTP rate limit through the container's `RateLimiter`: 429 problem when exceeded.

Responses carry `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` and
`RateLimit-Policy` (IETF draft-ietf-httpapi-ratelimit-headers-07); a 429 adds `Retry-After`.
"""

import math
from collections.abc import Awaitable, Callable

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.api.http.problems import problem_response
from {{ cookiecutter.package_name }}.container import Container
from {{ cookiecutter.package_name }}.errors import AppError, RateLimitedError, to_problem
from {{ cookiecutter.package_name }}.metrics import HTTP_RATE_LIMITED
from {{ cookiecutter.package_name }}.rate_limit import Decision
from {{ cookiecutter.package_name }}.request_context import current_request_id

logger = structlog.get_logger(__name__)

Identify = Callable[[Scope], Awaitable[str | None]]
"""Returns the caller's stable identity (e.g. a user id) or None to fall back to the client IP."""

EXEMPT_PREFIXES = ("/health/", "/metrics")


class RateLimitMiddleware:
    """Limits each client to `limit` requests per `window` seconds.

    The client is `identify(scope)` when it returns an identity, else the client address in
    `scope["client"]`, which the trusted-proxy handling upstream has already resolved; so this
    middleware must run inside it. Probes and metrics scrapes are never limited.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        window: float,
        identify: Identify | None = None,
        exempt: tuple[str, ...] = EXEMPT_PREFIXES,
    ) -> None:
        self.app = app
        self.limit = limit
        self.window = window
        self.identify = identify
        self.exempt = exempt
        self.policy = f"{limit};w={math.ceil(window)}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        container: Container = scope["app"].state.container
        key = await self._client_key(scope)
        try:
            decision = await container.rate_limiter.hit(key, limit=self.limit, window=self.window)
        except AppError as exc:  # the limiter refused to decide (fail-closed): a 503 problem
            await self._problem(exc, scope, receive, send)
            return
        headers = self._headers(decision)
        if not decision.allowed:
            HTTP_RATE_LIMITED.inc()
            retry_after = str(max(1, math.ceil(decision.retry_after)))
            error = RateLimitedError(
                f"Too many requests; retry in {retry_after} s.",
                headers={**headers, "Retry-After": retry_after},
            )
            await self._problem(error, scope, receive, send)
            return

        raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *raw]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _client_key(self, scope: Scope) -> str:
        if self.identify is not None and (identity := await self.identify(scope)):
            return f"http:id:{identity}"
        client = scope.get("client")
        return f"http:ip:{client[0] if client else 'unknown'}"

    def _headers(self, decision: Decision) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(decision.limit),
            "RateLimit-Remaining": str(decision.remaining),
            "RateLimit-Reset": str(math.ceil(decision.reset_after)),
            "RateLimit-Policy": self.policy,
        }

    async def _problem(self, exc: AppError, scope: Scope, receive: Receive, send: Send) -> None:
        problem = to_problem(exc, request_id=current_request_id(), instance=scope["path"])
        await problem_response(problem, exc.headers)(scope, receive, send)
