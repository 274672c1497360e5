"""The Origin allow-list, checked at the handshake.

Browsers send `Origin` and let any page open a WebSocket to any host, with the user's
cookies: the check keeps other sites' pages out. Clients that are not browsers send no
`Origin` (and could forge one), so they pass; they are the authentication step's business.
"""

from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.datastructures import Headers


def origin_allowed(headers: Headers, allowed: Collection[str]) -> bool:
    origin = headers.get("origin")
    if origin is None:
        return True
    origin = origin.lower().rstrip("/")
    if "*" in allowed or origin in allowed:
        return True
    # A page served by this very host (same origin) may always connect.
    host = headers.get("host")
    return host is not None and urlsplit(origin).netloc == host.lower()


def normalize(origins: Collection[str]) -> frozenset[str]:
    return frozenset(origin.lower().rstrip("/") for origin in origins)
