"""One audit entry, and the redaction of sensitive values in its details."""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from {{ cookiecutter.package_name }}.request_context import current_actor, current_request_id

REDACTED = "[redacted]"
# A key containing any of these (case-insensitive, `-` read as `_`) has its value replaced.
SENSITIVE_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "api_key",
    "apikey",
    "credential",
    "private_key",
    "session",
)
MAX_DEPTH = 6
MAX_STRING = 1024
MAX_ITEMS = 100
TEXT_LIMITS = {"actor": 255, "action": 255, "resource_id": 255, "request_id": 128, "client_ip": 64}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    action: str  # "POST /api/v1/items" (route template) or a message type ("items.create")
    status: int  # the HTTP status, or the status of the problem a message was answered with
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    actor: str | None = None  # None: anonymous
    resource_id: str | None = None
    request_id: str | None = None
    client_ip: str | None = None
    details: Mapping[str, Any] | None = None

    @classmethod
    def from_context(
        cls,
        action: str,
        status: int,
        *,
        resource_id: str | None = None,
        client_ip: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> "AuditEntry":
        """An entry for the current request or message: its actor and request id filled in."""
        return cls(
            action=action,
            status=status,
            actor=current_actor(),
            resource_id=resource_id,
            request_id=current_request_id(),
            client_ip=client_ip,
            details=details,
        )

    @property
    def outcome(self) -> str:
        if self.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            return "error"
        return "rejected" if self.status >= HTTPStatus.BAD_REQUEST else "success"

    def row(self) -> dict[str, Any]:
        """Column values, cut to the column sizes: one odd entry must not fail a whole batch."""
        texts = {name: getattr(self, name) for name in TEXT_LIMITS}
        return {
            **{name: _cut(value, TEXT_LIMITS[name]) for name, value in texts.items()},
            "occurred_at": self.occurred_at,
            "status": self.status,
            "outcome": self.outcome,
            "details": redact(self.details) if self.details is not None else None,
        }


def is_sensitive(key: str) -> bool:
    normalized = key.lower().replace("-", "_")
    return any(part in normalized for part in SENSITIVE_KEY_PARTS)


def redact(value: Any, _depth: int = 0) -> Any:
    """A JSON-safe copy of `value` with sensitive keys' values replaced, at any depth."""
    if _depth > MAX_DEPTH:
        return "[truncated]"
    if isinstance(value, Mapping):
        return {
            _cut(str(key), MAX_STRING) or "": (
                REDACTED if is_sensitive(str(key)) else redact(item, _depth + 1)
            )
            for key, item in list(value.items())[:MAX_ITEMS]
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item, _depth + 1) for item in list(value)[:MAX_ITEMS]]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN or Infinity
    if value is None or isinstance(value, bool | int | float):
        return value
    return _cut(str(value), MAX_STRING)


def _cut(value: str | None, limit: int) -> str | None:
    """At most `limit` characters PostgreSQL accepts: no NUL, no lone surrogate."""
    if value is None:
        return None
    value = value[:limit].replace("\x00", "")
    return value.encode("utf-8", "replace").decode("utf-8")
