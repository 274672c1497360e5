"""The real client behind trusted reverse proxies, from `X-Forwarded-For` and `-Proto`.

The one place these headers are read (`__main__.py` turns uvicorn's own handling off): the
rate limits, the access log and the audit log all see `scope["client"]` as rewritten here.
"""

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

from starlette.types import ASGIApp, Receive, Scope, Send

Address = IPv4Address | IPv6Address


class ProxyHeadersMiddleware:
    """Believes the forwarding headers only when the direct peer is a trusted proxy.

    Each proxy appends the address it got the request from to `X-Forwarded-For`, so anything
    left of the last untrusted address may be the client's invention: the client is the
    right-most address that is not a trusted proxy.
    """

    def __init__(self, app: ASGIApp, *, trusted: Iterable[str]) -> None:
        self.app = app
        self.networks = tuple(ip_network(proxy, strict=False) for proxy in trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        if scope["type"] == "lifespan" or not peer or not self._trusted(_parse(peer[0])):
            await self.app(scope, receive, send)
            return
        forwarded_for, forwarded_proto = _forwarding_headers(scope["headers"])
        scope = dict(scope)
        if forwarded_for and (client := self._client(forwarded_for)):
            scope["client"] = (client, 0)
        # Only HTTP requests: the scheme of an upgraded connection is nobody's input.
        if scope["type"] == "http" and forwarded_proto in ("http", "https"):
            scope["scheme"] = forwarded_proto
        await self.app(scope, receive, send)

    def _trusted(self, address: Address | None) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def _client(self, forwarded_for: list[str]) -> str | None:
        address = None
        for entry in reversed(forwarded_for):
            address = _parse(entry)
            if address is None:  # not an address where our proxy writes one: believe nothing
                return None
            if not self._trusted(address):
                break
        # When every hop is a trusted proxy, the request started inside, at the left-most one.
        return str(address) if address is not None else None


def _parse(value: str) -> Address | None:
    try:
        address = ip_address(value.strip())
    except ValueError:
        return None
    # An IPv4 peer on a dual-stack socket shows up as ::ffff:a.b.c.d.
    mapped = address.ipv4_mapped if isinstance(address, IPv6Address) else None
    return mapped or address


def _forwarding_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[list[str], str]:
    """Every `X-Forwarded-For` hop in order, and the last `X-Forwarded-Proto` value."""
    hops: list[str] = []
    proto = ""
    for name, value in headers:
        if name == b"x-forwarded-for":
            hops += [hop.strip() for hop in value.decode("latin-1").split(",") if hop.strip()]
        elif name == b"x-forwarded-proto":
            proto = value.decode("latin-1").rsplit(",", 1)[-1].strip().lower()
    return hops, proto
