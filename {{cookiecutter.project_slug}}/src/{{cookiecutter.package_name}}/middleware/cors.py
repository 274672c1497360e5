"""CORS for the browser origins in CORS_ORIGINS, through Starlette's (pure ASGI) middleware.

Without origins there is no CORS middleware at all: browsers then keep other sites' pages from
reading the API's answers.
"""

from typing import Any

from starlette.middleware import cors
from starlette.types import Message, Receive, Scope, Send

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
REQUEST_HEADERS = ("Authorization", "Content-Type", "X-Request-ID")
# What a page may read besides the safelisted headers: to quote the request id, follow a
# created resource, and back off when limited.
EXPOSED_HEADERS = (
    "X-Request-ID",
    "Location",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
)


def cors_options(origins: list[str]) -> dict[str, Any]:
    """The arguments of `CORSMiddleware` for these origins.

    Credentials (cookies, `Authorization`) only go with origins named one by one: with `*`, any
    site could make a visitor's browser send theirs (production refuses `*` anyway).
    """
    return {
        "allow_origins": origins,
        "allow_credentials": "*" not in origins,
        "allow_methods": METHODS,
        "allow_headers": REQUEST_HEADERS,
        "expose_headers": EXPOSED_HEADERS,
        "max_age": 600,
    }


class CORSMiddleware(cors.CORSMiddleware):
    """Starlette's, entered only by requests that carry an `Origin` (what browsers send).

    The others (services, probes, curl) are not CORS requests; their answers only need
    `Vary: Origin`, because a browser asking the same URL gets other headers. Starlette parses
    every request's headers and builds a `MutableHeaders` per response to add it; this appends
    one header (docs/benchmarks.md in the template's repository has the measurements).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _has_origin(scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = vary_origin(message.get("headers", ()))
            await send(message)

        await self.app(scope, receive, send_with_vary)


def _has_origin(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name == b"origin" for name, _ in headers)


def vary_origin(headers: Any) -> list[tuple[bytes, bytes]]:
    """The headers with `Origin` added to their `Vary` (one `Vary` header, as Starlette does)."""
    result = list(headers)
    for index, (name, value) in enumerate(result):
        if name.lower() == b"vary":
            result[index] = (name, value + b", Origin")
            return result
    result.append((b"vary", b"Origin"))
    return result
