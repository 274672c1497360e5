"""Audit every HTTP write (POST, PUT, PATCH, DELETE) once its response has been sent."""

from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.audit import AuditEntry, AuditLog
from {{ cookiecutter.package_name }}.middleware.routes import route_template
from {{ cookiecutter.package_name }}.request_context import actor_scope

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuditMiddleware:
    """Opens the actor scope of each request or connection, and records HTTP writes.

    The entry names the route template (`PATCH /api/v1/items/{item_id}`), not the raw path;
    requests that match no route are not actions on anything and are not recorded.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        with actor_scope():
            if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
                await self.app(scope, receive, send)
                return
            response: dict[str, Any] = {"status": 500, "location": None}

            async def send_recording_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    response["status"] = message["status"]
                    response["location"] = Headers(raw=message.get("headers", [])).get("location")
                await send(message)

            try:
                await self.app(scope, receive, send_recording_status)
            finally:
                _record(scope, response["status"], response["location"])


def _record(scope: Scope, status: int, location: str | None) -> None:
    route = route_template(scope)
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
