"""The route template a request matched, for logs, metrics and the audit log."""

from starlette.types import Scope


def route_template(scope: Scope) -> str | None:
    """`/api/v1/items/{item_id}`, with every router prefix; None when no route matched.

    FastAPI applies the prefixes of nested `include_router` calls lazily: the matched route's
    own `path` lacks them (`/items/{item_id}`), the effective route context has them all.
    """
    context = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(context, "path_format", None)
    if isinstance(template, str) and template:
        return template
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else None
