"""Audit every HTTP write (POST, PUT, PATCH, DELETE) once its response has been sent.

`EdgeMiddleware` opens the actor scope of each request or connection, and calls `record_write`
after a write's response. The entry names the route template (`PATCH /api/v1/items/{item_id}`),
not the raw path; requests that match no route are not actions on anything and are not recorded.
"""

from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import Message, Scope

from {{ cookiecutter.package_name }}.audit import AuditEntry, AuditLog

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def location_of(start: Message) -> str | None:
    """The `Location` of an `http.response.start` message: where a creation put its resource."""
    return Headers(raw=start.get("headers", [])).get("location")


def record_write(scope: Scope, route: str | None, status: int, location: str | None) -> None:
    container = getattr(scope["app"].state, "container", None) if "app" in scope else None
    audit: AuditLog | None = getattr(container, "audit", None)
    if route is None or audit is None:
        return
    details: dict[str, Any] = {"path": scope["path"]}
    if query := scope.get("query_string", b""):
        details["query"] = dict(parse_qsl(query.decode("latin-1")))
    audit.record(
        AuditEntry.from_context(
            f"{scope['method']} {route}",
            status,
            resource_id=_resource_id(scope.get("path_params") or {}, status, location),
            client_ip=scope["client"][0] if scope.get("client") else None,
            details=details,
        )
    )


def _resource_id(path_params: dict[str, Any], status: int, location: str | None) -> str | None:
    """The `{..._id}` path parameter, or for a creation the last segment of its `Location`."""
    for name, value in path_params.items():
        if name == "id" or name.endswith("_id"):
            return str(value)
    if status < 300 and location:
        return location.rstrip("/").rsplit("/", 1)[-1] or None
    return None
