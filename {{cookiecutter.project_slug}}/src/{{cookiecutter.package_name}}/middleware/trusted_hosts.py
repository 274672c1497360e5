"""Answer only for the host names in ALLOWED_HOSTS; any other `Host` gets a 400 problem.

A service that answers for any name can be reached through a name an attacker controls (DNS
rebinding), and puts that name into the absolute URLs it builds (`Location`, links).
"""

from collections.abc import Iterable

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from {{ cookiecutter.package_name }}.api.http.problems import send_problem
from {{ cookiecutter.package_name }}.errors import InvalidHostError

logger = structlog.get_logger(__name__)

# Probes and scrapes address each replica by its IP (Kubernetes probes send `Host: <pod IP>`),
# which no allow-list can know in advance; they reveal nothing a host name would guard.
EXEMPT_PREFIXES = ("/health/", "/metrics")
POLICY_VIOLATION = 1008  # the close code of a refused upgraded connection


class TrustedHostMiddleware:
    """`api.example.com` allows itself, `*.example.com` every subdomain (not the bare domain).

    Ports are ignored on both sides. No names, or `*`, allow any host: fine in development and
    staging, refused in production by `Settings`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: Iterable[str],
        exempt: tuple[str, ...] = EXEMPT_PREFIXES,
    ) -> None:
        self.app = app
        hosts = {_hostname(host) for host in allowed_hosts}
        self.any_host = not hosts or "*" in hosts
        self.names = frozenset(host for host in hosts if not host.startswith("*."))
        self.suffixes = tuple(host[1:] for host in hosts if host.startswith("*."))
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.any_host or scope["type"] == "lifespan" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        host = _hostname(_host_header(scope))
        if host in self.names or host.endswith(self.suffixes):
            await self.app(scope, receive, send)
            return
        logger.info("host_refused", host=host[:200])
        if scope["type"] == "http":
            error = InvalidHostError("The Host header names no host this service answers for.")
            await send_problem(error, scope, receive, send)
        else:  # an upgraded connection: refused before it is accepted (the server answers 403)
            await send({"type": f"{scope['type']}.close", "code": POLICY_VIOLATION})


def _host_header(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"host":
            return str(value.decode("latin-1"))
    return ""


def _hostname(host: str) -> str:
    """`API.Example.com.:8443` -> `api.example.com`; `[::1]:8000` -> `[::1]`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0].rstrip(".")
