"""`X-Request-ID`: the client's when it is safe, else a new full-length one; bound for logs."""

import re
from contextvars import Token

import structlog
from starlette.types import Scope

from {{ cookiecutter.package_name }}.request_context import new_request_id, request_id_var

HEADER = b"x-request-id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_of(scope: Scope) -> str:
    """The client's id, or a new one."""
    return _incoming(scope) or new_request_id()


def bind_request_id(request_id: str) -> Token[str | None]:
    """Make `request_id` the current one, for every log line (`logs.add_request_id`), problem
    and audit entry; returns the token `request_id_var.reset` takes. A new request starts with
    no other log context."""
    token = request_id_var.set(request_id)
    structlog.contextvars.clear_contextvars()
    return token


def _incoming(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == HEADER:
            candidate = value.decode("latin-1")
            # A client-chosen id lands in logs: accept only a safe, bounded one.
            return candidate if _VALID.match(candidate) else None
    return None
