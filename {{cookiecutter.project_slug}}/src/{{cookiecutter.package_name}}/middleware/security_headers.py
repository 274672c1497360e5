"""Security headers on every HTTP response, the problems of errors included.

The API answers JSON only, so its content policy allows nothing at all; FastAPI's docs pages get
a policy of their own that lets Swagger UI and ReDoc run (`docs_page_headers`).
"""

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from fastapi import FastAPI

RawHeaders = list[tuple[bytes, bytes]]

API_POLICY = "default-src 'none'; frame-ancestors 'none'"

# What the pages of `fastapi.openapi.docs` load by default, and nothing more;
# tests/test_security_headers.py checks the served pages against it.
SWAGGER_JS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
SWAGGER_CSS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
REDOC_JS = "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"
FONTS_CSS = "https://fonts.googleapis.com/css"
FONTS = "https://fonts.gstatic.com"
FAVICON = "https://fastapi.tiangolo.com/img/favicon.png"


class SecurityHeaders:
    """The headers `EdgeMiddleware` adds to every HTTP response that does not set them itself
    (a route may choose its own).

    `page_headers` replace some of them on exact paths, such as the docs pages' policy.
    `Strict-Transport-Security` is sent when `hsts_max_age` is not 0.
    """

    def __init__(
        self,
        *,
        hsts_max_age: int = 0,
        page_headers: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        defaults = {
            "x-content-type-options": "nosniff",
            "x-frame-options": "DENY",
            "referrer-policy": "no-referrer",
            "cross-origin-opener-policy": "same-origin",
            "content-security-policy": API_POLICY,
        }
        if hsts_max_age:
            defaults["strict-transport-security"] = f"max-age={hsts_max_age}"
        self.headers = _raw(defaults)
        self.pages = {
            path: _raw(defaults | {name.lower(): value for name, value in headers.items()})
            for path, headers in (page_headers or {}).items()
        }

    def added_to(self, path: str, headers: Iterable[tuple[bytes, bytes]]) -> RawHeaders:
        """The response's `headers`, then each of this path's headers that they lack."""
        headers = list(headers)
        present = {name.lower() for name, _ in headers}
        headers += [
            header for header in self.pages.get(path, self.headers) if header[0] not in present
        ]
        return headers


def docs_page_headers(app: FastAPI, *, connect_to: Iterable[str] = ()) -> dict[str, dict[str, str]]:
    """The headers of FastAPI's docs pages: Swagger UI and ReDoc load their code from a CDN,
    and Swagger UI is started by an inline script. `connect_to` are URLs the pages may call
    besides this service (only their origin counts)."""
    connect = " ".join(["'self'", *(_origin(url) for url in connect_to)])
    image = f"'self' data: {FAVICON}"
    pages: dict[str, dict[str, str]] = {}
    if app.docs_url:
        swagger = _policy(
            script=f"'unsafe-inline' {SWAGGER_JS}",
            style=f"'unsafe-inline' {SWAGGER_CSS}",  # Swagger UI also styles elements inline
            img=image,
            connect=connect,
        )
        # Swagger UI's OAuth2 login runs in a popup that calls back into this page.
        pages[app.docs_url] = _page(swagger, opener="same-origin-allow-popups")
    if app.docs_url and app.swagger_ui_oauth2_redirect_url:
        # The popup's last page: it hands the result to its opener, so it must keep one.
        pages[app.swagger_ui_oauth2_redirect_url] = _page(
            _policy(script="'unsafe-inline'"), opener="unsafe-none"
        )
    if app.redoc_url:
        redoc = _policy(
            script=REDOC_JS,
            style=f"'unsafe-inline' {FONTS_CSS}",
            font=FONTS,
            img=image,
            connect=connect,
            worker="blob:",  # ReDoc's search index runs in a worker built from a blob
        )
        pages[app.redoc_url] = _page(redoc)
    return pages


def _policy(**sources: str) -> str:
    """`script="x"` -> `script-src x`, between `default-src 'none'` and the framing rules."""
    directives = [f"{kind}-src {allowed}" for kind, allowed in sources.items()]
    framing = ["frame-ancestors 'none'", "base-uri 'none'"]
    return "; ".join(["default-src 'none'", *directives, *framing])


def _page(policy: str, *, opener: str | None = None) -> dict[str, str]:
    headers = {"content-security-policy": policy}
    if opener:
        headers["cross-origin-opener-policy"] = opener
    return headers


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _raw(headers: Mapping[str, str]) -> RawHeaders:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
