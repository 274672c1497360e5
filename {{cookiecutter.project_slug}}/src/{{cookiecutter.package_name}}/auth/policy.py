"""Who may call what: one table for the whole HTTP API, checked on every request.

A route missing from `HTTP` is refused (403) to every caller, so a new route stays closed until
it is listed here (and `tests/auth/test_policy.py` fails until then). Keys are the method and
the route template as FastAPI reports it, with its prefixes and `{path_parameters}`.
"""

# scaffold: registry

from dataclasses import dataclass

from {{ cookiecutter.package_name }}.auth.roles import Role


@dataclass(frozen=True, slots=True)
class Access:
    """`public`: no token needed. Otherwise a valid token holding every role in `roles`."""

    public: bool = False
    roles: frozenset[Role] = frozenset()


PUBLIC = Access(public=True)


def requires(*roles: Role) -> Access:
    return Access(roles=frozenset(roles))


HTTP: dict[tuple[str, str], Access] = {
    # Probes are included before the gate (main.py) and answer without it; listed all the same,
    # so that this table names every route.
    ("GET", "/health/live"): PUBLIC,
    ("GET", "/health/ready"): PUBLIC,
    ("GET", "/api/v1/items"): requires(Role.READER),
    ("GET", "/api/v1/items/{item_id}"): requires(Role.READER),
    ("POST", "/api/v1/items"): requires(Role.WRITER),
    ("PATCH", "/api/v1/items/{item_id}"): requires(Role.WRITER),
    ("DELETE", "/api/v1/items/{item_id}"): requires(Role.WRITER),
}

# Documentation and metrics, whatever serves them (FastAPI's plain routes, a mounted app).
PUBLIC_PATHS = frozenset(
    {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/metrics", "/asyncapi.json"}
)


def http_access(method: str, route: str) -> Access | None:
    """The rule for a route, or None when it is not listed (the caller refuses it)."""
    if route in PUBLIC_PATHS:
        return PUBLIC
    if method == "HEAD":
        method = "GET"
    return HTTP.get((method, route))
