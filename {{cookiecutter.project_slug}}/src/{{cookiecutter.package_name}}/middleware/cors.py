"""CORS for the browser origins in CORS_ORIGINS, through Starlette's (pure ASGI) middleware.

Without origins there is no CORS middleware at all: browsers then keep other sites' pages from
reading the API's answers.
"""

from typing import Any

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
